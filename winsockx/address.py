"""Socket addresses: the stdlib's tuples, typed, and the parsing of plain tuples."""

from __future__ import annotations

import abc
import functools
import ipaddress
import struct
from typing import TYPE_CHECKING, NamedTuple, Union

from ._checks import check_int
from .constants import AddressFamily

__all__ = [
    "Address",
    "AddressLike",
    "IPv4Address",
    "IPv6Address",
    "make_address",
    "parse_address",
]


class IPv4Address(NamedTuple):
    """An IPv4 socket address: the stdlib's ``(host, port)`` tuple, with names.

    It is a tuple, so it indexes, unpacks and compares as the stdlib ``socket``
    module's own address does, and any call that takes one accepts it.  Building
    one checks nothing, so the many the stack returns cost no more than a tuple;
    ``bind``, ``connect`` and the other socket calls check the one they are
    given, field by field, and refuse a bad one with ``TypeError`` or ``ValueError``.

    >>> a = IPv4Address("127.0.0.1", 5150)
    >>> str(a)
    '127.0.0.1:5150'
    >>> host, port = a
    >>> a == ("127.0.0.1", 5150), a[1], a.family.name
    (True, 5150, 'AF_INET')
    """

    host: str
    """The IP address as text (``0.0.0.0``, ``127.0.0.1``)."""
    port: int
    """The port, 0-65535 (0 asks the stack for an ephemeral port on bind)."""

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def family(self) -> AddressFamily:
        """Always ``AF_INET``."""
        return AddressFamily.AF_INET

    def as_tuple(self) -> tuple[str, int]:
        """The address as a plain tuple, ``(host, port)``."""
        return (self.host, self.port)

    @property
    def is_wildcard(self) -> bool:
        """True for ``0.0.0.0``."""
        return self.host == "0.0.0.0"


class IPv6Address(NamedTuple):
    """An IPv6 socket address: the stdlib's ``(host, port, flowinfo, scope_id)`` tuple.

    Like :class:`IPv4Address`, a tuple that checks nothing when built; an
    ``AF_INET6`` socket's ``getsockname()`` equals the stdlib's 4-tuple.

    >>> a = IPv6Address("fe80::1", 5150, 0, 3)
    >>> str(a)
    '[fe80::1%3]:5150'
    >>> a == ("fe80::1", 5150, 0, 3), IPv6Address("::1", 80)
    (True, IPv6Address(host='::1', port=80, flowinfo=0, scope_id=0))
    """

    host: str
    """The IP address as text (``::``, ``::1``, ``::ffff:127.0.0.1``)."""
    port: int
    """The port, 0-65535 (0 asks the stack for an ephemeral port on bind)."""
    flowinfo: int = 0
    """IPv6 flow information, 0 to 2**32-1."""
    scope_id: int = 0
    """IPv6 scope (interface index), 0 to 2**32-1; written ``%scope`` by ``str()``."""

    def __str__(self) -> str:
        scope = f"%{self.scope_id}" if self.scope_id else ""
        return f"[{self.host}{scope}]:{self.port}"

    @property
    def family(self) -> AddressFamily:
        """Always ``AF_INET6``."""
        return AddressFamily.AF_INET6

    def as_tuple(self) -> tuple[str, int, int, int]:
        """The address as a plain tuple, ``(host, port, flowinfo, scope_id)``."""
        return (self.host, self.port, self.flowinfo, self.scope_id)

    @property
    def is_wildcard(self) -> bool:
        """True for ``::``."""
        return self.host == "::"


_ADDRESS_TYPES = (IPv4Address, IPv6Address)


def make_address(
    host: str, port: int, family: AddressFamily, flowinfo: int = 0, scope_id: int = 0
) -> Address:
    """The :class:`IPv4Address` or :class:`IPv6Address` for *family*.

    Like the classes themselves, it checks only what it needs to choose one.

    Raises:
        ValueError: *family* is neither ``AF_INET`` nor ``AF_INET6``, or
            *flowinfo* or *scope_id* is not 0 for ``AF_INET`` (an IPv4 address
            has no room for them).

    >>> make_address("::1", 5150, AddressFamily.AF_INET6)
    IPv6Address(host='::1', port=5150, flowinfo=0, scope_id=0)
    """
    if family == AddressFamily.AF_INET6:
        return IPv6Address(host, port, flowinfo, scope_id)
    if family != AddressFamily.AF_INET:
        raise ValueError(f"address family must be AF_INET or AF_INET6, got {family!r}")
    if flowinfo or scope_id:
        # sockaddr_in has no room for them: they would be dropped without a word.
        raise ValueError("address flowinfo and scope_id must be 0 for AF_INET")
    return IPv4Address(host, port)


if TYPE_CHECKING:
    Address = Union[IPv4Address, IPv6Address]
else:

    class Address(metaclass=abc.ABCMeta):  # noqa: B024 (no abstract methods: it groups two)
        """An IPv4 or IPv6 socket address: :class:`IPv4Address` or :class:`IPv6Address`.

        For type checkers this is ``Union[IPv4Address, IPv6Address]``, what
        ``getsockname()`` returns, so ``.host`` and ``.port`` are typed on it.  At
        run time ``isinstance(x, Address)`` is true for either class, and
        ``Address(host, port, family, flowinfo=0, scope_id=0)`` builds the right one
        as :func:`make_address` does (the call older code makes; type-checked code
        calls :func:`make_address` or a class, as a type checker cannot call a union).

        >>> Address("127.0.0.1", 5150, AddressFamily.AF_INET)
        IPv4Address(host='127.0.0.1', port=5150)
        >>> isinstance(IPv6Address("::1", 80), Address)
        True
        """

        __slots__ = ()

        def __new__(
            cls,
            host: str,
            port: int,
            family: AddressFamily,
            flowinfo: int = 0,
            scope_id: int = 0,
        ) -> IPv4Address | IPv6Address:
            return make_address(host, port, family, flowinfo, scope_id)

    Address.register(IPv4Address)
    Address.register(IPv6Address)


AddressLike = Union[tuple[str, int], tuple[str, int, int, int]]
"""What the socket calls accept: ``(host, port)``; for IPv6 also
``(host, port, flowinfo, scope_id)``.  :class:`IPv4Address` and
:class:`IPv6Address` are such tuples."""


def _packed_host(family: AddressFamily, host: str) -> bytes:
    """The address bytes (network order) for *host*, checked against *family*."""
    return _parse_host(family, host)[0]


@functools.lru_cache(maxsize=256)
def _parse_host(family: AddressFamily, host: str) -> tuple[bytes, str]:
    """Address bytes and canonical text for *host*; cached, as servers bind the same few."""
    if host == "":
        packed = bytes(4 if family == AddressFamily.AF_INET else 16)
        return packed, format_host(family, packed)
    if not host.isascii():
        bad = next(c for c in host if not c.isascii())
        raise ValueError(
            f"address host {host!r} contains the non-ASCII character {bad!r} (U+{ord(bad):04X});"
            " write the IP address with ASCII digits, letters a-f, '.' and ':' only"
        )
    if "\0" in host:
        # C would read the text only up to the NUL; refuse rather than guess which part counts.
        raise ValueError(
            f"address host {host!r} contains a NUL character; pass the IP address text without it"
        )
    if "%" in host:
        # ipaddress accepts "fe80::1%3" but the scope would be lost on the way to the
        # sockaddr; Winsock wants it as the numeric scope_id field instead.
        raise ValueError(
            f"address host {host!r} has a %scope suffix; pass the scope as a number in"
            " (host, port, flowinfo, scope_id) instead"
        )
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"address host {host!r} is not an IP address literal (winsockx does not resolve names)"
        ) from None
    if family == AddressFamily.AF_INET and ip.version != 4:
        raise ValueError(f"address host {host!r} is IPv6 but the socket is AF_INET")
    if family == AddressFamily.AF_INET6 and ip.version != 6:
        raise ValueError(
            f"address host {host!r} is IPv4 but the socket is AF_INET6;"
            f" use '::ffff:{host}' for an IPv4-mapped address"
        )
    return ip.packed, format_host(family, ip.packed)


_ZERO_80_BITS = bytes(10)


def format_host(family: AddressFamily, packed: bytes) -> str:
    """Text form of address bytes, as glibc's ``inet_ntop`` writes it.

    IPv6 text follows RFC 5952 (lower case, the longest run of zero groups as
    ``::``), with a dotted quad for the last 32 bits where glibc writes one:
    IPv4-mapped ``::ffff:a.b.c.d`` and IPv4-compatible ``::a.b.c.d`` (the
    first 96 bits zero and the 7th group not, so ``::`` and ``::1`` stay as
    they are).  Winsock's ``inet_ntop`` as Wine 8 implements it writes the
    same for these, but also writes a dotted quad for ``::ffff:0:a.b.c.d``
    and ISATAP (``fe80::5efe:a.b.c.d``) addresses, and ``::ffff:0:0`` for
    ``::ffff:0.0.0.0``; winsockx writes glibc's form on every platform, so
    one address has one text.

    >>> format_host(AddressFamily.AF_INET6, bytes(12) + bytes([1, 2, 3, 4]))
    '::1.2.3.4'
    """
    if family == AddressFamily.AF_INET:
        return f"{packed[0]}.{packed[1]}.{packed[2]}.{packed[3]}"
    if packed[:10] == _ZERO_80_BITS:
        # glibc's rule: a dotted quad when the longest zero run starts at the first group
        # and is 5 groups long followed by ffff, or exactly 6 long.  Python's ipaddress
        # writes hex groups for both (before 3.13, even for the mapped form).
        group6 = packed[10:12]
        if group6 == b"\xff\xff":
            return f"::ffff:{packed[12]}.{packed[13]}.{packed[14]}.{packed[15]}"
        if group6 == b"\0\0" and packed[12:14] != b"\0\0":
            return f"::{packed[12]}.{packed[13]}.{packed[14]}.{packed[15]}"
    return str(ipaddress.IPv6Address(packed))


def parse_address(family: AddressFamily, address: object, name: str = "address") -> Address:
    """Check a user-supplied address for *family*; return it as the typed tuple.

    The result is an :class:`IPv4Address` for ``AF_INET``, an :class:`IPv6Address`
    for ``AF_INET6``.  An :class:`IPv4Address` or :class:`IPv6Address` is checked field by field
    like a tuple, and returned as it is when its host is already in canonical
    text.  An :class:`IPv4Address` is a ``(host, port)`` tuple, so ``AF_INET6``
    takes one as it takes that tuple; an :class:`IPv6Address` is refused by
    ``AF_INET``.

    Raises:
        TypeError: the address is not a tuple of the right shape and types.
        ValueError: malformed host, wrong family, port outside 0-65535, or
            flowinfo or scope_id outside 0 to 2**32-1.

    >>> parse_address(AddressFamily.AF_INET, ("127.0.0.1", 80))
    IPv4Address(host='127.0.0.1', port=80)
    >>> parse_address(AddressFamily.AF_INET6, ("::1", 80))
    IPv6Address(host='::1', port=80, flowinfo=0, scope_id=0)
    """
    if type(address) is tuple and len(address) == 2:
        # The common case, checked without the general path's overhead.
        host, port = address
        if type(host) is str and type(port) is int and 0 <= port <= 0xFFFF:
            if family == AddressFamily.AF_INET:
                return IPv4Address(_parse_host(family, host)[1], port)
            return IPv6Address(_parse_host(family, host)[1], port)
    if isinstance(address, IPv6Address):
        if family != AddressFamily.AF_INET6:
            raise ValueError(f"{name} is AF_INET6 but the socket is {family.name}")
        return _checked(address, name)
    if isinstance(address, IPv4Address) and family == AddressFamily.AF_INET:
        return _checked(address, name)
    if not isinstance(address, tuple):
        raise TypeError(f"{name} must be a (host, port) tuple, not {type(address).__name__}")
    sizes = (2,) if family == AddressFamily.AF_INET else (2, 4)
    if len(address) not in sizes:
        shape = (
            "(host, port)"
            if family == AddressFamily.AF_INET
            else ("(host, port) or (host, port, flowinfo, scope_id)")
        )
        raise TypeError(f"{name} for {family.name} must be {shape}, got {len(address)} items")
    host = address[0]
    if not isinstance(host, str):
        raise TypeError(f"{name} host must be a str, not {type(host).__name__}")
    port = check_int(address[1], f"{name} port", 0, 0xFFFF)
    host = _parse_host(family, host)[1]
    if family == AddressFamily.AF_INET:
        return IPv4Address(host, port)
    flowinfo = scope_id = 0
    if len(address) == 4:
        flowinfo = check_int(address[2], f"{name} flowinfo", 0, 0xFFFFFFFF)
        scope_id = check_int(address[3], f"{name} scope_id", 0, 0xFFFFFFFF)
    return IPv6Address(host, port, flowinfo, scope_id)


def _checked(address: Address, name: str) -> Address:
    """*address* with every field checked as parse_address checks a tuple's."""
    family = address.family
    if isinstance(address, IPv6Address):
        host, port, flowinfo, scope_id = address
        fields_ok = (
            type(flowinfo) is int
            and type(scope_id) is int
            and 0 <= flowinfo <= 0xFFFFFFFF
            and 0 <= scope_id <= 0xFFFFFFFF
        )
    else:
        host, port = address
        flowinfo = scope_id = 0
        fields_ok = True
    if (
        # The common case (a valid address, e.g. from getsockname) in one expression.
        fields_ok
        and type(port) is int
        and 0 <= port <= 0xFFFF
        and type(host) is str
        and _parse_host(family, host)[1] == host
    ):
        return address
    if not isinstance(host, str):
        raise TypeError(f"{name} host must be a str, not {type(host).__name__}")
    port = check_int(port, f"{name} port", 0, 0xFFFF)
    canonical = _parse_host(family, host)[1]
    if isinstance(address, IPv4Address):
        return IPv4Address(canonical, port)
    flowinfo = check_int(flowinfo, f"{name} flowinfo", 0, 0xFFFFFFFF)
    scope_id = check_int(scope_id, f"{name} scope_id", 0, 0xFFFFFFFF)
    return IPv6Address(canonical, port, flowinfo, scope_id)


# Both Winsock and Linux lay out sockaddr_in as {u16 family (host order), u16 port
# (network order), 4 address bytes, 8 zero bytes} and sockaddr_in6 as {u16 family,
# u16 port, u32 flowinfo, 16 address bytes, u32 scope_id}; only the family number
# differs, so the caller passes the native one.
_IN = struct.Struct("=H2s4s8x")
_IN6 = struct.Struct("=H2s4s16sI")
SOCKADDR_STORAGE_SIZE = 128
"""Bytes reserved for an address written by the stack (``sizeof(SOCKADDR_STORAGE)``)."""


def pack_sockaddr(address: Address, native_family: int) -> bytes:
    """Encode *address* as a native ``sockaddr_in`` / ``sockaddr_in6``.

    Raises:
        TypeError, ValueError: *address* is not an :class:`IPv4Address` or
            :class:`IPv6Address`, or a field of it is of the wrong type or out of
            range (the message of :func:`parse_address`).
    """
    try:
        if isinstance(address, IPv6Address):
            return _IN6.pack(
                native_family,
                address.port.to_bytes(2, "big"),
                address.flowinfo.to_bytes(4, "big"),
                _packed_host(AddressFamily.AF_INET6, address.host),
                address.scope_id,
            )
        return _IN.pack(
            native_family,
            address.port.to_bytes(2, "big"),
            _packed_host(AddressFamily.AF_INET, address.host),
        )
    except (AttributeError, OverflowError, TypeError, ValueError, struct.error):
        pass
    # Only an address that skipped parse_address gets here: name the bad field, checked
    # after the fact so that the common, valid case pays nothing for it.
    if not isinstance(address, _ADDRESS_TYPES):
        raise TypeError(
            f"address must be an IPv4Address or IPv6Address, not {type(address).__name__}"
        )
    _checked(address, "address")
    raise ValueError(f"address {address!r} cannot be encoded as a sockaddr")


def unpack_sockaddr(data: bytes, family: AddressFamily) -> Address:
    """Decode a native ``sockaddr_in`` / ``sockaddr_in6`` written by the stack."""
    if family == AddressFamily.AF_INET:
        _, port, packed = _IN.unpack_from(data)
        return IPv4Address(format_host(family, packed), int.from_bytes(port, "big"))
    _, port, flow, packed6, scope = _IN6.unpack_from(data)
    return IPv6Address(
        format_host(family, packed6),
        int.from_bytes(port, "big"),
        int.from_bytes(flow, "big"),
        scope,
    )
