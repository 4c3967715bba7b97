"""Bind-cycle benchmark: winsockx against the stdlib ``socket`` module, same run.

One cycle = create a TCP socket, set the exclusive option (SO_EXCLUSIVEADDRUSE on
Windows; on POSIX the stdlib has no equivalent, so it sets nothing there while
winsockx sets its emulated flag), bind 127.0.0.1 port 0, close. Prints the
median time per cycle of each and the ratio winsockx/stdlib::

    PYTHONPATH=. python bench/bench_bind.py [--cycles N] [--rounds R]
    tools/run-wine.sh bench/bench_bind.py
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from typing import Callable

import winsockx
from winsockx import raw


def stdlib_cycle() -> None:
    """One bind cycle with the stdlib socket module."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if sys.platform == "win32":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    s.bind(("127.0.0.1", 0))
    s.close()


def winsockx_cycle() -> None:
    """One bind cycle with winsockx.Socket."""
    s = winsockx.Socket(
        winsockx.AF_INET, winsockx.SOCK_STREAM, winsockx.IPPROTO_TCP, exclusive=True
    )
    s.bind(("127.0.0.1", 0))
    s.close()


def raw_cycle() -> None:
    """One bind cycle with winsockx.raw (no Socket object)."""
    h = raw.socket(2, 1, 6)
    raw.setsockopt(h, winsockx.SOL_SOCKET, winsockx.SocketOption.EXCLUSIVEADDRUSE.optname, 1)
    raw.bind(h, ("127.0.0.1", 0))
    raw.closesocket(h)


def measure(cycle: Callable[[], None], cycles: int) -> float:
    """Seconds per cycle over *cycles* cycles."""
    start = time.perf_counter()
    for _ in range(cycles):
        cycle()
    return (time.perf_counter() - start) / cycles


def main() -> int:
    """Run the rounds, interleaving the contenders so drift affects all alike."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    winsockx_cycle()  # starts Winsock once, as the first Socket of a process would
    contenders = {
        "stdlib": stdlib_cycle,
        "winsockx.Socket": winsockx_cycle,
        "winsockx.raw": raw_cycle,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, cycle in contenders.items():
            times[name].append(measure(cycle, args.cycles))
    base = statistics.median(times["stdlib"])
    print(f"bind cycle on {winsockx.backend_info().label}")
    for name, samples in times.items():
        med = statistics.median(samples)
        print(f"  {name:16} {med * 1e6:8.2f} us/cycle  ratio {med / base:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
