"""``winsockx matrix``: measure the bind table here, compare it, print the report.

``winsockx matrix [--json] [--ipv6] [--kind KIND]``; :func:`cli_main` takes the
words after ``matrix``. The exit status is 0 after a run, whatever it found, and 2
for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys

from .bindspec import Kind
from .measure import ALL_KINDS, run_matrix
from .render import render_text, to_json

__all__ = ["cli_main"]


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

    >>> cli_main(["--kind", "sctp"])  # the usage error goes to standard error
    2
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
