"""The I/O core and close() under injected faults (tests/fake_backend.py).

The sockets are real loopback sockets and the peer is a stdlib socket, so what
arrives is checked where it arrives; the fake only adds what the OS cannot be made
to do on demand: partial sends, would-block, EINTR, a reset at a chosen moment, a
close from another thread between two given calls.
"""

from __future__ import annotations

import select
import socket as stdlib_socket
import threading
import time
from collections.abc import Iterator
from typing import Callable, Generic, TypeVar

import pytest

from winsockx import CloseReason, CloseReport, Socket, SocketClosedError, SocketOption
from winsockx._backend import WAIT_READ, WAIT_WRITE
from winsockx.errors import WinsockBlockingIOError, WinsockConnectionResetError

from .conftest import Sockets
from .fake_backend import (
    PASS,
    Fault,
    FaultyBackend,
    after,
    before,
    eintr,
    install,
    interrupted_after_call,
    partial,
    reset,
    returns,
    would_block,
)

JOIN = 10.0  # seconds any helper thread gets to finish
_R = TypeVar("_R")


class Worker(threading.Thread, Generic[_R]):
    """Runs *action* on a thread and keeps its result or what it raised."""

    def __init__(self, action: Callable[[], _R]) -> None:
        super().__init__(daemon=True)
        self._action = action
        self.result: _R | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._action()
        except BaseException as exc:
            self.error = exc

    def finish(self) -> _R | None:
        """Join within the bound; re-raise what the thread raised."""
        self.join(JOIN)
        assert not self.is_alive(), "helper thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FaultyBackend:
    """The fault-injecting backend under every Socket the test makes."""
    return install(monkeypatch)


@pytest.fixture
def peers() -> Iterator[list[stdlib_socket.socket]]:
    """Stdlib sockets the test makes; closed after it."""
    made: list[stdlib_socket.socket] = []
    yield made
    for sock in made:
        sock.close()


def connected(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> tuple[Socket, stdlib_socket.socket]:
    """A winsockx client connected over 127.0.0.1 to a stdlib peer (blocking, 10 s timeout)."""
    listener = stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM)
    peers.append(listener)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    ours = sockets.new()
    ours.settimeout(10)
    ours.connect(listener.getsockname())
    peer, _ = listener.accept()
    peers.append(peer)
    listener.close()
    peer.settimeout(10)
    ours.settimeout(None)
    return ours, peer


def peer_readable(peer: stdlib_socket.socket, timeout: float = 10.0) -> None:
    """Wait until the stdlib *peer* has something to read."""
    assert select.select([peer], [], [], timeout)[0], "nothing reached the peer in time"


def ours_readable(sock: Socket, fake: FaultyBackend, timeout: float = 10.0) -> None:
    """Wait (through the real backend, unrecorded) until *sock* has something to read."""
    assert fake.real.wait(sock.fileno(), WAIT_READ, timeout), "nothing arrived in time"


def read_until_eof(peer: stdlib_socket.socket) -> bytes:
    """Everything the stdlib *peer* receives until end of stream."""
    chunks: list[bytes] = []
    while True:
        chunk = peer.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_exactly(peer: stdlib_socket.socket, size: int) -> bytes:
    """Exactly *size* bytes from the stdlib *peer*."""
    chunks: list[bytes] = []
    while size:
        chunk = peer.recv(size)
        assert chunk, "unexpected end of stream"
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def methods(fake: FaultyBackend, handle: int, since: int = 0) -> list[str]:
    """The methods called with *handle*, in order."""
    return [c.method for c in fake.with_handle(handle, since)]


PAYLOAD = bytes(i * 7 % 251 for i in range(60_000))  # no period that divides a send size


# -- sendall over partial sends --------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 7, 4096])
def test_sendall_over_partial_sends_delivers_every_byte_in_order(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend, limit: int
) -> None:
    """sendall loops over sends that take at most *limit* bytes; the peer gets all, in order."""
    payload = PAYLOAD[: 5000 if limit == 1 else len(PAYLOAD)]
    ours, peer = connected(sockets, peers)
    reader = Worker(lambda: read_exactly(peer, len(payload)))
    reader.start()
    fake.send_limit = limit
    ours.sendall(payload)
    assert reader.finish() == payload
    sends = fake.calls_of("send")
    assert {c.handle for c in sends} == {ours.fileno()}
    assert len(sends) >= -(-len(payload) // limit)
    # Each send was offered exactly the rest of the payload.
    offered = [c.detail for c in sends]
    assert offered[0] == len(payload)
    assert all(isinstance(n, int) and 0 < n <= len(payload) for n in offered)


def test_sendall_over_scripted_partial_sends(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """Irregular partial sends (3, 1, 1000, 2 bytes, then the rest) still deliver in order."""
    ours, peer = connected(sockets, peers)
    payload = PAYLOAD[:20_000]
    fake.script("send", partial(3), partial(1), partial(1000), partial(2))
    ours.sendall(payload)
    assert read_exactly(peer, len(payload)) == payload
    assert [c.detail for c in fake.calls_of("send")][:5] == [20_000, 19_997, 19_996, 18_996, 18_994]


# -- EINTR (PEP 475) ----------------------------------------------------------------


@pytest.mark.parametrize("timeout", [None, 5.0], ids=["no-timeout", "timeout"])
def test_eintr_is_retried_by_recv(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend, timeout: float | None
) -> None:
    """recv interrupted twice by a signal retries and returns the data; nothing surfaces."""
    ours, peer = connected(sockets, peers)
    ours.settimeout(timeout)
    peer.sendall(b"hello")
    ours_readable(ours, fake)
    fake.script("recv", eintr(), eintr())
    assert ours.recv(100) == b"hello"
    assert methods(fake, ours.fileno()).count("recv") == 3


def test_eintr_is_retried_by_recv_into(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """recv_into interrupted by a signal retries and fills the buffer."""
    ours, peer = connected(sockets, peers)
    peer.sendall(b"abcdef")
    ours_readable(ours, fake)
    fake.script("recv_into", eintr())
    buffer = bytearray(16)
    assert ours.recv_into(buffer) == 6
    assert bytes(buffer[:6]) == b"abcdef"
    assert len(fake.calls_of("recv_into")) == 2


@pytest.mark.parametrize("timeout", [None, 5.0], ids=["no-timeout", "timeout"])
def test_eintr_is_retried_by_send_and_sendall(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend, timeout: float | None
) -> None:
    """send and sendall interrupted by signals retry; the peer gets each byte once."""
    ours, peer = connected(sockets, peers)
    ours.settimeout(timeout)
    fake.script("send", eintr(), eintr())
    assert ours.send(b"abc") == 3
    fake.script("send", partial(2), eintr(), partial(2), eintr())
    ours.sendall(b"defghij")
    assert read_exactly(peer, 10) == b"abcdefghij"
    assert len(fake.calls_of("send")) == 3 + 5


def test_eintr_is_retried_by_accept(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """accept interrupted by a signal retries and returns the pending connection."""
    listener = sockets.listener()
    client = stdlib_socket.create_connection(("127.0.0.1", listener.getsockname().port), timeout=10)
    peers.append(client)
    ours_readable(listener, fake)
    fake.script("accept", eintr(), eintr())
    conn, address = listener.accept()
    sockets.track(conn)
    assert address.port == client.getsockname()[1]
    conn.sendall(b"hi")
    assert read_exactly(client, 2) == b"hi"
    assert methods(fake, listener.fileno()).count("accept") == 3


@pytest.mark.parametrize("timeout", [None, 5.0], ids=["no-timeout", "timeout"])
def test_eintr_is_retried_by_connect(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend, timeout: float | None
) -> None:
    """A connect that a signal interrupts goes on; connect() waits for it and succeeds."""
    listener = stdlib_socket.socket()
    peers.append(listener)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    ours = sockets.new()
    ours.settimeout(timeout)
    fake.script("connect", interrupted_after_call())
    ours.connect(listener.getsockname())
    listener.settimeout(10)
    peer, _ = listener.accept()
    peers.append(peer)
    assert ours.getpeername().port == listener.getsockname()[1]
    ours.sendall(b"ok")
    peer.settimeout(10)
    assert read_exactly(peer, 2) == b"ok"
    handle_calls = methods(fake, ours.fileno())
    assert handle_calls.count("connect") == 1
    assert "wait" in handle_calls[handle_calls.index("connect") :]


def test_interrupted_wait_is_retried(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """A readiness wait that a signal ends early (wait -> False) is simply waited again."""
    ours, peer = connected(sockets, peers)
    peer.sendall(b"data")
    ours_readable(ours, fake)
    mark = len(fake.calls)
    fake.script("recv", would_block())
    fake.script("wait", returns(False), returns(False), returns(False))
    assert ours.recv(10) == b"data"
    assert methods(fake, ours.fileno(), mark) == ["recv", "wait", "wait", "wait", "wait", "recv"]


def test_interrupted_waits_keep_the_deadline(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """With waits that signals keep interrupting, recv still times out at its deadline."""
    ours, _peer = connected(sockets, peers)
    ours.settimeout(0.5)
    fake.always("wait", Fault(before=lambda: time.sleep(0.01), result=False))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        ours.recv(10)
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed <= 1.0
    assert len(fake.calls_of("wait")) > 5


# -- would-block ------------------------------------------------------------------------


def test_would_block_recv_waits_then_retries(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """recv that would block waits for readability on its own handle, then tries again."""
    ours, peer = connected(sockets, peers)
    peer.sendall(b"xyz")
    ours_readable(ours, fake)
    mark = len(fake.calls)
    fake.script("recv", would_block(), would_block())
    assert ours.recv(10) == b"xyz"
    calls = fake.with_handle(ours.fileno(), mark)
    assert [c.method for c in calls] == ["recv", "wait", "recv", "wait", "recv"]
    assert [c.detail for c in calls if c.method == "wait"] == [WAIT_READ, WAIT_READ]


def test_would_block_send_waits_then_retries(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """send that would block waits for writability, then sends; the peer gets it once."""
    ours, peer = connected(sockets, peers)
    mark = len(fake.calls)
    fake.script("send", would_block())
    assert ours.send(b"once") == 4
    calls = fake.with_handle(ours.fileno(), mark)
    assert [c.method for c in calls] == ["send", "wait", "send"]
    assert calls[1].detail == WAIT_WRITE
    fake.script("send", partial(1), would_block(), partial(1))
    ours.sendall(b"more")
    assert read_exactly(peer, 8) == b"oncemore"


def test_would_block_accept_waits_then_retries(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """accept that would block waits for a pending connection, then accepts it."""
    listener = sockets.listener()
    client = stdlib_socket.create_connection(("127.0.0.1", listener.getsockname().port), timeout=10)
    peers.append(client)
    ours_readable(listener, fake)
    mark = len(fake.calls)
    fake.script("accept", would_block())
    conn, _ = listener.accept()
    sockets.track(conn)
    assert methods(fake, listener.fileno(), mark) == ["accept", "wait", "accept"]


def test_would_block_surfaces_when_non_blocking(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """With settimeout(0) a would-block is raised at once as BlockingIOError, with no wait."""
    ours, _peer = connected(sockets, peers)
    ours.settimeout(0)
    fake.script("send", would_block())
    mark = len(fake.calls)
    with pytest.raises(WinsockBlockingIOError):
        ours.send(b"x")
    assert methods(fake, ours.fileno(), mark) == ["send"]
    with pytest.raises(BlockingIOError):
        ours.recv(10)  # really nothing to read


# -- a close from another thread -------------------------------------------------------


@pytest.mark.parametrize("closer", ["closing", "closed"])
def test_concurrent_close_between_partial_sends_ends_sendall(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend, closer: str
) -> None:
    """Another thread's close() between two partial sends ends sendall with
    SocketClosedError; the sending thread never passes the handle on afterwards and the
    handle is closed exactly once (by the closer, or by the sender as it leaves)."""
    ours, peer = connected(sockets, peers)
    handle = ours.fileno()
    reader = Worker(lambda: read_until_eof(peer))
    reader.start()
    closer_thread = Worker(lambda: ours.close(drain_timeout=0.2))
    marks: list[int] = []

    def close_from_another_thread() -> None:
        closer_thread.start()
        deadline = time.monotonic() + JOIN
        # "closing": return as soon as close() has begun; "closed": once it reported.
        while time.monotonic() < deadline:
            if closer == "closing" and ours.closed:
                break
            if closer == "closed" and closer_thread.result is not None:
                break
            time.sleep(0.001)
        marks.append(len(fake.calls))

    fake.send_limit = 1000
    fake.at("send", 2, after(close_from_another_thread))
    sender = threading.get_ident()
    with pytest.raises(SocketClosedError):
        ours.sendall(PAYLOAD)
    report = closer_thread.finish()
    assert report is not None
    assert ours.close() is report
    # The peer got exactly the two partial sends, then the end of stream.
    assert reader.finish() == PAYLOAD[:2000]
    assert marks, "the close callback never ran"
    sends = [c for c in fake.calls_of("send") if c.handle == handle]
    assert len(sends) == 2
    later = [c.method for c in fake.with_handle(handle, marks[0]) if c.thread == sender]
    assert set(later) <= {"closesocket"}, later
    closes = [i for i, c in enumerate(fake.calls) if c.method == "closesocket"]
    assert [fake.calls[i].handle for i in closes] == [handle]
    assert not fake.with_handle(handle, closes[0] + 1)
    if closer == "closed":
        # The closer reported while the sender still used the handle: the sender closed it.
        assert later == ["closesocket"]


def test_calls_after_close_never_reach_the_backend(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """Once closed, every call raises SocketClosedError without passing the handle on."""
    ours, peer = connected(sockets, peers)
    handle = ours.fileno()
    peer.close()
    ours.close(drain_timeout=2)
    mark = len(fake.calls)
    attempts: list[Callable[[], object]] = [
        lambda: ours.send(b"x"),
        lambda: ours.sendall(b"x"),
        lambda: ours.recv(1),
        lambda: ours.recv_into(bytearray(1)),
        lambda: ours.getsockname(),
        lambda: ours.getpeername(),
        lambda: ours.get_option(SocketOption.SNDBUF),
        lambda: ours.set_option(SocketOption.SNDBUF, 8192),
        lambda: ours.get_inheritable(),
        lambda: ours.connect(("127.0.0.1", 9)),
        lambda: ours.detach(),
    ]
    for attempt in attempts:
        with pytest.raises(SocketClosedError):
            attempt()
    assert ours.fileno() == -1  # as the stdlib's closed sockets say
    assert fake.calls[mark:] == []
    assert [c.handle for c in fake.calls_of("closesocket")] == [handle]


def test_two_closes_close_the_handle_once(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """close() twice returns the first report and calls closesocket once."""
    ours, peer = connected(sockets, peers)
    handle = ours.fileno()
    peer.close()
    first = ours.close(drain_timeout=2)
    assert ours.close() is first
    assert [c.handle for c in fake.calls_of("closesocket")] == [handle]


# -- the drain -------------------------------------------------------------------------


def test_reset_mid_drain_reports_reset(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """A reset while draining ends close() with reason RESET, not graceful; the handle is
    still closed, once."""
    ours, peer = connected(sockets, peers)
    handle = ours.fileno()
    peer.sendall(b"z" * 100)
    ours_readable(ours, fake)
    fake.script("recv_into", PASS, reset())
    report = ours.close(drain_timeout=5)
    assert report.reason is CloseReason.RESET
    assert report.graceful is False
    assert report.drained_bytes == 100
    assert len(fake.calls_of("recv_into")) == 2
    assert [c.handle for c in fake.calls_of("closesocket")] == [handle]


def test_reset_seen_by_recv_makes_close_report_reset(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """After recv raised ConnectionResetError, close() reports RESET without draining."""
    ours, _peer = connected(sockets, peers)
    fake.script("recv", reset())
    with pytest.raises(WinsockConnectionResetError):
        ours.recv(10)
    report = ours.close(drain_timeout=5)
    assert report.reason is CloseReason.RESET
    assert report.graceful is False
    assert fake.calls_of("recv_into") == []


def test_eintr_during_drain_stays_graceful(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend
) -> None:
    """Signals interrupting the drain's reads and waits do not turn a graceful close into
    ERROR: the peer's end of stream is still awaited and reported."""
    ours, peer = connected(sockets, peers)
    peer.sendall(b"q" * 300)
    peer.shutdown(stdlib_socket.SHUT_WR)
    ours_readable(ours, fake)
    fake.script("recv_into", eintr(), PASS, eintr(), would_block(), eintr())
    fake.script("wait", returns(False))
    report = ours.close(drain_timeout=5)
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful is True
    assert report.drained_bytes == 300
    assert len(fake.calls_of("recv_into")) >= 6
    # Our side's FIN reached the peer too.
    assert read_until_eof(peer) == b""


@pytest.mark.parametrize("where", ["recv_into", "closesocket"])
def test_close_from_a_handler_inside_close_does_not_wait_for_itself(
    sockets: Sockets, peers: list[stdlib_socket.socket], fake: FaultyBackend, where: str
) -> None:
    """A close() that runs inside this thread's own close() (a signal handler firing
    during the drain, or during the final closesocket) returns at once: the close it
    would wait for is suspended under it. The outer close() still reports what happened."""
    ours, peer = connected(sockets, peers)
    peer.close()
    ours_readable(ours, fake)
    nested: list[tuple[CloseReport, float]] = []

    def handler_closes() -> None:
        started = time.monotonic()
        report = ours.close(drain_timeout=0)
        nested.append((report, time.monotonic() - started))

    fake.script(where, before(handler_closes))
    outer = ours.close(drain_timeout=2)
    assert len(nested) == 1
    report, elapsed = nested[0]
    assert isinstance(report, CloseReport)
    assert elapsed < 0.1, f"the nested close() waited {elapsed:.2f} s for itself"
    assert outer.reason is CloseReason.PEER_CLOSED
    assert ours.close() is outer
    assert len(fake.calls_of("closesocket")) == 1
