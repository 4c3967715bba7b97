"""Typed Winsock constants: address families, socket types, protocols, options.

Every value is the Winsock value from ``winsock2.h``/``ws2def.h``/``ws2ipdef.h``,
on every platform: ``AddressFamily.AF_INET6`` is 23 even on Linux. The POSIX
backend translates these values to the host's own numbers.
"""

from __future__ import annotations

import enum

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
