"""Exclusive sockets for code that wants a stdlib :class:`socket.socket`, and back.

:func:`create_server` is the stdlib's :func:`socket.create_server` with the port
owned exclusively: the socket is made and bound by winsockx with
``SO_EXCLUSIVEADDRUSE`` set before ``bind`` (on POSIX: no ``SO_REUSEADDR`` or
``SO_REUSEPORT``, ever), then handed over as a stdlib socket that asyncio,
socketserver, uvicorn and waitress take as it is. :func:`graceful_close` gives any
stdlib socket the bounded close of :meth:`winsockx.Socket.close`.

>>> import winsockx
>>> server = winsockx.create_server(("127.0.0.1", 0))
>>> server.getsockname()[0]
'127.0.0.1'
>>> winsockx.graceful_close(server).reason
<CloseReason.NOT_CONNECTED: 'not_connected'>
"""

from __future__ import annotations

import contextlib
import ipaddress
from typing import TYPE_CHECKING
from typing import Protocol as _Protocol

from . import raw
from ._checks import check_int, check_seconds
from ._failure import OsFailure
from .address import AddressLike
from .constants import AddressFamily, SocketOption, SocketType, coerce_family, coerce_type
from .results import CloseReason, CloseReport
from .sockets import DEFAULT_DRAIN_LIMIT, DEFAULT_DRAIN_TIMEOUT, Socket

if TYPE_CHECKING:
    import socket

__all__ = ["HasFileno", "bind_exclusive", "create_server", "graceful_close"]


class HasFileno(_Protocol):
    """Anything with a socket behind ``fileno()`` and a ``close()`` that closes it."""

    def fileno(self) -> int:
        """The handle (a file descriptor on POSIX)."""
        ...  # pragma: no cover

    def close(self) -> None:
        """Close the handle."""
        ...  # pragma: no cover


def bind_exclusive(
    address: AddressLike,
    *,
    family: int = AddressFamily.AF_INET,
    type: int = SocketType.SOCK_STREAM,
    dualstack_ipv6: bool = False,
) -> Socket:
    """A winsockx socket bound exclusively to *address*, not yet listening.

    ``SO_EXCLUSIVEADDRUSE`` (and, for AF_INET6, ``IPV6_V6ONLY``) are set before
    ``bind``; the socket is closed again if anything fails. This is the first half
    of :func:`create_server`, for code that still configures the socket itself.

    >>> import winsockx
    >>> with winsockx.bind_exclusive(("127.0.0.1", 0)) as s:
    ...     s.get_option(winsockx.SocketOption.EXCLUSIVEADDRUSE)
    True

    Raises:
        TypeError, ValueError: a bad family, type or address, or
            ``dualstack_ipv6`` without AF_INET6.
        WinsockError: ``socket``, ``setsockopt`` or ``bind`` failed (for a port
            another socket holds: 10048 :class:`~winsockx.AddressInUseError`, or
            10013 a ``PermissionError``), with the exact code.
    """
    fam = coerce_family(family)
    kind = coerce_type(type)
    if dualstack_ipv6 is not False and dualstack_ipv6 is not True:
        raise TypeError(f"dualstack_ipv6 must be a bool, not {_type_name(dualstack_ipv6)}")
    if dualstack_ipv6 and fam != AddressFamily.AF_INET6:
        raise ValueError("dualstack_ipv6 requires AF_INET6 family")
    sock = Socket(fam, kind, exclusive=True)
    try:
        if fam == AddressFamily.AF_INET6:
            # Explicit either way: IPv6-only unless dual stack was asked for, as the
            # stdlib's create_server does. On a dual-stack socket Windows checks the
            # exclusivity against IPv4 binds of the port too.
            sock.set_option(SocketOption.IPV6_V6ONLY, not dualstack_ipv6)
        sock.bind(address)
    except BaseException:
        sock.close(drain_timeout=0.0)
        raise
    return sock


def create_server(
    address: AddressLike,
    *,
    family: int = AddressFamily.AF_INET,
    type: int = SocketType.SOCK_STREAM,
    backlog: int | None = None,
    dualstack_ipv6: bool = False,
) -> socket.socket:
    """The stdlib's :func:`socket.create_server`, with the port owned exclusively.

    The socket is made and bound through winsockx with ``SO_EXCLUSIVEADDRUSE``
    set before ``bind`` (on POSIX, where that option does not exist, no
    ``SO_REUSEADDR``/``SO_REUSEPORT`` is ever set), so no other socket can take
    or shadow the port, then handed over as a stdlib :class:`socket.socket`:
    listening for ``SOCK_STREAM`` (with *backlog*, or the stdlib's default), bound
    for ``SOCK_DGRAM``, non-inheritable, in blocking mode. *family* and *type*
    take winsockx's or the stdlib's constants. ``dualstack_ipv6=True`` (AF_INET6
    only) accepts IPv4 too, and the exclusivity then covers the port's IPv4 binds
    as well as its IPv6 ones.

    >>> import winsockx
    >>> with winsockx.create_server(("127.0.0.1", 0)) as server:
    ...     host, port = server.getsockname()
    ...     host
    '127.0.0.1'

    Raises:
        TypeError, ValueError: bad arguments (as the stdlib's), or *backlog* for a
            datagram socket.
        WinsockError: ``socket``, ``setsockopt``, ``bind`` or ``listen`` failed,
            with the exact code; a port held by another socket gives 10048
            (:class:`~winsockx.AddressInUseError`) or 10013 (a ``PermissionError``).
    """
    kind = coerce_type(type)
    if backlog is not None:
        if kind != SocketType.SOCK_STREAM:
            raise ValueError(
                "backlog is for SOCK_STREAM servers: a datagram socket does not listen"
            )
        backlog = check_int(backlog, "backlog", 0)
    sock = bind_exclusive(address, family=family, type=kind, dualstack_ipv6=dualstack_ipv6)
    try:
        if kind == SocketType.SOCK_STREAM:
            if backlog is None:
                sock.listen()
            else:
                sock.listen(backlog)
        return sock.to_stdlib()
    except BaseException:
        sock.close(drain_timeout=0.0)
        raise


def graceful_close(
    sock: Socket | socket.socket | HasFileno,
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
    drain_limit: int = DEFAULT_DRAIN_LIMIT,
) -> CloseReport:
    """Close any socket the way :meth:`winsockx.Socket.close` does, and report how.

    For a connected stream: ``shutdown(SD_SEND)``, read and discard what the peer
    still sends until its end of stream, then close, within *drain_timeout*
    seconds and *drain_limit* bytes, so a peer that never closes cannot hold the
    socket. A stdlib :class:`socket.socket` is detached and closed by winsockx (the
    object is left closed, as after its own ``close()``); any other object with
    ``fileno()`` and ``close()`` is drained through a duplicate of its handle and
    then closed with its own ``close()``. A winsockx :class:`~winsockx.Socket` is
    simply closed. An already closed socket reports ``NOT_CONNECTED``.

    >>> import socket, winsockx
    >>> winsockx.graceful_close(socket.socket()).reason
    <CloseReason.NOT_CONNECTED: 'not_connected'>

    Raises:
        TypeError: *sock* has no ``fileno()``/``close()``, or a bound of the wrong type.
        ValueError: a negative bound, or a socket family winsockx does not handle
            (nothing was closed).
    """
    if isinstance(sock, Socket):
        return sock.close(drain_timeout, drain_limit)
    # Imported here, not at the top: on Windows importing socket calls WSAStartup
    # (see winsockx.constants), which importing winsockx must not do.
    import socket as _stdsocket

    drain_timeout = check_seconds(drain_timeout, "drain_timeout")
    drain_limit = check_int(drain_limit, "drain_limit", 0)
    if isinstance(sock, _stdsocket.socket):
        if sock.fileno() == -1:
            return _NOTHING_TO_CLOSE
        # Checked before the handle is taken, so a refusal leaves the socket as it was.
        family = coerce_family(sock.family)
        kind = coerce_type(sock.type)
        proto = sock.proto
        handle = sock.detach()
        try:
            taken = Socket._take(handle, family, kind, proto)
        except BaseException:
            _close_quietly(handle)  # ours now: nothing else will close it
            raise
        return taken.close(drain_timeout, drain_limit)
    fileno = getattr(sock, "fileno", None)
    close = getattr(sock, "close", None)
    if not callable(fileno) or not callable(close):
        raise TypeError(
            "graceful_close needs a socket: a winsockx.Socket, a socket.socket, or an"
            f" object with fileno() and close(); got {_type_name(sock)}"
        )
    handle = fileno()
    if not isinstance(handle, int) or handle < 0:
        return _NOTHING_TO_CLOSE
    # The object keeps its handle (and its own bookkeeping): the drain runs on a
    # duplicate, which shares the connection, and the object then closes itself.
    try:
        twin = _stdsocket.socket(fileno=_stdsocket.dup(handle))
        report = graceful_close(twin, drain_timeout, drain_limit)
    finally:
        close()
    return report


def _family_for_host(host: str) -> AddressFamily:
    """AF_INET6 for an IPv6 literal (a ``%scope`` suffix allowed), else AF_INET: a
    name or an IPv4 literal, which the bind then resolves or parses as IPv4."""
    try:
        version = ipaddress.ip_address(host.split("%", 1)[0]).version
    except ValueError:
        return AddressFamily.AF_INET
    return AddressFamily.AF_INET6 if version == 6 else AddressFamily.AF_INET


_NOTHING_TO_CLOSE = CloseReport(False, 0, 0.0, CloseReason.NOT_CONNECTED)


def _close_quietly(handle: int) -> None:
    with contextlib.suppress(OsFailure):
        raw.backend.closesocket(handle)


def _type_name(value: object) -> str:
    return type(value).__name__
