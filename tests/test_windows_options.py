"""The Windows options with a rule of their own: SO_RCVTIMEO/SO_SNDTIMEO, SO_DONTLINGER,
keep-alive times (SIO_KEEPALIVE_VALS), SIO_UDP_CONNRESET/SIO_UDP_NETRESET, on real sockets."""

from __future__ import annotations

import contextlib
import math
import socket
import struct
import time
from typing import Final

import pytest

from winsockx import AF_INET, SOCK_DGRAM, Socket, SocketOption, WSAError
from winsockx.errors import WinsockTimeoutError

from .conftest import BACKEND, Sockets

RCVTIMEO: Final = SocketOption.RCVTIMEO
SNDTIMEO: Final = SocketOption.SNDTIMEO


# -- SO_RCVTIMEO / SO_SNDTIMEO ------------------------------------------------------


def test_rcvtimeo_bounds_a_blocking_recv(sockets: Sockets) -> None:
    """With no settimeout(), SO_RCVTIMEO ends a recv that gets nothing, as on Windows:
    WSAETIMEDOUT (10060), a TimeoutError naming the option."""
    a, b = sockets.pair()
    b.set_option(RCVTIMEO, 0.3)
    started = time.monotonic()
    with pytest.raises(WinsockTimeoutError) as info:
        b.recv(10)
    elapsed = time.monotonic() - started
    assert info.value.code is WSAError.WSAETIMEDOUT
    assert isinstance(info.value, TimeoutError)
    assert "SO_RCVTIMEO" in str(info.value)
    assert 0.25 <= elapsed < 5
    a.sendall(b"late")
    assert b.recv(10) == b"late"  # the socket still works after the timeout


def test_settimeout_takes_precedence_over_rcvtimeo(sockets: Sockets) -> None:
    """A timeout set with settimeout() is the bound, whatever SO_RCVTIMEO says."""
    _, b = sockets.pair()
    b.set_option(RCVTIMEO, 30.0)
    b.settimeout(0.2)
    started = time.monotonic()
    with pytest.raises(WinsockTimeoutError, match=r"socket's timeout of 0\.2 s"):
        b.recvfrom(10)
    assert time.monotonic() - started < 5


def test_sndtimeo_bounds_a_blocking_sendall(sockets: Sockets) -> None:
    """SO_SNDTIMEO ends a sendall to a peer that never reads, once the buffers are full."""
    a, _ = sockets.pair()
    a.set_option(SocketOption.SNDBUF, 8192)
    a.set_option(SNDTIMEO, 0.3)
    started = time.monotonic()
    with pytest.raises(WinsockTimeoutError, match="SO_SNDTIMEO"):
        a.sendall(b"x" * (64 * 1024 * 1024))
    assert time.monotonic() - started < 20


def test_accepted_sockets_inherit_rcvtimeo(sockets: Sockets) -> None:
    """As the system's accepted sockets do, a winsockx accepted socket keeps the
    listener's SO_RCVTIMEO, in the value it reads and in the bound it applies."""
    listener = sockets.new()
    listener.set_option(RCVTIMEO, 0.2)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = sockets.new()
    client.connect(listener.getsockname())
    conn = sockets.track(listener.accept()[0])
    assert conn.get_option(RCVTIMEO) == 0.2
    with pytest.raises(WinsockTimeoutError, match="SO_RCVTIMEO"):
        conn.recv(10)


def test_zero_removes_the_limit(sockets: Sockets) -> None:
    """0 is "no limit" for the system and for winsockx: the value reads back as 0.0."""
    sock = sockets.new()
    sock.set_option(RCVTIMEO, 0.5)
    sock.set_option(RCVTIMEO, 0)
    assert sock.get_option(RCVTIMEO) == 0.0
    _, b = sockets.pair()
    b.set_option(RCVTIMEO, 0.2)
    b.set_option(RCVTIMEO, 0.0)
    b.settimeout(0.5)  # the only bound left
    with pytest.raises(WinsockTimeoutError, match="socket's timeout"):
        b.recv(1)


def test_a_tiny_timeout_is_rounded_up_not_to_zero(sockets: Sockets) -> None:
    """Winsock counts whole milliseconds and reads 0 as no limit: 0.1 ms becomes
    1 ms, never 0 (Linux may round further up, to its clock tick)."""
    sock = sockets.new()
    sock.set_option(RCVTIMEO, 0.0001)
    got = sock.get_option(RCVTIMEO)
    if BACKEND.name == "ws2_32":
        assert got == 0.001
    else:
        assert 0.001 <= got <= 0.02


def test_the_timeout_reaches_the_handle_in_the_system_format(sockets: Sockets) -> None:
    """The stdlib reads what winsockx set: a DWORD of milliseconds on Windows, a
    struct timeval on POSIX, so a blocking stdlib socket on the handle obeys it."""
    _, b = sockets.pair()
    b.set_option(RCVTIMEO, 1.5)
    view = socket.socket(fileno=b.fileno())
    try:
        if BACKEND.name == "ws2_32":
            assert view.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO) == 1500
        else:
            size = struct.calcsize("@ll")
            raw_value = view.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, size)
            assert struct.unpack("@ll", raw_value) == (1, 500000)
    finally:
        view.detach()


@pytest.mark.parametrize("value", [-1, -0.5, math.nan, math.inf, 5_000_000])
def test_a_timeout_out_of_range_is_a_value_error(sockets: Sockets, value: float) -> None:
    """Negative, NaN, infinite, or past a DWORD of milliseconds: refused, no OS call."""
    with pytest.raises(ValueError, match="SO_SNDTIMEO"):
        sockets.new().set_option(SNDTIMEO, value)


# -- SO_DONTLINGER -------------------------------------------------------------------


def test_dontlinger_is_lingers_onoff_inverted(sockets: Sockets) -> None:
    """SO_DONTLINGER true clears SO_LINGER's onoff and keeps its seconds; false sets
    onoff again (Winsock's definition, emulated through SO_LINGER on POSIX).  The
    seconds after a false are not asserted: Wine 8 sets them to 0, the POSIX
    backend keeps them."""
    sock = sockets.new()
    sock.set_option(SocketOption.LINGER, (1, 9))
    assert sock.get_option(SocketOption.DONTLINGER) is False
    sock.set_option(SocketOption.DONTLINGER, True)
    assert sock.get_option(SocketOption.LINGER) == (0, 9)
    assert sock.get_option(SocketOption.DONTLINGER) is True
    sock.set_option(SocketOption.DONTLINGER, False)
    assert sock.get_option(SocketOption.LINGER)[0] == 1
    assert sock.get_option(SocketOption.DONTLINGER) is False


def test_dontlinger_keeps_close_bounded(sockets: Sockets) -> None:
    """Linger turned back on through SO_DONTLINGER is bounded by close() as SO_LINGER
    is: a close with data the peer never reads returns within the drain bound."""
    a, _ = sockets.pair()
    a.set_option(SocketOption.LINGER, (0, 60))
    a.set_option(SocketOption.DONTLINGER, False)  # linger on again
    a.settimeout(0.0)
    # Fill the buffers: unsent data is what lingering would wait for.
    with contextlib.suppress(OSError):
        a.sendall(b"x" * (8 * 1024 * 1024))
    started = time.monotonic()
    a.close(drain_timeout=0.5)
    assert time.monotonic() - started < 5


# -- keep-alive times ----------------------------------------------------------------


def test_set_keepalive_turns_probes_on_with_their_times(sockets: Sockets) -> None:
    """set_keepalive sets SO_KEEPALIVE and the times: SIO_KEEPALIVE_VALS on Windows,
    TCP_KEEPIDLE/TCP_KEEPINTVL (whole seconds, rounded up) on POSIX."""
    sock = sockets.new()
    sock.set_keepalive(True, idle=42, interval=2.5)
    assert sock.get_option(SocketOption.KEEPALIVE) is True
    if BACKEND.name == "posix":
        assert sock.get_option(SocketOption.TCP_KEEPIDLE) == 42
        assert sock.get_option(SocketOption.TCP_KEEPINTVL) == 3
    sock.set_keepalive(False)
    assert sock.get_option(SocketOption.KEEPALIVE) is False


def test_set_keepalive_works_on_a_connection(sockets: Sockets) -> None:
    """On a connected socket too, and the connection keeps carrying data."""
    a, b = sockets.pair()
    a.set_keepalive(True, idle=1, interval=1)
    a.sendall(b"ping")
    assert b.recv(4) == b"ping"
    assert a.get_option(SocketOption.KEEPALIVE) is True


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"enabled": 1}, TypeError),
        ({"enabled": True, "idle": 0}, ValueError),
        ({"enabled": True, "idle": -5}, ValueError),
        ({"enabled": True, "interval": math.nan}, ValueError),
        ({"enabled": True, "interval": "1"}, TypeError),
        ({"enabled": True, "idle": 10**9}, ValueError),
    ],
)
def test_set_keepalive_refuses_bad_input(
    sockets: Sockets, kwargs: dict[str, object], error: type[Exception]
) -> None:
    """Bad arguments are typed errors before any system call; the socket is unchanged."""
    sock = sockets.new()
    with pytest.raises(error):
        sock.set_keepalive(**kwargs)  # type: ignore[arg-type]
    assert sock.get_option(SocketOption.KEEPALIVE) is False


# -- SIO_UDP_CONNRESET / SIO_UDP_NETRESET --------------------------------------------


def _closed_udp_port(sockets: Sockets) -> int:
    probe = sockets.new(AF_INET, SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname().port
    probe.close()
    return port


@pytest.mark.ws2_32
@pytest.mark.wine_gap("Wine 8 does not turn an ICMP port unreachable into WSAECONNRESET")
def test_udp_connreset_is_on_by_default_on_windows(sockets: Sockets) -> None:
    """Winsock's default, kept by winsockx: after a sendto that drew a port
    unreachable, recvfrom fails with WSAECONNRESET (10054)."""
    port = _closed_udp_port(sockets)
    sock = sockets.new(AF_INET, SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2.0)
    sock.sendto(b"anyone?", ("127.0.0.1", port))
    with pytest.raises(ConnectionResetError):
        sock.recvfrom(100)


@pytest.mark.ws2_32
def test_set_udp_connreset_false_keeps_recvfrom_waiting(sockets: Sockets) -> None:
    """With SIO_UDP_CONNRESET off, the port unreachable is ignored: recvfrom waits
    for a real datagram, and gets the next one."""
    port = _closed_udp_port(sockets)
    sock = sockets.new(AF_INET, SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.set_udp_connreset(False)
    sock.settimeout(0.5)
    sock.sendto(b"anyone?", ("127.0.0.1", port))
    with pytest.raises(WinsockTimeoutError):
        sock.recvfrom(100)
    sender = sockets.new(AF_INET, SOCK_DGRAM)
    sender.sendto(b"hello", sock.getsockname())
    assert sock.recvfrom(100)[0] == b"hello"


@pytest.mark.ws2_32
@pytest.mark.wine_gap("Wine 8 answers SIO_UDP_NETRESET with WSAEOPNOTSUPP")
def test_set_udp_netreset_is_accepted_on_a_udp_socket(sockets: Sockets) -> None:
    """SIO_UDP_NETRESET (Windows 7+) takes a BOOL on a UDP socket."""
    sock = sockets.new(AF_INET, SOCK_DGRAM)
    sock.set_udp_netreset(False)
    sock.set_udp_netreset(True)


@pytest.mark.posix
@pytest.mark.parametrize("method", ["set_udp_connreset", "set_udp_netreset"])
def test_udp_reset_controls_are_windows_only(sockets: Sockets, method: str) -> None:
    """POSIX has no such control: NotImplementedError, saying why."""
    sock = sockets.new(AF_INET, SOCK_DGRAM)
    with pytest.raises(NotImplementedError, match="only on Windows"):
        getattr(sock, method)(False)


@pytest.mark.parametrize("value", [0, "no", None])
def test_udp_reset_controls_take_a_bool(sockets: Sockets, value: object) -> None:
    """A flag must be a bool, on every backend, before anything else is checked."""
    sock = sockets.new(AF_INET, SOCK_DGRAM)
    with pytest.raises(TypeError, match="enabled must be a bool"):
        sock.set_udp_connreset(value)  # type: ignore[arg-type]


def test_closed_socket_refuses_the_controls(sockets: Sockets) -> None:
    """Closed is closed: the controls raise SocketClosedError like every other call."""
    from winsockx import SocketClosedError

    sock = Socket(AF_INET, SOCK_DGRAM)
    sock.close()
    with pytest.raises(SocketClosedError):
        sock.set_keepalive(True)
    with pytest.raises(SocketClosedError):
        sock.set_option(RCVTIMEO, 1.0)
