"""A second process that holds a port and keeps serving on it, for the diagnostics tests.

The child binds a TCP listener or a UDP socket the way another program would (the
stdlib with ``SO_REUSEADDR``/``SO_REUSEPORT`` or none, or winsockx's exclusive
``create_server``), answers every request with its upper-cased text so a test can
check that it keeps working, prints its PID and port, and exits when its stdin is
closed.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_CHILD = r"""
import json, os, socket, sys, threading
protocol, host, option = sys.argv[1:4]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
if option == "exclusive":
    import winsockx
    s = winsockx.create_server((host, 0), family=family, type=kind)
else:
    s = socket.socket(family, kind)
    if option == "reuseaddr":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    elif option == "reuseport":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((host, 0))
    if kind == socket.SOCK_STREAM:
        s.listen()

def serve():
    while True:
        try:
            if kind == socket.SOCK_DGRAM:
                data, peer = s.recvfrom(2048)
                s.sendto(data.upper(), peer)
            else:
                conn, _ = s.accept()
                with conn:
                    conn.settimeout(10)
                    conn.sendall(conn.recv(2048).upper())
        except OSError:
            return

threading.Thread(target=serve, daemon=True).start()
print(json.dumps({"pid": os.getpid(), "port": s.getsockname()[1]}), flush=True)
sys.stdin.read()
"""

TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class Held:
    """The holding process: its PID, the port, and how to reach it."""

    pid: int
    port: int
    protocol: str
    host: str

    def ping(self, text: bytes = b"ping") -> bytes:
        """Send *text* to the holder and return its answer (bounded in time)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        target = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        if self.protocol == "udp":
            with socket.socket(family, socket.SOCK_DGRAM) as c:
                c.settimeout(TIMEOUT)
                c.sendto(text, (target, self.port))
                return c.recvfrom(2048)[0]
        with socket.create_connection((target, self.port), timeout=TIMEOUT) as c:
            c.sendall(text)
            return c.recv(2048)


@contextmanager
def reporting_child(code: str, *args: str) -> Iterator[dict[str, object]]:
    """A fresh interpreter running *code*, which prints one JSON line and then holds
    what it made until its stdin closes; yields that line, decoded. The child is
    ended when the block ends, whatever happened."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        stdout = proc.stdout
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        assert line, "the second process did not report within 60 s"
        assert line[0], "the second process ended without reporting"
        info: dict[str, object] = json.loads(line[0])
        yield info
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the child's read() returns and it exits
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()


@contextmanager
def held(protocol: str, option: str, host: str = "127.0.0.1") -> Iterator[Held]:
    """A second process holding a *protocol* port on *host*, bound with *option*
    (``reuseaddr``, ``reuseport``, ``plain`` or ``exclusive``), until the block ends."""
    with reporting_child(_CHILD, protocol, host, option) as info:
        pid, port = info["pid"], info["port"]
        assert isinstance(pid, int)
        assert isinstance(port, int)
        yield Held(pid, port, protocol, host)
