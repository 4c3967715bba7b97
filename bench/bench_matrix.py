"""Time ``winsockx matrix``: the IPv4 grid (162 cells), optionally the --ipv6 grids too.

Runs the matrix several times in this process and prints the fastest, median and
slowest run. The budget for the IPv4 grid is 2 s on Linux and 15 s under Wine;
the exit status is 1 when the median run is over the budget for this platform::

    python bench/bench_matrix.py [--rounds N] [--ipv6]
    tools/run-wine.sh bench/bench_matrix.py
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys

# Time the checkout's sources when run as a script from anywhere.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from winsockx import backend_info
from winsockx.lab.measure import UNMEASURED, run_matrix

# Seconds for the IPv4 grid, by platform (the targets the matrix was written to).
BUDGET_POSIX = 2.0
BUDGET_WINE = 15.0


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when within budget (or only the --ipv6 grids were timed)."""
    parser = argparse.ArgumentParser(description="Time winsockx matrix on this system.")
    parser.add_argument("--rounds", type=int, default=5, help="runs to time (default 5)")
    parser.add_argument("--ipv6", action="store_true", help="time the --ipv6 grids as well")
    args = parser.parse_args(argv)
    info = backend_info()
    print(f"winsockx matrix benchmark: {info.label}, {info.python}")
    budget = BUDGET_WINE if info.name == "ws2_32" else BUDGET_POSIX
    status = 0
    for ipv6 in (False, True) if args.ipv6 else (False,):
        times = []
        unmeasured = 0
        cells = 0
        for _ in range(max(1, args.rounds)):
            result = run_matrix(ipv6=ipv6)
            times.append(result.seconds)
            cells = len(result.cells)
            unmeasured += sum(1 for c in result.cells if c.result == UNMEASURED)
        median = statistics.median(times)
        label = "IPv4 + IPv6 grids" if ipv6 else "IPv4 grid"
        print(
            f"{label}: {cells} cells, {len(times)} runs: min {min(times):.3f} s,"
            f" median {median:.3f} s, max {max(times):.3f} s; unmeasured cells: {unmeasured}"
        )
        if not ipv6:
            verdict = "within" if median <= budget else "OVER"
            print(f"budget for the IPv4 grid here: {budget:g} s: {verdict}")
            status = 0 if median <= budget else 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
