"""``winsockx serve``: run uvicorn or waitress on a port no other program can take.

``winsockx serve uvicorn MODULE:APP`` and ``winsockx serve waitress MODULE:APP``
bind the port themselves with :func:`winsockx.create_server` (``SO_EXCLUSIVEADDRUSE``
before ``bind`` on Windows; never ``SO_REUSEADDR`` or ``SO_REUSEPORT`` on POSIX) and
hand the listening socket to the server, which serves on it as on one of its own.
The frameworks are optional: ``pip install winsockx[uvicorn]`` or
``winsockx[waitress]``.

Exit status: 0 after Ctrl+C or SIGTERM, 1 for a usage error (including an app that
does not import, or a framework that is not installed), 2 when the port cannot be
bound (the line on standard error names the exact WSA code).

>>> serve_main(["uvicorn", "main"], err=sys.stdout)
usage: winsockx serve uvicorn ...
winsockx serve uvicorn: error: APP must be MODULE:ATTRIBUTE, e.g. main:app (got 'main')
1
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType, ModuleType
from typing import IO, NoReturn, Protocol

from ..bridge import _family_for_host, create_server
from ..errors import WinsockError
from ._status import EXIT_FAILED, EXIT_OK, EXIT_USAGE

__all__ = ["serve_main"]

PROGRAM = "winsockx serve"
_SERVERS = ("uvicorn", "waitress")
# uvicorn's own --log-level choices (uvicorn.config.LOG_LEVELS), so the command
# refuses a typo before importing anything.
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

_DESCRIPTION = """\
Bind HOST:PORT exclusively with winsockx.create_server (SO_EXCLUSIVEADDRUSE on
Windows; no SO_REUSEADDR/SO_REUSEPORT on POSIX), then serve MODULE:APP on that
socket with uvicorn (ASGI) or waitress (WSGI). Another program cannot bind the
port while it serves."""

_EPILOG = """\
exit status:
  0  stopped by Ctrl+C or SIGTERM
  1  usage error, the app does not import, or the framework is not installed
  2  the port could not be bound (the error names the WSA code)"""


class _UvicornServer(Protocol):
    """The part of ``uvicorn.Server`` used here (uvicorn is optional, so typed here)."""

    def run(self, sockets: list[socket.socket] | None = None) -> None: ...


class _WaitressServer(Protocol):
    """The part of what ``waitress.create_server`` returns that is used here."""

    def run(self) -> None: ...

    def close(self) -> None: ...


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error exits 1, as every winsockx command does."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and *message* on standard error, then exit 1."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 to 65535, got {value}")
    return value


def _build_parser() -> tuple[_Parser, dict[str, _Parser]]:
    parser = _Parser(
        prog=PROGRAM,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="server", metavar="SERVER", required=True)
    subparsers: dict[str, _Parser] = {}
    for name, kind in zip(_SERVERS, ("an ASGI", "a WSGI")):
        sub = commands.add_parser(
            name,
            help=f"serve {kind} app with {name}",
            description=_DESCRIPTION,
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        assert isinstance(sub, _Parser)
        sub.add_argument("app", metavar="APP", help=f"{kind} app, as MODULE:ATTRIBUTE")
        sub.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        sub.add_argument(
            "--port", type=_port, default=8000, help="port (8000); 0 lets the system pick"
        )
        sub.add_argument(
            "--app-dir",
            default=".",
            metavar="DIR",
            help="put DIR first on sys.path before importing APP (the current directory)",
        )
        subparsers[name] = sub
    subparsers["uvicorn"].add_argument(
        "--factory", action="store_true", help="APP is a function that returns the app"
    )
    subparsers["uvicorn"].add_argument(
        "--log-level",
        choices=_LOG_LEVELS,
        default=None,
        metavar="LEVEL",
        help=f"uvicorn's log level: {', '.join(_LOG_LEVELS)} (info)",
    )
    subparsers["waitress"].add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="worker threads (waitress's default, 4)",
    )
    subparsers["waitress"].add_argument(
        "--call", action="store_true", help="APP is a function that returns the app"
    )
    return parser, subparsers


def _load_app(target: str, app_dir: str) -> object:
    """Import MODULE and look up ATTRIBUTE (dotted), as uvicorn's CLI does with --app-dir."""
    module_name, _, attribute = target.partition(":")
    if sys.path[:1] != [app_dir]:
        sys.path.insert(0, app_dir)
    value: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Ctrl+C's way out: both servers stop cleanly on KeyboardInterrupt (uvicorn puts
    # this handler back, after its graceful shutdown, and raises the signal again).
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM ends the server as Ctrl+C does; signal handlers exist in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve(
    options: argparse.Namespace, framework: ModuleType, app: object, sock: socket.socket
) -> None:
    """Run the server on *sock* until it stops; KeyboardInterrupt ends it."""
    if options.server == "uvicorn":
        # With --factory, uvicorn calls APP itself (and reports a factory that fails).
        config = framework.Config(app, factory=options.factory, log_level=options.log_level)
        server: _UvicornServer = framework.Server(config)
        server.run(sockets=[sock])
        return
    # waitress reports through logging; waitress.serve sets that up the same way.
    logging.basicConfig()
    extra = {} if options.threads is None else {"threads": options.threads}
    wsgi: _WaitressServer = framework.create_server(app, sockets=[sock], **extra)
    try:
        # run() returns after KeyboardInterrupt, once it has stopped its worker threads.
        wsgi.run()
    finally:
        wsgi.close()


def serve_main(args: Sequence[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Run ``winsockx serve`` with *args* (the words after ``serve``); return the exit status.

    Parses the arguments, imports the framework and the app, binds the port
    exclusively, prints the ``serving ... (exclusive)`` line on *out* and serves
    until Ctrl+C or SIGTERM (0). A usage error, an app that does not import or a
    missing framework give 1; a port that cannot be bound gives 2, with the typed
    error (e.g. ``WSAEACCES (10013)``) on *err*.

    >>> serve_main(["waitress", "main:app", "--threads", "0"], err=sys.stdout)
    usage: winsockx serve waitress ...
    winsockx serve waitress: error: argument --threads: must be 1 or more, got 0
    1
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser, subparsers = _build_parser()
    try:
        # Redirected so that --help and usage errors go where the caller asked.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            options = parser.parse_args(list(args))
            module_name, colon, attribute = options.app.partition(":")
            if not (module_name and colon and attribute):
                subparsers[options.server].error(
                    f"APP must be MODULE:ATTRIBUTE, e.g. main:app (got {options.app!r})"
                )
    except SystemExit as stop:  # --help, or a usage error
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    name: str = options.server
    try:
        framework = importlib.import_module(name)
    except ImportError as exc:
        print(f"{PROGRAM}: {name} is not available ({exc}): pip install winsockx[{name}]", file=err)
        return EXIT_USAGE
    try:
        app = _load_app(options.app, options.app_dir)
    except (ImportError, AttributeError) as exc:
        print(f"{PROGRAM}: cannot load {options.app}: {exc}", file=err)
        return EXIT_USAGE
    if name == "waitress" and options.call:
        if not callable(app):
            print(f"{PROGRAM}: --call: {options.app} is not callable", file=err)
            return EXIT_USAGE
        app = app()
    family = _family_for_host(options.host)
    try:
        sock = create_server((options.host, options.port), family=family)
    except WinsockError as exc:
        print(f"{PROGRAM}: {exc}", file=err, flush=True)
        return EXIT_FAILED
    except (TypeError, ValueError) as exc:
        print(f"{PROGRAM}: --host {options.host!r}: {exc}", file=err, flush=True)
        return EXIT_USAGE
    try:
        line = f"{PROGRAM}: {name} serving {options.app} on {_url(sock)} (exclusive)"
        print(line, file=out, flush=True)
        with _sigterm_as_ctrl_c():
            _serve(options, framework, app, sock)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return EXIT_OK
