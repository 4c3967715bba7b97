"""A hijack audit: could another program take or shadow the sockets holding a port?

For the sockets that hold a port, :func:`audit` tries what a hijacking program would
try, with throwaway sockets that are bound and closed at once (never listening, so
no connection is taken from the holders): a bind with ``SO_REUSEADDR`` (and, on
Linux, ``SO_REUSEPORT``) and a plain bind, to each holder's own address, to the
wildcard, and, beside a wildcard holder, to the loopback address and the machine's
other addresses, where a more specific bind would shadow it.

A probe that binds where it would take or shadow traffic makes the port "can be
taken". The verdict "exclusive" needs every such probe refused with the codes of a
held port (``WSAEADDRINUSE`` 10048, ``WSAEACCES`` 10013); a probe refused for any
other reason makes the audit inconclusive rather than reassuring.

>>> import winsockx
>>> with winsockx.create_server(("127.0.0.1", 0)) as server:
...     report = winsockx.audit(server.getsockname()[1])
>>> report.verdict.value in ("exclusive", "inconclusive")
True
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import socket as _stdsocket
import sys
import threading
from collections.abc import Iterable, Sequence

from .. import raw
from .._checks import check_int
from .._errno_map import wsa_code_for_errno
from ..constants import AddressFamily
from ..errors import WSAError
from ..info import backend_info
from .holders import PortHolder, PortProtocol, check_protocol, who_holds

__all__ = ["AuditReport", "Probe", "ProbeOutcome", "Verdict", "audit"]

FIX = "bind with SO_EXCLUSIVEADDRUSE before bind: winsockx.create_server((host, port))"
"""What the report recommends when the port can be taken."""

# The codes of a bind refused because the port is held (Winsock's, on both backends).
_HELD = frozenset({int(WSAError.WSAEADDRINUSE), int(WSAError.WSAEACCES)})
_NAMED = frozenset(int(code) for code in WSAError)
_LOCAL_NAMES_TIMEOUT = 1.0


class Verdict(str, enum.Enum):
    """The audit's conclusion for a port.

    >>> Verdict.CAN_BE_TAKEN.value
    'can be taken'
    """

    EXCLUSIVE = "exclusive"
    """Every probe that could take or shadow the port was refused as for a held port."""
    CAN_BE_TAKEN = "can be taken"
    """A probe bound where it would take the holder's traffic or shadow it."""
    INCONCLUSIVE = "inconclusive"
    """Probes were refused for other reasons, or the system cannot show the answer."""
    NOT_HELD = "not held"
    """No socket holds the port (nothing to audit)."""


class ProbeOutcome(str, enum.Enum):
    """What one probe bind means for the holders."""

    TAKES = "takes"
    """Bound on a holder's own address: it shares or takes the holder's traffic."""
    SHADOWS = "shadows"
    """Bound on a more specific address than a wildcard holder: it gets that address's traffic."""
    HARMLESS = "harmless"
    """Bound, but less specific or elsewhere: the holders keep their traffic."""
    REFUSED = "refused"
    """Refused as for a held port (10048 or 10013)."""
    FAILED = "failed"
    """Refused for another reason: it shows nothing about the holders."""


@dataclasses.dataclass(frozen=True)
class Probe:
    """One throwaway bind the audit tried.

    >>> p = Probe("127.0.0.1", "SO_REUSEADDR", ProbeOutcome.REFUSED, 10013, "WSAEACCES")
    >>> p.outcome.value, p.error
    ('refused', 'WSAEACCES')
    """

    address: str
    """The local address the probe bound (on the audited port)."""
    option: str
    """``SO_REUSEADDR``, ``SO_REUSEPORT`` or ``none``."""
    outcome: ProbeOutcome
    """What the bind's result means for the holders."""
    code: int | None
    """The Winsock code of a refused bind, else None."""
    error: str | None
    """The code's name, else None."""


@dataclasses.dataclass(frozen=True)
class AuditReport:
    """What :func:`audit` found for one port and protocol."""

    port: int
    """The audited port."""
    protocol: PortProtocol
    """``"tcp"`` or ``"udp"``."""
    holders: tuple[PortHolder, ...]
    """The sockets holding the port when the audit ran."""
    probes: tuple[Probe, ...]
    """Every probe, in the order tried."""
    verdict: Verdict
    """The conclusion."""
    reason: str
    """One sentence saying why."""

    @property
    def can_be_taken(self) -> bool:
        """True when another program could take or shadow the port."""
        return self.verdict is Verdict.CAN_BE_TAKEN

    @property
    def fix(self) -> str | None:
        """The remedy when the port can be taken, else None."""
        return FIX if self.can_be_taken else None

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready data (``winsockx audit --json`` prints it)."""
        return {
            "port": self.port,
            "protocol": self.protocol,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "fix": self.fix,
            "holders": [str(h) for h in self.holders],
            "probes": [
                {
                    "address": p.address,
                    "option": p.option,
                    "outcome": p.outcome.value,
                    "code": p.code,
                    "error": p.error,
                }
                for p in self.probes
            ],
        }

    def __str__(self) -> str:
        """The report as text: verdict first, then the holders and every probe."""
        lines = [f"{self.protocol} port {self.port}: {self.verdict.value} ({self.reason})"]
        lines += [f"  held by {holder.held_by()}" for holder in self.holders]
        for p in self.probes:
            refusal = f" {p.error} ({p.code})" if p.code is not None else ""
            lines.append(f"  probe {p.option} on {p.address}: {p.outcome.value}{refusal}")
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


def audit(port: int, *, protocol: PortProtocol = "tcp") -> AuditReport:
    """Find the sockets holding *port* and try, harmlessly, whether another program
    could take or shadow them.

    The probes are bound and closed at once; they never listen, so no connection is
    taken. (A UDP holder that itself allows sharing may lose the datagrams that
    arrive in the microseconds a sharing probe is bound.)

    Under Wine 8, every second bind beside a TCP listener is refused whatever the
    options, where Windows would let some through (a measured Wine gap), so a TCP
    audit there that finds every probe refused is INCONCLUSIVE, not EXCLUSIVE.

    Raises:
        TypeError, ValueError: a port outside 1-65535 or a protocol other than
            ``"tcp"``/``"udp"``.
    """
    port = check_int(port, "port", 1, 65535)
    protocol = check_protocol(protocol)
    holders = tuple(h for h in who_holds(port, protocol=protocol) if _holds(h, protocol))
    if not holders:
        return AuditReport(port, protocol, (), (), Verdict.NOT_HELD, "no socket holds the port")
    probes = tuple(_probe_all(port, protocol, holders))
    verdict, reason = _conclude(protocol, probes)
    return AuditReport(port, protocol, holders, probes, verdict, reason)


def _holds(holder: PortHolder, protocol: str) -> bool:
    """A socket that owns the port: a TCP listener, or any bound UDP socket."""
    return holder.listening if protocol == "tcp" else True


def _options() -> tuple[str, ...]:
    if hasattr(_stdsocket, "SO_REUSEPORT") and sys.platform != "win32":
        return ("SO_REUSEADDR", "SO_REUSEPORT", "none")
    return ("SO_REUSEADDR", "none")


def _probe_all(port: int, protocol: str, holders: Sequence[PortHolder]) -> Iterable[Probe]:
    targets: dict[str, tuple[AddressFamily, bool]] = {}  # address -> (family, wildcard)
    for holder in holders:
        any_address = _wildcard(holder.family)
        targets.setdefault(holder.address, (holder.family, holder.address == any_address))
        targets.setdefault(any_address, (holder.family, True))
        if holder.address == any_address:
            for address in _local_addresses(holder.family):
                targets.setdefault(address, (holder.family, False))
    for address, (family, wildcard) in targets.items():
        for option in _options():
            yield _probe(address, family, wildcard, port, protocol, option, holders)


def _probe(
    address: str,
    family: AddressFamily,
    wildcard: bool,
    port: int,
    protocol: str,
    option: str,
    holders: Sequence[PortHolder],
) -> Probe:
    """One throwaway bind, made with the stdlib's socket module as another program would."""
    native = raw.backend.native_family(family)
    kind = _stdsocket.SOCK_STREAM if protocol == "tcp" else _stdsocket.SOCK_DGRAM
    try:
        with _stdsocket.socket(native, kind) as probe:
            if option != "none":
                probe.setsockopt(_stdsocket.SOL_SOCKET, getattr(_stdsocket, option), 1)
            if family == AddressFamily.AF_INET6:
                probe.setsockopt(_stdsocket.IPPROTO_IPV6, _stdsocket.IPV6_V6ONLY, 1)
            probe.bind((address, port))
    except OSError as exc:
        code = _wsa_code(exc)
        outcome = ProbeOutcome.REFUSED if code in _HELD else ProbeOutcome.FAILED
        name = WSAError(code).name if code in _NAMED else None
        return Probe(address, option, outcome, code, name)
    return Probe(address, option, _meaning(address, wildcard, holders), None, None)


def _wsa_code(exc: OSError) -> int | None:
    """The Winsock code of a stdlib socket error (errno mapped on POSIX)."""
    winerror: object = getattr(exc, "winerror", None)
    if isinstance(winerror, int):
        return winerror
    return wsa_code_for_errno(exc.errno) if exc.errno is not None else None


def _meaning(address: str, wildcard: bool, holders: Sequence[PortHolder]) -> ProbeOutcome:
    """What a successful probe bind at *address* means beside *holders*."""
    for holder in holders:
        if holder.address == address:
            return ProbeOutcome.TAKES
    if not wildcard and any(h.address == _wildcard(h.family) for h in holders):
        return ProbeOutcome.SHADOWS
    return ProbeOutcome.HARMLESS


def _conclude(protocol: str, probes: Sequence[Probe]) -> tuple[Verdict, str]:
    threats = [p for p in probes if p.outcome in (ProbeOutcome.TAKES, ProbeOutcome.SHADOWS)]
    if threats:
        first = threats[0]
        how = "takes" if first.outcome is ProbeOutcome.TAKES else "shadows"
        return (
            Verdict.CAN_BE_TAKEN,
            f"a bind with {first.option} on {first.address} {how} the port",
        )
    failed = [p for p in probes if p.outcome is ProbeOutcome.FAILED]
    if failed:
        first = failed[0]
        return (
            Verdict.INCONCLUSIVE,
            f"a probe on {first.address} failed with {first.error} ({first.code}),"
            " which says nothing about the holders",
        )
    if protocol == "tcp" and backend_info().wine_version is not None:
        return (
            Verdict.INCONCLUSIVE,
            "Wine refuses every second bind beside a TCP listener, so only Windows can"
            " show whether this port can be taken",
        )
    return Verdict.EXCLUSIVE, "every bind that could take or shadow the port was refused"


def _wildcard(family: AddressFamily) -> str:
    return "::" if family == AddressFamily.AF_INET6 else "0.0.0.0"


def _local_addresses(family: AddressFamily) -> list[str]:
    """Loopback and the machine's own addresses of *family* (name lookup bounded in time)."""
    found = ["::1" if family == AddressFamily.AF_INET6 else "127.0.0.1"]
    native = raw.backend.native_family(family)
    result: list[str] = []

    def look_up() -> None:
        try:
            infos = _stdsocket.getaddrinfo(_stdsocket.gethostname(), None, native)
        except OSError:
            return
        result.extend(str(info[4][0]) for info in infos)

    # The machine's own name resolves locally on a normal system; the bound keeps
    # a misconfigured resolver from stalling the audit.
    thread = threading.Thread(target=look_up, daemon=True)
    thread.start()
    thread.join(_LOCAL_NAMES_TIMEOUT)
    for text in list(result):
        try:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            continue
        if ip.is_link_local or ip.is_unspecified or str(ip) in found:
            continue
        found.append(str(ip))
    return found
