"""The ``winsockx`` command: the SO_EXCLUSIVEADDRUSE sample's contract, run for real.

Most cases run the command in a child process (``python -m winsockx``), as a user
would; the cheap validation cases also call :func:`winsockx.cli.main` in-process.
Every bind goes to the wildcard address, as the sample's does.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

import winsockx
from winsockx import AF_INET, AF_INET6, SOCK_STREAM, Socket
from winsockx.cli import main
from winsockx.cli.sample import wtoi

REPO = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 60.0
# Long enough that the holder outlives the second process's start-up even on a
# slow Wine; the test ends the holder itself once it has what it needs.
HOLD_SECONDS = 30

USAGE = [
    "usage: winsockx bind <addressfamily> <type> <protocol> <port>",
    "    opens a socket for the specified family, type, & protocol",
    "    sets the SO_EXCLUSIVEADDRUSE socket option on the socket",
    "    then tries to bind the port specified on the command-line",
    "winsockx bind example usage",
    "   winsockx bind 0 2 17 5150",
    "   where AF_UNSPEC=0 SOCK_DGRAM=2 IPPROTO_UDP=17  PORT=5150",
    "   winsockx bind 2 1 17 5150",
    "   where AF_INET=2 SOCK_STREAM=1 IPPROTO_TCP=6  PORT=5150",
    "   See the documentation for the socket function for other values",
]
FAMILY_LINE = "Address family must be either AF_INET (2) or AF_INET6 (23)"
PORT_LINE = "Port specified must be greater than 0 and less than 65535"
EACCES_LINE = "bind failed with WSAEACCES (access denied)"
JSON_KEYS = {
    "result",
    "function",
    "code",
    "name",
    "message",
    "detail",
    "family",
    "type",
    "protocol",
    "port",
    "address",
    "exclusive",
    "warnings",
    "hold",
    "exit_code",
    "backend",
    "platform",
    "wine_version",
}


def success_line(port: int) -> str:
    """The sample's success line for *port*."""
    return f"bind on socket with SO_EXCLUSIVEADDRUSE succeeded to port: {port}"


def child_env() -> dict[str, str]:
    """The environment with this checkout first on PYTHONPATH (also under Wine)."""
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + old if old else "")
    return env


def command(*args: str) -> list[str]:
    """The argv of ``python -m winsockx ARGS`` with this interpreter."""
    return [sys.executable, "-m", "winsockx", *args]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``winsockx ARGS`` in a child process and wait for it (bounded)."""
    return subprocess.run(
        command(*args),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=child_env(),
        check=False,
    )


def lines(text: str) -> list[str]:
    """Output lines without line endings."""
    return text.splitlines()


def only_json(text: str) -> dict[str, Any]:
    """The single JSON object a ``--json`` run printed (and nothing else)."""
    out = lines(text)
    assert len(out) == 1, f"expected one line of JSON, got {out!r}"
    data = json.loads(out[0])
    assert isinstance(data, dict)
    assert set(data) == JSON_KEYS
    return data


def bindable(family: int, port: int) -> bool:
    """Whether an exclusive TCP socket can bind the wildcard at *port* right now."""
    with Socket(family, SOCK_STREAM, exclusive=True) as sock:
        try:
            sock.bind(("::" if family == AF_INET6 else "0.0.0.0", port))
        except OSError:
            return False
    return True


class Holder:
    """A ``winsockx bind ... --hold`` child whose stdout is read line by line, with timeouts."""

    def __init__(self, args: Sequence[str]) -> None:
        self.process = subprocess.Popen(
            command(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_text = ""
        assert self.process.stdout is not None
        # A thread, because a pipe read cannot be given a timeout on Windows.
        self._pump_thread = threading.Thread(
            target=self._pump, args=(self.process.stdout,), daemon=True
        )
        self._pump_thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(None)

    def next_line(self, timeout: float = RUN_TIMEOUT) -> str | None:
        """The next stdout line; None at end of output. Fails the test on timeout."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no output from the holder within {timeout} s")

    def rest(self, timeout: float = RUN_TIMEOUT) -> list[str]:
        """The remaining stdout lines, after the child has ended."""
        out: list[str] = []
        while True:
            line = self.next_line(timeout)
            if line is None:
                return out
            out.append(line)

    def stop(self) -> None:
        """End the child: terminate, then kill if it does not go within the bound."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=RUN_TIMEOUT)
        if self.process.stderr is not None and not self.process.stderr.closed:
            self.stderr_text = self.process.stderr.read()
            self.process.stderr.close()
        # The pump reaches end of file once the child is gone; only then close.
        self._pump_thread.join(timeout=RUN_TIMEOUT)
        if self.process.stdout is not None and not self._pump_thread.is_alive():
            self.process.stdout.close()


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    """Holder children started by the test; each is stopped afterwards."""
    started: list[Holder] = []
    yield started
    for holder in started:
        holder.stop()


def start_holder(holders: list[Holder], *args: str) -> Holder:
    """Start a holder child and register it for stopping."""
    holder = Holder(args)
    holders.append(holder)
    return holder


def hold_port(holders: list[Holder], family: int, port: int) -> Holder:
    """Start ``bind FAMILY 1 6 PORT --hold`` and wait until its success line is out."""
    holder = start_holder(
        holders, "bind", str(int(family)), "1", "6", str(port), "--hold", str(HOLD_SECONDS)
    )
    first = holder.next_line()
    assert first == success_line(port), f"holder said {first!r}"
    return holder


# -- _wtoi ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5150", 5150),
        ("5150abc", 5150),
        ("abc", 0),
        ("", 0),
        (" -7", -7),
        ("\t\n 42", 42),
        ("+3", 3),
        ("-", 0),
        ("+-3", 0),
        ("0x17", 0),
        ("00023", 23),
        ("1e3", 1),
        ("- 5", 0),
        ("2147483647", 2147483647),
        ("2147483648", 2147483647),
        ("99999999999", 2147483647),
        ("-2147483648", -2147483648),
        ("-99999999999", -2147483648),
        ("9" * 5000, 2147483647),
        ("-" + "9" * 5000, -2147483648),
        ("0" * 5000 + "17", 17),
    ],
)
def test_wtoi_reads_like_the_c_runtime(text: str, value: int) -> None:
    """wtoi: whitespace, one sign, leading digits only, 0 without digits, int range clamped."""
    assert wtoi(text) == value


# -- validation, in-process ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["2", "1", "6"],
        ["2", "1", "6", "5150", "7"],
    ],
)
def test_wrong_argument_count_prints_the_sample_usage(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Not four arguments: the sample's usage block verbatim, then a pointer to --help; exit 1."""
    assert main(["bind", *args]) == 1
    out = lines(capsys.readouterr().out)
    assert out[: len(USAGE)] == USAGE
    assert out[len(USAGE) :] == [
        "   Options --hold SECONDS and --json, and the exit codes: winsockx bind --help"
    ]


@pytest.mark.parametrize("family", ["0", "1", "6", "24", "-2", "abc", "AF_INET", ""])
def test_family_other_than_2_or_23_is_refused(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any family but 2 and 23 (as _wtoi reads it) gives the sample's family line, exit 1."""
    assert main(["bind", family, "1", "6", "5150"]) == 1
    assert lines(capsys.readouterr().out) == [FAMILY_LINE]


@pytest.mark.parametrize("port", ["0", "65535", "65536", "-1", "-5150", "abc", "99999999999"])
def test_port_outside_1_to_65534_is_refused(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Ports <= 0 or >= 65535 (negative ones too) give the sample's port line, exit 1."""
    assert main(["bind", "2", "1", "6", port]) == 1
    assert lines(capsys.readouterr().out) == [PORT_LINE]


def test_family_is_checked_before_port(capsys: pytest.CaptureFixture[str]) -> None:
    """Both wrong: the family line comes alone, as in the sample's order of checks."""
    assert main(["bind", "0", "2", "17", "0"]) == 1
    assert lines(capsys.readouterr().out) == [FAMILY_LINE]


@pytest.mark.parametrize(
    "hold",
    [
        ["--hold", "x"],
        ["--hold", "-1"],
        ["--hold", "nan"],
        ["--hold", "inf"],
        ["--hold="],
        ["--hold"],
    ],
)
def test_invalid_hold_is_a_usage_error(hold: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """--hold needs a finite number >= 0; otherwise a usage-style error and exit 1."""
    assert main(["bind", "2", "1", "6", "5150", *hold]) == 1
    out = lines(capsys.readouterr().out)
    assert out[0].startswith("winsockx bind: --hold needs a number of seconds >= 0, got ")
    assert out[1] == USAGE[0]


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt long option is reported, not silently read as a number."""
    assert main(["bind", "2", "1", "6", "5150", "--hodl", "5"]) == 1
    out = lines(capsys.readouterr().out)
    assert out[0] == "winsockx bind: unknown option '--hodl'"


def test_usage_error_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json: a validation error is one JSON object with result "usage" and exit 1."""
    assert main(["bind", "--json", "0", "2", "17", "5150"]) == 1
    data = only_json(capsys.readouterr().out)
    assert data["result"] == "usage"
    assert data["exit_code"] == 1
    assert data["message"] == FAMILY_LINE
    assert (data["family"], data["type"], data["protocol"], data["port"]) == (0, 2, 17, 5150)
    assert data["function"] is None
    assert data["code"] is None
    assert data["name"] is None
    assert data["backend"] == winsockx.backend_info().name


def test_argument_count_error_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json with three arguments: result "usage", the usage line, no numbers read."""
    assert main(["bind", "2", "1", "6", "--json"]) == 1
    data = only_json(capsys.readouterr().out)
    assert data["result"] == "usage"
    assert data["message"] == USAGE[0]
    assert data["family"] is None
    assert data["port"] is None


def test_bind_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """bind --help exits 0 and states the exit codes and the difference from the sample."""
    assert main(["bind", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--hold SECONDS" in out
    assert "--json" in out
    assert "2  WSAStartup, socket or bind failed" in out
    assert "The sample itself exits 0 after a failed bind" in out


COMMANDS = ("bind", "matrix", "serve", "who", "audit", "ports")


def test_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """winsockx --help names every command and exits 0."""
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"\n  {name} " in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """winsockx --version prints the package version."""
    assert main(["--version"]) == 0
    assert lines(capsys.readouterr().out) == [f"winsockx {winsockx.__version__}"]


def test_no_command_and_unknown_command_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command the help goes to stderr; an unknown command is named; both exit 1."""
    assert main([]) == 1
    assert "usage: winsockx <command>" in capsys.readouterr().err
    assert main(["frobnicate"]) == 1
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err
    assert f"(commands: {', '.join(COMMANDS)})" in err


def test_matrix_without_its_module_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """If the lab cannot be imported, `winsockx matrix` says so and exits 1."""
    # None in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "winsockx.lab.command", None)
    assert main(["matrix"]) == 1
    assert "winsockx matrix: not available" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["who", "audit", "ports"])
def test_diagnostic_commands_without_their_module_are_a_clear_error(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """If winsockx.diag.commands cannot be imported, who, audit and ports say so; exit 1."""
    monkeypatch.setitem(sys.modules, "winsockx.diag.commands", None)
    assert main([name, "80"]) == 1
    assert f"winsockx {name}: not available in this installation" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("words", "usage"),
    [
        (["who", "--help"], "usage: winsockx who PORT"),
        (["audit", "--help"], "usage: winsockx audit PORT"),
        (["ports", "excluded", "--help"], "usage: winsockx ports excluded"),
    ],
)
def test_diagnostic_commands_are_reached(
    words: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """who, audit and ports reach winsockx.diag.commands, whose help names them."""
    assert main(words) == 0
    assert capsys.readouterr().out.startswith(usage)


def test_diagnostic_commands_get_the_words_after_their_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dispatcher hands each function exactly the words after the command's name.

    A stand-in module records them: what the real functions do with the words is
    tested with the commands themselves (tests/test_diag_cli.py, tests/test_audit.py).
    """
    calls: list[tuple[str, list[str]]] = []
    stand_in = types.ModuleType("winsockx.diag.commands")
    for function in ("who_main", "audit_main", "ports_main"):

        def record(args: list[str], function: str = function) -> int:
            calls.append((function, args))
            return 7

        setattr(stand_in, function, record)
    monkeypatch.setitem(sys.modules, "winsockx.diag.commands", stand_in)
    assert main(["who", "5150", "--udp", "--json"]) == 7
    assert main(["audit", "5150"]) == 7
    assert main(["ports", "excluded", "--udp"]) == 7
    assert calls == [
        ("who_main", ["5150", "--udp", "--json"]),
        ("audit_main", ["5150"]),
        ("ports_main", ["excluded", "--udp"]),
    ]


def test_the_library_imports_neither_the_command_line_nor_the_lab() -> None:
    """``import winsockx`` (and a socket made with it) loads no module of winsockx.cli or
    winsockx.lab: the commands and the measured matrix stay out of every program's way."""
    code = (
        "import sys, winsockx\n"
        "winsockx.Socket().close()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('winsockx.cli', 'winsockx.lab'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=child_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == ["[]"]


# -- binding, in-process ---------------------------------------------------------


@pytest.mark.parametrize("family", [AF_INET, AF_INET6])
def test_in_process_bind_succeeds_and_releases_the_port(
    family: int, free_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() binds, prints the success line, exits 0, and closes its socket."""
    assert main(["bind", str(int(family)), "1", "6", str(free_port)]) == 0
    assert lines(capsys.readouterr().out) == [success_line(free_port)]
    assert bindable(family, free_port)


# -- binding, as a command ---------------------------------------------------------


def test_tcp_ipv4_succeeds(free_port: int) -> None:
    """`winsockx bind 2 1 6 P`: exactly the sample's success line, exit 0."""
    result = run_cli("bind", "2", "1", "6", str(free_port))
    assert lines(result.stdout) == [success_line(free_port)], result.stderr
    assert result.returncode == 0


def test_udp_ipv4_succeeds(free_port: int) -> None:
    """`winsockx bind 2 2 17 P` (UDP): the success line, exit 0."""
    result = run_cli("bind", "2", "2", "17", str(free_port))
    assert lines(result.stdout) == [success_line(free_port)], result.stderr
    assert result.returncode == 0


def test_tcp_ipv6_binds_the_ipv6_wildcard(free_port: int) -> None:
    """`winsockx bind 23 1 6 P` succeeds: an IPv6 address, not the sample's 10014 bug."""
    result = run_cli("bind", "23", "1", "6", str(free_port), "--json")
    data = only_json(result.stdout)
    assert data["result"] == "ok"
    assert data["message"] == success_line(free_port)
    assert data["address"] == "::"
    assert result.returncode == 0


def test_tcp_ipv6_text_output(free_port: int) -> None:
    """`winsockx bind 23 1 6 P` in text mode prints only the success line."""
    result = run_cli("bind", "23", "1", "6", str(free_port))
    assert lines(result.stdout) == [success_line(free_port)], result.stderr
    assert result.returncode == 0


def test_family_0_is_refused(free_port: int) -> None:
    """`winsockx bind 0 2 17 P`: the family line, exit 1 (the sample's own example fails too)."""
    result = run_cli("bind", "0", "2", "17", str(free_port))
    assert lines(result.stdout) == [FAMILY_LINE]
    assert result.returncode == 1


def test_port_0_is_refused() -> None:
    """`winsockx bind 2 1 6 0`: the port line, exit 1."""
    result = run_cli("bind", "2", "1", "6", "0")
    assert lines(result.stdout) == [PORT_LINE]
    assert result.returncode == 1


def test_negative_numbers_reach_wtoi() -> None:
    """`-5` is an argument, not an option: the port line, exit 1."""
    result = run_cli("bind", "2", "1", "6", "-5")
    assert lines(result.stdout) == [PORT_LINE]
    assert result.returncode == 1


def test_port_with_trailing_letters_is_read_like_wtoi(free_port: int) -> None:
    """`P` followed by letters binds port P, as _wtoi stops at the first non-digit."""
    result = run_cli("bind", "2", "1", "6", f"{free_port}abc")
    assert lines(result.stdout) == [success_line(free_port)], result.stderr
    assert result.returncode == 0


def test_wrong_argument_count_as_a_command() -> None:
    """Three arguments: the usage block, first line exactly the sample's; exit 1."""
    result = run_cli("bind", "2", "1", "6")
    out = lines(result.stdout)
    assert out[0] == "usage: winsockx bind <addressfamily> <type> <protocol> <port>"
    assert out[: len(USAGE)] == USAGE
    assert result.returncode == 1


def test_type_protocol_mismatch_gives_the_socket_code(free_port: int) -> None:
    """`2 1 17 P` (a stream over UDP): "socket failed with error: 10043", exit 2."""
    result = run_cli("bind", "2", "1", "17", str(free_port))
    out = lines(result.stdout)
    assert out[0] == "socket failed with error: 10043"
    assert "WSAEPROTONOSUPPORT (10043)" in out[1]
    assert result.returncode == 2


def test_type_protocol_mismatch_as_json(free_port: int) -> None:
    """--json for `2 1 17 P`: result error, function socket, code 10043 and its name."""
    result = run_cli("bind", "2", "1", "17", str(free_port), "--json")
    data = only_json(result.stdout)
    assert data["result"] == "error"
    assert data["function"] == "socket"
    assert data["code"] == 10043
    assert data["name"] == "WSAEPROTONOSUPPORT"
    assert data["message"] == "socket failed with error: 10043"
    assert data["exit_code"] == 2
    assert data["address"] is None
    assert result.returncode == 2


def test_success_as_json(free_port: int) -> None:
    """--json for `2 1 6 P`: every documented field, with the backend named."""
    result = run_cli("bind", "2", "1", "6", str(free_port), "--json")
    data = only_json(result.stdout)
    info = winsockx.backend_info()
    assert data == {
        "result": "ok",
        "function": "bind",
        "code": None,
        "name": None,
        "message": success_line(free_port),
        "detail": None,
        "family": 2,
        "type": 1,
        "protocol": 6,
        "port": free_port,
        "address": "0.0.0.0",
        "exclusive": True,
        "warnings": [],
        "hold": None,
        "exit_code": 0,
        "backend": info.name,
        "platform": info.platform,
        "wine_version": info.wine_version,
    }
    assert result.returncode == 0


# -- output closed early ---------------------------------------------------------------

# A pipe this small holds less than the matrix report (about 6 KB on Linux, 12 KB
# under Wine), so the command is still writing when the reader goes. Linux's pipes
# hold 64 KiB unless shrunk; Windows' (and Wine's) CreatePipe gives 4096 bytes.
PIPE_BYTES = 4096


def read_line(fd: int) -> bytes:
    """Read one line from *fd*, byte by byte, so that nothing after it is consumed."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line


@pytest.mark.parametrize("lines_read", [1, 0], ids=["after-the-first-line", "at-once"])
def test_matrix_into_a_pipe_closed_early_ends_quietly(lines_read: int) -> None:
    """`winsockx matrix | head -1`: the reader goes after the first line (or at once);
    the command stops without a traceback and exits 141.

    After the first line the command is blocked in a write when the reader goes
    (EPIPE everywhere). At once, it has not written yet: its first write finds the
    reader gone, which Windows reports as EINVAL rather than EPIPE.
    """
    read_end, write_end = os.pipe()
    if sys.platform == "linux":
        import fcntl

        # Python 3.9's fcntl lacks the name; 1031 is F_SETPIPE_SZ in linux/fcntl.h.
        fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    try:
        process = subprocess.Popen(
            command("matrix"),
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
    finally:
        os.close(write_end)
    first: list[bytes] = []
    # A thread, because a pipe read cannot be given a timeout on Windows.
    reader = threading.Thread(target=lambda: first.append(read_line(read_end)), daemon=True)
    try:
        if lines_read:
            reader.start()
            reader.join(RUN_TIMEOUT)
            assert not reader.is_alive(), f"no line from winsockx matrix within {RUN_TIMEOUT} s"
            assert first[0].decode().startswith("Conclusion: ")
    finally:
        if lines_read and not first:
            process.kill()
            reader.join(RUN_TIMEOUT)
        os.close(read_end)
        _, err = process.communicate(timeout=RUN_TIMEOUT)
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert "Error" not in err
    assert process.returncode == 141, err


# -- a port held by another process -------------------------------------------------


@pytest.mark.ws2_32
@pytest.mark.parametrize("family", [AF_INET, AF_INET6])
def test_port_held_exclusively_gives_wsaeacces(
    family: int, free_port: int, holders: list[Holder]
) -> None:
    """Winsock: a second exclusive bind of a wildcard held with SO_EXCLUSIVEADDRUSE -> 10013.

    Measured on Wine 8 for this exact pair, across processes. Windows refuses later
    binds of an exclusively held wildcard port with 10013 too (Wine's conformance
    suite, which runs on Windows, asserts it for a second bind to 127.0.0.1).
    """
    hold_port(holders, family, free_port)
    result = run_cli("bind", str(int(family)), "1", "6", str(free_port))
    out = lines(result.stdout)
    assert out[0] == EACCES_LINE
    assert "WSAEACCES (10013)" in out[1]
    assert result.returncode == 2
    data = only_json(run_cli("bind", str(int(family)), "1", "6", str(free_port), "--json").stdout)
    assert (data["result"], data["function"], data["code"], data["name"]) == (
        "error",
        "bind",
        10013,
        "WSAEACCES",
    )
    assert data["message"] == EACCES_LINE
    assert data["exit_code"] == 2


@pytest.mark.posix
@pytest.mark.parametrize("family", [AF_INET, AF_INET6])
def test_port_held_gives_addrinuse_on_posix(
    family: int, free_port: int, holders: list[Holder]
) -> None:
    """POSIX backend: libc has no exclusive-use rule, a held port is plain EADDRINUSE -> 10048.

    A different behaviour from Winsock's (above), not a looser check of it.
    """
    hold_port(holders, family, free_port)
    result = run_cli("bind", str(int(family)), "1", "6", str(free_port))
    out = lines(result.stdout)
    assert out[0] == "bind failed with error: 10048"
    assert result.returncode == 2
    data = only_json(run_cli("bind", str(int(family)), "1", "6", str(free_port), "--json").stdout)
    assert (data["result"], data["function"], data["code"], data["name"]) == (
        "error",
        "bind",
        10048,
        "WSAEADDRINUSE",
    )
    assert data["exit_code"] == 2


def test_hold_ends_by_itself_and_releases_the_port(free_port: int, holders: list[Holder]) -> None:
    """--hold S: the success line, a holding note, exit 0 after S seconds, port free again."""
    holder = start_holder(holders, "bind", "2", "1", "6", str(free_port), "--hold", "0.5")
    assert holder.next_line() == success_line(free_port)
    assert holder.rest() == ["holding the socket for 0.5 seconds"]
    assert holder.process.wait(timeout=RUN_TIMEOUT) == 0
    assert bindable(AF_INET, free_port)


def test_hold_with_json_prints_one_object_before_holding(
    free_port: int, holders: list[Holder]
) -> None:
    """--json --hold: the one JSON object comes out while the port is held, then nothing else."""
    holder = start_holder(
        holders, "bind", "--json", "2", "1", "6", str(free_port), "--hold", str(HOLD_SECONDS)
    )
    first = holder.next_line()
    assert first is not None
    data = json.loads(first)
    assert data["result"] == "ok"
    assert data["hold"] == HOLD_SECONDS
    # Still held: a second bind of the port fails while the holder runs.
    assert not bindable(AF_INET, free_port)
    holder.stop()
    assert holder.rest() == []
