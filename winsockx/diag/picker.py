"""A port that is free for every protocol at once, checked by binding it.

>>> import winsockx
>>> port = winsockx.pick_port()
>>> with winsockx.bind_exclusive(("127.0.0.1", port)) as tcp, \\
...      winsockx.bind_exclusive(("127.0.0.1", port), type=winsockx.SOCK_DGRAM) as udp:
...     tcp.getsockname().port == udp.getsockname().port == port
True
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from .._checks import check_int
from ..constants import AddressFamily, SocketType
from ..errors import AddressInUseError, WinsockError, WinsockPermissionError
from ..sockets import Socket
from .excluded import PortRangesUnavailableError, excluded_port_ranges
from .holders import PortProtocol, check_protocol

__all__ = ["MAX_COUNT", "NoFreePortError", "pick_port"]

MAX_COUNT = 100
"""The most consecutive ports one :func:`~winsockx.pick_port` call finds."""

# Candidates tried before giving up: each costs a few binds, and on a machine where
# a free run of ports exists the first candidates nearly always do.
_ATTEMPTS = 64
_TYPES = {"tcp": SocketType.SOCK_STREAM, "udp": SocketType.SOCK_DGRAM}


class NoFreePortError(OSError):
    """:func:`pick_port` found no run of free ports within its attempts.

    An :class:`OSError`: the system had no such ports to give (or they were all
    taken or excluded while it looked). ``last_error`` is the last bind failure
    seen, or None when every candidate was skipped before binding (excluded, or
    past 65535).

    >>> str(NoFreePortError("no free port", None))
    'no free port'
    """

    last_error: WinsockError | None

    def __init__(self, message: str, last_error: WinsockError | None = None) -> None:
        """Build the error; *message* is its ``str()``."""
        super().__init__(message)
        self.last_error = last_error


def _protocols(protocols: object) -> tuple[PortProtocol, ...]:
    if isinstance(protocols, str) or not isinstance(protocols, Iterable):
        raise TypeError(
            "protocols must be a tuple of 'tcp'/'udp', e.g. protocols=('tcp',), not"
            f" {type(protocols).__name__}"
        )
    checked: list[PortProtocol] = []
    for item in protocols:
        proto = check_protocol(item, "each of protocols")
        if proto not in checked:
            checked.append(proto)
    if not checked:
        raise ValueError("protocols must name at least one of 'tcp' and 'udp'")
    return tuple(checked)


def _host(host: object) -> tuple[str, AddressFamily]:
    if not isinstance(host, str):
        raise TypeError(f"host must be an IP address str, not {type(host).__name__}")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"host {host!r} is not an IP address literal (pick_port does not resolve names;"
            " pass e.g. '127.0.0.1', '::1' or '0.0.0.0')"
        ) from None
    return str(ip), AddressFamily.AF_INET6 if ip.version == 6 else AddressFamily.AF_INET


def _excluded_ports(
    protocols: tuple[PortProtocol, ...], family: AddressFamily
) -> list[tuple[int, int]]:
    """The (start, end) ranges to skip, as far as the system tells them."""
    spans: list[tuple[int, int]] = []
    for proto in protocols:
        try:
            ranges = excluded_port_ranges(proto)
        except PortRangesUnavailableError:
            # Binding still checks every port; unreadable ranges only cost retries
            # (a Windows excluded port refuses the bind with 10013).
            continue
        spans.extend((r.start, r.end) for r in ranges if r.family in (None, family))
    return spans


def _bind_all(
    host: str,
    family: AddressFamily,
    protocols: tuple[PortProtocol, ...],
    count: int,
    skip: list[tuple[int, int]],
) -> int | None:
    """Bind *count* consecutive ports for every protocol, the first chosen by the stack.

    Returns the first port, or None when the run would pass 65535 or meet a range
    in *skip*; every socket is closed again before returning.

    Raises:
        AddressInUseError, WinsockPermissionError: one of the ports is taken or
            excluded (the caller tries another run).
        WinsockError: any other failure (the caller gives up).
    """
    made: list[Socket] = []
    try:
        sock = Socket(family, _TYPES[protocols[0]], exclusive=True)
        made.append(sock)
        sock.bind((host, 0))  # port 0: the stack picks one free for this protocol
        first = sock.getsockname().port
        last = first + count - 1
        if last > 65535 or any(start <= last and first <= end for start, end in skip):
            return None
        for offset in range(count):
            for index, proto in enumerate(protocols):
                if offset == 0 and index == 0:
                    continue  # the socket above
                sock = Socket(family, _TYPES[proto], exclusive=True)
                made.append(sock)
                sock.bind((host, first + offset))
        return first
    finally:
        for sock in made:
            sock.close(drain_timeout=0.0)


def pick_port(
    *,
    protocols: tuple[PortProtocol, ...] = ("tcp", "udp"),
    count: int = 1,
    host: str = "127.0.0.1",
) -> int:
    """The first of *count* consecutive ports that were free for all *protocols* on *host*.

    Each port is checked by binding it, for every protocol at once, with exclusive
    winsockx sockets (``SO_EXCLUSIVEADDRUSE`` on Windows; no address reuse on
    Linux) on *host*, an IP address (``"0.0.0.0"`` or ``"::"`` for every
    address); the sockets are closed before returning. The first port is one the
    stack hands out for port 0; ports inside the excluded ranges
    (:func:`~winsockx.excluded_port_ranges`, for *host*'s family) are skipped
    when the system tells them, and a run that meets a taken or excluded port is
    given up for a new one, at most 64 times.

    The answer is only true when it is given: any program can take a port between
    this call and your bind. Bind promptly, be ready for 10048 or 10013 all the
    same, and prefer binding port 0 and reading the port back where you can.

    >>> import winsockx
    >>> first = winsockx.pick_port(protocols=("tcp",), count=3)
    >>> 1 <= first <= 65533
    True

    Raises:
        TypeError: *protocols* not a tuple (or other iterable, not a str) of
            strings, *count* not an int, or *host* not a str.
        ValueError: a protocol other than ``"tcp"``/``"udp"``, no protocol,
            *count* outside 1 to :data:`~winsockx.diag.picker.MAX_COUNT`, or
            *host* not an IP address.
        NoFreePortError: no run of free ports was found in 64 attempts.
        WinsockError: a bind failed for a reason other than a taken or
            excluded port (e.g. 10049 ``AddressNotAvailableError``: *host* is not
            an address of this machine).
    """
    checked = _protocols(protocols)
    count = check_int(count, "count", 1, MAX_COUNT)
    address, family = _host(host)
    skip = _excluded_ports(checked, family)
    last_error: WinsockError | None = None
    for _ in range(_ATTEMPTS):
        try:
            first = _bind_all(address, family, checked, count, skip)
        except (AddressInUseError, WinsockPermissionError) as e:
            last_error = e  # taken, or excluded (10013): try another run
            continue
        if first is not None:
            return first
    names = "+".join(checked)
    raise NoFreePortError(
        f"no run of {count} consecutive port(s) free for {names} on {address} after"
        f" {_ATTEMPTS} attempts" + (f"; last failure: {last_error}" if last_error else ""),
        last_error,
    )
