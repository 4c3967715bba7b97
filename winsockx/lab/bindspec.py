"""What is claimed about two binds of one port: the document's table and Windows' answers.

This module is data. :mod:`winsockx.lab.measure` measures the running system and
compares it with what is recorded here; nothing here is a measurement.

Sources:

* **The document.** Microsoft, "SO_EXCLUSIVEADDRUSE socket option" (Winsock
  reference, ``winsock2.h``), table "Bind Behavior with Various Options Set":
  https://learn.microsoft.com/windows/win32/winsock/so-exclusiveaddruse
  (see :data:`DOCUMENT_TABLE`). Several of its cells are wrong.
* **Windows-verified pairs.** Wine's conformance suite, file
  ``dlls/ws2_32/tests/sock.c``, function ``test_reuseaddr``
  (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ws2_32/tests/sock.c).
  That suite runs on real Windows; an assertion without ``todo_wine`` holds on
  Windows, and one with ``todo_wine`` holds on Windows but not on Wine
  (see :data:`WINDOWS_VERIFIED`, whose entries each name their part of the function).
* **Wine 8.0's own deviations**, measured by this project with a small C program
  built with mingw-w64 and run under Debian 12's Wine 8.0
  (see :data:`WINE_DEVIATIONS`).

>>> from winsockx.lab.bindspec import Option, Role, document_claim
>>> document_claim(Option.REUSEADDR, Role.WILDCARD, Option.EXCLUSIVE, Role.SPECIFIC)
<WSAError.WSAEACCES: 10013>
>>> [p.number for p in WINDOWS_VERIFIED if p.number is not None][:3]
[1, 2, 3]
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
from collections.abc import Mapping
from typing import Literal, Union

from ..constants import AddressFamily, Protocol, SocketType
from ..errors import WSAError

__all__ = [
    "ANY_FAILURE",
    "DOCUMENT_TABLE",
    "NOT_APPLICABLE",
    "OK",
    "WINDOWS_VERIFIED",
    "WINE_DEVIATIONS",
    "BindSpec",
    "Claim",
    "DocumentKey",
    "Expected",
    "Kind",
    "Option",
    "Role",
    "SecondGroup",
    "VerifiedPair",
    "WineDeviation",
    "document_claim",
    "expected_text",
]

OK: Literal["ok"] = "ok"
"""The bind (or listen) succeeded."""
ANY_FAILURE: Literal["fail"] = "fail"
"""An expectation that the call fails, with a code the source does not check."""
NOT_APPLICABLE: Literal["n/a"] = "n/a"
"""A cell the document marks "n/a"."""

Claim = Union[Literal["ok", "n/a"], WSAError]
"""One cell of the document's table: ``"ok"``, ``"n/a"`` or the WSA code it promises."""
Expected = Union[Literal["ok", "fail"], WSAError]
"""A Windows-verified outcome: ``"ok"``, a WSA code, or ``"fail"`` (any code)."""


class Option(str, enum.Enum):
    """The reuse option set on a socket before its bind.

    >>> Option("exclusive").short
    'EXCL'
    """

    EXCLUSIVE = "exclusive"
    """``SO_EXCLUSIVEADDRUSE`` set to 1."""
    NONE = "none"
    """Neither option set."""
    REUSEADDR = "reuseaddr"
    """``SO_REUSEADDR`` set to 1."""

    @property
    def short(self) -> str:
        """The short name used in tables: ``EXCL``, ``NONE`` or ``REUSE``."""
        return _SHORT[self]


_SHORT = {Option.EXCLUSIVE: "EXCL", Option.NONE: "NONE", Option.REUSEADDR: "REUSE"}


class Kind(str, enum.Enum):
    """What the two sockets of a case are.

    >>> Kind.TCP_LISTEN.first_listens
    True
    """

    TCP = "tcp"
    """TCP; neither socket listens."""
    TCP_LISTEN = "tcp+listen"
    """TCP; the first socket listens before the second binds, and a second socket
    whose bind succeeded then tries to listen too."""
    UDP = "udp"
    """UDP."""

    @property
    def first_listens(self) -> bool:
        """Whether the first socket listens before the second bind."""
        return self is Kind.TCP_LISTEN

    @property
    def socket_type(self) -> SocketType:
        """``SOCK_STREAM`` or ``SOCK_DGRAM``."""
        return SocketType.SOCK_DGRAM if self is Kind.UDP else SocketType.SOCK_STREAM

    @property
    def protocol(self) -> Protocol:
        """``IPPROTO_TCP`` or ``IPPROTO_UDP``."""
        return Protocol.IPPROTO_UDP if self is Kind.UDP else Protocol.IPPROTO_TCP


@dataclasses.dataclass(frozen=True)
class BindSpec:
    """How one socket of a pair is set up: its option, its address, and for IPv6 its
    ``IPV6_V6ONLY`` setting (``None`` for an IPv4 socket).

    >>> BindSpec(Option.NONE, "::ffff:127.0.0.1", v6only=False).label
    'NONE ::ffff:127.0.0.1 (dual)'
    >>> BindSpec(Option.EXCLUSIVE, "0.0.0.0").family
    <AddressFamily.AF_INET: 2>
    """

    option: Option
    """The option set before bind."""
    address: str
    """The IP address bound, as text (``0.0.0.0``, ``127.0.0.1``, ``::``, ``::ffff:0.0.0.0``)."""
    v6only: bool | None = None
    """``IPV6_V6ONLY`` of an AF_INET6 socket (set before bind); ``None`` for AF_INET."""

    def __post_init__(self) -> None:
        # Reject malformed text early: these values end up in reports and JSON.
        ipaddress.ip_address(self.address)
        if (self.family == AddressFamily.AF_INET6) != (self.v6only is not None):
            raise ValueError(
                f"v6only must be given for an IPv6 address and only then: {self.address!r}"
            )

    @property
    def family(self) -> AddressFamily:
        """``AF_INET6`` for an address with a colon, else ``AF_INET``."""
        return AddressFamily.AF_INET6 if ":" in self.address else AddressFamily.AF_INET

    @property
    def label(self) -> str:
        """``EXCL 0.0.0.0``; an IPv6 socket with IPV6_V6ONLY off gets `` (dual)``."""
        return f"{self.option.short} {self.address}{' (dual)' if self.v6only is False else ''}"


class Role(str, enum.Enum):
    """The document's names for addresses.

    >>> Role.SPECIFIC2.value
    'specific2'
    """

    WILDCARD = "wildcard"
    """``0.0.0.0`` or ``::``."""
    SPECIFIC = "specific"
    """A specific local address."""
    SPECIFIC2 = "specific2"
    """A second specific address, other than the first bind's."""


class SecondGroup(str, enum.Enum):
    """The document's second-bind column groups: it merges "no options" and SO_REUSEADDR."""

    EXCLUSIVE = "SO_EXCLUSIVEADDRUSE"
    """The second socket sets SO_EXCLUSIVEADDRUSE."""
    NONE_OR_REUSEADDR = "No options or SO_REUSEADDR"
    """The second socket sets nothing, or SO_REUSEADDR."""

    @staticmethod
    def of(option: Option) -> SecondGroup:
        """The column group of a second bind with *option*."""
        if option is Option.EXCLUSIVE:
            return SecondGroup.EXCLUSIVE
        return SecondGroup.NONE_OR_REUSEADDR


DocumentKey = tuple[Option, Role, SecondGroup, Role]
"""A cell of the document's table: (first option, row address, second group, column address)."""

_E, _N, _R = Option.EXCLUSIVE, Option.NONE, Option.REUSEADDR
_W, _S, _S2 = Role.WILDCARD, Role.SPECIFIC, Role.SPECIFIC2
_INUSE, _ACCES = WSAError.WSAEADDRINUSE, WSAError.WSAEACCES
# Column order of the document: SO_EXCLUSIVEADDRUSE wildcard, specific; then
# "No options or SO_REUSEADDR" wildcard, specific.
_COLUMNS = (
    (SecondGroup.EXCLUSIVE, _W),
    (SecondGroup.EXCLUSIVE, _S),
    (SecondGroup.NONE_OR_REUSEADDR, _W),
    (SecondGroup.NONE_OR_REUSEADDR, _S),
)
_NA: Claim = NOT_APPLICABLE
_ROWS: tuple[tuple[Option, Role, tuple[Claim, Claim, Claim, Claim]], ...] = (
    (_E, _W, (_INUSE, _INUSE, _INUSE, _INUSE)),
    (_E, _S, (_INUSE, _INUSE, _INUSE, _INUSE)),
    (_E, _S2, (_NA, OK, _NA, OK)),
    (_N, _W, (_INUSE, _INUSE, _INUSE, _INUSE)),
    (_N, _S, (_INUSE, _INUSE, _INUSE, _INUSE)),
    (_N, _S2, (_NA, OK, _NA, OK)),
    (_R, _W, (_ACCES, _ACCES, OK, OK)),
    (_R, _S, (_ACCES, _ACCES, OK, OK)),
    (_R, _S2, (_NA, OK, _NA, OK)),
)

DOCUMENT_TABLE: Mapping[DocumentKey, Claim] = {
    (option, role, group, column): claim
    for option, role, claims in _ROWS
    for (group, column), claim in zip(_COLUMNS, claims)
}
"""The document's table, cell by cell, as printed.

Rows are the first bind (its option, and wildcard, specific or specific2);
columns are the second bind (SO_EXCLUSIVEADDRUSE, or "no options or
SO_REUSEADDR", on the wildcard or a specific address). A "specific2" row reads:
the first bind is on one specific address and the second on another. Two cells
carry the document's footnote "the behavior is undefined as to which socket
will receive packets" (REUSE wildcard then wildcard, REUSE specific then the same
specific); it says nothing about the bind, which the document calls a success.

>>> DOCUMENT_TABLE[(Option.EXCLUSIVE, Role.SPECIFIC2, SecondGroup.EXCLUSIVE, Role.WILDCARD)]
'n/a'
"""


def document_claim(first: Option, first_role: Role, second: Option, second_role: Role) -> Claim:
    """What the document claims for a second bind after a first one on the same port.

    *first_role* is WILDCARD or SPECIFIC; *second_role* any of the three roles,
    relative to the first (SPECIFIC: the same specific address; SPECIFIC2:
    another one). The document's note decides the cases its table has no cell
    for: "for the case in which the first socket is bound to the wildcard, the
    entry for Specific covers all specific address cases".

    >>> document_claim(Option.EXCLUSIVE, Role.WILDCARD, Option.NONE, Role.SPECIFIC2)
    <WSAError.WSAEADDRINUSE: 10048>
    >>> document_claim(Option.NONE, Role.SPECIFIC, Option.EXCLUSIVE, Role.SPECIFIC2)
    'ok'

    Raises:
        ValueError: *first_role* is SPECIFIC2 (the first bind defines "specific").
    """
    if first_role is Role.SPECIFIC2:
        raise ValueError("the first bind is on the wildcard or on the specific address")
    group = SecondGroup.of(second)
    if second_role is Role.SPECIFIC2:
        if first_role is Role.SPECIFIC:
            return DOCUMENT_TABLE[(first, Role.SPECIFIC2, group, Role.SPECIFIC)]
        second_role = Role.SPECIFIC
    return DOCUMENT_TABLE[(first, first_role, group, second_role)]


@dataclasses.dataclass(frozen=True)
class VerifiedPair:
    """A pair of binds whose outcome on real Windows is asserted by Wine's suite.

    >>> pair = WINDOWS_VERIFIED[0]
    >>> pair.first.label, pair.second.label, pair.bind
    ('EXCL 0.0.0.0', 'NONE 127.0.0.1', <WSAError.WSAEACCES: 10013>)
    """

    name: str
    """A stable identifier, e.g. ``pair-01`` or ``loopback-none-then-reuse``."""
    number: int | None
    """Its number in the list of exclusive-use pairs (1-20), or None for other facts."""
    kind: Kind
    """The socket kind the assertion is about."""
    first: BindSpec
    """The socket bound first."""
    second: BindSpec
    """The socket bound second, to the same port."""
    bind: Expected
    """The second bind's outcome on Windows."""
    listen: Expected | None
    """For :attr:`Kind.TCP_LISTEN`: the second socket's ``listen()``; None when not asserted."""
    source: str
    """Where it is asserted."""
    wine_gap: str | None = None
    """Why Wine 8 answers differently, when it is known to; None when Wine matches."""


_SUITE = "Wine conformance suite, dlls/ws2_32/tests/sock.c, test_reuseaddr"
_SRC_EXCLUSIVE = (
    f"{_SUITE}, table tests_exclusive (TCP, neither socket listens; AF_INET6 sockets"
    " get IPV6_V6ONLY 0 after SO_EXCLUSIVEADDRUSE); asserted on Windows"
)
_SRC_LOOP = f"{_SUITE}, loop over AF_INET and AF_INET6 (default IPV6_V6ONLY)"


def _v4(option: Option, address: str) -> BindSpec:
    return BindSpec(option, address)


def _dual(option: Option, address: str) -> BindSpec:
    return BindSpec(option, address, v6only=False)


def _v6(option: Option, address: str) -> BindSpec:
    return BindSpec(option, address, v6only=True)


_EXCLUSIVE_PAIRS: tuple[tuple[BindSpec, BindSpec, Expected], ...] = (
    (_v4(_E, "0.0.0.0"), _v4(_N, "127.0.0.1"), _ACCES),
    (_dual(_E, "::"), _v4(_N, "127.0.0.1"), _ACCES),
    (_v4(_N, "0.0.0.0"), _v4(_E, "127.0.0.1"), OK),
    (_v4(_E, "0.0.0.0"), _v4(_E, "127.0.0.1"), _ACCES),
    (_v4(_E, "127.0.0.1"), _v4(_N, "0.0.0.0"), OK),
    (_v4(_N, "127.0.0.1"), _v4(_E, "0.0.0.0"), _INUSE),
    (_v4(_N, "127.0.0.1"), _dual(_E, "::"), _INUSE),
    (_dual(_N, "::1"), _v4(_E, "0.0.0.0"), OK),
    (_dual(_E, "::1"), _v4(_E, "127.0.0.1"), OK),
    (_dual(_N, "::ffff:127.0.0.1"), _v4(_E, "0.0.0.0"), _INUSE),
    (_dual(_E, "::"), _v4(_N, "0.0.0.0"), _ACCES),
    (_dual(_N, "::"), _v4(_E, "0.0.0.0"), OK),
    (_v4(_N, "0.0.0.0"), _v4(_E, "0.0.0.0"), _INUSE),
    (_v4(_N, "0.0.0.0"), _v4(_N, "0.0.0.0"), _INUSE),
    (_dual(_N, "::"), _v4(_N, "0.0.0.0"), OK),
    (_dual(_N, "::ffff:0.0.0.0"), _v4(_N, "0.0.0.0"), _INUSE),
    (_dual(_N, "::ffff:127.0.0.1"), _v4(_N, "127.0.0.1"), _INUSE),
    (_v4(_N, "127.0.0.1"), _dual(_N, "::ffff:127.0.0.1"), _INUSE),
    (_v4(_E, "127.0.0.1"), _v4(_N, "127.0.0.1"), _INUSE),
    (_v4(_N, "127.0.0.1"), _v4(_E, "127.0.0.1"), _INUSE),
)


def _loop_facts() -> tuple[VerifiedPair, ...]:
    """The assertions of test_reuseaddr's loop, once per family (IPv6: default V6ONLY)."""
    facts = []
    for tag, spec, wild, loop in (("", _v4, "0.0.0.0", "127.0.0.1"), ("-v6", _v6, "::", "::1")):
        facts += [
            VerifiedPair(
                f"loopback-none-then-reuse{tag}",
                None,
                Kind.TCP,
                spec(_N, loop),
                spec(_R, loop),
                _ACCES,
                None,
                f"{_SRC_LOOP}, part 'SO_REUSEADDR on second socket only'; asserted on Windows",
            ),
            VerifiedPair(
                f"loopback-reuse-then-none{tag}",
                None,
                Kind.TCP,
                spec(_R, loop),
                spec(_N, loop),
                ANY_FAILURE,
                None,
                f"{_SRC_LOOP}, part 'SO_REUSEADDR on both sockets' (the second bind before"
                " SO_REUSEADDR is set: fails, code not checked); asserted on Windows",
            ),
            VerifiedPair(
                f"loopback-reuse-both{tag}",
                None,
                Kind.TCP,
                spec(_R, loop),
                spec(_R, loop),
                OK,
                None,
                f"{_SRC_LOOP}, part 'successive binds and bind-after-listen'"
                " (two SO_REUSEADDR sockets bind the loopback address); asserted on Windows",
            ),
            VerifiedPair(
                f"wildcard-none-both{tag}",
                None,
                Kind.TCP,
                spec(_N, wild),
                spec(_N, wild),
                _INUSE,
                None,
                f"{_SRC_LOOP}, part 'binding to INADDR_ANY on two sockets'; asserted on Windows",
            ),
            VerifiedPair(
                f"listening-wildcard-then-loopback{tag}",
                None,
                Kind.TCP_LISTEN,
                spec(_N, wild),
                spec(_N, loop),
                OK,
                OK,
                f"{_SRC_LOOP}, part 'any addr first': bind and listen of the second socket"
                " are todo_wine, so asserted on Windows and failing on Wine",
                wine_gap="Wine 8 refuses the second bind with 10048",
            ),
            VerifiedPair(
                f"listening-loopback-then-wildcard{tag}",
                None,
                Kind.TCP_LISTEN,
                spec(_N, loop),
                spec(_N, wild),
                OK,
                OK,
                f"{_SRC_LOOP}, part 'loopback addr first': bind and listen of the second"
                " socket are todo_wine, so asserted on Windows and failing on Wine",
                wine_gap="Wine 8 refuses the second bind with 10048",
            ),
            VerifiedPair(
                f"listening-reuse-then-reuse{tag}",
                None,
                Kind.TCP_LISTEN,
                spec(_R, loop),
                spec(_R, loop),
                OK,
                None,
                f"{_SRC_LOOP}, part 'successive binds and bind-after-listen': an SO_REUSEADDR"
                " socket binds the loopback address while another SO_REUSEADDR socket listens"
                " on it (on Windows; on Wine that one never got to listen, its listen() being"
                " todo_wine); asserted on Windows",
                wine_gap="Wine 8 refuses the second bind with 10013 (measured by winsockx"
                " matrix; Wine's suite cannot see it, because on Wine the listener's own"
                " listen() already failed)",
            ),
        ]
    return tuple(facts)


WINDOWS_VERIFIED: tuple[VerifiedPair, ...] = (
    tuple(
        VerifiedPair(f"pair-{n:02d}", n, Kind.TCP, first, second, outcome, None, _SRC_EXCLUSIVE)
        for n, (first, second, outcome) in enumerate(_EXCLUSIVE_PAIRS, start=1)
    )
    + _loop_facts()
)
"""Outcomes real Windows gives, as asserted by Wine's conformance suite.

First the 20 SO_EXCLUSIVEADDRUSE pairs of the suite's ``tests_exclusive`` table
(TCP; neither socket listens; every AF_INET6 socket has IPV6_V6ONLY 0), then the
other assertions of ``test_reuseaddr`` that are pairs of binds, for IPv4 and for
IPv6 with the default IPV6_V6ONLY. Those with :attr:`VerifiedPair.wine_gap` are
the suite's ``todo_wine`` cases: Windows behaviour that Wine 8 does not match.

>>> len([p for p in WINDOWS_VERIFIED if p.number is not None])
20
"""


@dataclasses.dataclass(frozen=True)
class WineDeviation:
    """A way Wine 8.0 is known to differ from Windows, for labelling measured cells.

    It applies to a cell of its :attr:`kind` in which either socket has
    :attr:`option` (when given) and either address is :attr:`address` (when given).

    >>> WINE_DEVIATIONS[0].applies(Kind.UDP, BindSpec(Option.EXCLUSIVE, "0.0.0.0"),
    ...                            BindSpec(Option.NONE, "127.0.0.1"))
    True
    """

    name: str
    """A stable identifier."""
    description: str
    """What Wine does instead."""
    kind: Kind
    """The socket kind it concerns."""
    option: Option | None
    """An option either socket must have for it to apply, or None."""
    address: str | None
    """An address either socket must bind for it to apply, or None."""
    source: str
    """Where it was established."""

    def applies(self, kind: Kind, first: BindSpec, second: BindSpec) -> bool:
        """Whether a cell of *kind* with these two sockets is affected."""
        if kind is not self.kind:
            return False
        if self.option is not None and self.option not in (first.option, second.option):
            return False
        return self.address is None or self.address in (first.address, second.address)


_SRC_WINE = "measured with a C program (mingw-w64) under Debian 12's Wine 8.0"
WINE_DEVIATIONS: tuple[WineDeviation, ...] = (
    WineDeviation(
        "udp-ignores-exclusive",
        "Wine ignores SO_EXCLUSIVEADDRUSE on UDP sockets: the host's plain rules decide",
        Kind.UDP,
        Option.EXCLUSIVE,
        None,
        _SRC_WINE,
    ),
    WineDeviation(
        "udp-specific2-artefact",
        "Wine binds a UDP socket asked for 127.0.0.2 to the host's 0.0.0.0,"
        " so UDP cases with 127.0.0.2 are artefacts",
        Kind.UDP,
        None,
        "127.0.0.2",
        _SRC_WINE,
    ),
)
"""Wine 8.0's known deviations from Windows that touch the matrix's cells (UDP only:
for TCP, Wine follows every Windows-verified pair not marked as a gap)."""


def expected_text(value: Claim | Expected) -> str:
    """Render a claim or expectation: ``ok``, ``n/a``, ``fails`` or the code's number.

    >>> expected_text(WSAError.WSAEACCES), expected_text(ANY_FAILURE)
    ('10013', 'fails')
    """
    if isinstance(value, WSAError):
        return str(int(value))
    return "fails" if value == ANY_FAILURE else str(value)
