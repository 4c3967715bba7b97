"""Typed Winsock constants: address families, socket types, protocols, options.

Every value is the Winsock value from ``winsock2.h``/``ws2def.h``/``ws2ipdef.h``,
on every platform: ``AddressFamily.AF_INET6`` is 23 even on Linux. The POSIX
backend translates these values to the host's own numbers.

The stdlib's constants are accepted as well: :func:`coerce_family` and
:func:`coerce_type` read a :class:`socket.AddressFamily` or
:class:`socket.SocketKind` member by its name, so ``socket.AF_INET6`` (10 on
Linux) means ``AF_INET6`` (23) here.
"""

from __future__ import annotations

import enum
import sys
from typing import Final

if sys.platform != "win32":
    # The host's own numbers. Not imported on Windows, where they are Winsock's and
    # importing socket calls WSAStartup, hiding WSANOTINITIALISED from raw callers.
    import socket as _stdsocket

__all__ = [
    "AF_INET",
    "AF_INET6",
    "AF_UNSPEC",
    "IPPROTO_IP",
    "IPPROTO_IPV6",
    "IPPROTO_TCP",
    "IPPROTO_UDP",
    "SOCK_DGRAM",
    "SOCK_RAW",
    "SOCK_STREAM",
    "SOL_SOCKET",
    "AddressFamily",
    "OptionKind",
    "Protocol",
    "ShutdownHow",
    "SocketOption",
    "SocketType",
    "coerce_family",
    "coerce_type",
    "from_native_family",
]

SOL_SOCKET = 0xFFFF
"""Winsock's socket-level option level (``SOL_SOCKET``)."""


class AddressFamily(enum.IntEnum):
    """Address families, with Winsock's numbers.

    >>> AddressFamily.AF_INET6
    <AddressFamily.AF_INET6: 23>
    """

    AF_UNSPEC = 0
    """Unspecified; not accepted by :class:`winsockx.Socket`."""
    AF_INET = 2
    """IPv4."""
    AF_INET6 = 23
    """IPv6 (23 on Windows; the POSIX backend maps it to the host's value)."""


class SocketType(enum.IntEnum):
    """Socket types.

    >>> SocketType(1)
    <SocketType.SOCK_STREAM: 1>
    """

    SOCK_STREAM = 1
    """A reliable byte stream (TCP)."""
    SOCK_DGRAM = 2
    """Datagrams (UDP)."""
    SOCK_RAW = 3
    """Raw sockets (usually needs administrator rights)."""


class Protocol(enum.IntEnum):
    """IP protocol numbers, as used for ``socket()`` and as option levels.

    >>> Protocol.IPPROTO_TCP
    <Protocol.IPPROTO_TCP: 6>
    """

    IPPROTO_IP = 0
    """Let the stack choose the protocol for the type (also the IPv4 option level)."""
    IPPROTO_TCP = 6
    """TCP."""
    IPPROTO_UDP = 17
    """UDP."""
    IPPROTO_IPV6 = 41
    """IPv6 option level."""


class ShutdownHow(enum.IntEnum):
    """The ``how`` argument of ``shutdown()``.

    >>> ShutdownHow.SD_SEND
    <ShutdownHow.SD_SEND: 1>
    """

    SD_RECEIVE = 0
    """No more receives."""
    SD_SEND = 1
    """No more sends: the peer sees end of stream (a FIN) once queued data is sent."""
    SD_BOTH = 2
    """Both directions."""


class OptionKind(enum.Enum):
    """How an option's value is passed: a boolean, an integer, or a linger pair."""

    BOOL = "bool"
    """An ``int``-sized flag; values are read back as ``bool``."""
    INT = "int"
    """An ``int``."""
    LINGER = "linger"
    """A ``(onoff, seconds)`` pair (``struct linger``)."""


class SocketOption(enum.Enum):
    """Socket options, each with its Winsock level and number.

    Members are named without the ``SO_`` prefix. ``before_bind`` marks the
    options that only take effect when set before ``bind()``; Winsock accepts
    them later and silently ignores them, so :class:`winsockx.Socket` refuses
    that with :class:`winsockx.OptionOrderError`.

    >>> SocketOption.EXCLUSIVEADDRUSE.level == SOL_SOCKET
    True
    >>> SocketOption.EXCLUSIVEADDRUSE.optname
    -5
    """

    # SO_EXCLUSIVEADDRUSE is defined as ((int)(~SO_REUSEADDR)), i.e. -5.
    EXCLUSIVEADDRUSE = (SOL_SOCKET, ~0x0004, OptionKind.BOOL, True)
    """``SO_EXCLUSIVEADDRUSE``: no other socket may bind this address and port."""
    REUSEADDR = (SOL_SOCKET, 0x0004, OptionKind.BOOL, True)
    """``SO_REUSEADDR``: allow binding an address and port already in use."""
    IPV6_V6ONLY = (41, 27, OptionKind.BOOL, True)
    """``IPV6_V6ONLY`` (level ``IPPROTO_IPV6``): off makes an AF_INET6 socket dual stack."""
    TYPE = (SOL_SOCKET, 0x1008, OptionKind.INT, False)
    """``SO_TYPE`` (read only): the socket type."""
    ACCEPTCONN = (SOL_SOCKET, 0x0002, OptionKind.BOOL, False)
    """``SO_ACCEPTCONN`` (read only): whether the socket is listening."""
    KEEPALIVE = (SOL_SOCKET, 0x0008, OptionKind.BOOL, False)
    """``SO_KEEPALIVE``: send keep-alive probes on a connection."""
    BROADCAST = (SOL_SOCKET, 0x0020, OptionKind.BOOL, False)
    """``SO_BROADCAST``: allow sending to broadcast addresses."""
    LINGER = (SOL_SOCKET, 0x0080, OptionKind.LINGER, False)
    """``SO_LINGER``: ``(onoff, seconds)``. ``(1, 0)`` resets connections on close
    and loses unacknowledged data; the Winsock documentation discourages it."""
    OOBINLINE = (SOL_SOCKET, 0x0100, OptionKind.BOOL, False)
    """``SO_OOBINLINE``: urgent data arrives in the normal stream."""
    SNDBUF = (SOL_SOCKET, 0x1001, OptionKind.INT, False)
    """``SO_SNDBUF``: send buffer size in bytes."""
    RCVBUF = (SOL_SOCKET, 0x1002, OptionKind.INT, False)
    """``SO_RCVBUF``: receive buffer size in bytes."""
    ERROR = (SOL_SOCKET, 0x1007, OptionKind.INT, False)
    """``SO_ERROR`` (read only, clears on read): the pending error code."""
    TCP_NODELAY = (6, 0x0001, OptionKind.BOOL, False)
    """``TCP_NODELAY`` (level ``IPPROTO_TCP``): disable Nagle's algorithm."""

    def __init__(self, level: int, optname: int, kind: OptionKind, before_bind: bool) -> None:
        self.level = level
        self.optname = optname
        self.kind = kind
        self.before_bind = before_bind

    @property
    def c_name(self) -> str:
        """The C macro name, e.g. ``SO_EXCLUSIVEADDRUSE`` or ``IPV6_V6ONLY``."""
        if self.level == SOL_SOCKET:
            return "SO_" + self.name
        return self.name


AF_UNSPEC = AddressFamily.AF_UNSPEC
AF_INET = AddressFamily.AF_INET
AF_INET6 = AddressFamily.AF_INET6
SOCK_STREAM = SocketType.SOCK_STREAM
SOCK_DGRAM = SocketType.SOCK_DGRAM
SOCK_RAW = SocketType.SOCK_RAW
IPPROTO_IP = Protocol.IPPROTO_IP
IPPROTO_TCP = Protocol.IPPROTO_TCP
IPPROTO_UDP = Protocol.IPPROTO_UDP
IPPROTO_IPV6 = Protocol.IPPROTO_IPV6


# The families and types a winsockx.Socket is made with; the stdlib's enums are
# read by member name, plain ints by value.
_SOCKET_FAMILIES: Final = (AddressFamily.AF_INET, AddressFamily.AF_INET6)
_SOCKET_TYPES: Final = tuple(SocketType)
_FAMILIES_BY_NAME: Final = {f.name: f for f in _SOCKET_FAMILIES}
_FAMILIES_BY_VALUE: Final = {f.value: f for f in _SOCKET_FAMILIES}
_TYPES_BY_NAME: Final = {t.name: t for t in _SOCKET_TYPES}
_TYPES_BY_VALUE: Final = {t.value: t for t in _SOCKET_TYPES}
# Flags Linux's socket() takes in its type argument (absent on Windows and macOS).
if sys.platform == "win32":
    _TYPE_FLAGS: Final[tuple[tuple[str, int], ...]] = ()
else:
    _TYPE_FLAGS: Final[tuple[tuple[str, int], ...]] = tuple(
        (name, flag)
        for name in ("SOCK_NONBLOCK", "SOCK_CLOEXEC")
        if isinstance(flag := getattr(_stdsocket, name, None), int)
    )


def _stdlib_member(value: int, enum_name: str) -> str | None:
    """The member name if *value* belongs to the stdlib socket module's *enum_name*.

    Looked up in :data:`sys.modules`: a value can only be such a member once the
    stdlib module is loaded, and winsockx does not load it on Windows.
    """
    kind = getattr(sys.modules.get("socket"), enum_name, None)
    if isinstance(kind, type) and isinstance(value, kind) and isinstance(value, enum.Enum):
        return value.name
    return None


def _choices(members: tuple[enum.IntEnum, ...]) -> str:
    names = [f"{m.name} ({m.value})" for m in members]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _label(value: int) -> str:
    if isinstance(value, enum.Enum):
        qualifier = "socket." if type(value).__module__ == "socket" else ""
        return f"{qualifier}{value.name} ({int(value)})"
    return str(int(value))


def from_native_family(value: int) -> AddressFamily:
    """The winsockx family for one of the host's own family numbers.

    On Windows the host's numbers are Winsock's.  Elsewhere they differ for
    IPv6: ``socket.AF_INET6`` is 10 on Linux and 30 on macOS, where Winsock
    says 23.  The stdlib :mod:`socket` module is the source of the host's numbers.

    Raises:
        ValueError: *value* is not the host's ``AF_UNSPEC``, ``AF_INET`` or
            ``AF_INET6``.

    Example::

        >>> import socket
        >>> from_native_family(socket.AF_INET6)
        <AddressFamily.AF_INET6: 23>
        >>> from_native_family(socket.AF_INET)
        <AddressFamily.AF_INET: 2>
    """
    for member in AddressFamily:
        if sys.platform == "win32":
            native: object = member.value
        else:
            native = getattr(_stdsocket, member.name, None)
        if native == value:
            return member
    raise ValueError(f"{_label(value)} is not the number of a family winsockx knows on this host")


def coerce_family(value: object) -> AddressFamily:
    """*value* as the family of a new :class:`winsockx.Socket`.

    Accepted: a winsockx :class:`AddressFamily`; a stdlib
    :class:`socket.AddressFamily` member, read by its name
    (``socket.AF_INET6`` gives ``AF_INET6`` on every platform); a plain int,
    read as Winsock's number (2 or 23).  Off Windows, a plain int that is the
    host's own ``AF_INET6`` (10 on Linux: ``int(socket.AF_INET6)``) is read as
    ``AF_INET6`` as well: that number is not IPv4 or IPv6 in Winsock, so the
    two readings never disagree.

    Raises:
        TypeError: *value* is not an int, or is a bool.
        ValueError: *value* is not ``AF_INET`` or ``AF_INET6`` (e.g.
            ``socket.AF_UNIX`` or ``AF_UNSPEC``); the message names it.

    Example::

        >>> import socket
        >>> coerce_family(socket.AF_INET6)
        <AddressFamily.AF_INET6: 23>
        >>> coerce_family(23)
        <AddressFamily.AF_INET6: 23>
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"family must be an AddressFamily or int, not {type(value).__name__}")
    name = _stdlib_member(value, "AddressFamily")
    if name is not None:
        family = _FAMILIES_BY_NAME.get(name)
    else:
        family = _FAMILIES_BY_VALUE.get(value)
        if family is None and sys.platform != "win32":
            try:
                native = from_native_family(value)
            except ValueError:
                pass
            else:
                family = _FAMILIES_BY_NAME.get(native.name)
    if family is None:
        raise ValueError(f"family must be {_choices(_SOCKET_FAMILIES)}, got {_label(value)}")
    return family


def coerce_type(value: object) -> SocketType:
    """*value* as the type of a new :class:`winsockx.Socket`.

    Accepted: a winsockx :class:`SocketType`; a stdlib :class:`socket.SocketKind`
    member, read by its name; a plain int, read as Winsock's number (1, 2 or 3,
    which Linux, macOS and Windows share).  Linux's ``SOCK_NONBLOCK`` and
    ``SOCK_CLOEXEC`` flags are refused: a winsockx socket is never inherited
    by child processes, and :meth:`winsockx.Socket.settimeout` makes calls
    non-blocking.

    Raises:
        TypeError: *value* is not an int, or is a bool.
        ValueError: *value* is not ``SOCK_STREAM``, ``SOCK_DGRAM`` or
            ``SOCK_RAW``, or carries a flag; the message names it.

    Example::

        >>> import socket
        >>> coerce_type(socket.SOCK_DGRAM)
        <SocketType.SOCK_DGRAM: 2>
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"type must be a SocketType or int, not {type(value).__name__}")
    name = _stdlib_member(value, "SocketKind")
    kind = _TYPES_BY_NAME.get(name) if name is not None else _TYPES_BY_VALUE.get(value)
    if kind is not None:
        return kind
    choices = _choices(_SOCKET_TYPES)
    flags = [name for name, flag in _TYPE_FLAGS if value & flag]
    base = _TYPES_BY_VALUE.get(value & ~sum(flag for _, flag in _TYPE_FLAGS))
    if flags and base is not None:
        raise ValueError(
            f"type must be {choices}, got {int(value)} ({' | '.join([base.name, *flags])}):"
            f" pass {base.name} alone; winsockx sockets are never inherited, and"
            " settimeout(0) makes their calls non-blocking"
        )
    raise ValueError(f"type must be {choices}, got {_label(value)}")
