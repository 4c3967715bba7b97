"""uvicorn and waitress on winsockx.create_server sockets, and the ``winsockx serve`` command.

Real servers on loopback: each answers ``urllib.request`` while a second process,
binding the way a hijacking program would, is refused the port. The command is run
as a user runs it (``python -m winsockx serve ...`` from ``tests/``, where
:mod:`tests.tests_app` is ``tests_app``). Every server thread and child process a
test starts is ended by that test, and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Callable

import pytest

import winsockx
from winsockx.cli import main
from winsockx.cli.serve import serve_main

from . import tests_app
from .conftest import BACKEND
from .hijack import assert_refused, attackers, try_bind
from .test_cli import HOLD_SECONDS, Holder, child_env, success_line

TESTS = Path(__file__).resolve().parent
# One bound for any single wait: a request, a join, a child's exit, a server's start.
TIMEOUT = 30.0
# No proxy from the environment may stand between a test and its loopback server.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

SERVERS = ["uvicorn", "waitress"]
APPS = {"uvicorn": "tests_app:app", "waitress": "tests_app:wsgi"}


def url(host: str, port: int) -> str:
    """``http://host:port/``, with an IPv6 host in brackets."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def get(port: int, host: str = "127.0.0.1") -> bytes:
    """One GET (bounded); the body of a 200 answer."""
    with _OPENER.open(url(host, port), timeout=TIMEOUT) as response:
        assert response.status == 200
        body: bytes = response.read()
    return body


def get_when_up(port: int, alive: Callable[[], bool], host: str = "127.0.0.1") -> bytes:
    """GET until the server answers, while *alive()* holds, for at most TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            return get(port, host)
        except (urllib.error.URLError, ConnectionError) as exc:
            # The socket listens from the start, so this is a server that failed to
            # start (or reset the first connection); retry only while it runs.
            if not alive() or time.monotonic() > deadline:
                pytest.fail(f"no answer from {url(host, port)}: {exc}")
            time.sleep(0.1)


class ServerThread(threading.Thread):
    """A thread that runs *target* and keeps what it raised, for the test to check."""

    def __init__(self, target: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self._target_call = target
        self.error: BaseException | None = None

    def run(self) -> None:
        """Run the target; keep an exception instead of printing it."""
        try:
            self._target_call()
        except BaseException as exc:  # a server that dies must fail the test, not warn
            self.error = exc

    def finish(self) -> None:
        """Join (bounded); fail if the thread is still running or raised."""
        self.join(TIMEOUT)
        assert not self.is_alive(), "the server thread did not end"
        assert self.error is None, f"the server thread raised {self.error!r}"


@contextlib.contextmanager
def uvicorn_serving(sock: socket.socket) -> Iterator[None]:
    """uvicorn serving tests_app.app on *sock* in a thread, until the block ends."""
    uvicorn = pytest.importorskip("uvicorn")
    server = uvicorn.Server(uvicorn.Config(tests_app.app, log_level="warning"))
    thread = ServerThread(lambda: server.run(sockets=[sock]))
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield
    finally:
        # Its main loop checks the flag every 0.1 s, then shuts down and closes sock.
        server.should_exit = True
        thread.finish()


@contextlib.contextmanager
def waitress_serving(sock: socket.socket) -> Iterator[None]:
    """waitress serving tests_app.wsgi on *sock* in a thread, until the block ends."""
    waitress = pytest.importorskip("waitress")
    server = waitress.create_server(tests_app.wsgi, sockets=[sock], threads=2)
    thread = ServerThread(server.run)
    thread.start()
    try:
        yield
    finally:
        # close() from this thread could close the sockets under the loop's select();
        # the trigger runs it in the loop's own thread instead. The loop ends once its
        # map is empty (urllib's connections are closed after each answer), within
        # one loop timeout (1 s). run() stops the worker threads only on
        # KeyboardInterrupt, so that is done here.
        server.trigger.pull_trigger(server.close)
        thread.finish()
        server.task_dispatcher.shutdown()


SERVING = {"uvicorn": uvicorn_serving, "waitress": waitress_serving}


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
@pytest.mark.parametrize("name", SERVERS)
def test_server_on_an_exclusive_socket_keeps_its_port(name: str, host: str) -> None:
    """The server answers on create_server's socket; a second process cannot take the
    port; the server still answers afterwards."""
    sock = winsockx.create_server((host, 0))
    try:
        port = sock.getsockname()[1]
        with SERVING[name](sock):
            assert get(port) == tests_app.BODY
            for attacker in attackers(host):
                assert_refused(try_bind(attacker, port))
            assert get(port) == tests_app.BODY
    finally:
        sock.close()


# -- the command, in a child process ---------------------------------------------------


def serve_command(*args: str) -> list[str]:
    """The argv of ``python -m winsockx serve ARGS`` with this interpreter."""
    return [sys.executable, "-m", "winsockx", "serve", *args]


class ServeChild:
    """``winsockx serve ...`` running in tests/, its output read by threads (bounded waits)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            serve_command(*args),
            cwd=TESTS,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        # Threads, because a pipe read cannot be given a timeout on Windows; stderr is
        # drained too, so a chatty server never blocks on a full pipe.
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self._pumps = [
            threading.Thread(target=self._pump_lines, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self._pump_text, args=(self.process.stderr,), daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    def _pump_lines(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(None)

    def _pump_text(self, stream: IO[str]) -> None:
        self._stderr.extend(stream)

    @property
    def stderr(self) -> str:
        """What the child wrote on stderr so far."""
        return "".join(self._stderr)

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.process.poll() is None

    def first_line(self) -> str:
        """The first stdout line; fails the test if none comes within TIMEOUT."""
        try:
            line = self._lines.get(timeout=TIMEOUT)
        except queue.Empty:
            pytest.fail(f"no output from winsockx serve within {TIMEOUT} s; {self.stderr}")
        assert line is not None, f"winsockx serve printed nothing; stderr: {self.stderr}"
        return line

    def stop(self, how: Callable[[subprocess.Popen[str]], None] | None = None) -> int:
        """End the child (terminate by default; kill if that takes too long); its status."""
        if self.process.poll() is None:
            (how or subprocess.Popen.terminate)(self.process)
        try:
            status = self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait(timeout=TIMEOUT)
        for pump in self._pumps:
            pump.join(TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return status


@contextlib.contextmanager
def serve_child(*args: str) -> Iterator[ServeChild]:
    """A ServeChild that is ended when the block ends, whatever happened in it."""
    child = ServeChild(*args)
    try:
        yield child
    finally:
        child.stop()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("uvicorn", ["tests_app:app"]),
        ("uvicorn", ["tests_app:make_app", "--factory", "--log-level", "warning"]),
        ("waitress", ["tests_app:wsgi"]),
        ("waitress", ["tests_app:make_wsgi", "--call", "--threads", "2"]),
    ],
)
def test_command_serves_and_keeps_its_port(name: str, args: list[str], free_port: int) -> None:
    """``winsockx serve NAME APP --port P`` announces itself, answers, and holds P
    against a second process; terminating it ends it (on POSIX, SIGTERM: exit 0)."""
    pytest.importorskip(name)
    child = ServeChild(name, *args, "--port", str(free_port))
    try:
        assert child.first_line() == (
            f"winsockx serve: {name} serving {args[0]} on http://127.0.0.1:{free_port} (exclusive)"
        )
        assert get_when_up(free_port, child.alive) == tests_app.BODY
        assert_refused(try_bind("127.0.0.1", free_port))
        assert get(free_port) == tests_app.BODY
    finally:
        status = child.stop()
    if os.name == "posix":
        # SIGTERM ends it as Ctrl+C does. (On Windows terminate() is TerminateProcess,
        # which gives a program no chance to do anything, so its status says nothing.)
        assert status == 0, child.stderr


def test_command_serves_on_ipv6_loopback(free_port: int) -> None:
    """An IPv6 literal for --host binds an AF_INET6 socket; the URL shows it in brackets."""
    pytest.importorskip("waitress")
    with serve_child("waitress", "tests_app:wsgi", "--host", "::1", "--port", str(free_port)) as c:
        assert c.first_line() == (
            f"winsockx serve: waitress serving tests_app:wsgi on http://[::1]:{free_port}"
            " (exclusive)"
        )
        assert get_when_up(free_port, c.alive, host="::1") == tests_app.BODY


@pytest.mark.skipif(
    os.name != "posix", reason="Ctrl+C reaches a Windows program as a console event, not a signal"
)
@pytest.mark.parametrize("name", SERVERS)
def test_ctrl_c_ends_the_command(name: str, free_port: int) -> None:
    """SIGINT (Ctrl+C) stops the server cleanly: exit 0."""
    pytest.importorskip(name)
    with serve_child(name, APPS[name], "--port", str(free_port)) as child:
        child.first_line()
        assert get_when_up(free_port, child.alive) == tests_app.BODY
        status = child.stop(lambda process: process.send_signal(signal.SIGINT))
        assert status == 0, child.stderr


@pytest.mark.parametrize("name", SERVERS)
def test_command_exits_2_when_another_process_holds_the_port(name: str, free_port: int) -> None:
    """A port another process holds exclusively: one line naming the typed error, exit 2.

    The holder is ``winsockx bind 2 1 6 P`` (an exclusive bind of 0.0.0.0:P) and the
    command binds 127.0.0.1:P exclusively. ws2_32: WSAEACCES (10013), which Windows
    gives for exactly this pair (Wine's conformance suite, run on Windows;
    docs/matrix.rst pair 4) and Wine 8 gives too, across processes. POSIX: the
    wildcard holds the port, WSAEADDRINUSE (10048) from EADDRINUSE.
    """
    pytest.importorskip(name)
    holder = Holder(["bind", "2", "1", "6", str(free_port), "--hold", str(HOLD_SECONDS)])
    try:
        assert holder.next_line() == success_line(free_port)
        done = subprocess.run(
            serve_command(name, APPS[name], "--port", str(free_port)),
            cwd=TESTS,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT * 2,
            env=child_env(),
            check=False,
        )
    finally:
        holder.stop()
    code = "WSAEACCES (10013)" if BACKEND.name == "ws2_32" else "WSAEADDRINUSE (10048)"
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"winsockx serve: bind(127.0.0.1:{free_port}) failed: {code}"), line


# -- the command, in-process: arguments and what is missing ----------------------------


@pytest.fixture
def own_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the --app-dir insertions serve_main makes into sys.path."""
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["gunicorn", "main:app"],
        ["uvicorn"],
        ["uvicorn", "main"],
        ["uvicorn", ":app"],
        ["uvicorn", "main:"],
        ["uvicorn", "main:app", "--port", "http"],
        ["uvicorn", "main:app", "--port", "65536"],
        ["uvicorn", "main:app", "--log-level", "loud"],
        ["uvicorn", "main:app", "--threads", "2"],
        ["waitress", "main:app", "--threads", "0"],
        ["waitress", "main:app", "--factory"],
    ],
)
def test_usage_errors_exit_1(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad arguments: the usage and the error on stderr, nothing imported or bound, exit 1."""
    assert serve_main(args) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: winsockx serve")
    assert "error: " in err


@pytest.mark.parametrize("args", [["--help"], ["uvicorn", "-h"], ["waitress", "--help"]])
def test_help_exits_0(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """--help prints the usage, what the command does and the exit codes on stdout."""
    assert serve_main(args) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("usage: winsockx serve")
    assert "create_server" in out
    assert "2  the port could not be bound" in out


def test_winsockx_command_lists_and_runs_serve(capsys: pytest.CaptureFixture[str]) -> None:
    """``winsockx --help`` lists serve; ``winsockx serve --help`` reaches it; an unknown
    command's message names it."""
    assert main(["--help"]) == 0
    assert "\n  serve " in capsys.readouterr().out
    assert main(["serve", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: winsockx serve")
    assert main(["serf"]) == 1
    assert "(commands: bind, matrix, serve, " in capsys.readouterr().err


@pytest.mark.parametrize("name", SERVERS)
def test_missing_framework_names_the_extra(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the framework: one line naming ``pip install winsockx[NAME]``, exit 1."""
    # None in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, name, None)
    assert serve_main([name, APPS[name], "--app-dir", str(TESTS)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"pip install winsockx[{name}]" in err
    assert len(err.splitlines()) == 1


@pytest.mark.usefixtures("own_sys_path")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_module_for_winsockx:app"], "cannot load no_such_module_for_winsockx:app: "),
        (["tests_app:no_such_app"], "cannot load tests_app:no_such_app: "),
        (["tests_app:BODY", "--call"], "--call: tests_app:BODY is not callable"),
        (["tests_app:wsgi", "--host", "fe80::1%1"], "--host 'fe80::1%1': "),
    ],
)
def test_app_and_host_errors_exit_1(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An app that does not load or a host that cannot be bound as given: one line, exit 1."""
    pytest.importorskip("waitress")
    assert serve_main(["waitress", *args, "--app-dir", str(TESTS)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"winsockx serve: {message}"), err
    assert len(err.splitlines()) == 1
