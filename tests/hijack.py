"""A second process that tries to take a port, the way a hijacking program would.

It uses only the stdlib ``socket`` module, as another program on the machine would:
``SO_REUSEADDR`` (the option that lets a second socket into a port on Windows), then
``bind``. The outcome comes back as JSON from the child's stdout.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import subprocess
import sys

import winsockx

_CHILD = r"""
import json, socket, sys
host, port, reuse, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
try:
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    out = {"bound": True, "errno": None, "winerror": None, "error": None}
except OSError as e:
    out = {"bound": False, "errno": e.errno, "winerror": getattr(e, "winerror", None),
           "error": type(e).__name__}
finally:
    s.close()
print(json.dumps(out))
"""

# ws2_32: an exclusive socket answers every later bind of its port with WSAEACCES.
WINDOWS_REFUSAL = 10013


@dataclasses.dataclass(frozen=True)
class Attempt:
    """What the second process's bind did."""

    bound: bool
    errno: int | None
    winerror: int | None
    error: str | None


def try_bind(host: str, port: int, *, reuse: bool = True, udp: bool = False) -> Attempt:
    """Bind *host*:*port* from a fresh interpreter process (with SO_REUSEADDR by default)."""
    args = [sys.executable, "-c", _CHILD, host, str(port), "1" if reuse else "0"]
    args.append("udp" if udp else "tcp")
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return Attempt(**json.loads(done.stdout.strip().splitlines()[-1]))


def assert_refused(attempt: Attempt) -> None:
    """The bind failed the way this backend refuses a port held exclusively.

    ws2_32: 10013 (WSAEACCES, a PermissionError). POSIX: EADDRINUSE, because no
    socket of an exclusive server ever sets SO_REUSEADDR or SO_REUSEPORT.
    """
    assert not attempt.bound, "a second process took the port"
    if winsockx.backend_info().name == "ws2_32":
        assert attempt.winerror == WINDOWS_REFUSAL, attempt
        assert attempt.error == "PermissionError", attempt
    else:
        assert attempt.errno == errno.EADDRINUSE, attempt


def attackers(host: str) -> tuple[str, ...]:
    """The addresses a second process tries, with SO_REUSEADDR, against a server on *host*.

    The server's own address always, and from a wildcard server also 127.0.0.1 inside
    it. Against a server on 127.0.0.1, a wildcard bind is tried on POSIX only. Windows
    lets a wildcard bind sit next to an exclusive specific one (Wine's conformance
    suite, run on Windows: after an exclusive bind of 127.0.0.1, a plain bind of
    0.0.0.0 succeeds; docs/matrix.rst pair 5), and connections to 127.0.0.1 still
    reach the more specific server, so that bind takes nothing from it. Wine 8
    refuses it with 10013 while the server listens (measured); asserting that would
    assert Wine, not Windows.
    """
    if host == "0.0.0.0" or winsockx.backend_info().name == "posix":
        return ("127.0.0.1", "0.0.0.0")
    return (host,)


def assert_port_kept(host: str, port: int, *, udp: bool = False) -> None:
    """Every hijack attempt of :func:`attackers` against a server on *host* is refused."""
    for attacker in attackers(host):
        assert_refused(try_bind(attacker, port, udp=udp))
