"""``winsockx bind``: the SO_EXCLUSIVEADDRUSE sample program, made runnable.

``winsockx bind FAMILY TYPE PROTOCOL PORT`` is the C sample of Microsoft's
"SO_EXCLUSIVEADDRUSE socket option" page, made runnable: the same arguments, the
same checks in the same order, the same output lines. It differs from the sample
in three documented ways: exit status 2 when Winsock refuses a call (the sample
exits 0 after a failed bind), AF_INET6 binds ``::`` with an IPv6 address (the
sample passes an IPv4 structure and fails with WSAEFAULT), and the extra options
``--hold`` and ``--json``.

>>> bind_main(["2", "1", "6", "0"])
Port specified must be greater than 0 and less than 65535
1
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from typing import IO, Any, Callable

from .. import raw
from ..constants import SOL_SOCKET, AddressFamily, SocketOption
from ..errors import WinsockError, WSAError
from ._status import EXIT_FAILED, EXIT_OK, EXIT_USAGE

__all__ = ["PROGRAM", "bind_main", "wtoi"]

PROGRAM = "winsockx bind"
"""The program name the sample's ``%ws argv[0]`` lines show."""

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
# What iswspace() accepts in the C locale, which is what _wtoi skips.
_C_SPACE = " \t\n\v\f\r"
_WSAEACCES = int(WSAError.WSAEACCES)

# The sample's wprintf lines, with %ws argv[0] filled in.
_USAGE_LINES = (
    f"usage: {PROGRAM} <addressfamily> <type> <protocol> <port>",
    "    opens a socket for the specified family, type, & protocol",
    "    sets the SO_EXCLUSIVEADDRUSE socket option on the socket",
    "    then tries to bind the port specified on the command-line",
    f"{PROGRAM} example usage",
    f"   {PROGRAM} 0 2 17 5150",
    "   where AF_UNSPEC=0 SOCK_DGRAM=2 IPPROTO_UDP=17  PORT=5150",
    f"   {PROGRAM} 2 1 17 5150",
    "   where AF_INET=2 SOCK_STREAM=1 IPPROTO_TCP=6  PORT=5150",
    "   See the documentation for the socket function for other values",
)
_USAGE_MORE = f"   Options --hold SECONDS and --json, and the exit codes: {PROGRAM} --help"
_FAMILY_MESSAGE = "Address family must be either AF_INET (2) or AF_INET6 (23)"
_PORT_MESSAGE = "Port specified must be greater than 0 and less than 65535"
_SUCCESS_FORMAT = "bind on socket with SO_EXCLUSIVEADDRUSE succeeded to port: {port}"
_EACCES_MESSAGE = "bind failed with WSAEACCES (access denied)"
_FAILURE_FORMATS = {
    "WSAStartup": "WSAStartup failed with error: {code}",
    "socket": "socket failed with error: {code}",
    "setsockopt": "setsockopt for SO_EXCLUSIVEADDRUSE failed with error: {code}",
    "bind": "bind failed with error: {code}",
}

_BIND_HELP = f"""\
usage: {PROGRAM} <addressfamily> <type> <protocol> <port> [--hold SECONDS] [--json]

Runs the SO_EXCLUSIVEADDRUSE sample of the Winsock documentation: WSAStartup,
socket(family, type, protocol), setsockopt(SO_EXCLUSIVEADDRUSE, 1), then bind to
the wildcard address (0.0.0.0 for AF_INET, :: for AF_INET6) and the port.

arguments (read as the sample's _wtoi reads them: leading digits, else 0):
  addressfamily   2 (AF_INET) or 23 (AF_INET6)
  type            e.g. 1 (SOCK_STREAM), 2 (SOCK_DGRAM); passed on unchecked
  protocol        e.g. 6 (IPPROTO_TCP), 17 (IPPROTO_UDP); passed on unchecked
  port            1 to 65534

options:
  --hold SECONDS  after a successful bind, keep the socket bound this long
                  (so another process can be tried against the port)
  --json          print one JSON object instead of the text lines
  -h, --help      show this help and exit

exit status:
  0  the bind succeeded
  1  usage or validation error (argument count, family, port, options)
  2  WSAStartup, socket or bind failed
The sample itself exits 0 after a failed bind and 1 for usage, WSAStartup and
socket errors; winsockx exits 2 for every call Winsock refuses, so scripts can
tell a refused bind from a successful one."""


def wtoi(text: str) -> int:
    """Read an integer the way the C runtime's ``_wtoi`` does.

    Leading whitespace is skipped, then an optional sign and the decimal digits
    up to the first other character are read. Without digits the result is 0;
    values beyond the C ``int`` range are clamped to it.

    >>> wtoi("5150abc"), wtoi("abc"), wtoi(" -7"), wtoi("+3"), wtoi("99999999999")
    (5150, 0, -7, 3, 2147483647)
    """
    i, end = 0, len(text)
    while i < end and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < end and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    start = i
    while i < end and "0" <= text[i] <= "9":
        i += 1
    digits = text[start:i].lstrip("0")
    if len(digits) > 10:
        # Clamp before int(): Python refuses to convert very long digit strings.
        return _INT_MIN if negative else _INT_MAX
    value = int(digits or "0")
    value = -value if negative else value
    return max(_INT_MIN, min(_INT_MAX, value))


def _code_name(code: int | None) -> str | None:
    if code is None:
        return None
    try:
        return WSAError(code).name
    except ValueError:
        return None


def _error_code(exc: WinsockError) -> int:
    """The number the sample would print: the WSA code, else (POSIX only) the errno."""
    winerror: int | None = exc.winerror
    if winerror is not None:
        return winerror
    return exc.errno if exc.errno is not None else 0


class _Reporter:
    """Writes the run's outcome: the sample's lines, or one JSON object."""

    def __init__(self, out: IO[str], as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.fields: dict[str, Any] = {
            "result": None,
            "function": None,
            "code": None,
            "name": None,
            "message": None,
            "detail": None,
            "family": None,
            "type": None,
            "protocol": None,
            "port": None,
            "address": None,
            "exclusive": None,
            "warnings": [],
            "hold": None,
            "exit_code": None,
        }

    def _line(self, text: str) -> None:
        if not self.as_json:
            print(text, file=self.out, flush=True)

    def _finish(self, result: str, exit_code: int) -> int:
        self.fields["result"] = result
        self.fields["exit_code"] = exit_code
        if self.as_json:
            from ..info import backend_info

            info = backend_info()
            self.fields["backend"] = info.name
            self.fields["platform"] = info.platform
            self.fields["wine_version"] = info.wine_version
            print(json.dumps(self.fields), file=self.out, flush=True)
        return exit_code

    def usage(self, message: str, extra: Sequence[str] = ()) -> int:
        self._line(message)
        for text in extra:
            self._line(text)
        self.fields["message"] = message
        return self._finish("usage", EXIT_USAGE)

    def warning(self, function: str, exc: WinsockError) -> None:
        """A failed call the sample reports and then carries on after."""
        code = _error_code(exc)
        message = _FAILURE_FORMATS[function].format(code=code)
        self._line(message)
        self.fields["warnings"].append(
            {
                "function": function,
                "code": code,
                "name": _code_name(code),
                "message": message,
                "detail": str(exc),
            }
        )

    def failure(self, function: str, exc: WinsockError) -> int:
        code = _error_code(exc)
        if function == "bind" and code == _WSAEACCES:
            message = _EACCES_MESSAGE
        else:
            message = _FAILURE_FORMATS[function].format(code=code)
        self._line(message)
        # The library's explanation (name, meaning, likely cause) on a later line.
        self._line(f"    {exc}")
        self.fields.update(
            function=function, code=code, name=_code_name(code), message=message, detail=str(exc)
        )
        return self._finish("error", EXIT_FAILED)

    def success(self, port: int, hold: float | None) -> int:
        message = _SUCCESS_FORMAT.format(port=port)
        self._line(message)
        if hold:
            self._line(f"holding the socket for {hold:g} seconds")
        self.fields.update(function="bind", message=message)
        return self._finish("ok", EXIT_OK)


def _parse_hold(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _split_bind_args(
    args: Sequence[str],
) -> tuple[list[str], bool, float | None, bool, str | None]:
    """Positionals, --json, --hold, --help, and an option error (or None).

    Done by hand rather than with argparse so that "-5" stays a positional, as
    every argument is for the sample (which then reads it with _wtoi).
    """
    positionals: list[str] = []
    as_json = False
    hold: float | None = None
    want_help = False
    error: str | None = None
    items = iter(args)
    for arg in items:
        if arg == "--":
            positionals.extend(items)
            break
        if arg in ("-h", "--help"):
            want_help = True
        elif arg == "--json":
            as_json = True
        elif arg == "--hold" or arg.startswith("--hold="):
            text = arg.partition("=")[2] if "=" in arg else next(items, None)
            value = None if text is None else _parse_hold(text)
            if value is None and error is None:
                got = "nothing" if text is None else repr(text)
                error = f"{PROGRAM}: --hold needs a number of seconds >= 0, got {got}"
            hold = value
        elif arg.startswith("--") and error is None:
            error = f"{PROGRAM}: unknown option {arg!r}"
        else:
            positionals.append(arg)
    return positionals, as_json, hold, want_help, error


def _quietly(call: Callable[[], None], err: IO[str]) -> None:
    """Run a cleanup call; a failure there is reported but changes nothing else."""
    try:
        call()
    except WinsockError as exc:
        print(f"{PROGRAM}: cleanup: {exc}", file=err, flush=True)


def _hold_for(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.5))
    except KeyboardInterrupt:
        # Ctrl+C ends the hold early; the socket is still closed properly.
        return


def _bind_sequence(
    report: _Reporter,
    family: int,
    type_: int,
    protocol: int,
    port: int,
    hold: float | None,
    err: IO[str],
) -> int:
    """WSAStartup, socket, SO_EXCLUSIVEADDRUSE, bind, (hold), closesocket, WSACleanup."""
    try:
        raw.WSAStartup((2, 2))
    except WinsockError as exc:
        return report.failure("WSAStartup", exc)
    try:
        try:
            # type and protocol go through unchecked, as in the sample, so a
            # mismatch shows Winsock's own code (e.g. WSAEPROTONOSUPPORT, 10043).
            handle = raw.socket(family, type_, protocol)
        except WinsockError as exc:
            return report.failure("socket", exc)
        try:
            option = SocketOption.EXCLUSIVEADDRUSE
            try:
                raw.setsockopt(handle, SOL_SOCKET, option.optname, 1)
                report.fields["exclusive"] = True
            except WinsockError as exc:
                # The sample reports this and binds anyway.
                report.fields["exclusive"] = False
                report.warning("setsockopt", exc)
            # The sample passes a sockaddr_in even for AF_INET6 and so fails with
            # WSAEFAULT (10014); here AF_INET6 gets a real IPv6 wildcard address.
            host = "::" if family == AddressFamily.AF_INET6 else "0.0.0.0"
            report.fields["address"] = host
            try:
                raw.bind(handle, (host, port))
            except WinsockError as exc:
                return report.failure("bind", exc)
            status = report.success(port, hold)
            if hold:
                _hold_for(hold)
            return status
        finally:
            _quietly(lambda: raw.closesocket(handle), err)
    finally:
        _quietly(raw.WSACleanup, err)


def bind_main(args: Sequence[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Run ``winsockx bind`` with *args* (the words after ``bind``); return the exit status.

    >>> bind_main(["0", "2", "17", "5150"])
    Address family must be either AF_INET (2) or AF_INET6 (23)
    1
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    positionals, as_json, hold, want_help, error = _split_bind_args(args)
    if want_help:
        print(_BIND_HELP, file=out)
        return EXIT_OK
    report = _Reporter(out, as_json)
    report.fields["hold"] = hold
    if error is not None:
        return report.usage(error, (_USAGE_LINES[0], _USAGE_MORE))
    if len(positionals) != 4:
        return report.usage(_USAGE_LINES[0], (*_USAGE_LINES[1:], _USAGE_MORE))
    family, type_, protocol, port = (wtoi(a) for a in positionals)
    report.fields.update(family=family, type=type_, protocol=protocol, port=port)
    if family not in (AddressFamily.AF_INET, AddressFamily.AF_INET6):
        return report.usage(_FAMILY_MESSAGE)
    if port <= 0 or port >= 65535:
        return report.usage(_PORT_MESSAGE)
    return _bind_sequence(report, family, type_, protocol, port, hold, err)
