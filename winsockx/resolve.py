"""Name resolution: ``getaddrinfo`` with Winsock's numbers, results and error codes.

``GetAddrInfoW`` on Windows, libc's ``getaddrinfo`` elsewhere (its ``EAI_*``
results mapped to the WSA codes Windows gives for the same failure, the
``EAI_*`` name kept in the error's ``hint``). Like the stdlib's, the call
blocks for as long as the resolver takes.

>>> from winsockx.resolve import AI_NUMERICHOST, getaddrinfo
>>> [info] = getaddrinfo("127.0.0.1", 80, 2, 1, flags=AI_NUMERICHOST)  # AF_INET, SOCK_STREAM
>>> info.family.name, info.type.name, info.sockaddr == ("127.0.0.1", 80)
('AF_INET', 'SOCK_STREAM', True)
"""

from __future__ import annotations

from typing import NamedTuple

from . import raw, session
from ._checks import check_int
from ._failure import OsFailure
from .address import Address, unpack_sockaddr
from .constants import AddressFamily, SocketType
from .errors import WinsockError

__all__ = [
    "AI_ADDRCONFIG",
    "AI_ALL",
    "AI_CANONNAME",
    "AI_NUMERICHOST",
    "AI_NUMERICSERV",
    "AI_PASSIVE",
    "AI_V4MAPPED",
    "AddrInfo",
    "getaddrinfo",
]

# ws2def.h values on every platform; the POSIX backend maps them to libc's.
AI_PASSIVE = 0x0001
"""The address is for ``bind``: a host of None gives the wildcard address."""
AI_CANONNAME = 0x0002
"""Fill in the first entry's :attr:`AddrInfo.canonname`."""
AI_NUMERICHOST = 0x0004
"""The host must be an IP address literal: no name lookup (a name fails)."""
AI_NUMERICSERV = 0x0008
"""The port must be a number: no service-name lookup."""
AI_ALL = 0x0100
"""With :data:`AI_V4MAPPED`: IPv6 and IPv4-mapped addresses both."""
AI_ADDRCONFIG = 0x0400
"""Only families that a configured (non-loopback) address of this host has."""
AI_V4MAPPED = 0x0800
"""For ``AF_INET6`` with no IPv6 result: IPv4 addresses, mapped to ``::ffff:a.b.c.d``."""

_C_INT_MIN, _C_INT_MAX = -(2**31), 2**31 - 1
_IP_FAMILIES = (AddressFamily.AF_INET, AddressFamily.AF_INET6)


class AddrInfo(NamedTuple):
    """One ``getaddrinfo`` result, shaped like the stdlib's 5-tuple.

    >>> AddrInfo(AddressFamily.AF_INET, SocketType.SOCK_DGRAM, 17, "", ("127.0.0.1", 53))[2]
    17
    """

    family: AddressFamily
    """``AF_INET`` or ``AF_INET6``."""
    type: SocketType | int
    """The socket type; a plain ``0`` where the stack leaves it open (Windows does,
    when the query gave no type)."""
    proto: int
    """The protocol number (``IPPROTO_TCP``, ``IPPROTO_UDP``, or 0)."""
    canonname: str
    """The canonical name with ``AI_CANONNAME`` (first entry only); else ``""``."""
    sockaddr: Address
    """The address, equal to the stdlib's ``(host, port)`` or
    ``(host, port, flowinfo, scope_id)`` tuple."""


def _host_text(host: object) -> str | None:
    if host is None:
        return None
    if not isinstance(host, str):
        raise TypeError(f"getaddrinfo host must be a str or None, not {type(host).__name__}")
    if "\0" in host:
        # C would read the name only up to the NUL; refuse rather than guess which part counts.
        raise ValueError(f"getaddrinfo host {host!r} contains a NUL character")
    if host.isascii():
        return host
    # As the stdlib does: an internationalised name goes to the resolver as IDNA (punycode).
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as e:
        raise ValueError(f"getaddrinfo host {host!r} cannot be encoded with IDNA: {e}") from None


def _port_text(port: object) -> str | None:
    if port is None:
        return None
    if isinstance(port, str):
        if "\0" in port:
            raise ValueError(f"getaddrinfo port {port!r} contains a NUL character")
        return port
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(
            f"getaddrinfo port must be an int, a str or None, not {type(port).__name__}"
        )
    check_int(port, "getaddrinfo port", 0, 0xFFFF)
    return str(port)


def _enum_or_int(enum_type: type[SocketType], value: int) -> SocketType | int:
    try:
        return enum_type(value)
    except ValueError:
        return value


def getaddrinfo(
    host: str | None,
    port: int | str | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> list[AddrInfo]:
    """Resolve *host* and *port* to socket addresses, like :func:`socket.getaddrinfo`.

    *family*, *type*, *proto* and *flags* are hints in Winsock's numbers (``AF_INET6``
    is 23 everywhere; ``AI_*`` from this module); 0 leaves each open. *port* is a
    number or a service name. Winsock is started if it is not yet (as
    :class:`winsockx.Socket` does). Entries of families other than AF_INET and
    AF_INET6 are left out.

    Raises:
        TypeError, ValueError: an argument of the wrong type, a port outside
            0-65535, a host or port with a NUL, a host IDNA cannot encode.
        WinsockError: WSAHOST_NOT_FOUND (11001) for a name that does not exist
            (POSIX: EAI_NONAME, named in ``hint``), WSANO_DATA (11004),
            WSATRY_AGAIN (11002), WSAEAFNOSUPPORT (10047), WSAESOCKTNOSUPPORT
            (10044), WSATYPE_NOT_FOUND (10109) for an unknown service, ...
    """
    node = _host_text(host)
    service = _port_text(port)
    for value, name in ((family, "family"), (type, "type"), (proto, "proto"), (flags, "flags")):
        check_int(value, f"getaddrinfo {name}", _C_INT_MIN, _C_INT_MAX)
    session.ensure_started()
    try:
        entries = raw.backend.getaddrinfo(node, service, family, type, proto, flags)
    except OsFailure as f:
        raise _failed(f, host, port) from None
    results = []
    for fam, kind, protocol, canonname, sockaddr in entries:
        if fam not in _IP_FAMILIES or not sockaddr:
            continue
        address_family = AddressFamily(fam)
        results.append(
            AddrInfo(
                address_family,
                _enum_or_int(SocketType, kind),
                protocol,
                canonname,
                unpack_sockaddr(sockaddr, address_family),
            )
        )
    return results


def _failed(failure: OsFailure, host: object, port: object) -> WinsockError:
    # The POSIX backend's failure names the EAI_* result; Windows' code says it all.
    hint = getattr(failure, "hint", None)
    return failure.error(
        "getaddrinfo",
        argument=f"{host!r}, {port!r}",
        hint=hint if isinstance(hint, str) else None,
    )
