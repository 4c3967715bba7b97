"""The socket core on real loopback sockets: deadlines, threads, close, handles, signals.

Each test is bounded in time (a few seconds), talks to 127.0.0.1 or ::1 only, and
ends every thread and child process it starts. Peers are stdlib sockets where what
arrives is the point, so the check does not depend on the code under test.
"""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import os
import select
import shutil
import socket as stdlib_socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Callable, Generic, TypeVar

import pytest

from winsockx import (
    AF_INET,
    AF_INET6,
    SOCK_DGRAM,
    CloseReason,
    CloseReport,
    IPv4Address,
    ShutdownHow,
    Socket,
    SocketClosedError,
    SocketOption,
    WinsockError,
    WSAError,
    _loader,
    raw,
)
from winsockx.address import format_host
from winsockx.errors import WinsockBlockingIOError, WinsockTimeoutError

from .conftest import BACKEND, SKIP_POSIX, UNDER_WINE, Sockets, loopback
from .fake_backend import install

KIB = 1024
MIB = 1024 * KIB
JOIN = 10.0  # seconds any helper thread or child gets to finish
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_WINDOWS = BACKEND.name == "ws2_32" and not UNDER_WINE
STD_FAMILY: dict[int, int] = {AF_INET: stdlib_socket.AF_INET, AF_INET6: stdlib_socket.AF_INET6}
FAMILIES = pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["ipv4", "ipv6"])
_R = TypeVar("_R")


# -- helpers ---------------------------------------------------------------------------


class Worker(threading.Thread, Generic[_R]):
    """Runs *action* on a thread; keeps its result or what it raised, and when it ended."""

    def __init__(self, action: Callable[[], _R]) -> None:
        super().__init__(daemon=True)
        self._action = action
        self.result: _R | None = None
        self.error: BaseException | None = None
        self.ended: float | None = None

    def run(self) -> None:
        try:
            self.result = self._action()
        except BaseException as exc:
            self.error = exc
        finally:
            self.ended = time.monotonic()

    def wait(self) -> None:
        """Join within the bound."""
        self.join(JOIN)
        assert not self.is_alive(), "helper thread did not finish"

    def finish(self) -> _R | None:
        """Join within the bound; re-raise what the thread raised."""
        self.wait()
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def peers() -> Iterator[list[stdlib_socket.socket]]:
    """Stdlib sockets the test makes; closed after it."""
    made: list[stdlib_socket.socket] = []
    yield made
    for sock in made:
        sock.close()


def stdlib_listener(
    peers: list[stdlib_socket.socket],
    family: int = AF_INET,
    backlog: int = 8,
    rcvbuf: int | None = None,
) -> stdlib_socket.socket:
    """A stdlib TCP listener on the loopback address of *family* (accepted sockets
    inherit *rcvbuf*)."""
    listener = stdlib_socket.socket(STD_FAMILY[family], stdlib_socket.SOCK_STREAM)
    peers.append(listener)
    if rcvbuf is not None:
        listener.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, rcvbuf)
    listener.bind((loopback(family), 0))
    listener.listen(backlog)
    listener.settimeout(10)
    return listener


def connected_to_stdlib(
    sockets: Sockets,
    peers: list[stdlib_socket.socket],
    family: int = AF_INET,
    *,
    sndbuf: int | None = None,
    rcvbuf: int | None = None,
) -> tuple[Socket, stdlib_socket.socket]:
    """A winsockx client (no timeout) connected to a stdlib peer (10 s timeout)."""
    listener = stdlib_listener(peers, family, 1, rcvbuf)
    ours = sockets.new(family)
    if sndbuf is not None:
        ours.set_option(SocketOption.SNDBUF, sndbuf)
    ours.settimeout(10)
    ours.connect(listener.getsockname())
    ours.settimeout(None)
    peer, _ = listener.accept()
    peers.append(peer)
    listener.close()
    peer.settimeout(10)
    return ours, peer


def fill_send_buffers(sock: Socket) -> int:
    """Send until the stack takes nothing more, with settimeout(0) until BlockingIOError,
    again after a pause in case data moved on to the peer; the bytes queued."""
    chunk = bytes(64 * KIB)
    total = 0
    previous = sock.gettimeout()
    sock.settimeout(0)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            this_round = 0
            while True:
                try:
                    this_round += sock.send(chunk)
                except BlockingIOError:
                    break
            total += this_round
            if total and not this_round:
                return total
            time.sleep(0.05)
        raise AssertionError("the send buffers never filled")
    finally:
        sock.settimeout(previous)


def read_until_eof(peer: stdlib_socket.socket) -> bytes:
    """Everything the stdlib *peer* receives until end of stream (or a reset)."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = peer.recv(65536)
        except ConnectionError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def wait_readable(sock: Socket, timeout: float = 10.0) -> None:
    """Wait until *sock* has something to read (data, end of stream or a reset)."""
    assert raw.select([sock.fileno()], [], [], timeout)[0], "nothing arrived in time"


def python_env() -> dict[str, str]:
    """The environment for a child Python that imports winsockx from this checkout."""
    env = dict(os.environ)
    extra = env.get("PYTHONPATH")
    env["PYTHONPATH"] = ROOT + (os.pathsep + extra if extra else "")
    return env


def run_python(
    script: str, timeout: float, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run *script* in a child Python (this interpreter unless *command* says otherwise),
    killed if it has not exited within *timeout* seconds (then the test fails)."""
    args = [*(command or []), sys.executable, "-c", script]
    child = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=python_env(),
        cwd=ROOT if command is None else "/",
    )
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate(timeout=JOIN)
        pytest.fail(f"child did not exit within {timeout} s (a deadlock?)\n{out}\n{err}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(JOIN)
    return subprocess.CompletedProcess(args, child.returncode, out, err)


@contextlib.contextmanager
def sleeping_child() -> Iterator[subprocess.Popen[str]]:
    """A child Python started with ``close_fds=False`` (it inherits every inheritable
    handle) that sleeps 20 s; killed on the way out.

    Yielded once the child runs Python code: on Linux a handle that is not inherited
    is still held by the child for a moment after Popen returns (exec releases its
    close-on-exec descriptors late), which would look like an inherited handle.
    """
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(20)"],
        close_fds=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        yield child
    finally:
        child.kill()
        child.wait(JOIN)
        if child.stdout is not None:
            child.stdout.close()


def timed(action: Callable[[], object]) -> tuple[BaseException | None, float]:
    """What *action* raised (None if nothing) and how long it took."""
    started = time.monotonic()
    try:
        action()
    except BaseException as exc:
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


# -- 1. one deadline for the whole call ------------------------------------------------


@FAMILIES
def test_sendall_times_out_against_a_peer_that_never_reads(
    sockets: Sockets, peers: list[stdlib_socket.socket], family: int
) -> None:
    """sendall(8 MiB) with settimeout(1.0) to a peer that never reads raises
    WinsockTimeoutError after about 1 s, not later."""
    ours, _peer = connected_to_stdlib(sockets, peers, family, sndbuf=32 * KIB, rcvbuf=32 * KIB)
    ours.settimeout(1.0)
    error, elapsed = timed(lambda: ours.sendall(bytes(8 * MIB)))
    assert isinstance(error, WinsockTimeoutError), error
    assert isinstance(error, TimeoutError)
    assert error.code is WSAError.WSAETIMEDOUT
    assert 0.9 <= elapsed <= 1.5


def test_send_times_out_when_the_buffers_are_full(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """send() with settimeout(1.0) on a socket whose buffers are full raises TimeoutError
    after about 1 s."""
    ours, _peer = connected_to_stdlib(sockets, peers, sndbuf=32 * KIB, rcvbuf=32 * KIB)
    fill_send_buffers(ours)
    ours.settimeout(1.0)
    error, elapsed = timed(lambda: ours.send(bytes(64 * KIB)))
    assert isinstance(error, WinsockTimeoutError), error
    assert 0.9 <= elapsed <= 1.5


# -- 2. connect within the timeout -----------------------------------------------------


def test_connect_honours_the_timeout_against_a_full_backlog(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """connect() with settimeout(1.0) to a listener whose accept queue is full ends within
    1.5 s: TimeoutError where the stack drops the SYN (Linux, Wine); real Windows may
    refuse at once instead."""
    listener = stdlib_listener(peers, backlog=0)
    address = listener.getsockname()
    for _ in range(4):
        filler = stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM)
        peers.append(filler)
        filler.setblocking(False)
        filler.connect_ex(address)
    time.sleep(0.2)  # let the first handshakes complete and fill the queue
    ours = sockets.new()
    ours.settimeout(1.0)
    error, elapsed = timed(lambda: ours.connect(address))
    assert error is not None, "connect succeeded: the backlog was not full"
    assert elapsed <= 1.5
    if REAL_WINDOWS:
        # Windows answers a full backlog with a reset: a refusal, not a hang.
        assert isinstance(error, (TimeoutError, ConnectionRefusedError)), error
    else:
        assert isinstance(error, WinsockTimeoutError), error
        assert elapsed >= 0.9


# -- 3. accept from two threads --------------------------------------------------------


def test_two_threads_accepting_one_connection(sockets: Sockets) -> None:
    """Two threads accept() with a 1 s timeout; one client: one thread gets it, the other
    raises TimeoutError within 1.5 s."""
    listener = sockets.listener()
    listener.settimeout(1.0)
    barrier = threading.Barrier(3)

    def accept() -> tuple[str, float]:
        barrier.wait(JOIN)
        started = time.monotonic()
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            return "timeout", time.monotonic() - started
        sockets.track(conn)
        return "connection", time.monotonic() - started

    workers = [Worker(accept) for _ in range(2)]
    for worker in workers:
        worker.start()
    barrier.wait(JOIN)
    time.sleep(0.1)
    client = stdlib_socket.create_connection(("127.0.0.1", listener.getsockname().port), 10)
    try:
        outcomes = sorted(o for o in (w.finish() for w in workers) if o is not None)
    finally:
        client.close()
    assert [kind for kind, _ in outcomes] == ["connection", "timeout"]
    assert outcomes[0][1] < 0.9
    assert 0.9 <= outcomes[1][1] <= 1.5


# -- 4. close from several threads -----------------------------------------------------


def test_two_threads_closing_at_once_share_one_report(
    sockets: Sockets, peers: list[stdlib_socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two simultaneous close() calls get the same report, the handle is closed exactly
    once (a recording backend that injects nothing counts it), and Sockets made
    meanwhile, which may reuse the number, keep working."""
    recorder = install(monkeypatch)
    ours, peer = connected_to_stdlib(sockets, peers)
    handle = ours.fileno()
    barrier = threading.Barrier(3)

    def close() -> CloseReport:
        barrier.wait(JOIN)
        return ours.close(drain_timeout=3)

    closers = [Worker(close) for _ in range(2)]
    for closer in closers:
        closer.start()
    barrier.wait(JOIN)
    peer_closes = threading.Timer(0.3, peer.close)
    peer_closes.start()
    made: list[Socket] = []
    try:
        while any(c.is_alive() for c in closers) and len(made) < 100:
            made.append(sockets.new())
            time.sleep(0.005)
        first, second = (c.finish() for c in closers)
    finally:
        peer_closes.join(JOIN)
    made.extend(sockets.new() for _ in range(3))  # the old number is free now
    assert first is not None
    assert first == second
    assert first.reason is CloseReason.PEER_CLOSED
    assert ours.close() == first
    assert [c.handle for c in recorder.calls_of("closesocket")] == [handle]
    for sock in made:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert sock.getsockname().port > 0


def _sendall_close_and_reconnect(
    sockets: Sockets,
    peers: list[stdlib_socket.socket],
    listener: stdlib_socket.socket,
    wait_for_close: bool,
) -> bool:
    """One round of the test below; True when the new connection got the old number."""
    address = listener.getsockname()
    old = sockets.new()
    old.set_option(SocketOption.SNDBUF, 8 * KIB)
    old.settimeout(10)
    old.connect(address)
    old.settimeout(None)
    old_peer, _ = listener.accept()
    peers.append(old_peer)
    number = old.fileno()
    sender = Worker(lambda: old.sendall(b"A" * (4 * MIB)))
    sender.start()
    time.sleep(0.1)  # the sender fills the buffers and waits
    closer = Worker(lambda: old.close(drain_timeout=0.1))
    closer.start()
    if wait_for_close:
        closer.finish()  # the number is free: the new socket is likely to get it
    new = sockets.new()
    new.settimeout(10)
    new.connect(address)
    reused = new.fileno() == number
    new_peer, _ = listener.accept()
    peers.append(new_peer)
    new_peer.settimeout(10)
    new.sendall(b"B" * 1000)
    new.shutdown(ShutdownHow.SD_SEND)
    closer.finish()
    sender.wait()
    assert isinstance(sender.error, SocketClosedError), sender.error
    assert read_until_eof(new_peer) == b"B" * 1000
    new_peer.close()
    new.close(drain_timeout=1)
    old_peer.settimeout(10)
    assert set(read_until_eof(old_peer)) <= {ord("A")}
    old_peer.close()
    return reused


def test_sendall_during_close_never_reaches_a_new_connection(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """sendall on thread A while thread B closes the Socket, and a new connection made
    meanwhile or just after (which may get the old number): the new peer receives only
    its own bytes, and A ends with SocketClosedError."""
    listener = stdlib_listener(peers, rcvbuf=8 * KIB)
    reused = [_sendall_close_and_reconnect(sockets, peers, listener, i % 2 == 1) for i in range(6)]
    if BACKEND.name == "posix":
        # The lowest free descriptor is taken: the race was really run on a reused number.
        assert any(reused)


# -- 5. close() ends blocked calls -------------------------------------------------------


def test_close_ends_a_blocked_accept_and_frees_the_port(sockets: Sockets) -> None:
    """accept() without a timeout ends within 1 s of another thread's close() with
    SocketClosedError, and right after close() returns the port can be bound again
    exclusively."""
    listener = sockets.new(exclusive=True)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname().port
    worker = Worker(listener.accept)
    worker.start()
    time.sleep(0.3)
    assert worker.is_alive()
    started = time.monotonic()
    listener.close()
    again = sockets.new(exclusive=True)
    again.bind(("127.0.0.1", port))
    worker.wait()
    assert isinstance(worker.error, SocketClosedError), worker.error
    assert worker.ended is not None
    assert worker.ended - started <= 1.0


@FAMILIES
def test_close_ends_a_blocked_recv(
    sockets: Sockets, peers: list[stdlib_socket.socket], family: int
) -> None:
    """recv() without a timeout from a silent peer ends within 1 s of another thread's
    close() with SocketClosedError."""
    ours, _peer = connected_to_stdlib(sockets, peers, family)
    worker = Worker(lambda: ours.recv(100))
    worker.start()
    time.sleep(0.3)
    assert worker.is_alive()
    started = time.monotonic()
    ours.close(drain_timeout=0.3)
    worker.wait()
    assert isinstance(worker.error, SocketClosedError), worker.error
    assert worker.ended is not None
    assert worker.ended - started <= 1.0


# -- 6. handles are not inherited ------------------------------------------------------


def test_handles_are_not_inheritable_by_default(sockets: Sockets) -> None:
    """A listener and an accepted socket are not inheritable; set_inheritable(True) is
    read back as True."""
    listener = sockets.listener()
    client = sockets.new()
    client.settimeout(10)
    client.connect(listener.getsockname())
    conn, _ = listener.accept()
    sockets.track(conn)
    for sock in (listener, conn, client):
        assert sock.get_inheritable() is False
        sock.set_inheritable(True)
        assert sock.get_inheritable() is True
        sock.set_inheritable(False)
        assert sock.get_inheritable() is False


@pytest.mark.parametrize("inheritable", [False, True], ids=["default", "inheritable"])
def test_a_child_does_not_keep_a_closed_listener_port(sockets: Sockets, inheritable: bool) -> None:
    """With a child started with close_fds=False alive, closing an exclusive listener
    frees its port for a new exclusive Socket; the control (an inheritable listener)
    shows the child would otherwise hold it."""
    listener = sockets.new(exclusive=True)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname().port
    if inheritable:
        listener.set_inheritable(True)
    with sleeping_child() as child:
        listener.close()
        again = sockets.new(exclusive=True)
        if inheritable:
            with pytest.raises(WinsockError):
                again.bind(("127.0.0.1", port))
        else:
            again.bind(("127.0.0.1", port))
        assert child.poll() is None, "the child ended early"


def _peer_sees_full_close(peer: stdlib_socket.socket, within: float) -> bool:
    """Whether sending to the closed side gets the connection reset within *within* s:
    data for a socket nobody holds any more is answered with a reset."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            peer.send(b"ping")
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("inheritable", [False, True], ids=["default", "inheritable"])
def test_a_child_does_not_keep_a_closed_connection(
    sockets: Sockets, peers: list[stdlib_socket.socket], inheritable: bool
) -> None:
    """After close() of an accepted socket the peer sees end of stream, and the
    connection is really gone (the peer's next sends are reset) though a child started
    with close_fds=False lives; the control (inheritable) shows the child would keep it."""
    listener = sockets.listener()
    client = stdlib_socket.create_connection(("127.0.0.1", listener.getsockname().port), 10)
    peers.append(client)
    listener.settimeout(10)
    conn, _ = listener.accept()
    sockets.track(conn)
    if inheritable:
        conn.set_inheritable(True)
    with sleeping_child() as child:
        report = conn.close(drain_timeout=0.3)
        assert report.reason is CloseReason.TIMEOUT
        assert client.recv(100) == b""
        assert _peer_sees_full_close(client, 1.5) is not inheritable
        assert child.poll() is None, "the child ended early"


# -- 7. close() within its budget whatever SO_LINGER says ------------------------------


def test_close_with_linger_and_unsent_data_is_bounded(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """close(drain_timeout=0.2) with SO_LINGER (1, 5) and unsent data returns within
    0.7 s, not after the 5 s linger."""
    ours, _peer = connected_to_stdlib(sockets, peers, sndbuf=32 * KIB, rcvbuf=32 * KIB)
    ours.set_option(SocketOption.LINGER, (1, 5))
    fill_send_buffers(ours)
    started = time.monotonic()
    report = ours.close(drain_timeout=0.2)
    elapsed = time.monotonic() - started
    assert elapsed <= 0.7
    assert report.graceful is False
    assert ours.closed


# -- 8. signals do not surface (PEP 475) ------------------------------------------------


@pytest.mark.posix
@pytest.mark.parametrize("timeout", [None, 5.0], ids=["no-timeout", "timeout"])
def test_recv_and_close_survive_a_busy_sigalrm(
    sockets: Sockets, peers: list[stdlib_socket.socket], timeout: float | None
) -> None:
    """With SIGALRM firing every 10 ms, a recv() waiting 0.5 s returns the data (no
    InterruptedError), and a close() awaiting a peer that closes after 0.3 s reports
    PEER_CLOSED."""
    if sys.platform == "win32":
        pytest.skip(SKIP_POSIX)
    import signal

    ours, peer = connected_to_stdlib(sockets, peers)
    ours.settimeout(timeout)
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
    try:
        sender = threading.Timer(0.5, lambda: peer.sendall(b"late"))
        sender.start()
        started = time.monotonic()
        try:
            assert ours.recv(100) == b"late"
        finally:
            sender.join(JOIN)
        assert time.monotonic() - started >= 0.4
        assert len(fired) >= 10, "the timer did not interrupt the wait"
        closer = threading.Timer(0.3, peer.close)
        closer.start()
        try:
            report = ours.close(drain_timeout=3)
        finally:
            closer.join(JOIN)
        assert report.reason is CloseReason.PEER_CLOSED
        assert report.graceful is True
        assert report.seconds >= 0.25
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)


# -- 9. exact codes whatever runs in between -------------------------------------------


def _failing_call() -> bool:
    """Make a winsockx call that fails (closesocket of a handle that is no socket)."""
    try:
        raw.closesocket(-1)
    except WinsockError:
        return True
    return False


def _bind_taken_port_many_times(
    sockets: Sockets, enough: Callable[[], bool], minimum: int = 3000
) -> list[WSAError | None]:
    """Bind a taken port (with a Socket and with raw, in turn) at least *minimum* times
    and until *enough*(); the codes of the errors, one per attempt."""
    taken = sockets.listener()
    address = ("127.0.0.1", taken.getsockname().port)
    contender = sockets.new()
    handle = raw.socket(AF_INET, 1, 6)
    codes: list[WSAError | None] = []
    deadline = time.monotonic() + 20
    try:
        while (len(codes) < minimum or not enough()) and time.monotonic() < deadline:
            try:
                if len(codes) % 2:
                    raw.bind(handle, address)
                else:
                    contender.bind(address)
            except WinsockError as exc:
                codes.append(exc.code)
            else:
                pytest.fail("a bind of a taken port succeeded")
    finally:
        raw.closesocket(handle)
    return codes


@pytest.mark.posix
def test_error_codes_survive_a_signal_handler_making_failing_calls(sockets: Sockets) -> None:
    """While a SIGALRM handler makes a failing winsockx call every ~1 ms, thousands of
    binds of a taken port all report WSAEADDRINUSE."""
    if sys.platform == "win32":
        pytest.skip(SKIP_POSIX)
    import signal

    fired: list[bool] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(_failing_call()))
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
    try:
        codes = _bind_taken_port_many_times(sockets, lambda: len(fired) >= 300)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(fired) >= 300
    assert all(fired), "the handler's own call did not fail as planned"
    assert len(codes) >= 3000
    assert set(codes) == {WSAError.WSAEADDRINUSE}


def test_error_codes_survive_finalisers_making_failing_calls(sockets: Sockets) -> None:
    """While garbage collection runs finalisers that make failing winsockx calls (cycles
    collected often, gc thresholds low), thousands of binds of a taken port all report
    WSAEADDRINUSE."""
    finalised: list[bool] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            finalised.append(_failing_call())

    def enough() -> bool:
        Cycle()
        Cycle()
        return len(finalised) >= 1000

    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(5, 1, 1)
    try:
        codes = _bind_taken_port_many_times(sockets, enough)
    finally:
        gc.set_threshold(*thresholds)
        gc.collect()
    assert len(finalised) >= 1000
    assert all(finalised), "a finaliser's own call did not fail as planned"
    assert len(codes) >= 3000
    assert set(codes) == {WSAError.WSAEADDRINUSE}


# -- 10. close() in an atexit handler ------------------------------------------------------

_ATEXIT_SCRIPT = """
import atexit, socket
import winsockx

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
ours = winsockx.Socket()
ours.settimeout(10)
ours.connect(listener.getsockname())
peer, _ = listener.accept()
peer.settimeout(10)
peer.sendall(b"bye")
peer.shutdown(socket.SHUT_WR)

def close_peer():  # registered first, so it runs last
    print("peer got", peer.recv(100).decode(), flush=True)
    peer.close()
    listener.close()

def close_ours():
    ours.sendall(b"last words")
    report = ours.close(drain_timeout=5)
    print("reason", report.reason.value, report.drained_bytes, report.graceful, flush=True)

atexit.register(close_peer)
atexit.register(close_ours)
"""


def test_close_works_in_an_atexit_handler() -> None:
    """A Socket sent on and closed from an atexit handler drains gracefully (Winsock is
    still started then), and the peer gets the data."""
    result = run_python(_ATEXIT_SCRIPT, 60)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert lines == ["reason peer_closed 3 True", "peer got last words"], result.stdout


# -- 11. the exclusive emulation belongs to the socket, not the number -----------------


def _close_detached(how: str, number: int) -> None:
    """Close a detached handle the way other code would: os.close, or a stdlib socket."""
    if how == "os.close":
        os.close(number)
    else:
        # Family and type given: Wine 8 cannot tell them from the handle (10022).
        stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM, 0, number).close()


@pytest.mark.parametrize("how", [pytest.param("os.close", marks=pytest.mark.posix), "stdlib"])
def test_a_reused_number_is_not_exclusive(sockets: Sockets, how: str) -> None:
    """An exclusive Socket detached and closed by other code: a new Socket that gets the
    same number is not exclusive and accepts SO_REUSEADDR."""
    exclusive = Socket(exclusive=True)
    number = exclusive.detach()
    _close_detached(how, number)
    for _ in range(200):
        sock = sockets.new()
        if sock.fileno() == number:
            break
    else:
        pytest.skip(f"no new socket got handle number {number} within 200 tries")
    assert sock.get_option(SocketOption.EXCLUSIVEADDRUSE) is False
    sock.set_option(SocketOption.REUSEADDR, True)
    assert sock.get_option(SocketOption.REUSEADDR) is True


# -- 12. what close() reports --------------------------------------------------------------


@pytest.mark.parametrize("how", [ShutdownHow.SD_RECEIVE, ShutdownHow.SD_BOTH])
def test_close_after_own_receive_shutdown_is_not_graceful(
    sockets: Sockets, peers: list[stdlib_socket.socket], how: ShutdownHow
) -> None:
    """After the application's own shutdown of the receiving side, close() reports
    RECEIVE_SHUT, not graceful, even though the peer closed properly."""
    ours, peer = connected_to_stdlib(sockets, peers)
    peer.close()
    wait_readable(ours)
    ours.shutdown(how)
    report = ours.close(drain_timeout=2)
    assert report.reason is CloseReason.RECEIVE_SHUT
    assert report.graceful is False


@pytest.mark.wine_gap("Wine 8 reports a reset as end of stream (the stdlib's recv too)")
def test_close_after_a_reset_reports_reset(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """A recv() that raised ConnectionResetError (the peer aborted with SO_LINGER (1, 0))
    makes close() report RESET, not graceful."""
    ours, peer = connected_to_stdlib(sockets, peers)
    linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
    peer.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_LINGER, linger)
    peer.close()
    wait_readable(ours)
    ours.settimeout(5)
    with pytest.raises(ConnectionResetError):
        ours.recv(100)
    report = ours.close(drain_timeout=2)
    assert report.reason is CloseReason.RESET
    assert report.graceful is False


# -- 13. a signal handler that closes sockets ------------------------------------------------

_HANDLER_CLOSES_SCRIPT = """
import signal
from winsockx import Socket, SocketClosedError, raw

handed = []   # Sockets the main loop made, for the handler to close
fired = [0]

def handler(signum, frame):
    fired[0] += 1
    while handed:
        try:
            sock = handed.pop()
        except IndexError:
            break
        sock.close(drain_timeout=0)
    h = raw.socket(2, 1, 6)
    raw.closesocket(h)
    Socket().close()

signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
done = 0
for i in range(2000):
    sock = Socket()
    if i % 2:
        handed.append(sock)
    try:
        sock.bind(("127.0.0.1", 0))
    except SocketClosedError:
        pass  # the handler closed it first
    sock.close()
    done += 1
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print("done", done, fired[0] > 50)
"""


@pytest.mark.posix
def test_signal_handler_closing_sockets_never_deadlocks() -> None:
    """A SIGALRM handler firing every 0.2 ms that closes Sockets (the main loop's and its
    own, through Socket.close and raw.closesocket) never deadlocks the main loop."""
    result = run_python(_HANDLER_CLOSES_SCRIPT, 20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["done", "2000", "True"], result.stdout + result.stderr


# -- 14. argument checks and smaller contracts -----------------------------------------


def test_negative_bufsize_is_refused_at_once(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """recv(-1) raises ValueError at once, without waiting for the timeout."""
    ours, _peer = connected_to_stdlib(sockets, peers)
    ours.settimeout(1.0)
    error, elapsed = timed(lambda: ours.recv(-1))
    assert isinstance(error, ValueError), error
    assert elapsed < 0.1


def test_bad_arguments_raise_value_and_type_errors(sockets: Sockets) -> None:
    """A port above 65535 and a backlog above 2**31-1 are ValueErrors (not OverflowError);
    a float bufsize is a TypeError naming bufsize."""
    sock = sockets.new()
    with pytest.raises(ValueError, match="port") as info:
        sock.bind(IPv4Address("127.0.0.1", 70000))
    assert not isinstance(info.value, OverflowError)
    assert not sock.bound
    with pytest.raises(ValueError, match="backlog"):
        sock.listen(2**31)
    with pytest.raises(TypeError, match="bufsize"):
        sock.recv(2.5)  # type: ignore[arg-type]


def test_inet_pton_refuses_an_embedded_nul() -> None:
    """inet_pton of '1.2.3.4\\0x' is a ValueError, not the address before the NUL."""
    with pytest.raises(ValueError):  # noqa: PT011 (any message: the point is the type)
        raw.inet_pton(AF_INET, "1.2.3.4\0x")


def test_select_takes_a_hundred_handles(sockets: Sockets) -> None:
    """raw.select with 100 handles works (ws2_32's fd_set holds 64 by default) and reports
    exactly the readable ones."""
    receivers = [sockets.new(AF_INET, SOCK_DGRAM) for _ in range(100)]
    for sock in receivers:
        sock.bind(("127.0.0.1", 0))
    handles = [sock.fileno() for sock in receivers]
    wanted = {handles[70], handles[99]}
    with stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_DGRAM) as sender:
        for index in (70, 99):
            sender.sendto(b"x", ("127.0.0.1", receivers[index].getsockname().port))
    readable, writable, errors = raw.select(handles, [], [], 5)
    assert readable
    assert set(readable) <= wanted
    assert (writable, errors) == ([], [])
    deadline = time.monotonic() + 5
    while set(readable) != wanted and time.monotonic() < deadline:
        time.sleep(0.02)
        readable = raw.select(handles, [], [], 0)[0]
    assert set(readable) == wanted


def test_select_without_handles_fails_like_winsock() -> None:
    """raw.select([], [], [], 0) fails with WSAEINVAL on every backend, as Winsock does."""
    with pytest.raises(WinsockError) as info:
        raw.select([], [], [], 0)
    assert info.value.code is WSAError.WSAEINVAL


def test_import_does_not_load_ctypes_util() -> None:
    """import winsockx does not import ctypes.util (slow, and it runs external tools)."""
    result = run_python("import sys, winsockx; print('ctypes.util' in sys.modules)", 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


_BIND_PORT_1 = """
import winsockx
sock = winsockx.Socket()
try:
    sock.bind(("127.0.0.1", 1))
except winsockx.WinsockError as exc:
    print(exc.code.name if exc.code else exc.winerror)
    print(exc.hint)
else:
    print("bound")
"""


@pytest.mark.posix
def test_linux_bind_eacces_hint_does_not_mention_netsh() -> None:
    """On Linux, a bind of a privileged port by a normal user fails with WSAEACCES and a
    hint about privileged ports, not Windows' netsh."""
    if sys.platform == "win32":
        pytest.skip(SKIP_POSIX)
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            floor = int(f.read())
    except OSError:
        floor = 1024
    if floor <= 1:
        pytest.skip("port 1 is unprivileged on this machine")
    command: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is missing: cannot bind as a normal user")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    result = run_python(_BIND_PORT_1, 60, command)
    assert result.returncode == 0, result.stderr
    code, hint = result.stdout.splitlines()
    assert code == "WSAEACCES"
    assert "netsh" not in hint
    assert "1024" in hint or "CAP_NET_BIND_SERVICE" in hint


def test_format_host_writes_ipv4_compatible_addresses_as_glibc_does() -> None:
    """format_host writes ::1.2.3.4 as '::1.2.3.4', as glibc's and Winsock's inet_ntop do."""
    packed = ipaddress.IPv6Address("::1.2.3.4").packed
    assert format_host(AF_INET6, packed) == "::1.2.3.4"


def test_other_posix_platforms_are_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a POSIX platform other than Linux the backend loader raises an ImportError that
    names the platform."""
    monkeypatch.setattr(sys, "platform", "freebsd14")
    with pytest.raises(ImportError, match="freebsd14"):
        _loader.load_backend()


# -- 15. the stdlib's blocking switches ---------------------------------------------------


def test_setblocking_matches_the_stdlib(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """setblocking(False) means timeout 0.0 and an immediate BlockingIOError from recv;
    setblocking(True) means no timeout."""
    ours, _peer = connected_to_stdlib(sockets, peers)
    ours.setblocking(False)
    assert ours.getblocking() is False
    assert ours.gettimeout() == 0.0
    error, elapsed = timed(lambda: ours.recv(10))
    assert isinstance(error, WinsockBlockingIOError), error
    assert isinstance(error, BlockingIOError)
    assert elapsed < 0.1
    ours.setblocking(True)
    assert ours.gettimeout() is None
    assert ours.getblocking() is True


def test_select_module_agrees_a_filled_socket_is_not_writable(
    sockets: Sockets, peers: list[stdlib_socket.socket]
) -> None:
    """fill_send_buffers really fills them: the stdlib's select sees no room either
    (the premise of the send and linger tests above)."""
    ours, _peer = connected_to_stdlib(sockets, peers, sndbuf=32 * KIB, rcvbuf=32 * KIB)
    queued = fill_send_buffers(ours)
    assert queued >= 32 * KIB
    probe = stdlib_socket.socket(fileno=ours.fileno())
    try:
        assert select.select([], [probe], [], 0.2)[1] == []
    finally:
        probe.detach()
