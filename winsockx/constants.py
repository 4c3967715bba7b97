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
    "EMULATED",
    "IPPROTO_IP",
    "IPPROTO_IPV6",
    "IPPROTO_TCP",
    "IPPROTO_UDP",
    "SOCK_DGRAM",
    "SOCK_RAW",
    "SOCK_STREAM",
    "SOL_SOCKET",
    "WINDOWS_ONLY",
    "AddressFamily",
    "OptionKind",
    "OptionRule",
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
    """How an option's value is passed: a boolean, an integer, a linger pair or a time."""

    BOOL = "bool"
    """An ``int``-sized flag; values are read back as ``bool``."""
    INT = "int"
    """An ``int``."""
    LINGER = "linger"
    """A ``(onoff, seconds)`` pair (``struct linger``)."""
    TIMEOUT = "timeout"
    """A time in seconds, as a ``float``; ``0.0`` means no limit.  Winsock takes a
    ``DWORD`` of milliseconds, POSIX a ``struct timeval``."""


class OptionRule(enum.Enum):
    """When an option may be set on a :class:`winsockx.Socket`."""

    ANYTIME = "anytime"
    """Whenever the socket is open."""
    BEFORE_BIND = "before bind"
    """Only before ``bind()`` (or anything that binds implicitly): the stack reads
    it at bind time and ignores it later without an error."""
    BEFORE_LISTEN = "before listen"
    """Only before ``listen()``: the stack reads it when the socket starts listening."""


WINDOWS_ONLY: Final = "Windows only"
"""The ``SocketOption.posix`` of an option POSIX systems do not have: the
POSIX backend refuses it with ``WSAENOPROTOOPT`` (10042) and says so."""
EMULATED: Final = "emulated"
"""The ``SocketOption.posix`` of an option the POSIX backend provides itself
(``SO_EXCLUSIVEADDRUSE``, from its own table of exclusive sockets;
``SO_DONTLINGER``, through ``SO_LINGER``)."""


class SocketOption(enum.Enum):
    """Socket options: the one table of their Winsock level and number, value kind,
    rule and POSIX counterpart.

    Members are named without the ``SO_`` prefix.  Each member's value is
    ``(level, optname, kind, rule, posix)``:

    * ``level`` and ``optname``: Winsock's numbers (``winsock2.h``,
      ``ws2ipdef.h``), on every platform;
    * ``kind``: the :class:`OptionKind` of the value;
    * ``rule``: the :class:`OptionRule`.  Options read at bind time (or at
      listen time) are accepted later by Winsock and silently ignored, so
      :class:`winsockx.Socket` refuses that with :class:`winsockx.OptionOrderError`;
    * ``posix``: the ``(level, option)`` names in the stdlib :mod:`socket`
      module the POSIX backend maps the option to, :data:`~winsockx.constants.EMULATED`, or
      :data:`~winsockx.constants.WINDOWS_ONLY`.  A mapped name the host lacks (``TCP_KEEPIDLE``
      before macOS 10.15, say) is refused like a Windows-only option.

    >>> SocketOption.EXCLUSIVEADDRUSE.level == SOL_SOCKET
    True
    >>> SocketOption.EXCLUSIVEADDRUSE.optname
    -5
    >>> SocketOption.CONDITIONAL_ACCEPT.rule
    <OptionRule.BEFORE_LISTEN: 'before listen'>
    >>> SocketOption.KEEPALIVE.posix
    ('SOL_SOCKET', 'SO_KEEPALIVE')
    """

    # SO_EXCLUSIVEADDRUSE is defined as ((int)(~SO_REUSEADDR)), i.e. -5.
    EXCLUSIVEADDRUSE = (SOL_SOCKET, ~0x0004, OptionKind.BOOL, OptionRule.BEFORE_BIND, EMULATED)
    """``SO_EXCLUSIVEADDRUSE``: no other socket may bind this address and port."""
    REUSEADDR = (
        SOL_SOCKET,
        0x0004,
        OptionKind.BOOL,
        OptionRule.BEFORE_BIND,
        ("SOL_SOCKET", "SO_REUSEADDR"),
    )
    """``SO_REUSEADDR``: allow binding an address and port already in use."""
    REUSE_UNICASTPORT = (SOL_SOCKET, 0x3007, OptionKind.BOOL, OptionRule.BEFORE_BIND, WINDOWS_ONLY)
    """``SO_REUSE_UNICASTPORT`` (Windows 10+): let connections share a local port,
    chosen at ``connect()`` rather than at an implicit bind."""
    IPV6_V6ONLY = (41, 27, OptionKind.BOOL, OptionRule.BEFORE_BIND, ("IPPROTO_IPV6", "IPV6_V6ONLY"))
    """``IPV6_V6ONLY`` (level ``IPPROTO_IPV6``): off makes an AF_INET6 socket dual stack."""
    CONDITIONAL_ACCEPT = (
        SOL_SOCKET,
        0x3002,
        OptionKind.BOOL,
        OptionRule.BEFORE_LISTEN,
        WINDOWS_ONLY,
    )
    """``SO_CONDITIONAL_ACCEPT``: the stack completes no handshake until the
    application accepts (set before ``listen()``)."""
    TYPE = (SOL_SOCKET, 0x1008, OptionKind.INT, OptionRule.ANYTIME, ("SOL_SOCKET", "SO_TYPE"))
    """``SO_TYPE`` (read only): the socket type."""
    ACCEPTCONN = (
        SOL_SOCKET,
        0x0002,
        OptionKind.BOOL,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_ACCEPTCONN"),
    )
    """``SO_ACCEPTCONN`` (read only): whether the socket is listening."""
    KEEPALIVE = (
        SOL_SOCKET,
        0x0008,
        OptionKind.BOOL,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_KEEPALIVE"),
    )
    """``SO_KEEPALIVE``: send keep-alive probes on a connection (times:
    ``TCP_KEEPIDLE`` and ``TCP_KEEPINTVL``, or :meth:`winsockx.Socket.set_keepalive`)."""
    BROADCAST = (
        SOL_SOCKET,
        0x0020,
        OptionKind.BOOL,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_BROADCAST"),
    )
    """``SO_BROADCAST``: allow sending to broadcast addresses."""
    LINGER = (
        SOL_SOCKET,
        0x0080,
        OptionKind.LINGER,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_LINGER"),
    )
    """``SO_LINGER``: ``(onoff, seconds)``. ``(1, 0)`` resets connections on close
    and loses unacknowledged data; the Winsock documentation discourages it."""
    # SO_DONTLINGER is defined as ((int)(~SO_LINGER)).
    DONTLINGER = (SOL_SOCKET, ~0x0080, OptionKind.BOOL, OptionRule.ANYTIME, EMULATED)
    """``SO_DONTLINGER``: true is ``SO_LINGER``'s ``onoff`` off (its seconds kept)."""
    OOBINLINE = (
        SOL_SOCKET,
        0x0100,
        OptionKind.BOOL,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_OOBINLINE"),
    )
    """``SO_OOBINLINE``: urgent data arrives in the normal stream."""
    SNDBUF = (SOL_SOCKET, 0x1001, OptionKind.INT, OptionRule.ANYTIME, ("SOL_SOCKET", "SO_SNDBUF"))
    """``SO_SNDBUF``: send buffer size in bytes."""
    RCVBUF = (SOL_SOCKET, 0x1002, OptionKind.INT, OptionRule.ANYTIME, ("SOL_SOCKET", "SO_RCVBUF"))
    """``SO_RCVBUF``: receive buffer size in bytes."""
    SNDTIMEO = (
        SOL_SOCKET,
        0x1005,
        OptionKind.TIMEOUT,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_SNDTIMEO"),
    )
    """``SO_SNDTIMEO``: the limit, in seconds, on a blocking send (``0.0``: none)."""
    RCVTIMEO = (
        SOL_SOCKET,
        0x1006,
        OptionKind.TIMEOUT,
        OptionRule.ANYTIME,
        ("SOL_SOCKET", "SO_RCVTIMEO"),
    )
    """``SO_RCVTIMEO``: the limit, in seconds, on a blocking receive (``0.0``: none)."""
    ERROR = (SOL_SOCKET, 0x1007, OptionKind.INT, OptionRule.ANYTIME, ("SOL_SOCKET", "SO_ERROR"))
    """``SO_ERROR`` (read only, clears on read): the pending error code."""
    TCP_NODELAY = (6, 0x0001, OptionKind.BOOL, OptionRule.ANYTIME, ("IPPROTO_TCP", "TCP_NODELAY"))
    """``TCP_NODELAY`` (level ``IPPROTO_TCP``): disable Nagle's algorithm."""
    # ws2ipdef.h names 3 TCP_KEEPALIVE; the stdlib calls it TCP_KEEPIDLE everywhere.
    TCP_KEEPIDLE = (6, 3, OptionKind.INT, OptionRule.ANYTIME, ("IPPROTO_TCP", "TCP_KEEPIDLE"))
    """``TCP_KEEPIDLE`` (Winsock's ``TCP_KEEPALIVE``, Windows 10 1709+): seconds of
    idleness before the first keep-alive probe."""
    TCP_KEEPCNT = (6, 16, OptionKind.INT, OptionRule.ANYTIME, ("IPPROTO_TCP", "TCP_KEEPCNT"))
    """``TCP_KEEPCNT`` (Windows 10 1703+): probes without an answer before the
    connection is dropped."""
    TCP_KEEPINTVL = (6, 17, OptionKind.INT, OptionRule.ANYTIME, ("IPPROTO_TCP", "TCP_KEEPINTVL"))
    """``TCP_KEEPINTVL`` (Windows 10 1703+): seconds between keep-alive probes."""

    def __init__(
        self,
        level: int,
        optname: int,
        kind: OptionKind,
        rule: OptionRule,
        posix: tuple[str, str] | str,
    ) -> None:
        self.level = level
        self.optname = optname
        self.kind = kind
        self.rule = rule
        self.posix = posix

    @property
    def before_bind(self) -> bool:
        """Whether the option only takes effect when set before ``bind()``."""
        return self.rule is OptionRule.BEFORE_BIND

    @property
    def c_name(self) -> str:
        """The C macro name, e.g. ``SO_EXCLUSIVEADDRUSE`` or ``IPV6_V6ONLY``."""
        if self.level == SOL_SOCKET:
            return "SO_" + self.name
        return self.name

    @property
    def windows_only(self) -> bool:
        """Whether POSIX systems lack the option (the POSIX backend refuses it).

        >>> SocketOption.CONDITIONAL_ACCEPT.windows_only
        True
        """
        return self.posix == WINDOWS_ONLY


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
