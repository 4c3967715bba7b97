"""Who holds a port: the sockets bound to it and the processes that own them.

:func:`who_holds` reads the system's socket tables: iphlpapi's
``GetExtendedTcpTable``/``GetExtendedUdpTable`` on Windows, ``/proc/net`` on Linux.
It answers the first question after a failed bind (10048 ``WSAEADDRINUSE``, 10013
``WSAEACCES``): which program is in the way.

>>> import winsockx
>>> with winsockx.create_server(("127.0.0.1", 0)) as server:
...     port = server.getsockname()[1]
...     holders = winsockx.who_holds(port)
>>> [(h.address, h.port == port, str(h.state)) for h in holders if h.listening]
[('127.0.0.1', True, 'LISTEN')]
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import os
import sys
from typing import Literal

from .._checks import check_int
from ..address import Address, make_address
from ..constants import AddressFamily

__all__ = ["PortHolder", "PortProtocol", "TcpState", "check_protocol", "covers", "who_holds"]

PortProtocol = Literal["tcp", "udp"]
"""The transport protocols the diagnostics know: ``"tcp"`` and ``"udp"``."""


class TcpState(str, enum.Enum):
    """The state of a TCP socket, as ``netstat`` names it (RFC 9293's states).

    A ``str`` whose ``str()`` is the name, so ``f"{state}"`` reads ``LISTEN``.

    >>> TcpState.LISTEN == "LISTEN", str(TcpState.TIME_WAIT)
    (True, 'TIME_WAIT')
    """

    LISTEN = "LISTEN"
    """Waiting for connections: the socket a server holds its port with."""
    SYN_SENT = "SYN_SENT"
    """A connect in progress."""
    SYN_RECEIVED = "SYN_RECEIVED"
    """A connection being accepted (Linux: ``SYN_RECV`` and ``NEW_SYN_RECV``)."""
    ESTABLISHED = "ESTABLISHED"
    """A connection open in both directions."""
    FIN_WAIT_1 = "FIN_WAIT_1"
    """This side closed first; its FIN is not acknowledged yet."""
    FIN_WAIT_2 = "FIN_WAIT_2"
    """This side closed first and its FIN was acknowledged; the peer's end is awaited."""
    CLOSE_WAIT = "CLOSE_WAIT"
    """The peer closed; this side's program has not closed its socket yet."""
    CLOSING = "CLOSING"
    """Both sides closed at once."""
    LAST_ACK = "LAST_ACK"
    """The peer closed first, then this side; its last FIN is not acknowledged yet."""
    TIME_WAIT = "TIME_WAIT"
    """Closed by this side first; the port stays reserved for a while (up to 4 minutes)."""
    CLOSED = "CLOSED"
    """No connection (Linux: ``CLOSE``)."""
    DELETE_TCB = "DELETE_TCB"
    """Windows only: the connection's control block is being deleted."""
    UNKNOWN = "UNKNOWN"
    """A state code this version of winsockx does not know."""

    def __str__(self) -> str:
        """The name, as ``netstat`` prints it."""
        return self.value


@dataclasses.dataclass(frozen=True)
class PortHolder:
    """One socket bound to a port, and the process that owns it when the OS says.

    ``str()`` is :meth:`describe`.

    >>> h = PortHolder("0.0.0.0", 5150, AddressFamily.AF_INET, "tcp", TcpState.LISTEN,
    ...                True, None, 4242, "server.exe", None)
    >>> str(h)
    'PID 4242 (server.exe) on 0.0.0.0:5150 LISTEN'
    """

    address: str
    """The local IP address as text, in canonical form (``0.0.0.0`` and ``::`` are the
    wildcards; ``::ffff:127.0.0.1`` an IPv4 peer of a dual-stack socket)."""
    port: int
    """The local port."""
    family: AddressFamily
    """``AF_INET`` or ``AF_INET6``."""
    protocol: PortProtocol
    """``"tcp"`` or ``"udp"``."""
    state: TcpState | None
    """The TCP state; None for UDP, which has none."""
    listening: bool
    """True for a TCP socket in ``LISTEN``, and for a UDP socket that is not connected
    to one peer (it receives datagrams from anyone: the server's side of UDP)."""
    remote: Address | None
    """The peer of a connected socket; None when there is none (listeners, UDP sockets
    that are not connected, and every UDP socket on Windows, whose table has no peer)."""
    pid: int | None
    """The owning process's ID; None when the OS does not tell (see
    :attr:`no_owner_reason`). Never guessed."""
    process_name: str | None
    """The owning process's name (``server.exe``; on Linux its ``comm``, at most 15
    characters), or None when it cannot be read."""
    process_path: str | None
    """The owning process's executable, or None when it cannot be read (another user's
    process on Linux, a protected one on Windows)."""
    no_owner_reason: str | None = None
    """Why :attr:`pid` is None: ``"owner not reported"`` (the table names no process:
    Windows' PID 0, which Wine 8 reports for every socket, or a Linux socket in
    TIME_WAIT, which no process owns any more) or ``"owner not visible"`` (Linux: the
    socket belongs to a process this user may not inspect). None when :attr:`pid` is
    known."""
    uid: int | None = None
    """Linux: the user ID the socket belongs to, known even when its process is not
    visible. None on Windows."""

    def describe(self) -> str:
        """One line: who holds the port, on which address, in which state.

        ``PID 4242 (server.exe) on 0.0.0.0:5150 LISTEN``, ``owner not reported on
        [::]:5150 LISTEN``, ``PID 77 (dnsmasq) on 127.0.0.1:53 UDP``; a connected
        socket ends with ``to`` and its peer.

        >>> PortHolder("::", 5150, AddressFamily.AF_INET6, "udp", None, True, None,
        ...            None, None, None, "owner not visible", 1001).describe()
        'owner not visible (uid 1001) on [::]:5150 UDP'
        """
        if self.pid is not None:
            owner = f"PID {self.pid}"
            if self.process_name:
                owner += f" ({self.process_name})"
        else:
            owner = self.no_owner_reason or "owner not reported"
            if self.uid is not None:
                owner += f" (uid {self.uid})"
        where = make_address(self.address, self.port, self.family)
        what = str(self.state) if self.protocol == "tcp" and self.state else "UDP"
        line = f"{owner} on {where} {what}"
        if self.remote is not None:
            line += f" to {self.remote}"
        return line

    def held_by(self) -> str:
        """The holder as the object of "held by": :meth:`describe` when the process is
        known, else the socket and why no process is named.

        >>> PortHolder("0.0.0.0", 5150, AddressFamily.AF_INET, "tcp", TcpState.LISTEN,
        ...            True, None, None, None, None, "owner not reported").held_by()
        'a socket on 0.0.0.0:5150 LISTEN (owner not reported)'
        """
        text = self.describe()
        if self.pid is None:
            owner, _, rest = text.partition(" on ")
            return f"a socket on {rest} ({owner})"
        if self.pid == os.getpid():
            return f"{text} (this process)"
        return text

    def __str__(self) -> str:
        """:meth:`describe`."""
        return self.describe()


def check_protocol(protocol: object, name: str = "protocol") -> PortProtocol:
    """*protocol* checked to be ``"tcp"`` or ``"udp"``.

    Raises:
        TypeError: *protocol* is not a str.
        ValueError: any other str.
    """
    if not isinstance(protocol, str):
        raise TypeError(f"{name} must be 'tcp' or 'udp', not {type(protocol).__name__}")
    if protocol == "tcp":
        return "tcp"
    if protocol == "udp":
        return "udp"
    raise ValueError(f"{name} must be 'tcp' or 'udp', got {protocol!r}")


def _check_ip(address: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if not isinstance(address, str):
        raise TypeError(f"address must be an IP address str or None, not {type(address).__name__}")
    if "%" in address:
        # The socket tables give no scope, so a scoped address could never match.
        raise ValueError(f"address {address!r} has a %scope suffix; pass the address without it")
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(
            f"address {address!r} is not an IP address literal (who_holds does not resolve"
            " names; pass e.g. '127.0.0.1' or '::1')"
        ) from None


def _as_v4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address *ip* stands for (itself, or the IPv4 inside ``::ffff:a.b.c.d``)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    return ip.ipv4_mapped


def covers(holder: PortHolder, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether *holder* is in the way of a bind to *address* on its port.

    The rule :func:`who_holds` filters with: see its *address* argument.

    >>> h = PortHolder("0.0.0.0", 80, AddressFamily.AF_INET, "tcp", TcpState.LISTEN,
    ...                True, None, None, None, None)
    >>> covers(h, ipaddress.ip_address("192.0.2.1")), covers(h, ipaddress.ip_address("::1"))
    (True, False)
    """
    held = ipaddress.ip_address(holder.address)
    if held == address:
        return True
    held_v4, asked_v4 = _as_v4(held), _as_v4(address)
    if held_v4 is not None and held_v4 == asked_v4:
        return True  # an IPv4-mapped address is its IPv4 address
    if held.is_unspecified:
        # 0.0.0.0 takes every IPv4 address. :: takes every IPv6 one, and every IPv4 one
        # too when the socket is dual-stack, which the tables do not say.
        return held.version == 6 or asked_v4 is not None
    if address.is_unspecified:
        # A bind to a wildcard collides with any specific bind of the port in its family
        # (and "::", possibly dual-stack, with IPv4 ones too).
        return address.version == 6 or held_v4 is not None
    return False


def _order(holder: PortHolder) -> tuple[bool, int, str, int]:
    return (not holder.listening, int(holder.family), holder.address, holder.pid or 0)


def who_holds(
    port: int, *, protocol: PortProtocol = "tcp", address: str | None = None
) -> list[PortHolder]:
    """Every socket bound to *port* for *protocol*, IPv4 and IPv6, with its owner.

    Listening sockets come first. Each :class:`PortHolder` names the owning
    process when the system says which it is, and says so when it does not
    (:attr:`PortHolder.pid` is then None, never a guess):

    * Windows reports the PID of every socket's owner, and its name and path can
      be read for most processes (``System``, PID 4, holds the ports of
      ``http.sys``). Wine 8 lists the sockets but reports PID 0 for every one
      (measured), so there every holder reads "owner not reported".
    * Linux: the sockets of processes this user may inspect (all of them as root)
      are matched to their PID through ``/proc/PID/fd``; another user's show as
      "owner not visible", with their user ID.

    The tables are a snapshot: a socket can come or go right after it is taken.

    *address* keeps only the holders in the way of a bind to that address: those
    bound to the same address (an IPv4-mapped ``::ffff:a.b.c.d`` counts as
    ``a.b.c.d``) and those bound to a wildcard that covers it (``0.0.0.0`` covers
    every IPv4 address; ``::`` every IPv6 one and every IPv4 one too, since a
    dual-stack socket takes both and the tables do not say which ``::`` sockets
    are). A wildcard *address* keeps every holder of its family, and ``::`` every
    holder of both.

    >>> import winsockx
    >>> with winsockx.bind_exclusive(("127.0.0.1", 0), type=winsockx.SOCK_DGRAM) as s:
    ...     port = s.getsockname().port
    ...     [h.describe().endswith(f"127.0.0.1:{port} UDP")
    ...      for h in winsockx.who_holds(port, protocol="udp", address="127.0.0.1")]
    [True]

    Raises:
        TypeError, ValueError: *port* not an int from 1 to 65535, *protocol* not
            ``"tcp"`` or ``"udp"``, or *address* not an IP address literal.
        OSError: the tables could not be read: on Windows the
            :class:`~winsockx.WinsockError` of ``GetExtendedTcpTable`` or
            ``GetExtendedUdpTable`` with its exact code; on Linux the error of
            reading ``/proc/net`` (not mounted); on any other system, where
            there is nothing to read, an :class:`OSError` saying so.
    """
    port = check_int(port, "port", 1, 65535)
    proto = check_protocol(protocol)
    wanted = None if address is None else _check_ip(address)
    if sys.platform == "win32":
        from ._windows_sockets import read_holders
    elif sys.platform.startswith("linux"):
        from ._linux_sockets import read_holders
    else:
        raise OSError(
            f"who_holds reads iphlpapi on Windows and /proc/net on Linux; {sys.platform}"
            " has neither"
        )
    holders = read_holders(port, proto)
    if wanted is not None:
        holders = [h for h in holders if covers(h, wanted)]
    return sorted(holders, key=_order)
