"""Type checks for winsockx.Socket and friends: mypy checks this file, nobody runs it."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Optional, Union

import winsockx
from winsockx import (
    AF_INET,
    AF_INET6,
    SOCK_STREAM,
    Address,
    AddressFamily,
    CloseReason,
    CloseReport,
    IPv4Address,
    IPv6Address,
    OptionRule,
    Protocol,
    ShutdownHow,
    Socket,
    SocketOption,
    SocketType,
)
from winsockx.address import make_address

if TYPE_CHECKING:
    from typing_extensions import assert_type


def sockets() -> None:
    """The Socket API's return types."""
    with Socket(AF_INET, SOCK_STREAM, exclusive=True) as listener:
        assert_type(listener, Socket)
        listener.bind(("127.0.0.1", 0))
        listener.bind(IPv4Address("127.0.0.1", 0))
        listener.bind(make_address("127.0.0.1", 0, AF_INET))
        listener.listen()
        listener.listen(5)
        assert_type(listener.getsockname(), Address)
        assert_type(listener.getsockname().port, int)
        assert_type(listener.getsockname().host, str)
        assert_type(listener.getsockname().family, AddressFamily)
        assert_type(
            listener.getsockname().as_tuple(), Union[tuple[str, int], tuple[str, int, int, int]]
        )
        assert_type(listener.getsockname().is_wildcard, bool)
        assert_type(listener.getsockname()[0], str)
        assert_type(listener.getsockname()[1], int)
        conn, peer = listener.accept()
        assert_type(conn, Socket)
        assert_type(peer, Address)
        assert_type(conn.getpeername(), Address)
        assert_type(conn.recv(10), bytes)
        assert_type(conn.recv_into(bytearray(10)), int)
        assert_type(conn.recv_into(memoryview(bytearray(10)), 5), int)
        assert_type(conn.send(b"x"), int)
        assert_type(conn.send(memoryview(b"x")), int)
        assert_type(conn.sendall(bytearray(b"x")), None)
        conn.shutdown(ShutdownHow.SD_SEND)
        assert_type(conn.fileno(), int)
        assert_type(conn.family, AddressFamily)
        assert_type(conn.type, SocketType)
        assert_type(conn.proto, Union[Protocol, int])
        assert_type(conn.closed, bool)
        assert_type(conn.bound, bool)
        conn.settimeout(1)
        conn.settimeout(0.5)
        conn.settimeout(None)
        assert_type(conn.gettimeout(), Optional[float])
        report = conn.close(drain_timeout=1.5, drain_limit=1024)
        assert_type(report, CloseReport)
        assert_type(report.graceful, bool)
        assert_type(report.drained_bytes, int)
        assert_type(report.seconds, float)
        assert_type(report.reason, CloseReason)
        assert_type(Socket(AF_INET6).detach(), int)


def addresses(name: Address) -> None:
    """Addresses are the stdlib's tuples: indexed, unpacked and compared as tuples."""
    assert_type(name.port, int)
    assert_type(name[1], int)
    v4 = IPv4Address("127.0.0.1", 5150)
    host, port = v4
    assert_type(host, str)
    assert_type(port, int)
    assert_type(v4.as_tuple(), tuple[str, int])
    assert_type(v4 == ("127.0.0.1", 5150), bool)
    socket.create_connection(v4, timeout=5).close()
    v6 = IPv6Address("::1", 5150)
    host6, port6, flowinfo, scope_id = v6
    assert_type(host6, str)
    assert_type(port6, int)
    assert_type(flowinfo, int)
    assert_type(scope_id, int)
    assert_type(v6.as_tuple(), tuple[str, int, int, int])
    assert_type(make_address("::1", 80, AF_INET6), Address)
    if isinstance(name, IPv6Address):
        assert_type(name.scope_id, int)
    else:
        assert_type(name, IPv4Address)
    with Socket(AF_INET6) as sock:
        sock.bind(v6)
        sock.bind(("::1", 0, 0, 0))
        sock.connect(name)


def options(sock: Socket) -> None:
    """Option values are a bool, an int or a linger pair."""
    sock.set_option(SocketOption.EXCLUSIVEADDRUSE, True)
    sock.set_option(SocketOption.RCVBUF, 65536)
    sock.set_option(SocketOption.LINGER, (1, 5))
    assert_type(sock.get_option(SocketOption.TYPE), int)
    assert_type(sock.get_option(SocketOption.EXCLUSIVEADDRUSE), bool)
    assert_type(sock.get_option(SocketOption.TCP_NODELAY), bool)
    assert_type(sock.get_option(SocketOption.SNDBUF), int)
    assert_type(sock.get_option(SocketOption.LINGER), tuple[int, int])
    sock.set_option(SocketOption.RCVTIMEO, 1.5)
    sock.set_option(SocketOption.SNDTIMEO, 2)
    sock.set_option(SocketOption.TCP_KEEPIDLE, 30)
    sock.set_option(SocketOption.DONTLINGER, True)
    assert_type(sock.get_option(SocketOption.RCVTIMEO), float)
    assert_type(sock.get_option(SocketOption.SNDTIMEO), float)
    assert_type(sock.get_option(SocketOption.TCP_KEEPIDLE), int)
    assert_type(sock.get_option(SocketOption.TCP_KEEPCNT), int)
    assert_type(sock.get_option(SocketOption.TCP_KEEPINTVL), int)
    assert_type(sock.get_option(SocketOption.DONTLINGER), bool)
    assert_type(sock.get_option(SocketOption.REUSE_UNICASTPORT), bool)
    assert_type(sock.get_option(SocketOption.CONDITIONAL_ACCEPT), bool)
    any_option: SocketOption = SocketOption.KEEPALIVE
    assert_type(sock.get_option(any_option), Union[bool, int, float, tuple[int, int]])
    assert_type(SocketOption.EXCLUSIVEADDRUSE.c_name, str)
    assert_type(SocketOption.EXCLUSIVEADDRUSE.before_bind, bool)
    assert_type(SocketOption.EXCLUSIVEADDRUSE.level, int)
    assert_type(SocketOption.CONDITIONAL_ACCEPT.rule, OptionRule)
    assert_type(SocketOption.CONDITIONAL_ACCEPT.windows_only, bool)
    assert_type(SocketOption.KEEPALIVE.posix, Union[tuple[str, str], str])
    sock.set_keepalive(True, idle=60, interval=1.5)
    sock.set_udp_connreset(False)
    sock.set_udp_netreset(False)


def misuse(sock: Socket) -> None:
    """Calls mypy must reject (an unneeded ignore is itself an error under --strict)."""
    sock.bind("127.0.0.1:80")  # type: ignore[arg-type]
    sock.bind(("127.0.0.1", "80"))  # type: ignore[arg-type]
    sock.set_option("SO_REUSEADDR", True)  # type: ignore[call-overload]
    sock.set_option(SocketOption.LINGER, "on")  # type: ignore[call-overload]
    sock.set_option(SocketOption.RCVTIMEO, "1s")  # type: ignore[call-overload]
    sock.set_keepalive("yes")  # type: ignore[arg-type]
    sock.recv_into("text")  # type: ignore[arg-type]
    sock.send("text")  # type: ignore[arg-type]
    sock.settimeout("1")  # type: ignore[arg-type]
    sock.close(drain_limit=1.5)  # type: ignore[arg-type]
    Socket(exclusive=1.0)  # type: ignore[arg-type]
    Address("127.0.0.1", 0, AF_INET)  # type: ignore[operator]  # a union: use make_address
    _ = sock.getsockname().scope_id  # type: ignore[union-attr]  # an IPv4Address has none
    _host, _port = sock.getsockname()  # type: ignore[misc]  # an IPv6Address has four fields
    IPv4Address("127.0.0.1", "80")  # type: ignore[arg-type]


def constants() -> None:
    """The module-level constants are enum members."""
    assert_type(winsockx.AF_INET, AddressFamily)
    assert_type(winsockx.SOCK_DGRAM, SocketType)
    assert_type(winsockx.IPPROTO_TCP, Protocol)
    assert_type(winsockx.SOL_SOCKET, int)
    assert_type(winsockx.__version__, str)


def timeouts_and_inheritance(sock: Socket) -> None:
    """The stdlib's blocking controls and the inheritance flag, with their types."""
    sock.setblocking(False)
    assert_type(sock.getblocking(), bool)
    sock.settimeout(0.0)
    assert_type(sock.gettimeout(), Optional[float])
    assert_type(sock.get_inheritable(), bool)
    sock.set_inheritable(False)
    sock.set_inheritable(1)  # type: ignore[arg-type]
    report = sock.close()
    assert_type(report.reason, CloseReason)
    if report.reason is CloseReason.RECEIVE_SHUT:
        assert_type(report.graceful, bool)
