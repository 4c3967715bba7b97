"""Print a measured matrix: the text report and the JSON object of ``winsockx matrix``.

>>> from winsockx.lab.measure import run_matrix
>>> text = render_text(run_matrix(kinds=[Kind.UDP]))
>>> "udp: IPv4 (wild = 0.0.0.0, spec = 127.0.0.1, spec2 = 127.0.0.2)" in text
True
"""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any

from .bindspec import WINE_DEVIATIONS, BindSpec, Kind
from .compare import Comparison, compare_with_document, compare_with_windows, conclusion
from .measure import ALL_KINDS, GRIDS, UNMEASURED, Cell, Grid, MatrixResult, Result

__all__ = ["render_text", "to_json"]


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

    >>> from winsockx.lab.measure import run_matrix
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
    """The report: its conclusion, a header, a table per grid and kind, both comparisons,
    the legend and the timing.

    The conclusion (:func:`~winsockx.lab.compare.conclusion`) comes first, so that
    ``winsockx matrix | head -1`` answers the question the table is read for.

    >>> from winsockx.lab.measure import run_matrix
    >>> text = render_text(run_matrix(kinds=[Kind.TCP]))
    >>> [line.split(":")[0] for line in text.splitlines()[:2]]
    ['Conclusion', 'winsockx matrix']
    """
    info = result.platform
    lines = [conclusion(result), f"winsockx matrix: {info.label}, {info.python}"]
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
