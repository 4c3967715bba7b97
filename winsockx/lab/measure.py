"""Measure the bind-behaviour table on the running system, pair by pair.

Microsoft's SO_EXCLUSIVEADDRUSE page has a table of what a second bind to a port
does after a first one, by option (SO_EXCLUSIVEADDRUSE, none, SO_REUSEADDR) and
address (wildcard, specific). This module binds every pair of a :class:`Grid` for
real, each on its own fresh port; :mod:`winsockx.lab.compare` sets the results next
to the document's table and next to what real Windows is known to do
(:mod:`winsockx.lab.bindspec`), and :mod:`winsockx.lab.render` prints them. Nothing
here is a recorded result: every measured cell comes from a bind that ran.

>>> result = run_matrix(kinds=[Kind.TCP])
>>> len(result.cells)
54
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Callable, Literal, Union

from .. import raw
from ..constants import SOL_SOCKET, AddressFamily, Protocol, SocketOption
from ..errors import WinsockError, WSAError
from ..info import backend_info
from ..results import BackendInfo
from ..session import Winsock
from .bindspec import OK, BindSpec, Kind, Option, Role

__all__ = [
    "ALL_KINDS",
    "DUAL_STACK_V4_FIRST",
    "DUAL_STACK_V6_FIRST",
    "GRIDS",
    "IPV4",
    "IPV6",
    "MAX_ATTEMPTS",
    "UNMEASURED",
    "Cell",
    "Grid",
    "MatrixResult",
    "Result",
    "measure_cell",
    "run_matrix",
]

UNMEASURED: Literal["unmeasured"] = "unmeasured"
"""The cell could not be measured honestly (see :attr:`Cell.note`)."""

Result = Union[Literal["ok", "unmeasured"], int]
"""A measured outcome: ``"ok"``, the WSA code (a :class:`~winsockx.WSAError` when it
is one), or ``"unmeasured"``."""

MAX_ATTEMPTS = 8
"""Ports tried for one cell before it is recorded as unmeasured."""

ALL_KINDS: tuple[Kind, ...] = (Kind.TCP, Kind.TCP_LISTEN, Kind.UDP)
"""Every socket kind, in report order."""

_OPTIONS = (Option.EXCLUSIVE, Option.NONE, Option.REUSEADDR)
_EXCL = SocketOption.EXCLUSIVEADDRUSE
_REUSE = SocketOption.REUSEADDR
_IPV6_V6ONLY = 27  # ws2ipdef.h; option level IPPROTO_IPV6
_WILDCARDS = {AddressFamily.AF_INET: "0.0.0.0", AddressFamily.AF_INET6: "::"}
# A first bind failing with these means someone else holds the port (or, for
# 10013 on Windows, that it lies in an excluded range): try another port.
_TAKEN = (int(WSAError.WSAEADDRINUSE), int(WSAError.WSAEACCES))


@dataclasses.dataclass(frozen=True, repr=False)
class Grid:
    """One table of the matrix: every first bind (row) against every second (column).

    >>> IPV4.rows[0].label, IPV4.columns[2].label
    ('EXCL 0.0.0.0', 'EXCL 127.0.0.2')
    """

    name: str
    """A short identifier: ``ipv4``, ``ipv6``, ``dual-v6-first``, ``dual-v4-first``."""
    title: str
    """The heading printed above its tables."""
    rows: tuple[BindSpec, ...]
    """The first binds."""
    columns: tuple[BindSpec, ...]
    """The second binds."""
    roles: Mapping[str, Role]
    """The document's name for each address, for grids the document's table covers."""
    labels: Mapping[str, str]
    """Short address labels for the tables (the address itself when absent)."""

    def label(self, spec: BindSpec) -> str:
        """``EXCL wild``: the option and the short address label."""
        return f"{spec.option.short} {self.labels.get(spec.address, spec.address)}"

    def __repr__(self) -> str:
        return f"<Grid {self.name}: {len(self.rows)} x {len(self.columns)}>"


def _specs(addresses: Sequence[str], v6only: bool | None = None) -> tuple[BindSpec, ...]:
    return tuple(BindSpec(o, a, v6only) for o in _OPTIONS for a in addresses)


_V4_ROLES = {"0.0.0.0": Role.WILDCARD, "127.0.0.1": Role.SPECIFIC, "127.0.0.2": Role.SPECIFIC2}
_DUAL_ADDRESSES = ("::", "::1", "::ffff:127.0.0.1", "::ffff:0.0.0.0")

IPV4 = Grid(
    "ipv4",
    "IPv4 (wild = 0.0.0.0, spec = 127.0.0.1, spec2 = 127.0.0.2)",
    _specs(("0.0.0.0", "127.0.0.1")),
    _specs(("0.0.0.0", "127.0.0.1", "127.0.0.2")),
    _V4_ROLES,
    {"0.0.0.0": "wild", "127.0.0.1": "spec", "127.0.0.2": "spec2"},
)
"""The document's table: 6 first binds x 9 second binds, per kind."""
IPV6 = Grid(
    "ipv6",
    "IPv6, IPV6_V6ONLY on (Winsock's default)",
    _specs(("::", "::1"), v6only=True),
    _specs(("::", "::1"), v6only=True),
    {"::": Role.WILDCARD, "::1": Role.SPECIFIC},
    {},
)
"""The document's table for IPv6 (no second loopback address, so no spec2)."""
DUAL_STACK_V6_FIRST = Grid(
    "dual-v6-first",
    "dual stack: IPv6 socket (IPV6_V6ONLY off) first, IPv4 socket second",
    _specs(_DUAL_ADDRESSES, v6only=False),
    _specs(("0.0.0.0", "127.0.0.1")),
    {},
    {},
)
"""An AF_INET6 socket with IPV6_V6ONLY off, then an AF_INET one, as in Wine's suite."""
DUAL_STACK_V4_FIRST = Grid(
    "dual-v4-first",
    "dual stack: IPv4 socket first, IPv6 socket (IPV6_V6ONLY off) second",
    _specs(("0.0.0.0", "127.0.0.1")),
    _specs(_DUAL_ADDRESSES, v6only=False),
    {},
    {},
)
"""An AF_INET socket, then an AF_INET6 one with IPV6_V6ONLY off."""
GRIDS: tuple[Grid, ...] = (IPV4, IPV6, DUAL_STACK_V6_FIRST, DUAL_STACK_V4_FIRST)
"""Every grid; ``run_matrix(ipv6=False)`` measures only :data:`IPV4`."""


@dataclasses.dataclass(frozen=True)
class Cell:
    """One measured pair of binds.

    >>> cell = measure_cell(Kind.UDP, BindSpec(Option.NONE, "127.0.0.1"),
    ...                     BindSpec(Option.NONE, "127.0.0.2"))
    >>> cell.result in ("ok", 10048)
    True
    """

    kind: Kind
    """The socket kind."""
    first: BindSpec
    """The socket bound first."""
    second: BindSpec
    """The socket bound second, to the same port."""
    result: Result
    """The second bind: ``"ok"``, its WSA code, or ``"unmeasured"``."""
    listen: Result | None = None
    """Kind ``tcp+listen``, after a successful second bind: its ``listen()``."""
    port: int | None = None
    """The port the cell was measured on (None when unmeasured)."""
    note: str | None = None
    """Why the cell is unmeasured."""

    @property
    def text(self) -> str:
        """The table entry: ``ok``, ``10048``, ``ok/Lok``, ``ok/L10048`` or ``?``."""
        if self.result == UNMEASURED:
            return "?"
        text = _result_text(self.result)
        if self.listen is not None:
            text += "/L" + _result_text(self.listen)
        return text


@dataclasses.dataclass(frozen=True)
class MatrixResult:
    """A run of the matrix on this system.

    >>> result = run_matrix(kinds=[Kind.UDP])
    >>> result.platform == backend_info(), result.seconds > 0
    (True, True)
    """

    platform: BackendInfo
    """What ran the binds."""
    cells: tuple[Cell, ...]
    """Every cell, grid by grid, kind by kind, row by row."""
    seconds: float
    """How long the run took."""

    def cell(self, kind: Kind, first: BindSpec, second: BindSpec) -> Cell | None:
        """The cell for this pair, or None when the run did not measure it."""
        return self._index().get((kind, first, second))

    def _index(self) -> dict[tuple[Kind, BindSpec, BindSpec], Cell]:
        index: dict[tuple[Kind, BindSpec, BindSpec], Cell] | None
        index = self.__dict__.get("_cells_by_pair")
        if index is None:
            index = {(c.kind, c.first, c.second): c for c in self.cells}
            # A cache on a frozen dataclass: set through __dict__, as functools does.
            self.__dict__["_cells_by_pair"] = index
        return index


def _code(exc: WinsockError) -> int | None:
    winerror: int | None = exc.winerror
    if winerror is None:
        return None
    try:
        return WSAError(winerror)
    except ValueError:
        return winerror


def _result_text(result: Result) -> str:
    return str(int(result)) if isinstance(result, int) else result


class _Unmeasurable(Exception):
    """The cell cannot be measured on this system (not a port problem)."""


def _open(spec: BindSpec, kind: Kind) -> int:
    """A socket of *kind* for *spec* with its options set, all before bind."""
    handle = raw.socket(spec.family, kind.socket_type, kind.protocol)
    try:
        if spec.option is Option.EXCLUSIVE:
            raw.setsockopt(handle, SOL_SOCKET, _EXCL.optname, 1)
        elif spec.option is Option.REUSEADDR:
            raw.setsockopt(handle, SOL_SOCKET, _REUSE.optname, 1)
        if spec.v6only is not None:
            # Set either way, so the recorded value is the one the socket had.
            raw.setsockopt(handle, Protocol.IPPROTO_IPV6, _IPV6_V6ONLY, int(spec.v6only))
    except BaseException:
        raw.closesocket(handle)
        raise
    return handle


def _families(first: BindSpec, second: BindSpec) -> tuple[AddressFamily, ...]:
    """The families whose port space the case touches (dual stack touches both)."""
    touched = set()
    for spec in (first, second):
        touched.add(spec.family)
        if spec.v6only is False:
            touched.add(AddressFamily.AF_INET)
    return tuple(sorted(touched))


def _hold_port(kind: Kind, families: Sequence[AddressFamily], port: int) -> int | None:
    """Check that nothing holds *port* (0: let the stack pick one); the port, or None.

    Binds SO_EXCLUSIVEADDRUSE sockets on each family's wildcard, then closes them.
    Exclusive rather than plain: on Windows a plain wildcard bind can coexist with
    a specific one (Wine's suite, test_reuseaddr), so it could miss a holder; an
    exclusive wildcard bind fails whenever anything holds the port. On the POSIX
    backend it is a plain bind, which Linux refuses next to any holder.
    """
    handles: list[int] = []
    try:
        for family in families:
            try:
                handle = raw.socket(family, kind.socket_type, kind.protocol)
                handles.append(handle)
                raw.setsockopt(handle, SOL_SOCKET, _EXCL.optname, 1)
                if family == AddressFamily.AF_INET6:
                    # Only the IPv6 space: the IPv4 probe covers the other.
                    raw.setsockopt(handle, Protocol.IPPROTO_IPV6, _IPV6_V6ONLY, 1)
            except WinsockError as exc:
                raise _Unmeasurable(f"port check: {exc}") from None
            try:
                raw.bind(handle, (_WILDCARDS[family], port))
            except WinsockError as exc:
                if _code(exc) in _TAKEN:
                    return None
                raise _Unmeasurable(f"port check: {exc}") from None
            if port == 0:
                port = raw.getsockname(handle).port
        return port
    finally:
        for handle in handles:
            raw.closesocket(handle)


def _attempt(kind: Kind, first: BindSpec, second: BindSpec, port: int) -> Cell | None:
    """Measure on *port*; None when the port turned out not to be ours alone."""
    handles: list[int] = []
    listen: Result | None = None
    try:
        try:
            handles.append(_open(first, kind))
        except WinsockError as exc:
            raise _Unmeasurable(f"first socket: {exc}") from None
        try:
            raw.bind(handles[0], (first.address, port))
        except WinsockError as exc:
            if _code(exc) in _TAKEN:
                return None
            raise _Unmeasurable(f"first bind: {exc}") from None
        if kind.first_listens:
            try:
                raw.listen(handles[0], 1)
            except WinsockError as exc:
                raise _Unmeasurable(f"first listen: {exc}") from None
        try:
            handles.append(_open(second, kind))
        except WinsockError as exc:
            raise _Unmeasurable(f"second socket: {exc}") from None
        result = _call(lambda: raw.bind(handles[1], (second.address, port)))
        if kind.first_listens and result == OK:
            listen = _call(lambda: raw.listen(handles[1], 1))
    finally:
        for handle in handles:
            raw.closesocket(handle)
    # Every socket of the case is closed: if the port is not free now, something
    # else took it meanwhile and may have caused the second bind's result.
    if _hold_port(kind, _families(first, second), port) is None:
        return None
    return Cell(kind, first, second, result, listen, port)


def _call(action: Callable[[], None]) -> Result:
    try:
        action()
    except WinsockError as exc:
        code = _code(exc)
        if code is None:
            raise _Unmeasurable(f"no WSA code for {exc}") from None
        return code
    return OK


def _measure(kind: Kind, first: BindSpec, second: BindSpec, ports: Iterator[int] | None) -> Cell:
    families = _families(first, second)
    for _ in range(MAX_ATTEMPTS):
        wanted = 0 if ports is None else next(ports, None)
        if wanted is None:
            break
        try:
            port = _hold_port(kind, families, wanted)
            cell = None if port is None else _attempt(kind, first, second, port)
        except _Unmeasurable as exc:
            return Cell(kind, first, second, UNMEASURED, note=str(exc))
        if cell is not None:
            return cell
    return Cell(kind, first, second, UNMEASURED, note="no port stayed free for the whole case")


def measure_cell(
    kind: Kind, first: BindSpec, second: BindSpec, ports: Iterable[int] | None = None
) -> Cell:
    """Bind *first*, then *second*, to one port that is free for the case; return the cell.

    The port is checked free before the case (on every family it touches) and
    again after all its sockets are closed; when either check fails, or the first
    bind finds the port taken, the case runs again on another port, up to
    :data:`MAX_ATTEMPTS` times, and is then recorded as unmeasured rather than
    record someone else's conflict. *ports* gives the candidate ports; by default
    each attempt lets the stack choose a free ephemeral one.

    >>> cell = measure_cell(Kind.TCP, BindSpec(Option.NONE, "0.0.0.0"),
    ...                     BindSpec(Option.NONE, "0.0.0.0"))
    >>> cell.result
    <WSAError.WSAEADDRINUSE: 10048>
    """
    with Winsock():
        return _measure(kind, first, second, None if ports is None else iter(ports))


def run_matrix(kinds: Iterable[Kind] = ALL_KINDS, ipv6: bool = False) -> MatrixResult:
    """Measure every cell of the IPv4 grid (and with *ipv6*, the IPv6 and dual-stack grids).

    >>> result = run_matrix()
    >>> len(result.cells)
    162
    """
    chosen = tuple(k for k in ALL_KINDS if k in set(kinds))
    grids = GRIDS if ipv6 else (IPV4,)
    started = time.perf_counter()
    cells: list[Cell] = []
    with Winsock():
        for grid in grids:
            for kind in chosen:
                for first in grid.rows:
                    for second in grid.columns:
                        cells.append(_measure(kind, first, second, None))
    return MatrixResult(backend_info(), tuple(cells), time.perf_counter() - started)
