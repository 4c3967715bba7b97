"""The ``winsockx`` command: reads the command's name and hands the rest to its module.

``winsockx bind`` is :mod:`winsockx.cli.sample` (the SO_EXCLUSIVEADDRUSE sample
program), ``winsockx serve`` is :mod:`winsockx.cli.serve`, and ``winsockx matrix`` is
the lab's (:mod:`winsockx.lab.command`). Each module is imported only when its
command runs, and the library itself (``import winsockx``) imports none of them.

>>> main(["bind", "2", "1", "6", "0"])
Port specified must be greater than 0 and less than 65535
1
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Callable

from ._status import EXIT_OK, EXIT_USAGE

__all__ = ["main"]

_TOP_HELP = """\
usage: winsockx <command> [arguments]

Typed access to Winsock (ws2_32.dll), and the same API over libc elsewhere.

commands:
  bind      run the SO_EXCLUSIVEADDRUSE sample: winsockx bind FAMILY TYPE PROTOCOL PORT
  matrix    measure bind outcomes for pairs of sockets (winsockx matrix --help)
  serve     run uvicorn or waitress on a port bound exclusively (winsockx serve --help)

options:
  -h, --help   show this help and exit
  --version    show the winsockx version and exit

exit status of bind: 0 success, 1 usage or validation error, 2 WSAStartup,
socket or bind failed (the sample exits 0 after a failed bind)."""


def _matrix_main(args: Sequence[str]) -> int:
    """Hand ``winsockx matrix ...`` to the lab's ``cli_main``, imported only now."""
    # Imported by name so that bind keeps working (and type-checks) without the lab.
    try:
        module = importlib.import_module("winsockx.lab.command")
        cli_main: Callable[[list[str]], int] = module.cli_main
    except (ImportError, AttributeError) as exc:
        print(f"winsockx matrix: not available in this installation ({exc})", file=sys.stderr)
        return EXIT_USAGE
    return cli_main(list(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``winsockx`` command; returns the exit status.

    *argv* is the words after the program name (``sys.argv[1:]`` by default).

    >>> main(["bind", "abc", "1", "6", "5150"])
    Address family must be either AF_INET (2) or AF_INET6 (23)
    1
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(_TOP_HELP, file=sys.stderr)
        return EXIT_USAGE
    command, rest = args[0], args[1:]
    if command in ("-h", "--help"):
        print(_TOP_HELP)
        return EXIT_OK
    if command == "--version":
        from .. import __version__

        print(f"winsockx {__version__}")
        return EXIT_OK
    if command == "bind":
        # Imported on use, as every command is: bind's start-up pays for no other.
        from .sample import bind_main

        return bind_main(rest)
    if command == "matrix":
        return _matrix_main(rest)
    if command == "serve":
        from .serve import serve_main

        return serve_main(rest)
    print(f"winsockx: unknown command {command!r} (commands: bind, matrix, serve)", file=sys.stderr)
    print("usage: winsockx <command> [arguments]; winsockx --help lists them", file=sys.stderr)
    return EXIT_USAGE
