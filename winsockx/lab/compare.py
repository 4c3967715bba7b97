"""Compare a measured matrix with the document's table and with Windows' answers.

The references are in :mod:`winsockx.lab.bindspec`: the table of Microsoft's
SO_EXCLUSIVEADDRUSE page, cell by cell, and the pairs whose outcome on real Windows
Wine's conformance suite asserts. Under Wine, a disagreement that a known Wine
deviation or gap explains is labelled with it.

>>> from winsockx.lab.bindspec import Kind
>>> from winsockx.lab.measure import run_matrix
>>> comparison = compare_with_windows(run_matrix(kinds=[Kind.TCP]))
>>> comparison.agree + comparison.disagree == len(comparison.checks)
True
"""

from __future__ import annotations

import dataclasses

from .bindspec import (
    ANY_FAILURE,
    NOT_APPLICABLE,
    OK,
    WINDOWS_VERIFIED,
    WINE_DEVIATIONS,
    Claim,
    Expected,
    Option,
    Role,
    VerifiedPair,
    document_claim,
    expected_text,
)
from .measure import GRIDS, UNMEASURED, Cell, Grid, MatrixResult, Result

__all__ = [
    "Check",
    "Comparison",
    "compare_with_document",
    "compare_with_windows",
    "conclusion",
]

# The three first lines of the report (docs/matrix.rst quotes them). Each fits the
# report's 100 columns.
_OWNS = (
    "Conclusion: to own a port, bind the wildcard with SO_EXCLUSIVEADDRUSE"
    " (winsockx.create_server)."
)
_GOT_PAST = (
    "Conclusion: none: here a second bind succeeded after SO_EXCLUSIVEADDRUSE on the wildcard."
)
_NOT_MEASURED = (
    "Conclusion: none: not every second bind after SO_EXCLUSIVEADDRUSE on the wildcard"
    " was measured."
)


@dataclasses.dataclass(frozen=True)
class Check:
    """One measured cell compared with a reference value.

    >>> from winsockx.lab.bindspec import Kind
    >>> from winsockx.lab.measure import run_matrix
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

    >>> from winsockx.lab.bindspec import Kind
    >>> from winsockx.lab.measure import run_matrix
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

    >>> from winsockx.lab.bindspec import Kind
    >>> from winsockx.lab.measure import run_matrix
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

    >>> from winsockx.lab.bindspec import Kind
    >>> from winsockx.lab.measure import run_matrix
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


def _after_exclusive_wildcard(cell: Cell) -> bool:
    """Whether *cell* is a second bind after an SO_EXCLUSIVEADDRUSE wildcard bind of its family.

    Only the document's grids (IPv4, IPv6) count: the dual-stack grids cross the
    families, and an IPv4 wildcard never claimed the IPv6 addresses of its port.
    """
    grid = _grid_of(cell)
    return (
        grid is not None
        and bool(grid.roles)
        and cell.first.option is Option.EXCLUSIVE
        and grid.roles[cell.first.address] is Role.WILDCARD
    )


def conclusion(result: MatrixResult) -> str:
    """The report's first line: whether this run shows how to own a port.

    It reads the cells whose first socket set SO_EXCLUSIVEADDRUSE and bound the
    wildcard (``EXCL 0.0.0.0``, and with ``--ipv6`` ``EXCL ::``), against every
    second bind of the same family, in every kind the run measured. When every one
    of those second binds failed, the line says to bind the wildcard with
    SO_EXCLUSIVEADDRUSE, as :func:`winsockx.create_server` does. When one succeeded,
    or one is unmeasured, it says that the run supports no conclusion, and why.

    >>> from winsockx.lab.bindspec import Kind
    >>> from winsockx.lab.measure import run_matrix
    >>> print(conclusion(run_matrix(kinds=[Kind.TCP])))
    Conclusion: to own a port, bind the wildcard with SO_EXCLUSIVEADDRUSE (winsockx.create_server).
    """
    cells = [c for c in result.cells if _after_exclusive_wildcard(c)]
    if any(c.result == OK for c in cells):
        return _GOT_PAST
    if not cells or any(c.result == UNMEASURED for c in cells):
        return _NOT_MEASURED
    return _OWNS
