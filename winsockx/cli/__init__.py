"""The ``winsockx`` command: reads the command's name and hands the rest to its module.

``winsockx bind`` is :mod:`winsockx.cli.sample` (the SO_EXCLUSIVEADDRUSE sample
program), ``winsockx serve`` is :mod:`winsockx.cli.serve`, ``winsockx matrix`` is the
lab's (:mod:`winsockx.lab.command`), and ``winsockx who``, ``audit`` and ``ports``
are the diagnostics' (``winsockx.diag.commands``). Each module is imported only when
its command runs, and the library itself (``import winsockx``) imports none of them.

When standard output is closed before a command is done (``winsockx matrix | head``),
the command stops without a traceback and exits 141.

>>> main(["bind", "2", "1", "6", "0"])
Port specified must be greater than 0 and less than 65535
1
"""

from __future__ import annotations

import errno
import importlib
import os
import stat
import sys
from collections.abc import Sequence
from typing import Callable

from ..errors import WinsockError
from ._status import EXIT_OK, EXIT_OUTPUT_CLOSED, EXIT_USAGE

__all__ = ["main"]

_TOP_HELP = """\
usage: winsockx <command> [arguments]

Typed access to Winsock (ws2_32.dll), and the same API over libc elsewhere.

commands:
  bind      run the SO_EXCLUSIVEADDRUSE sample: winsockx bind FAMILY TYPE PROTOCOL PORT
  matrix    measure bind outcomes for pairs of sockets (winsockx matrix --help)
  serve     run uvicorn or waitress on a port bound exclusively (winsockx serve --help)
  who       list the sockets that hold a port: winsockx who PORT [--udp] [--json]
  audit     could another program take the port? winsockx audit PORT [--udp] [--json]
  ports     port ranges binds are refused in: winsockx ports excluded [--udp] [--json]

options:
  -h, --help   show this help and exit
  --version    show the winsockx version and exit

exit status of bind: 0 success, 1 usage or validation error, 2 WSAStartup,
socket or bind failed (the sample exits 0 after a failed bind).
Every command exits 141, quietly, when its standard output is closed early."""


# The commands whose modules live outside this package: (module, function taking the
# words after the command's name). Imported by name, and only when run, so that the
# other commands keep working (and type-checking) in an installation without them.
_ELSEWHERE = {
    "matrix": ("winsockx.lab.command", "cli_main"),
    "who": ("winsockx.diag.commands", "who_main"),
    "audit": ("winsockx.diag.commands", "audit_main"),
    "ports": ("winsockx.diag.commands", "ports_main"),
}
_COMMANDS = ("bind", "matrix", "serve", "who", "audit", "ports")


def _run_elsewhere(command: str, args: list[str]) -> int:
    """Hand ``winsockx COMMAND ...`` to its module's function, imported only now."""
    module_name, function = _ELSEWHERE[command]
    try:
        module = importlib.import_module(module_name)
        run: Callable[[list[str]], int] = getattr(module, function)
    except (ImportError, AttributeError) as exc:
        print(f"winsockx {command}: not available in this installation ({exc})", file=sys.stderr)
        return EXIT_USAGE
    return run(args)


def _stdout_is_pipe() -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False  # not a file descriptor at all (a caller's StringIO)


def _output_closed(exc: OSError) -> bool:
    """Whether *exc* says that standard output's reader has gone."""
    if isinstance(exc, WinsockError):
        return False  # a socket's own error (WSAESHUTDOWN is a BrokenPipeError): never hidden
    if isinstance(exc, BrokenPipeError):
        return True
    # Windows' C runtime reports a write to a pipe whose reader has gone as EINVAL,
    # not EPIPE (measured with CPython 3.13 under Wine 8).
    return sys.platform == "win32" and exc.errno == errno.EINVAL and _stdout_is_pipe()


def _silence_stdout() -> None:
    """Point standard output at the null device.

    What is still buffered is flushed again when the interpreter exits; into the
    closed pipe that would fail once more, with an "Exception ignored" message.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file descriptor: nothing reaches the pipe at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``winsockx`` command; returns the exit status.

    *argv* is the words after the program name (``sys.argv[1:]`` by default).
    When standard output turns out to be closed (``winsockx matrix | head``), the
    command stops, standard output is pointed at the null device, and the status
    is 141.

    >>> main(["bind", "abc", "1", "6", "5150"])
    Address family must be either AF_INET (2) or AF_INET6 (23)
    1
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = _dispatch(args)
        # Flushed here, so that a reader that has gone is noticed here, not at exit.
        sys.stdout.flush()
    except OSError as exc:
        if not _output_closed(exc):
            raise
        _silence_stdout()
        return EXIT_OUTPUT_CLOSED
    return status


def _dispatch(args: list[str]) -> int:
    """Run the command *args* names; its exit status."""
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
    if command == "serve":
        from .serve import serve_main

        return serve_main(rest)
    if command in _ELSEWHERE:
        return _run_elsewhere(command, rest)
    listed = ", ".join(_COMMANDS)
    print(f"winsockx: unknown command {command!r} (commands: {listed})", file=sys.stderr)
    print("usage: winsockx <command> [arguments]; winsockx --help lists them", file=sys.stderr)
    return EXIT_USAGE
