"""Winsock calls one to one: handles as ints, results typed, failures raised.

Every function here makes exactly one Winsock call (or, on the POSIX backend, the
libc equivalent) and raises :class:`~winsockx.WinsockError` with the code read
right after a failing call. Nothing here starts Winsock: like the C API, calls
made before :func:`WSAStartup` fail with WSANOTINITIALISED (10093).

>>> from winsockx import raw
>>> data = raw.WSAStartup((2, 2))
>>> h = raw.socket(2, 1, 6)            # AF_INET, SOCK_STREAM, IPPROTO_TCP
>>> raw.bind(h, ("127.0.0.1", 0))
>>> raw.getsockname(h).host
'127.0.0.1'
>>> raw.closesocket(h)
>>> raw.WSACleanup()
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

from ._backend import Backend
from ._failure import OsFailure
from ._loader import load_backend
from .address import (
    Address,
    AddressLike,
    IPv4Address,
    IPv6Address,
    pack_sockaddr,
    parse_address,
    unpack_sockaddr,
)
from .constants import SOL_SOCKET, AddressFamily, Protocol, ShutdownHow, SocketOption, SocketType
from .errors import WinsockError, WSAError
from .results import WSAData

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "FIONBIO",
    "SOMAXCONN",
    "WSACleanup",
    "WSAGetLastError",
    "WSAStartup",
    "accept",
    "backend",
    "bind",
    "closesocket",
    "connect",
    "getpeername",
    "getsockname",
    "getsockopt",
    "inet_ntop",
    "inet_pton",
    "ioctlsocket",
    "listen",
    "recv",
    "recv_into",
    "select",
    "send",
    "setsockopt",
    "shutdown",
    "socket",
]

backend: Backend = load_backend()
"""The backend in use (ws2_32 on Windows, libc elsewhere)."""

FIONBIO = 0x8004667E
"""``ioctlsocket`` command: set (non-zero) or clear (0) non-blocking mode."""
SOMAXCONN = 0x7FFFFFFF
"""``listen`` backlog meaning "a reasonable maximum"."""

_INT = struct.Struct("=i")
_MAX_WAIT = (2**31 - 1) / 1000
_OPTIONS = {(o.level, o.optname): o for o in SocketOption}
_REUSE_PAIR = (SocketOption.EXCLUSIVEADDRUSE, SocketOption.REUSEADDR)

# Extra sentences for codes whose usual cause is worth saying where they happen.
_HINTS: dict[tuple[str, int], str] = {
    ("setsockopt", WSAError.WSAEINVAL): (
        "SO_EXCLUSIVEADDRUSE and SO_REUSEADDR cannot both be set on one socket;"
        " clear one before setting the other."
    ),
    ("bind", WSAError.WSAEACCES): (
        "Another socket holds this port with SO_EXCLUSIVEADDRUSE (or reuse is refused),"
        " or the port lies in a reserved range"
        " (netsh interface ipv4 show excludedportrange protocol=tcp)."
        if sys.platform == "win32"
        # Linux: EACCES on bind means a port below the privileged floor
        # (net.ipv4.ip_unprivileged_port_start) without CAP_NET_BIND_SERVICE.
        else "Ports below net.ipv4.ip_unprivileged_port_start (1024 by default) need"
        " root or CAP_NET_BIND_SERVICE."
    ),
    ("bind", WSAError.WSAEADDRINUSE): "Another socket is already bound to this address and port.",
    ("*", WSAError.WSANOTINITIALISED): (
        "Winsock is not started in this process: call winsockx.raw.WSAStartup()"
        " (winsockx.Socket starts it by itself)."
    ),
}


def _hint(function: str, failure: OsFailure) -> str | None:
    code = failure.winerror
    if code is None:
        return None
    return _HINTS.get((function, code)) or _HINTS.get(("*", code))


def _failed(function: str, failure: OsFailure, argument: str | None = None) -> WinsockError:
    """The public error for *failure* in *function*, with its hint (shared by Socket)."""
    return failure.error(function, argument=argument, hint=_hint(function, failure))


def _socket_label(family: int, type: int, proto: int) -> str:
    return ", ".join(
        (
            _enum_name(AddressFamily, family),
            _enum_name(SocketType, type),
            _enum_name(Protocol, proto),
        )
    )


def _unsupported_hint(level: int, optname: int) -> str | None:
    """Why the POSIX backend refused an option of the table (WSAENOPROTOOPT), or None."""
    option = _OPTIONS.get((level, optname))
    if option is None or backend.name != "posix":
        return None
    if option.windows_only:
        return f"{option.c_name} exists only on Windows; POSIX systems have no equivalent."
    if isinstance(option.posix, tuple):
        return f"This system's socket module has no {option.posix[1]}, so it is not available here."
    return None


def _setsockopt_failed(failure: OsFailure, level: int, optname: int) -> WinsockError:
    hint = _hint("setsockopt", failure)
    if failure.winerror == WSAError.WSAEINVAL and _OPTIONS.get((level, optname)) not in _REUSE_PAIR:
        hint = None
    if failure.winerror == WSAError.WSAENOPROTOOPT:
        hint = _unsupported_hint(level, optname)
    return failure.error("setsockopt", argument=_option_label(level, optname), hint=hint)


def _getsockopt_failed(failure: OsFailure, level: int, optname: int) -> WinsockError:
    hint = _hint("getsockopt", failure)
    if failure.winerror == WSAError.WSAENOPROTOOPT:
        hint = _unsupported_hint(level, optname)
    return failure.error("getsockopt", argument=_option_label(level, optname), hint=hint)


def _bind_failed(failure: OsFailure, addr: Address, kind: int) -> WinsockError:
    error = failure.error("bind", argument=str(addr), address=addr, hint=_hint("bind", failure))
    code = failure.winerror
    if code in _DIAGNOSED:
        # Who holds the port, excluded ranges...: worked out when first read, so a
        # program that catches the error and tries another port pays nothing.
        protocol = "udp" if kind == SocketType.SOCK_DGRAM else "tcp"
        error._diagnose_later(lambda: _explain_bind_failure(code, addr, protocol))
    return error


def _explain_bind_failure(code: int, addr: Address, protocol: str) -> str | None:
    from .diag.diagnose import explain_bind_failure

    return explain_bind_failure(code, addr, protocol)


_DIAGNOSED = frozenset({int(WSAError.WSAEADDRINUSE), int(WSAError.WSAEACCES)})


def _connect_failed(failure: OsFailure, addr: Address) -> WinsockError:
    return failure.error(
        "connect", argument=str(addr), address=addr, hint=_hint("connect", failure)
    )


def _enum_name(enum_type: type, value: int) -> str:
    try:
        return str(enum_type(value).name)
    except ValueError:
        return str(value)


def _to_address(address: AddressLike) -> Address:
    """An IPv4Address or IPv6Address; a plain tuple's family follows from its host literal."""
    if isinstance(address, (IPv4Address, IPv6Address)):
        return address
    host = address[0] if isinstance(address, tuple) and address else None
    family = (
        AddressFamily.AF_INET6 if isinstance(host, str) and ":" in host else AddressFamily.AF_INET
    )
    return parse_address(family, address)


# -- session -------------------------------------------------------------------


def WSAStartup(version: tuple[int, int] = (2, 2)) -> WSAData:
    """``WSAStartup``: start Winsock for this process (counted; pair with WSACleanup).

    Raises:
        WinsockError: WSAVERNOTSUPPORTED (10092) for versions below 1.0, and others.
    """
    major, minor = version
    if not (0 <= major <= 0xFF and 0 <= minor <= 0xFF):
        raise ValueError(f"version must be two numbers 0-255, got {version!r}")
    try:
        return backend.startup(major, minor)
    except OsFailure as f:
        raise f.error("WSAStartup", argument=f"{major}.{minor}") from None


def WSACleanup() -> None:
    """``WSACleanup``: undo one :func:`WSAStartup`."""
    try:
        backend.cleanup()
    except OsFailure as f:
        raise _failed("WSACleanup", f) from None


def WSAGetLastError() -> int:
    """``WSAGetLastError``: the calling thread's last Winsock error code."""
    return backend.last_error()


# -- sockets -------------------------------------------------------------------


def socket(family: int, type: int, proto: int) -> int:
    """``socket``: create a socket and return its handle.

    Raises:
        WinsockError: e.g. WSANOTINITIALISED (10093) before WSAStartup,
            WSAEPROTONOSUPPORT (10043) for a type/protocol mismatch.
    """
    try:
        return backend.socket(family, type, proto, False)
    except OsFailure as f:
        raise _failed("socket", f, _socket_label(family, type, proto)) from None


def closesocket(handle: int) -> None:
    """``closesocket``: close a handle at once.

    No shutdown and no draining: :meth:`winsockx.Socket.close` does those.
    """
    try:
        backend.closesocket(handle)
    except OsFailure as f:
        raise _failed("closesocket", f) from None


def _option_label(level: int, optname: int) -> str:
    option = _OPTIONS.get((level, optname))
    return option.c_name if option else f"level={level}, optname={optname}"


def setsockopt(handle: int, level: int, optname: int, value: int | bytes) -> None:
    """``setsockopt``: an ``int`` value is passed as a C ``int``; bytes as they are.

    Raises:
        WinsockError: e.g. WSAEINVAL (10022) for SO_EXCLUSIVEADDRUSE with SO_REUSEADDR.
    """
    data = _INT.pack(value) if isinstance(value, int) else bytes(value)
    try:
        backend.setsockopt(handle, level, optname, data)
    except OsFailure as f:
        raise _setsockopt_failed(f, level, optname) from None


@overload
def getsockopt(handle: int, level: int, optname: int) -> int: ...
@overload
def getsockopt(handle: int, level: int, optname: int, buflen: int) -> bytes: ...
def getsockopt(handle: int, level: int, optname: int, buflen: int | None = None) -> int | bytes:
    """``getsockopt``: without *buflen* the value is read as a C ``int``; with it, as bytes."""
    try:
        data = backend.getsockopt(handle, level, optname, 4 if buflen is None else buflen)
    except OsFailure as f:
        raise _getsockopt_failed(f, level, optname) from None
    if buflen is None:
        return int(_INT.unpack_from(data.ljust(4, b"\0"))[0])
    return data


def bind(handle: int, address: AddressLike) -> None:
    """``bind``: bind to ``(host, port)`` (IPv6 when the host contains ``:``) or an address.

    Raises:
        WinsockError: e.g. WSAEACCES (10013), WSAEADDRINUSE (10048), WSAEINVAL (10022).
    """
    addr = _to_address(address)
    try:
        backend.bind(handle, pack_sockaddr(addr, backend.native_family(addr.family)))
    except OsFailure as f:
        raise _bind_failed(f, addr, _socket_type_of(handle)) from None


def _socket_type_of(handle: int) -> int:
    """SO_TYPE of *handle*, or 0 when it cannot be read (a failure path only)."""
    try:
        return backend.getsockopt_int(handle, SOL_SOCKET, SocketOption.TYPE.optname)
    except OsFailure:
        return 0


def listen(handle: int, backlog: int) -> None:
    """``listen``: start accepting connections."""
    try:
        backend.listen(handle, backlog)
    except OsFailure as f:
        raise _failed("listen", f) from None


def accept(handle: int) -> tuple[int, Address]:
    """``accept``: wait for a connection; return its handle and the peer's address."""
    try:
        conn, data = backend.accept(handle, False)
    except OsFailure as f:
        raise _failed("accept", f) from None
    return conn, _unpack(data)


def connect(handle: int, address: AddressLike) -> None:
    """``connect``: connect to ``(host, port)`` (IPv6 if the host contains ``:``) or an address."""
    addr = _to_address(address)
    try:
        backend.connect(handle, pack_sockaddr(addr, backend.native_family(addr.family)))
    except OsFailure as f:
        raise _connect_failed(f, addr) from None


def send(handle: int, data: Buffer, flags: int = 0) -> int:
    """``send``: send what the stack accepts now; return the number of bytes sent."""
    try:
        return backend.send(handle, data, flags)
    except OsFailure as f:
        raise _failed("send", f) from None


def recv(handle: int, bufsize: int, flags: int = 0) -> bytes:
    """``recv``: up to *bufsize* bytes; ``b""`` means the peer closed its side."""
    if bufsize < 0:
        raise ValueError(f"bufsize must be >= 0, got {bufsize}")
    try:
        return backend.recv(handle, bufsize, flags)
    except OsFailure as f:
        raise _failed("recv", f) from None


def recv_into(handle: int, buffer: Buffer, nbytes: int = 0, flags: int = 0) -> int:
    """``recv`` into *buffer* (no copy); *nbytes* 0 means the whole buffer."""
    size = memoryview(buffer).nbytes
    if nbytes < 0 or nbytes > size:
        raise ValueError(f"nbytes must be between 0 and the buffer size {size}, got {nbytes}")
    try:
        return backend.recv_into(handle, buffer, nbytes or size, flags)
    except OsFailure as f:
        raise _failed("recv", f) from None


def shutdown(handle: int, how: int) -> None:
    """``shutdown``: SD_RECEIVE (0), SD_SEND (1) or SD_BOTH (2)."""
    try:
        backend.shutdown(handle, how)
    except OsFailure as f:
        raise f.error(
            "shutdown", argument=_enum_name(ShutdownHow, how), hint=_hint("shutdown", f)
        ) from None


def _unpack(data: bytes) -> Address:
    """The IPv4Address or IPv6Address in a native sockaddr the stack wrote."""
    family = AddressFamily(struct.unpack_from("=H", data)[0])
    return unpack_sockaddr(data, family)


def getsockname(handle: int) -> Address:
    """``getsockname``: the local address (the port the stack chose after binding port 0).

    An :class:`~winsockx.IPv4Address` or :class:`~winsockx.IPv6Address`, equal to the
    stdlib's tuple: ``raw.getsockname(h)[1]`` is the port.
    """
    try:
        return _unpack(backend.getsockname(handle))
    except OsFailure as f:
        raise _failed("getsockname", f) from None


def getpeername(handle: int) -> Address:
    """``getpeername``: the connected peer's address."""
    try:
        return _unpack(backend.getpeername(handle))
    except OsFailure as f:
        raise _failed("getpeername", f) from None


def ioctlsocket(handle: int, cmd: int, arg: int) -> None:
    """``ioctlsocket``; only :data:`FIONBIO` is supported (non-blocking mode on/off)."""
    if cmd != FIONBIO:
        raise ValueError(f"cmd must be FIONBIO (0x{FIONBIO:08X}), got 0x{cmd & 0xFFFFFFFF:08X}")
    try:
        backend.set_nonblocking(handle, bool(arg))
    except OsFailure as f:
        raise f.error("ioctlsocket", argument="FIONBIO", hint=_hint("ioctlsocket", f)) from None


def select(
    read: Sequence[int],
    write: Sequence[int],
    error: Sequence[int],
    timeout: float | None = None,
) -> tuple[list[int], list[int], list[int]]:
    """``select``: wait until handles are readable/writable/exceptional, or *timeout* seconds.

    On the POSIX backend this is implemented with ``poll()``. ``None`` waits for ever.
    """
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__}")
        if not timeout >= 0:
            raise ValueError(f"timeout must be >= 0 or None, got {timeout}")
        # Longer waits do not fit poll()'s int milliseconds; about 24 days is plenty.
        timeout = min(float(timeout), _MAX_WAIT)
    try:
        return backend.select(read, write, error, timeout)
    except OsFailure as f:
        raise _failed("select", f) from None


def inet_pton(family: int, text: str) -> bytes:
    """``inet_pton``: address text to network-order bytes (ValueError if malformed)."""
    try:
        return backend.inet_pton(family, text)
    except OsFailure as f:
        raise f.error("inet_pton", argument=repr(text)) from None


def inet_ntop(family: int, packed: bytes) -> str:
    """``inet_ntop``: network-order bytes to address text."""
    expected = 4 if family == AddressFamily.AF_INET else 16
    if len(packed) != expected:
        raise ValueError(f"packed must be {expected} bytes for family {family}, got {len(packed)}")
    try:
        return backend.inet_ntop(family, packed)
    except OsFailure as f:
        raise f.error("inet_ntop") from None


# -- datagrams and WSAIoctl ------------------------------------------------------------

SIO_UDP_CONNRESET = 0x9800000C
"""``WSAIoctl`` code (mstcpip.h): a 4-byte BOOL; FALSE stops a UDP socket's recvfrom
failing with WSAECONNRESET after an ICMP port unreachable."""
SIO_UDP_NETRESET = 0x9800000F
"""``WSAIoctl`` code (mstcpip.h): a 4-byte BOOL; FALSE stops WSAENETRESET on a UDP
socket after an ICMP TTL expired."""
SIO_KEEPALIVE_VALS = 0x98000004
"""``WSAIoctl`` code (mstcpip.h): ``struct tcp_keepalive`` (three u_longs: onoff,
keepalivetime and keepaliveinterval in milliseconds)."""


def _sender_address(data: bytes) -> Address | None:
    return _unpack(data) if data else None


def sendto(handle: int, data: Buffer, address: AddressLike, flags: int = 0) -> int:
    """``sendto``: send *data* as one datagram to ``(host, port)`` or an address.

    Returns the number of bytes sent.

    Raises:
        WinsockError: e.g. WSAEMSGSIZE (10040) for a datagram too large,
            WSAEAFNOSUPPORT (10047) for an address of the other family.
    """
    addr = _to_address(address)
    sockaddr = pack_sockaddr(addr, backend.native_family(addr.family))
    try:
        return backend.sendto(handle, data, flags, sockaddr)
    except OsFailure as f:
        raise f.error("sendto", argument=str(addr), address=addr, hint=_hint("sendto", f)) from None


def recvfrom(handle: int, bufsize: int, flags: int = 0) -> tuple[bytes, Address | None]:
    """``recvfrom``: one datagram (up to *bufsize* bytes) and its sender's address.

    The address is None when the stack reports no sender (a connected stream socket).

    Raises:
        WinsockError: e.g. WSAEMSGSIZE (10040) on Windows when the datagram was
            longer than *bufsize* (the first *bufsize* bytes are lost with it).
    """
    if bufsize < 0:
        raise ValueError(f"bufsize must be >= 0, got {bufsize}")
    try:
        data, sender = backend.recvfrom(handle, bufsize, flags)
    except OsFailure as f:
        raise _failed("recvfrom", f) from None
    return data, _sender_address(sender)


def recvfrom_into(
    handle: int, buffer: Buffer, nbytes: int = 0, flags: int = 0
) -> tuple[int, Address | None]:
    """``recvfrom`` into *buffer* (no copy); *nbytes* 0 means the whole buffer."""
    size = memoryview(buffer).nbytes
    if nbytes < 0 or nbytes > size:
        raise ValueError(f"nbytes must be between 0 and the buffer size {size}, got {nbytes}")
    try:
        got, sender = backend.recvfrom_into(handle, buffer, nbytes or size, flags)
    except OsFailure as f:
        raise _failed("recvfrom", f) from None
    return got, _sender_address(sender)


def WSAIoctl(handle: int, code: int, data: bytes = b"", out_size: int = 0) -> bytes:
    """``WSAIoctl`` (blocking, no overlapped I/O): send *data*, return up to *out_size* bytes.

    Windows only: the POSIX backend has no equivalent and raises NotImplementedError.

    >>> raw.WSAIoctl(h, raw.SIO_UDP_CONNRESET, (0).to_bytes(4, "little"))  # doctest: +SKIP
    b''

    Raises:
        NotImplementedError: not on the ws2_32 backend.
        WinsockError: e.g. WSAEINVAL (10022) or WSAEOPNOTSUPP (10045) for a code the
            socket does not take.
    """
    from ._checks import check_int

    check_int(code, "code", 0, 0xFFFFFFFF)
    check_int(out_size, "out_size", 0, 0xFFFFFFFF)
    payload = bytes(data)
    if sys.platform == "win32":
        from ._ws2_32_backend import Ws2Backend

        if isinstance(backend, Ws2Backend):
            try:
                return backend.ioctl(handle, code, payload, out_size)
            except OsFailure as f:
                raise f.error(
                    "WSAIoctl", argument=f"0x{code:08X}", hint=_hint("WSAIoctl", f)
                ) from None
    raise NotImplementedError("WSAIoctl exists only on Windows (the ws2_32 backend)")


__all__ += [
    "SIO_KEEPALIVE_VALS",
    "SIO_UDP_CONNRESET",
    "SIO_UDP_NETRESET",
    "WSAIoctl",
    "recvfrom",
    "recvfrom_into",
    "sendto",
]
