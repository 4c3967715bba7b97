"""Measure the bind-behaviour table on the running system, and compare it.

Microsoft's SO_EXCLUSIVEADDRUSE page has a table of what a second bind to a port
does after a first one, by option (SO_EXCLUSIVEADDRUSE, none, SO_REUSEADDR) and
address (wildcard, specific). Several of its cells are wrong. This module binds
every pair for real, each on its own fresh port, and sets the results next to the
document's table and next to what real Windows is known to do
(:mod:`winsockx.lab.bindspec`). Nothing here is a recorded result: every measured cell
comes from a bind that ran.

>>> from winsockx.lab import measure
>>> result = measure.run_matrix(kinds=[measure.Kind.TCP])
>>> len(result.cells)
54
>>> print(measure.render_text(result))          # doctest: +SKIP
winsockx matrix: ws2_32 on Wine 8.0 (reports Windows 6.1.7601), cpython 3.13.2
...

The command line is ``winsockx matrix [--json] [--ipv6] [--kind KIND]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Literal, Union

from .. import raw
from ..constants import SOL_SOCKET, AddressFamily, Protocol, SocketOption
from ..errors import WinsockError, WSAError
from ..info import backend_info
from ..results import BackendInfo
from ..session import Winsock
from .bindspec import (
    ANY_FAILURE,
    NOT_APPLICABLE,
    OK,
    WINDOWS_VERIFIED,
    WINE_DEVIATIONS,
    BindSpec,
    Claim,
    Expected,
    Kind,
    Option,
    Role,
    VerifiedPair,
    document_claim,
    expected_text,
)

__all__ = [
    "ALL_KINDS",
    "DUAL_STACK_V4_FIRST",
    "DUAL_STACK_V6_FIRST",
    "GRIDS",
    "IPV4",
    "IPV6",
    "MAX_ATTEMPTS",
    "UNMEASURED",
    "BindSpec",
    "Cell",
    "Check",
    "Comparison",
    "Grid",
    "Kind",
    "MatrixResult",
    "Option",
    "Result",
    "cli_main",
    "compare_with_document",
    "compare_with_windows",
    "measure_cell",
    "render_text",
    "run_matrix",
    "to_json",
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


@dataclasses.dataclass(frozen=True)
class Check:
    """One measured cell compared with a reference value.

    >>> check = compare_with_windows(run_matrix(kinds=[Kind.TCP])).checks[0]
    >>> check.reference, check.expected
    ('pair-01', '10013')
    """

    cell: Cell
    """The measured cell."""
    expected: str
    """The reference value as text: ``ok``, ``fails``, ``10048``, ``ok/Lok``."""
    agrees: bool
    """Whether the measurement matches it."""
    reference: str
    """Where the reference value comes from (a table cell, a numbered pair)."""
    known: str | None = None
    """For a disagreement under Wine: the known Wine deviation or gap explaining it."""


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Measured cells against one reference (the document, or Windows-verified pairs).

    >>> c = compare_with_document(run_matrix(kinds=[Kind.TCP]))
    >>> c.agree + c.disagree == len(c.checks)
    True
    """

    against: str
    """The reference's name."""
    checks: tuple[Check, ...]
    """One check per measured cell the reference covers."""
    skipped: int = 0
    """Cells the reference covers that are unmeasured, so not compared."""

    @property
    def agree(self) -> int:
        """How many cells agree."""
        return sum(1 for c in self.checks if c.agrees)

    @property
    def disagree(self) -> int:
        """How many cells disagree."""
        return len(self.checks) - self.agree

    @property
    def disagreements(self) -> tuple[Check, ...]:
        """The checks that disagree."""
        return tuple(c for c in self.checks if not c.agrees)


# -- measuring -------------------------------------------------------------------


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


# -- comparing -------------------------------------------------------------------


def _grid_of(cell: Cell) -> Grid | None:
    for grid in GRIDS:
        if cell.first in grid.rows and cell.second in grid.columns:
            return grid
    return None


def _matches(measured: Result, expected: Claim | Expected) -> bool:
    if expected == ANY_FAILURE:
        return isinstance(measured, int)
    if expected == OK:
        return measured == OK
    return isinstance(measured, int) and measured == expected


def _wine_labels(result: MatrixResult, cell: Cell) -> str | None:
    if result.platform.wine_version is None:
        return None
    names = [d.name for d in WINE_DEVIATIONS if d.applies(cell.kind, cell.first, cell.second)]
    return ", ".join(names) or None


def compare_with_document(result: MatrixResult) -> Comparison:
    """Every measured cell the document's table covers, against the document's claim.

    The document does not distinguish TCP from UDP, nor listening sockets, so its
    claim about the second bind is compared for every kind. Under Wine, a
    disagreement that a known Wine deviation explains is labelled with it.

    >>> compare_with_document(run_matrix(kinds=[Kind.TCP])).against
    'document'
    """
    checks: list[Check] = []
    skipped = 0
    for cell in result.cells:
        grid = _grid_of(cell)
        if grid is None or not grid.roles:
            continue
        claim = document_claim(
            cell.first.option,
            grid.roles[cell.first.address],
            cell.second.option,
            grid.roles[cell.second.address],
        )
        if claim == NOT_APPLICABLE:
            continue
        if cell.result == UNMEASURED:
            skipped += 1
            continue
        agrees = _matches(cell.result, claim)
        reference = (
            f"row '{grid.label(cell.first)}', second {cell.second.option.short} "
            f"{grid.roles[cell.second.address].value}"
        )
        known = None if agrees else _wine_labels(result, cell)
        checks.append(Check(cell, expected_text(claim), agrees, reference, known))
    return Comparison("document", tuple(checks), skipped)


def _pair_text(pair: VerifiedPair) -> str:
    text = expected_text(pair.bind)
    if pair.listen is not None:
        text += "/L" + expected_text(pair.listen)
    return text


def compare_with_windows(result: MatrixResult) -> Comparison:
    """Every Windows-verified pair the run measured, against Windows' outcome.

    A pair's listen expectation, when it has one, must match too. Under Wine, a
    disagreement on a pair that is a known Wine gap is labelled with it.

    >>> compare_with_windows(run_matrix(kinds=[Kind.TCP])).against
    'Windows-verified'
    """
    checks: list[Check] = []
    skipped = 0
    for pair in WINDOWS_VERIFIED:
        cell = result.cell(pair.kind, pair.first, pair.second)
        if cell is None:
            continue
        if cell.result == UNMEASURED:
            skipped += 1
            continue
        agrees = _matches(cell.result, pair.bind) and (
            pair.listen is None or (cell.listen is not None and _matches(cell.listen, pair.listen))
        )
        known = None
        if not agrees and result.platform.wine_version is not None:
            known = pair.wine_gap
        checks.append(Check(cell, _pair_text(pair), agrees, pair.name, known))
    return Comparison("Windows-verified", tuple(checks), skipped)


# -- output ----------------------------------------------------------------------


def _cell_json(cell: Cell) -> dict[str, Any]:
    def spec(s: BindSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"option": s.option.value, "address": s.address}
        if s.v6only is not None:
            out["v6only"] = s.v6only
        return out

    def value(r: Result) -> str | int:
        return int(r) if isinstance(r, int) else r

    out: dict[str, Any] = {
        "kind": cell.kind.value,
        "first": spec(cell.first),
        "second": spec(cell.second),
        "result": value(cell.result),
    }
    if cell.listen is not None:
        out["listen"] = value(cell.listen)
    out["port"] = cell.port
    if cell.note is not None:
        out["note"] = cell.note
    return out


def to_json(result: MatrixResult) -> dict[str, Any]:
    """The run as the JSON object ``winsockx matrix --json`` prints (schema 1).

    >>> data = to_json(run_matrix(kinds=[Kind.UDP]))
    >>> sorted(data), len(data["cells"])
    (['cells', 'platform', 'schema', 'seconds'], 54)
    """
    return {
        "schema": 1,
        "platform": dataclasses.asdict(result.platform),
        "seconds": round(result.seconds, 3),
        "cells": [_cell_json(c) for c in result.cells],
    }


_WIDTH = 100
_LEGEND = (
    "legend: rows = first bind, columns = second bind, same port. ok = bind succeeded;",
    "  10048 = WSAEADDRINUSE, 10013 = WSAEACCES, other numbers are WSA codes too;",
    "  ok/Lok, ok/L10048 = tcp+listen: second bind ok, then its listen() ok or failed;",
    "  ? = unmeasured (no port stayed free, or the system refused the setup).",
    "  EXCL = SO_EXCLUSIVEADDRUSE, REUSE = SO_REUSEADDR, NONE = neither; options set before bind.",
    "  tcp = neither socket listens; tcp+listen = the first listens before the second binds.",
)


def _table(grid: Grid, kind: Kind, result: MatrixResult) -> list[str]:
    rows = [grid.label(r) for r in grid.rows]
    row_width = max(len(r) for r in rows) + 2
    groups: list[list[tuple[str, str, list[str], int]]] = []
    for spec in grid.columns:
        texts = []
        for first in grid.rows:
            cell = result.cell(kind, first, spec)
            texts.append("-" if cell is None else cell.text)
        address = grid.labels.get(spec.address, spec.address)
        width = max(len(address), max(len(t) for t in texts), 5) + 2
        if not groups or groups[-1][0][0] != spec.option.short:
            groups.append([])
        groups[-1].append((spec.option.short, address, texts, width))
    # Whole option groups side by side while they fit the width; the rest below.
    chunks: list[list[tuple[str, str, list[str], int]]] = [[]]
    for group in groups:
        used = row_width + sum(c[3] for c in chunks[-1])
        if chunks[-1] and used + sum(c[3] for c in group) > _WIDTH:
            chunks.append([])
        chunks[-1].extend(group)
    lines: list[str] = []
    for chunk in chunks:
        if lines:
            lines.append("")
        options, addresses = " " * row_width, " " * row_width
        previous = None
        for option, address, _, width in chunk:
            options += (option if option != previous else "").ljust(width)
            addresses += address.ljust(width)
            previous = option
        lines += [options.rstrip(), addresses.rstrip()]
        for i, label in enumerate(rows):
            line = label.ljust(row_width) + "".join(c[2][i].ljust(c[3]) for c in chunk)
            lines.append(line.rstrip())
    return lines


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text,
        _WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "    ",
        break_on_hyphens=False,
    )


def _comparison_lines(comparison: Comparison, title: str, named: bool) -> list[str]:
    lines = _wrap(
        f"vs {title}: {comparison.agree} agree, {comparison.disagree} disagree"
        + (f" ({comparison.skipped} unmeasured, not compared)" if comparison.skipped else ""),
        "",
    )
    for check in comparison.disagreements:
        cell = check.cell
        text = (
            f"{cell.kind.value:<10} {cell.first.label} -> {cell.second.label}:"
            f" measured {cell.text}, expected {check.expected}"
        )
        if named:
            text += f" ({check.reference})"
        lines += _wrap(text, "  ")
        if check.known:
            lines += _wrap(f"known Wine difference: {check.known}", "      ")
    return lines


def render_text(result: MatrixResult) -> str:
    """The report: header, a table per grid and kind, both comparisons, legend, timing.

    >>> text = render_text(run_matrix(kinds=[Kind.TCP]))
    >>> text.splitlines()[0].startswith("winsockx matrix: ")
    True
    """
    info = result.platform
    lines = [f"winsockx matrix: {info.label}, {info.python}"]
    if info.name == "posix":
        lines.append("(the POSIX backend: these are the host's own bind rules, not Windows')")
    elif info.wine_version is not None:
        lines.append("(Wine's ws2_32: not real Windows; see the Windows-verified comparison)")
    measured = sum(1 for c in result.cells if c.result != UNMEASURED)
    lines.append(f"{len(result.cells)} cells, {measured} measured, each on its own fresh port")
    kinds = [k for k in ALL_KINDS if any(c.kind is k for c in result.cells)]
    for grid in GRIDS:
        for kind in kinds:
            if not any(result.cell(kind, f, s) for f in grid.rows[:1] for s in grid.columns[:1]):
                continue
            lines += ["", f"{kind.value}: {grid.title}"]
            lines += _table(grid, kind, result)
    lines.append("")
    document = compare_with_document(result)
    lines += _comparison_lines(
        document, "the document's table (Microsoft, SO_EXCLUSIVEADDRUSE)", False
    )
    used = {
        name for check in document.disagreements for name in (check.known or "").split(", ") if name
    }
    for deviation in WINE_DEVIATIONS:
        if deviation.name in used:
            lines += _wrap(f"{deviation.name}: {deviation.description}", "  ")
    lines.append("")
    lines += _comparison_lines(
        compare_with_windows(result), "Windows-verified pairs (Wine's suite, run on Windows)", True
    )
    unmeasured = [c for c in result.cells if c.result == UNMEASURED]
    if unmeasured:
        lines += ["", "unmeasured:"]
        for c in unmeasured:
            lines += _wrap(
                f"{c.kind.value:<10} {c.first.label} -> {c.second.label}: {c.note}", "  "
            )
    lines += ["", *_LEGEND, "", f"measured in {result.seconds:.2f} s"]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="winsockx matrix",
        description=(
            "Measure the SO_EXCLUSIVEADDRUSE/SO_REUSEADDR bind table on this system, each"
            " case on its own fresh port, and compare it with Microsoft's document and"
            " with what real Windows is known to do."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print only one JSON object")
    parser.add_argument(
        "--ipv6", action="store_true", help="also the IPv6 and dual-stack (IPV6_V6ONLY off) grids"
    )
    parser.add_argument(
        "--kind",
        action="append",
        choices=[k.value for k in ALL_KINDS],
        help="only this socket kind (repeatable; default: all three)",
    )
    return parser


def cli_main(argv: list[str]) -> int:
    """Run ``winsockx matrix`` with *argv* (the words after ``matrix``); the exit status.

    0 after a run (disagreements are findings, not failures), 2 for bad arguments.

    >>> cli_main(["--kind", "udp", "--json"])      # doctest: +SKIP
    {"schema": 1, "platform": {...}, "seconds": 0.05, "cells": [...]}
    0
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    kinds = ALL_KINDS if not args.kind else tuple(Kind(k) for k in args.kind)
    result = run_matrix(kinds=kinds, ipv6=args.ipv6)
    if args.json:
        print(json.dumps(to_json(result)), flush=True)
    else:
        print(render_text(result), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli_main(sys.argv[1:]))
