"""winsockx.Socket on real loopback sockets: bind rules, options, I/O, lifetime."""

from __future__ import annotations

import gc
import socket as stdlib_socket
import threading
import time
import warnings
from typing import Any, Callable

import pytest

from winsockx import (
    AF_INET,
    AF_INET6,
    IPPROTO_TCP,
    IPPROTO_UDP,
    SOCK_DGRAM,
    SOCK_STREAM,
    SOL_SOCKET,
    AddressInUseError,
    IPv4Address,
    IPv6Address,
    OptionOrderError,
    ShutdownHow,
    Socket,
    SocketClosedError,
    SocketOption,
    SocketType,
    UsageError,
    WinsockError,
    WSAError,
    raw,
)
from winsockx.errors import NotASocketError, WinsockTimeoutError
from winsockx.lab.bindspec import OK, WINDOWS_VERIFIED, BindSpec, Kind, VerifiedPair
from winsockx.lab.bindspec import Option as BindOption

from .conftest import Sockets

EXCL = SocketOption.EXCLUSIVEADDRUSE
REUSE = SocketOption.REUSEADDR
V6ONLY = SocketOption.IPV6_V6ONLY

# -- Winsock's bind rules (ws2_32 only) -------------------------------------------------


@pytest.mark.ws2_32
def test_exclusive_wildcard_listener_blocks_loopback_bind(sockets: Sockets) -> None:
    """EXCL on 0.0.0.0 (listening) makes a plain bind of 127.0.0.1 on its port fail with 10013."""
    first = sockets.new(AF_INET, SOCK_STREAM, IPPROTO_TCP, exclusive=True)
    first.bind(("0.0.0.0", 0))
    first.listen()
    port = first.getsockname().port
    second = sockets.new(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    with pytest.raises(WinsockError) as info:
        second.bind(("127.0.0.1", port))
    err = info.value
    assert err.winerror == 10013
    assert err.code is WSAError.WSAEACCES
    assert err.function == "bind"
    assert isinstance(err, PermissionError)
    assert err.address == IPv4Address("127.0.0.1", port)
    assert f"127.0.0.1:{port}" in str(err)
    # The refused socket stays unbound and usable.
    assert not second.bound
    second.bind(("127.0.0.1", 0))


@pytest.mark.ws2_32
@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_reuse_after_plain_bind_is_refused(sockets: Sockets, host: str) -> None:
    """NONE on a loopback address, then REUSE on the same address and port: 10013."""
    family = AF_INET6 if ":" in host else AF_INET
    first = sockets.new(family, SOCK_STREAM, IPPROTO_TCP)
    first.bind((host, 0))
    port = first.getsockname().port
    second = sockets.new(family, SOCK_STREAM, IPPROTO_TCP)
    second.set_option(REUSE, True)
    with pytest.raises(PermissionError) as info:
        second.bind((host, port))
    assert isinstance(info.value, WinsockError)
    assert info.value.winerror == 10013
    assert info.value.code is WSAError.WSAEACCES


@pytest.mark.ws2_32
def test_two_plain_wildcard_binds(sockets: Sockets) -> None:
    """Two plain binds of 0.0.0.0 on one port: the second fails with WSAEADDRINUSE (10048)."""
    first = sockets.new(AF_INET, SOCK_STREAM)
    first.bind(("0.0.0.0", 0))
    second = sockets.new(AF_INET, SOCK_STREAM)
    with pytest.raises(AddressInUseError) as info:
        second.bind(("0.0.0.0", first.getsockname().port))
    assert info.value.winerror == 10048


# The exclusive-use pairs Wine's conformance suite asserts on real Windows
# (dlls/ws2_32/tests/sock.c, test_reuseaddr), from the one data module.
WINDOWS_PAIRS = [p for p in WINDOWS_VERIFIED if p.number is not None and p.kind is Kind.TCP]


def _spec_socket(sockets: Sockets, spec: BindSpec) -> Socket:
    """A TCP socket set up as *spec* says: its option, and IPV6_V6ONLY for AF_INET6."""
    sock = sockets.new(
        spec.family, SOCK_STREAM, IPPROTO_TCP, exclusive=spec.option is BindOption.EXCLUSIVE
    )
    if spec.option is BindOption.REUSEADDR:
        sock.set_option(SocketOption.REUSEADDR, True)
    if spec.v6only is not None:
        sock.set_option(V6ONLY, spec.v6only)
    return sock


def test_the_pairs_are_the_twenty_of_the_suite() -> None:
    """All twenty numbered pairs, in order: none lost on the way from the data module."""
    assert [p.number for p in WINDOWS_PAIRS] == list(range(1, 21))


@pytest.mark.ws2_32
@pytest.mark.parametrize(
    "pair",
    [
        pytest.param(p, id=f"{p.number}:{p.first.label}-then-{p.second.label}")
        for p in WINDOWS_PAIRS
    ],
)
def test_windows_bind_pairs(sockets: Sockets, pair: VerifiedPair) -> None:
    """The second bind of the same port gives Windows' measured result (no listen)."""
    first = _spec_socket(sockets, pair.first)
    first.bind((pair.first.address, 0))
    port = first.getsockname().port
    second = _spec_socket(sockets, pair.second)
    if pair.bind == OK:
        second.bind((pair.second.address, port))
        assert second.getsockname().port == port
    else:
        with pytest.raises(WinsockError) as info:
            second.bind((pair.second.address, port))
        assert info.value.winerror == pair.bind
        assert info.value.function == "bind"


@pytest.mark.ws2_32
@pytest.mark.wine_gap("a plain listener on 127.0.0.1 beside one on 0.0.0.0 gets 10048 on Wine 8")
def test_plain_specific_beside_plain_wildcard_listener(sockets: Sockets) -> None:
    """Windows lets plain sockets listen on 0.0.0.0 and 127.0.0.1 with one port.

    Asserted on real Windows by Wine's own suite (test_reuseaddr); Wine 8 refuses the
    second bind with 10048, so this is a strict xfail there.
    """
    first = sockets.new(AF_INET, SOCK_STREAM)
    first.bind(("0.0.0.0", 0))
    first.listen()
    port = first.getsockname().port
    second = sockets.new(AF_INET, SOCK_STREAM)
    second.bind(("127.0.0.1", port))
    second.listen()
    assert second.getsockname() == IPv4Address("127.0.0.1", port)


# -- Winsock's IPv6 default, emulated on POSIX --------------------------------------------


def test_ipv6_socket_starts_v6only(sockets: Sockets) -> None:
    """A fresh AF_INET6 socket has IPV6_V6ONLY on, Winsock's default, on every backend."""
    assert sockets.new(AF_INET6, SOCK_STREAM).get_option(V6ONLY) is True


def test_v6only_wildcard_and_v4_wildcard_coexist(sockets: Sockets, free_port: int) -> None:
    """With the default IPV6_V6ONLY, "::" and "0.0.0.0" can both be bound on one port."""
    v6 = sockets.new(AF_INET6, SOCK_STREAM)
    v6.bind(("::", free_port))
    v4 = sockets.new(AF_INET, SOCK_STREAM)
    v4.bind(("0.0.0.0", free_port))
    assert v6.getsockname() == IPv6Address("::", free_port)
    assert v4.getsockname() == IPv4Address("0.0.0.0", free_port)


@pytest.mark.posix
def test_posix_dual_stack_wildcard_blocks_v4_wildcard(sockets: Sockets, free_port: int) -> None:
    """On POSIX a dual-stack "::" also holds 0.0.0.0: a plain v4 wildcard bind gets 10048.

    Windows differs (pair 15 of the table above: the second bind succeeds); the POSIX
    backend does not emulate Windows' bind rules, so this pins the host's rule.
    """
    v6 = sockets.new(AF_INET6, SOCK_STREAM)
    v6.set_option(V6ONLY, False)
    v6.bind(("::", free_port))
    v4 = sockets.new(AF_INET, SOCK_STREAM)
    with pytest.raises(AddressInUseError) as info:
        v4.bind(("0.0.0.0", free_port))
    assert info.value.winerror == 10048


@pytest.mark.posix
def test_posix_exclusive_means_no_reuse(sockets: Sockets) -> None:
    """On POSIX, EXCL keeps SO_REUSEADDR off: a REUSE socket cannot share its port (10048)."""
    first = sockets.new(AF_INET, SOCK_STREAM, exclusive=True)
    first.bind(("127.0.0.1", 0))
    assert first.get_option(REUSE) is False
    second = sockets.new(AF_INET, SOCK_STREAM)
    second.set_option(REUSE, True)
    with pytest.raises(AddressInUseError) as info:
        second.bind(("127.0.0.1", first.getsockname().port))
    assert info.value.winerror == 10048
    assert info.value.posix_errno is not None


# -- SO_EXCLUSIVEADDRUSE with SO_REUSEADDR ---------------------------------------------


@pytest.mark.parametrize(("first", "second"), [(EXCL, REUSE), (REUSE, EXCL)])
def test_exclusive_and_reuse_refused_together(
    sockets: Sockets, first: SocketOption, second: SocketOption
) -> None:
    """Setting both options fails with 10022 in either order; the message names both."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    sock.set_option(first, True)
    with pytest.raises(WinsockError) as info:
        sock.set_option(second, True)
    err = info.value
    assert err.winerror == 10022
    assert err.code is WSAError.WSAEINVAL
    assert err.function == "setsockopt"
    assert "SO_EXCLUSIVEADDRUSE" in str(err)
    assert "SO_REUSEADDR" in str(err)
    assert sock.get_option(first) is True
    assert sock.get_option(second) is False
    # Clearing the first lets the second be set.
    sock.set_option(first, False)
    sock.set_option(second, True)
    assert sock.get_option(first) is False
    assert sock.get_option(second) is True


def test_exclusive_constructor_flag(sockets: Sockets) -> None:
    """Socket(exclusive=True) sets SO_EXCLUSIVEADDRUSE before anything else."""
    assert sockets.new(AF_INET, SOCK_STREAM, exclusive=True).get_option(EXCL) is True
    assert sockets.new(AF_INET, SOCK_STREAM).get_option(EXCL) is False


# -- options refused after bind ---------------------------------------------------------


def _bound(sockets: Sockets, family: int = AF_INET) -> Socket:
    sock = sockets.new(family, SOCK_STREAM)
    sock.bind(("::1" if family == AF_INET6 else "127.0.0.1", 0))
    return sock


def _connected(sockets: Sockets, family: int = AF_INET) -> Socket:
    return sockets.pair(family)[0]


def _accepted(sockets: Sockets, family: int = AF_INET) -> Socket:
    return sockets.pair(family)[1]


def _listening(sockets: Sockets, family: int = AF_INET) -> Socket:
    return sockets.listener(family)


STATES: dict[str, Callable[[Sockets, int], Socket]] = {
    "bound": _bound,
    "listening": _listening,
    "connected": _connected,
    "accepted": _accepted,
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize(
    ("family", "option"), [(AF_INET, EXCL), (AF_INET, REUSE), (AF_INET6, V6ONLY), (AF_INET6, EXCL)]
)
def test_before_bind_option_refused_after_bind(
    sockets: Sockets, state: str, family: int, option: SocketOption
) -> None:
    """A before-bind option set on a bound socket raises OptionOrderError; nothing changes."""
    sock = STATES[state](sockets, family)
    assert sock.bound
    old = sock.get_option(option)
    new = not old
    with pytest.raises(OptionOrderError) as info:
        sock.set_option(option, new)
    assert isinstance(info.value, UsageError)
    assert not isinstance(info.value, OSError)
    assert option.c_name in str(info.value)
    assert "before bind" in str(info.value)
    # The OS was not asked: the option still reads back the old value.
    assert sock.get_option(option) == old


def test_other_options_still_settable_after_bind(sockets: Sockets) -> None:
    """Options that work at any time are accepted after bind."""
    sock = _connected(sockets)
    sock.set_option(SocketOption.KEEPALIVE, True)
    assert sock.get_option(SocketOption.KEEPALIVE) is True
    sock.set_option(SocketOption.TCP_NODELAY, True)
    assert sock.get_option(SocketOption.TCP_NODELAY) is True


def test_set_option_rejects_non_option(sockets: Sockets) -> None:
    """set_option and get_option want a SocketOption."""
    sock = sockets.new()
    with pytest.raises(TypeError, match="SocketOption"):
        sock.set_option(4, True)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="SocketOption"):
        sock.get_option("SO_REUSEADDR")  # type: ignore[call-overload]


# -- option round trips -----------------------------------------------------------------


def test_rcvbuf_round_trip(sockets: Sockets) -> None:
    """SO_RCVBUF takes and returns an int (Linux doubles the value it stores)."""
    sock = sockets.new()
    sock.set_option(SocketOption.RCVBUF, 32768)
    value = sock.get_option(SocketOption.RCVBUF)
    assert type(value) is int
    assert value in (32768, 65536)


def test_keepalive_round_trip(sockets: Sockets) -> None:
    """SO_KEEPALIVE reads back as a bool."""
    sock = sockets.new()
    assert sock.get_option(SocketOption.KEEPALIVE) is False
    sock.set_option(SocketOption.KEEPALIVE, True)
    assert sock.get_option(SocketOption.KEEPALIVE) is True
    sock.set_option(SocketOption.KEEPALIVE, False)
    assert sock.get_option(SocketOption.KEEPALIVE) is False


def test_linger_round_trip(sockets: Sockets) -> None:
    """SO_LINGER takes and returns an (onoff, seconds) pair."""
    sock = sockets.new()
    assert sock.get_option(SocketOption.LINGER) == (0, 0)
    sock.set_option(SocketOption.LINGER, (1, 7))
    assert sock.get_option(SocketOption.LINGER) == (1, 7)


@pytest.mark.parametrize("value", [1, (1,), (1, 2, 3), (1, "2"), (True, 0)])
def test_linger_bad_type(sockets: Sockets, value: object) -> None:
    """A LINGER value that is not a pair of ints raises TypeError."""
    with pytest.raises(TypeError, match="SO_LINGER"):
        sockets.new().set_option(SocketOption.LINGER, value)  # type: ignore[call-overload]


def test_linger_out_of_range(sockets: Sockets) -> None:
    """LINGER numbers must fit a u_short."""
    with pytest.raises(ValueError, match="0-65535"):
        sockets.new().set_option(SocketOption.LINGER, (1, 70000))


def test_int_option_bad_value(sockets: Sockets) -> None:
    """An int option refuses a str and a value beyond a C int."""
    sock = sockets.new()
    with pytest.raises(TypeError, match="SO_RCVBUF"):
        sock.set_option(SocketOption.RCVBUF, "big")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="C int"):
        sock.set_option(SocketOption.RCVBUF, 2**31)


@pytest.mark.parametrize("kind", [SOCK_STREAM, SOCK_DGRAM])
def test_type_reads_back(sockets: Sockets, kind: SocketType) -> None:
    """SO_TYPE reads back the socket's SocketType."""
    sock = sockets.new(AF_INET, kind)
    value = sock.get_option(SocketOption.TYPE)
    assert type(value) is int
    assert SocketType(value) is kind
    assert sock.type is kind


def test_exclusive_round_trip(sockets: Sockets) -> None:
    """SO_EXCLUSIVEADDRUSE reads back as a bool."""
    sock = sockets.new()
    assert sock.get_option(EXCL) is False
    sock.set_option(EXCL, True)
    assert sock.get_option(EXCL) is True
    sock.set_option(EXCL, False)
    assert sock.get_option(EXCL) is False


def test_acceptconn(sockets: Sockets) -> None:
    """SO_ACCEPTCONN is False before listen and True after."""
    sock = sockets.new()
    sock.bind(("127.0.0.1", 0))
    assert sock.get_option(SocketOption.ACCEPTCONN) is False
    sock.listen()
    assert sock.get_option(SocketOption.ACCEPTCONN) is True


# -- argument checking ------------------------------------------------------------------


def test_ipv6_address_on_ipv4_socket(sockets: Sockets) -> None:
    """An IPv6 host for an AF_INET socket raises ValueError naming the argument; not bound."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    with pytest.raises(ValueError, match="address") as info:
        sock.bind(("::1", 0))
    assert "address" in str(info.value)
    assert "'::1'" in str(info.value)
    assert "AF_INET" in str(info.value)
    assert not sock.bound
    with pytest.raises(ValueError, match="address"):
        sock.connect(("::1", 80))


def test_ipv4_address_on_ipv6_socket(sockets: Sockets) -> None:
    """An IPv4 host for an AF_INET6 socket raises ValueError suggesting the mapped form."""
    sock = sockets.new(AF_INET6, SOCK_STREAM)
    with pytest.raises(ValueError, match=r"::ffff:127\.0\.0\.1"):
        sock.bind(("127.0.0.1", 0))


def test_address_of_other_family_refused(sockets: Sockets) -> None:
    """An IPv6Address given to an AF_INET socket raises ValueError."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    with pytest.raises(ValueError, match="AF_INET6"):
        sock.bind(IPv6Address("::1", 0))


@pytest.mark.parametrize("port", [70000, 65536, -1])
def test_port_out_of_range(sockets: Sockets, port: int) -> None:
    """A port outside 0-65535 raises ValueError naming the port."""
    with pytest.raises(ValueError, match="port"):
        sockets.new().bind(("127.0.0.1", port))


@pytest.mark.parametrize("port", ["80", 80.0, None, True])
def test_port_not_int(sockets: Sockets, port: object) -> None:
    """A port that is not an int raises TypeError naming the port."""
    with pytest.raises(TypeError, match="port"):
        sockets.new().bind(("127.0.0.1", port))  # type: ignore[arg-type]


@pytest.mark.parametrize("address", ["127.0.0.1:80", ["127.0.0.1", 80], ("127.0.0.1",), (1, 80)])
def test_malformed_address(sockets: Sockets, address: object) -> None:
    """Addresses of the wrong shape raise TypeError."""
    with pytest.raises(TypeError, match="address"):
        sockets.new().bind(address)  # type: ignore[arg-type]


def test_host_names_resolve_in_socket_not_in_raw(sockets: Sockets) -> None:
    """Socket.bind resolves 'localhost' as the stdlib does; raw.bind, one Winsock call,
    takes only IP literals and says so."""
    sock = sockets.new()
    sock.bind(("localhost", 0))
    assert sock.getsockname().host == "127.0.0.1"
    with pytest.raises(ValueError, match="not an IP address"):
        raw.bind(sockets.new().fileno(), ("localhost", 0))


def test_unknown_family() -> None:
    """Family 99 raises ValueError naming the family argument."""
    with pytest.raises(ValueError, match="family") as info:
        Socket(99, SOCK_STREAM)
    assert "99" in str(info.value)


@pytest.mark.parametrize("family", ["AF_INET", 2.0, None, True])
def test_family_bad_type(family: object) -> None:
    """A family that is not an int raises TypeError."""
    with pytest.raises(TypeError, match="family"):
        Socket(family, SOCK_STREAM)  # type: ignore[arg-type]


def test_unspec_family_refused() -> None:
    """AF_UNSPEC is not a family a socket can have."""
    with pytest.raises(ValueError, match="family"):
        Socket(0, SOCK_STREAM)


def test_unknown_type() -> None:
    """Type 99 raises ValueError naming the type argument."""
    with pytest.raises(ValueError, match="type") as info:
        Socket(AF_INET, 99)
    assert "99" in str(info.value)


@pytest.mark.parametrize("kind", ["SOCK_STREAM", 1.0, None])
def test_type_bad_type(kind: object) -> None:
    """A type that is not an int raises TypeError."""
    with pytest.raises(TypeError, match="type"):
        Socket(AF_INET, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("proto", "exc"), [(256, ValueError), (-1, ValueError), ("tcp", TypeError)]
)
def test_bad_proto(proto: object, exc: type[Exception]) -> None:
    """A protocol outside 0-255 or not an int is refused."""
    with pytest.raises(exc, match="proto"):
        Socket(AF_INET, SOCK_STREAM, proto)  # type: ignore[arg-type]


def test_type_protocol_mismatch() -> None:
    """SOCK_STREAM with IPPROTO_UDP fails in socket() with WSAEPROTONOSUPPORT (10043)."""
    with pytest.raises(WinsockError) as info:
        Socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)
    assert info.value.winerror == 10043
    assert info.value.function == "socket"


def test_bind_twice(sockets: Sockets) -> None:
    """A second bind fails with WSAEINVAL (10022)."""
    sock = sockets.new()
    sock.bind(("127.0.0.1", 0))
    with pytest.raises(WinsockError) as info:
        sock.bind(("127.0.0.1", 0))
    assert info.value.winerror == 10022
    assert info.value.code is WSAError.WSAEINVAL


@pytest.mark.parametrize(
    ("backlog", "error"),
    [(-1, ValueError), ("5", TypeError), (1.5, TypeError), (True, TypeError)],
)
def test_listen_bad_backlog(sockets: Sockets, backlog: object, error: type[Exception]) -> None:
    """A negative backlog is a ValueError; one that is not an int, a TypeError; both name it."""
    sock = sockets.new()
    sock.bind(("127.0.0.1", 0))
    with pytest.raises(error, match="backlog"):
        sock.listen(backlog)  # type: ignore[arg-type]


def test_connect_refused(sockets: Sockets) -> None:
    """Connecting to a port nobody listens on fails with WSAECONNREFUSED (10061)."""
    holder = sockets.new()
    holder.bind(("127.0.0.1", 0))  # bound, not listening: the port is known to be closed
    client = sockets.new()
    with pytest.raises(ConnectionRefusedError) as info:
        client.connect(holder.getsockname())
    assert isinstance(info.value, WinsockError)
    assert info.value.winerror == 10061
    assert info.value.function == "connect"


# -- data transfer ----------------------------------------------------------------------


@pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["ipv4", "ipv6"])
def test_tcp_round_trip(sockets: Sockets, family: int) -> None:
    """bind, listen, connect, accept, send/recv both ways, and the names on both ends."""
    host = "::1" if family == AF_INET6 else "127.0.0.1"
    listener = sockets.new(family, SOCK_STREAM, IPPROTO_TCP)
    listener.bind((host, 0))
    listener.listen(1)
    listen_name = listener.getsockname()
    assert listen_name.host == host
    assert listen_name.family == family
    assert 0 < listen_name.port < 65536
    client = sockets.new(family, SOCK_STREAM, IPPROTO_TCP)
    client.settimeout(10)
    listener.settimeout(10)
    client.connect((host, listen_name.port))
    server, peer = listener.accept()
    sockets.track(server)
    assert isinstance(server, Socket)
    assert server.family == family
    assert server.type == SOCK_STREAM
    server.settimeout(10)
    assert peer == client.getsockname()
    assert peer.host == host
    assert peer.family == family
    assert client.getpeername() == listen_name
    assert server.getsockname() == listen_name
    assert server.getpeername() == client.getsockname()
    assert client.send(b"hello") == 5
    assert server.recv(100) == b"hello"
    server.sendall(b"world!")
    assert client.recv(100) == b"world!"
    # A half close shows as end of stream on the other side.
    client.shutdown(ShutdownHow.SD_SEND)
    assert server.recv(100) == b""
    server.sendall(b"still open")
    assert client.recv(100) == b"still open"


def test_ipv6_address_tuple_forms(sockets: Sockets) -> None:
    """AF_INET6 accepts 4-tuples and returns flowinfo and scope_id in its IPv6Address."""
    sock = sockets.new(AF_INET6, SOCK_STREAM)
    sock.bind(("::1", 0, 0, 0))
    name = sock.getsockname()
    assert name.as_tuple() == ("::1", name.port, 0, 0)
    assert str(name) == f"[::1]:{name.port}"


def _recv_exactly(sock: Socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 65536))
        assert chunk, "unexpected end of stream"
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def test_recv_into_bytearray(sockets: Sockets) -> None:
    """recv_into writes into the caller's bytearray in place."""
    client, server = sockets.pair()
    server.settimeout(10)
    buffer = bytearray(b"." * 16)
    before = id(buffer)
    client.sendall(b"abcdef")
    got = server.recv_into(buffer)
    assert got == 6
    assert id(buffer) == before
    assert bytes(buffer) == b"abcdef" + b"." * 10


def test_recv_into_memoryview_slice(sockets: Sockets) -> None:
    """recv_into through a memoryview slice fills exactly that part of the underlying buffer."""
    client, server = sockets.pair()
    server.settimeout(10)
    backing = bytearray(b"-" * 12)
    view = memoryview(backing)[4:10]
    client.sendall(b"0123456789")
    got = server.recv_into(view, 3)
    assert got == 3
    assert bytes(backing) == b"----012-----"
    got = server.recv_into(view)
    assert got == 6
    assert bytes(backing) == b"----345678--"


def test_recv_into_bad_nbytes(sockets: Sockets) -> None:
    """nbytes larger than the buffer, or negative, raises ValueError."""
    _, server = sockets.pair()
    with pytest.raises(ValueError, match="nbytes"):
        server.recv_into(bytearray(4), 5)
    with pytest.raises(ValueError, match="nbytes"):
        server.recv_into(bytearray(4), -1)


def test_recv_into_readonly_buffer(sockets: Sockets) -> None:
    """A read-only buffer is refused before anything is received."""
    _, server = sockets.pair()
    with pytest.raises((TypeError, BufferError)):
        server.recv_into(b"immutable")


def test_sendall_one_mebibyte(sockets: Sockets) -> None:
    """sendall of 1 MiB arrives complete and in order while a thread reads."""
    client, server = sockets.pair()
    payload = bytes(range(256)) * 4096
    received: list[bytes] = []
    errors: list[BaseException] = []
    server.settimeout(20)

    def reader() -> None:
        try:
            received.append(_recv_exactly(server, len(payload)))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    client.settimeout(20)
    client.sendall(payload)
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    assert received == [payload]


def test_udp_round_trip(sockets: Sockets) -> None:
    """Two connected UDP sockets on 127.0.0.1 exchange datagrams both ways."""
    a = sockets.new(AF_INET, SOCK_DGRAM, IPPROTO_UDP)
    b = sockets.new(AF_INET, SOCK_DGRAM, IPPROTO_UDP)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    a.connect(b.getsockname())
    b.connect(a.getsockname())
    a.settimeout(10)
    b.settimeout(10)
    assert a.send(b"datagram one") == 12
    assert b.recv(100) == b"datagram one"
    assert b.send(b"two") == 3
    assert a.recv(100) == b"two"
    assert a.getpeername() == b.getsockname()
    assert b.getpeername() == a.getsockname()
    # Datagram boundaries are kept.
    a.send(b"x")
    a.send(b"yz")
    assert b.recv(100) == b"x"
    assert b.recv(100) == b"yz"


# -- timeouts ---------------------------------------------------------------------------


def test_recv_timeout(sockets: Sockets) -> None:
    """recv with no data raises a TimeoutError with WSAETIMEDOUT after the timeout."""
    _, server = sockets.pair()
    server.settimeout(0.3)
    assert server.gettimeout() == 0.3
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        server.recv(10)
    elapsed = time.monotonic() - started
    assert isinstance(info.value, WinsockTimeoutError)
    assert info.value.code is WSAError.WSAETIMEDOUT
    assert info.value.winerror == 10060
    assert info.value.function == "recv"
    assert 0.25 <= elapsed < 5


def test_recv_into_timeout(sockets: Sockets) -> None:
    """recv_into with no data also times out with WSAETIMEDOUT."""
    _, server = sockets.pair()
    server.settimeout(0.2)
    with pytest.raises(WinsockTimeoutError) as info:
        server.recv_into(bytearray(8))
    assert info.value.code is WSAError.WSAETIMEDOUT


def test_accept_timeout(sockets: Sockets) -> None:
    """accept with nobody connecting raises WSAETIMEDOUT after the timeout."""
    listener = sockets.listener()
    listener.settimeout(0.3)
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        listener.accept()
    elapsed = time.monotonic() - started
    assert isinstance(info.value, WinsockError)
    assert info.value.code is WSAError.WSAETIMEDOUT
    assert info.value.function == "accept"
    assert 0.25 <= elapsed < 5


def test_zero_timeout_is_non_blocking(sockets: Sockets) -> None:
    """Timeout 0 is non-blocking, as in the stdlib: BlockingIOError at once, data when there."""
    client, server = sockets.pair()
    server.settimeout(0)
    assert not server.getblocking()
    started = time.monotonic()
    with pytest.raises(BlockingIOError) as info:
        server.recv(10)
    assert isinstance(info.value, WinsockError)
    assert info.value.winerror == WSAError.WSAEWOULDBLOCK
    assert time.monotonic() - started < 2
    client.sendall(b"now")
    server.settimeout(10)
    assert server.recv(10) == b"now"


@pytest.mark.parametrize(
    ("value", "exc"),
    [
        (-1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("1", TypeError),
        (True, TypeError),
    ],
)
def test_settimeout_bad_values(sockets: Sockets, value: object, exc: type[Exception]) -> None:
    """settimeout refuses negative, non-finite and non-numeric values; the old value stays."""
    sock = sockets.new()
    sock.settimeout(2)
    with pytest.raises(exc, match="timeout"):
        sock.settimeout(value)  # type: ignore[arg-type]
    assert sock.gettimeout() == 2.0


def test_settimeout_none_blocks(sockets: Sockets) -> None:
    """settimeout(None) restores blocking mode (gettimeout returns None)."""
    sock = sockets.new()
    assert sock.gettimeout() is None
    sock.settimeout(1)
    sock.settimeout(None)
    assert sock.gettimeout() is None


# -- detach and the stdlib --------------------------------------------------------------


def test_detach_to_stdlib(sockets: Sockets) -> None:
    """detach() hands a handle the stdlib socket can adopt; the winsockx Socket is then closed."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    name = sock.getsockname()
    handle = sock.detach()
    assert handle >= 0
    assert sock.closed
    std = stdlib_socket.socket(fileno=handle)
    try:
        assert std.getsockname() == name.as_tuple()
        assert std.family == stdlib_socket.AF_INET
        assert std.type == stdlib_socket.SOCK_STREAM
    finally:
        std.close()
    with pytest.raises(SocketClosedError, match="detached"):
        sock.getsockname()
    assert sock.fileno() == -1
    with pytest.raises(SocketClosedError):
        sock.detach()


# -- use after close --------------------------------------------------------------------

USE_AFTER_CLOSE: dict[str, Callable[[Socket], Any]] = {
    "bind": lambda s: s.bind(("127.0.0.1", 0)),
    "listen": lambda s: s.listen(),
    "accept": lambda s: s.accept(),
    "connect": lambda s: s.connect(("127.0.0.1", 9)),
    "send": lambda s: s.send(b"x"),
    "sendall": lambda s: s.sendall(b"x"),
    "recv": lambda s: s.recv(1),
    "recv_into": lambda s: s.recv_into(bytearray(1)),
    "shutdown": lambda s: s.shutdown(ShutdownHow.SD_BOTH),
    "getsockname": lambda s: s.getsockname(),
    "getpeername": lambda s: s.getpeername(),
    "set_option": lambda s: s.set_option(SocketOption.KEEPALIVE, True),
    "get_option": lambda s: s.get_option(SocketOption.KEEPALIVE),
    "detach": lambda s: s.detach(),
}


@pytest.mark.parametrize("method", list(USE_AFTER_CLOSE))
@pytest.mark.parametrize("state", ["new", "connected"])
def test_use_after_close(sockets: Sockets, method: str, state: str) -> None:
    """Every method of a closed Socket raises SocketClosedError, never an OSError."""
    sock = sockets.new() if state == "new" else sockets.pair()[0]
    sock.close(drain_timeout=0)
    with pytest.raises(SocketClosedError) as info:
        USE_AFTER_CLOSE[method](sock)
    assert not isinstance(info.value, OSError)
    assert not isinstance(info.value, WinsockError)
    assert isinstance(info.value, UsageError)
    assert "closed" in str(info.value)


def test_state_properties_after_close(sockets: Sockets) -> None:
    """Properties that need no handle keep working after close; repr says closed."""
    sock = sockets.new(AF_INET6, SOCK_DGRAM)
    sock.settimeout(3)
    sock.close()
    assert sock.closed
    assert sock.family is AF_INET6
    assert sock.type is SOCK_DGRAM
    assert sock.gettimeout() == 3.0
    assert "closed" in repr(sock)


def test_exit_closes_when_block_raises() -> None:
    """Leaving a with block by an exception closes the socket and lets the exception through."""
    sock = Socket()
    handle = sock.fileno()

    def bind_then_fail() -> None:
        with sock:
            sock.bind(("127.0.0.1", 0))
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        bind_then_fail()
    assert sock.closed
    with pytest.raises(NotASocketError):
        raw.getsockopt(handle, SOL_SOCKET, SocketOption.TYPE.optname)


def test_enter_returns_the_socket() -> None:
    """__enter__ returns the socket itself and __exit__ closes it."""
    sock = Socket()
    with sock as entered:
        assert entered is sock
        assert not sock.closed
    assert sock.closed


def test_unclosed_socket_warns_and_closes() -> None:
    """A Socket collected while open emits ResourceWarning and closes its handle."""
    sock = Socket()
    sock.bind(("127.0.0.1", 0))
    handle = sock.fileno()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del sock
        gc.collect()
    resource = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(resource) == 1
    assert "unclosed" in str(resource[0].message)
    source = resource[0].source
    assert isinstance(source, Socket)
    assert source.closed
    # Nothing else opened a socket in between, so the number still names nothing.
    with pytest.raises(NotASocketError):
        raw.getsockopt(handle, SOL_SOCKET, SocketOption.TYPE.optname)


def test_closed_socket_does_not_warn() -> None:
    """A Socket that was closed emits no ResourceWarning when collected."""
    sock = Socket()
    sock.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del sock
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_repr_and_fileno(sockets: Sockets) -> None:
    """repr shows the handle, family and type; fileno returns the handle."""
    sock = sockets.new(AF_INET6, SOCK_STREAM, IPPROTO_TCP)
    text = repr(sock)
    assert f"handle={sock.fileno()}" in text
    assert "AF_INET6" in text
    assert "SOCK_STREAM" in text
    assert sock.proto is IPPROTO_TCP


def test_fileno_of_a_closed_socket_is_minus_one(sockets: Sockets) -> None:
    """fileno() is the handle while open and -1 once closed or detached, as the stdlib's."""
    closed = sockets.new()
    assert closed.fileno() >= 0
    closed.close()
    assert closed.fileno() == -1
    std = stdlib_socket.socket()
    std.close()
    assert std.fileno() == closed.fileno()
