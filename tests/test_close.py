"""Socket.close(): the graceful close of the Winsock documentation, with bounds.

``shutdown(SD_SEND)``, then ``recv`` until the peer's end of stream, then
``closesocket``; a peer that never closes or floods cannot hold it beyond
``drain_timeout`` seconds or ``drain_limit`` bytes, and the report says why.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable

import pytest

import winsockx.sockets as sockets_module
from winsockx import (
    AF_INET,
    AF_INET6,
    SOCK_DGRAM,
    SOL_SOCKET,
    CloseReason,
    CloseReport,
    ShutdownHow,
    Socket,
    SocketOption,
    WinsockError,
    raw,
)

from .conftest import Sockets

KIB = 1024
MIB = 1024 * KIB
JOIN = 30.0  # seconds any helper thread gets to finish


def plain_close(sock: Socket) -> None:
    """closesocket() the handle with no shutdown or draining, as a careless peer would."""
    raw.closesocket(sock.detach())


def recv_all(sock: Socket) -> bytes:
    """Read until end of stream."""
    chunks: list[bytes] = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def recv_exactly(sock: Socket, size: int) -> bytes:
    """Read exactly *size* bytes."""
    chunks: list[bytes] = []
    while size:
        chunk = sock.recv(size)
        assert chunk, "unexpected end of stream"
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def wait_readable(sock: Socket, timeout: float = 10.0) -> None:
    """Wait until *sock* has something to read (data, end of stream or a reset)."""
    assert raw.select([sock.fileno()], [], [], timeout)[0], "nothing arrived in time"


class Peer(threading.Thread):
    """Runs *action* on a thread and keeps what it raised, for the test to check."""

    def __init__(self, action: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self._action = action
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            self._action()
        except BaseException as exc:
            self.errors.append(exc)

    def finish(self) -> None:
        """Join within the bound and re-raise what the thread raised."""
        self.join(JOIN)
        assert not self.is_alive(), "peer thread did not finish"
        if self.errors:
            raise self.errors[0]


@pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["ipv4", "ipv6"])
def test_peer_data_then_close_is_drained(sockets: Sockets, family: int) -> None:
    """Data the peer sent and we had not read is drained; the peer's close makes it graceful."""
    ours, peer = sockets.pair(family)
    ours.settimeout(10)
    payload = bytes(range(256)) * 20  # 5120 bytes
    peer.sendall(payload)
    plain_close(peer)
    assert recv_exactly(ours, 1000) == payload[:1000]
    wait_readable(ours)
    report = ours.close(drain_timeout=10)
    assert isinstance(report, CloseReport)
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful is True
    assert report.drained_bytes == len(payload) - 1000
    assert 0 <= report.seconds < 10
    assert ours.closed


def test_nothing_to_drain_is_graceful(sockets: Sockets) -> None:
    """A peer that closes without sending gives a graceful close with 0 bytes drained."""
    ours, peer = sockets.pair()
    plain_close(peer)
    report = ours.close(drain_timeout=10)
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful is True
    assert report.drained_bytes == 0


def test_our_data_reaches_the_peer(sockets: Sockets) -> None:
    """1 MiB sent before close() is fully received by the peer, then its end of stream."""
    ours, peer = sockets.pair()
    payload = bytes(range(251)) * (MIB // 251) + b"end"
    received: list[bytes] = []
    peer.settimeout(20)

    def read_then_close() -> None:
        received.append(recv_all(peer))
        peer.close(drain_timeout=5)

    thread = Peer(read_then_close)
    thread.start()
    ours.settimeout(20)
    ours.sendall(payload)
    report = ours.close(drain_timeout=20)
    thread.finish()
    assert len(received) == 1
    assert len(received[0]) == len(payload)
    assert received[0] == payload
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful is True
    assert report.drained_bytes == 0


def test_server_side_close_is_graceful(sockets: Sockets) -> None:
    """The accepted side closes gracefully too, once the client reads our end and closes."""
    client, server = sockets.pair()
    client.sendall(b"request")
    client.shutdown(ShutdownHow.SD_SEND)
    server.settimeout(10)
    assert recv_all(server) == b"request"
    client.settimeout(10)

    def client_reads_then_closes() -> None:
        assert recv_all(client) == b""
        plain_close(client)

    closer = Peer(client_reads_then_closes)
    closer.start()
    report = server.close(drain_timeout=10)
    closer.finish()
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful is True
    assert report.drained_bytes == 0


def test_silent_peer_times_out(sockets: Sockets) -> None:
    """A peer that never closes: close(drain_timeout=0.3) gives up after about 0.3 s."""
    ours, peer = sockets.pair()
    started = time.monotonic()
    report = ours.close(drain_timeout=0.3)
    elapsed = time.monotonic() - started
    assert report.reason is CloseReason.TIMEOUT
    assert report.graceful is False
    assert report.drained_bytes == 0
    assert 0.25 <= elapsed < 2.0
    assert 0.25 <= report.seconds <= elapsed
    assert ours.closed
    # The handle really is closed: the peer now sees our FIN (end of stream).
    peer.settimeout(10)
    assert peer.recv(10) == b""


def test_zero_timeout_does_not_wait(sockets: Sockets) -> None:
    """drain_timeout=0 closes at once with reason TIMEOUT when the peer is still open."""
    ours, _ = sockets.pair()
    started = time.monotonic()
    report = ours.close(drain_timeout=0)
    assert time.monotonic() - started < 1.0
    assert report.reason is CloseReason.TIMEOUT
    assert report.graceful is False


def test_flooding_peer_hits_the_limit(sockets: Sockets) -> None:
    """A peer sending without end: close(drain_limit=64 KiB) stops just past the limit, fast."""
    ours, peer = sockets.pair()
    stop = threading.Event()
    chunk = b"f" * (16 * KIB)
    peer.settimeout(5)

    def flood() -> None:
        try:
            while not stop.is_set():
                peer.send(chunk)
        except WinsockError:
            pass  # our close resets the connection: the flood ends here

    thread = Peer(flood)
    thread.start()
    wait_readable(ours)
    started = time.monotonic()
    report = ours.close(drain_timeout=10, drain_limit=64 * KIB)
    elapsed = time.monotonic() - started
    stop.set()
    thread.finish()
    assert report.reason is CloseReason.LIMIT
    assert report.graceful is False
    assert report.drained_bytes > 64 * KIB
    assert report.drained_bytes <= 64 * KIB + 65536
    assert elapsed < 5


def test_exactly_the_limit_then_eof_is_graceful(sockets: Sockets) -> None:
    """A peer that sends exactly drain_limit bytes then closes gives a graceful close."""
    ours, peer = sockets.pair()
    peer.sendall(b"L" * (64 * KIB))
    plain_close(peer)
    report = ours.close(drain_timeout=10, drain_limit=64 * KIB)
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful is True
    assert report.drained_bytes == 64 * KIB


def test_one_byte_over_the_limit(sockets: Sockets) -> None:
    """One byte more than drain_limit is reported as LIMIT, not as a graceful close."""
    ours, peer = sockets.pair()
    peer.sendall(b"L" * (4 * KIB + 1))
    plain_close(peer)
    wait_readable(ours)
    # Give the whole burst time to arrive so the limit, not the timing, decides.
    time.sleep(0.2)
    report = ours.close(drain_timeout=10, drain_limit=4 * KIB)
    assert report.reason is CloseReason.LIMIT
    assert report.graceful is False
    assert report.drained_bytes == 4 * KIB + 1


def test_zero_limit_with_pending_data(sockets: Sockets) -> None:
    """drain_limit=0 with one unread byte: LIMIT with 1 byte drained."""
    ours, peer = sockets.pair()
    peer.sendall(b"!")
    wait_readable(ours)
    report = ours.close(drain_timeout=10, drain_limit=0)
    assert report.reason is CloseReason.LIMIT
    assert report.drained_bytes == 1


@pytest.mark.wine_gap(
    "Wine 8's recv reports a reset by the peer as end of stream (0 bytes, SO_ERROR 0),"
    " so close() sees PEER_CLOSED"
)
def test_reset_by_peer(sockets: Sockets) -> None:
    """A peer that closes with SO_LINGER (1, 0) resets the connection: reason RESET.

    Windows' recv fails with WSAECONNRESET (10054) after an abortive close by the peer
    (recv documentation), and Linux's with ECONNRESET; Wine 8 returns 0 instead.
    """
    ours, peer = sockets.pair()
    peer.set_option(SocketOption.LINGER, (1, 0))
    plain_close(peer)
    wait_readable(ours)  # the reset has arrived
    report = ours.close(drain_timeout=10)
    assert report.reason is CloseReason.RESET
    assert report.graceful is False
    assert report.drained_bytes == 0
    assert ours.closed


def test_listening_socket_not_connected(sockets: Sockets) -> None:
    """Closing a listening socket does not drain: NOT_CONNECTED, immediately."""
    listener = sockets.listener()
    report = listener.close(drain_timeout=10)
    assert report.reason is CloseReason.NOT_CONNECTED
    assert report.graceful is False
    assert report.drained_bytes == 0
    assert report.seconds < 1.0


@pytest.mark.parametrize("bind", [False, True], ids=["unbound", "bound"])
def test_unconnected_socket_not_connected(sockets: Sockets, bind: bool) -> None:
    """Closing an unconnected stream socket: NOT_CONNECTED."""
    sock = sockets.new()
    if bind:
        sock.bind(("127.0.0.1", 0))
    report = sock.close()
    assert report.reason is CloseReason.NOT_CONNECTED
    assert report.graceful is False


def test_udp_not_connected(sockets: Sockets) -> None:
    """A connected UDP socket has no stream to drain: NOT_CONNECTED."""
    a = sockets.new(AF_INET, SOCK_DGRAM)
    b = sockets.new(AF_INET, SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    a.connect(b.getsockname())
    b.connect(a.getsockname())
    b.send(b"pending")
    wait_readable(a)
    report = a.close(drain_timeout=10)
    assert report.reason is CloseReason.NOT_CONNECTED
    assert report.drained_bytes == 0


def test_second_close_returns_the_same_report(sockets: Sockets) -> None:
    """close() after close() returns the identical report object and does nothing."""
    ours, peer = sockets.pair()
    plain_close(peer)
    first = ours.close(drain_timeout=10)
    second = ours.close(drain_timeout=-5)  # bounds are not even checked any more
    assert second is first
    assert first.reason is CloseReason.PEER_CLOSED


def test_exit_uses_a_graceful_close(sockets: Sockets) -> None:
    """Leaving a with block closes gracefully: a peer that already closed sees it drained."""
    ours, peer = sockets.pair()
    peer.sendall(b"unread")
    plain_close(peer)
    with ours:
        pass
    report = ours.close()
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.drained_bytes == 6


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"drain_timeout": -1}, ValueError),
        ({"drain_timeout": math.nan}, ValueError),
        ({"drain_timeout": math.inf}, ValueError),
        ({"drain_timeout": "x"}, TypeError),
        ({"drain_timeout": None}, TypeError),
        ({"drain_timeout": True}, TypeError),
        ({"drain_limit": -1}, ValueError),
        ({"drain_limit": 1.5}, TypeError),
        ({"drain_limit": "64"}, TypeError),
        ({"drain_limit": True}, TypeError),
    ],
)
def test_bad_bounds_refused_and_socket_still_usable(
    sockets: Sockets,
    kwargs: dict[str, Any],
    exc: type[Exception],
) -> None:
    """A bad drain_timeout/drain_limit is refused before anything happens; the socket works on."""
    ours, peer = sockets.pair()
    with pytest.raises(exc, match=next(iter(kwargs))):
        ours.close(**kwargs)
    assert not ours.closed
    ours.sendall(b"still here")
    peer.settimeout(10)
    assert recv_exactly(peer, 10) == b"still here"
    peer.sendall(b"and back")
    ours.settimeout(10)
    assert recv_exactly(ours, 8) == b"and back"


def test_detach_then_close(sockets: Sockets) -> None:
    """close() after detach() reports DETACHED and leaves the handle open."""
    ours, peer = sockets.pair()
    handle = ours.detach()
    report = ours.close()
    assert report.reason is CloseReason.DETACHED
    assert report.graceful is False
    assert report.drained_bytes == 0
    assert ours.close() is report
    # The handle still works and belongs to the caller now.
    try:
        assert raw.getpeername(handle) == peer.getsockname()
    finally:
        raw.closesocket(handle)


def test_interrupted_drain_still_closes(sockets: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception raised while draining (an injected interrupt) still closes the handle.

    The report says ERROR rather than pretending nothing was connected, and a second
    close() returns that same report. The interrupt is injected into the backend's
    readiness wait, the one thing the OS cannot be asked to do on demand.
    """
    client, _server = sockets.pair(AF_INET)
    handle = client.fileno()

    class Interrupt(BaseException):
        pass

    def interrupting_wait(*args: object, **kwargs: object) -> Any:
        raise Interrupt

    with monkeypatch.context() as patch:
        patch.setattr(sockets_module._backend, "wait", interrupting_wait)
        with pytest.raises(Interrupt):
            client.close(drain_timeout=5.0)
    report = client.close()
    assert report.reason is CloseReason.ERROR
    assert not report.graceful
    with pytest.raises(WinsockError) as info:
        raw.getsockopt(handle, SOL_SOCKET, SocketOption.TYPE.optname)
    assert info.value.winerror == 10038


def test_fast_report_is_the_constructed_report() -> None:
    """The report close() builds on its fast path equals, hashes and prints as the
    dataclass constructor's, and is just as frozen."""
    import dataclasses

    fast = CloseReport._make(True, 7, 0.25, CloseReason.PEER_CLOSED)
    slow = CloseReport(True, 7, 0.25, CloseReason.PEER_CLOSED)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.graceful = False  # type: ignore[misc]
