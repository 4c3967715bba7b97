"""Markers, fixtures and the report header shared by the winsockx tests.

Markers (registered here so ``--strict-markers`` accepts them):

``ws2_32``
    Asserts real Winsock behaviour; skipped on the POSIX backend.
``posix``
    Asserts the POSIX backend's own behaviour; skipped on ws2_32.
``wine_gap(reason)``
    Windows behaviour that Wine 8 is known not to match: a strict xfail under
    Wine, an ordinary test everywhere else (it must pass on real Windows).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import winsockx
from winsockx import AF_INET, AF_INET6, SOCK_STREAM, Socket
from winsockx.errors import WinsockError

if TYPE_CHECKING:
    import socket

BACKEND = winsockx.backend_info()
UNDER_WINE = BACKEND.wine_version is not None

# A hung socket call must fail its test, not stall a CI job for hours.
DEFAULT_TIMEOUT = 60
_HAVE_TIMEOUT = importlib.util.find_spec("pytest_timeout") is not None

# The wine_gap reason of every test that expects a socket's owning process by PID.
PID_GAP = "Wine 8's socket tables report PID 0 as every socket's owner"
SKIP_WS2_32 = "asserts Winsock behaviour; the POSIX backend cannot show it"
SKIP_POSIX = "asserts the POSIX backend's emulation; ws2_32 is the real thing"


def pytest_configure(config: pytest.Config) -> None:
    """Register the project's markers."""
    config.addinivalue_line(
        "markers", "ws2_32: asserts real Winsock behaviour; runs only on the ws2_32 backend"
    )
    config.addinivalue_line(
        "markers", "posix: asserts the POSIX backend's behaviour; runs only on the posix backend"
    )
    config.addinivalue_line(
        "markers",
        "wine_gap(reason): Windows behaviour Wine 8 does not match; strict xfail under Wine",
    )


def pytest_report_header(config: pytest.Config) -> str:
    """Name the backend in the session header so a Wine run never passes for Windows."""
    return f"winsockx backend: {BACKEND.label}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Turn the backend markers into skips/xfails and give every test a time bound."""
    for item in items:
        if item.get_closest_marker("ws2_32") is not None and BACKEND.name != "ws2_32":
            item.add_marker(pytest.mark.skip(reason=SKIP_WS2_32))
        if item.get_closest_marker("posix") is not None and BACKEND.name != "posix":
            item.add_marker(pytest.mark.skip(reason=SKIP_POSIX))
        gap = item.get_closest_marker("wine_gap")
        if gap is not None and UNDER_WINE:
            reason = gap.args[0] if gap.args else gap.kwargs.get("reason", "known Wine 8 gap")
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"Wine 8 gap: {reason}"))
        if _HAVE_TIMEOUT and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))


@pytest.fixture(scope="session")
def backend_name() -> str:
    """``"ws2_32"`` or ``"posix"``."""
    return BACKEND.name


@pytest.fixture(scope="session")
def under_wine() -> bool:
    """True when ws2_32 is Wine's implementation."""
    return UNDER_WINE


@pytest.fixture
def free_port() -> int:
    """A TCP port that was free on both ``0.0.0.0`` and ``::`` a moment ago."""
    for _ in range(50):
        with Socket(AF_INET, SOCK_STREAM) as v4:
            v4.bind(("0.0.0.0", 0))
            port = v4.getsockname().port
            with Socket(AF_INET6, SOCK_STREAM) as v6:
                try:
                    v6.bind(("::", port))
                except WinsockError:
                    # The stack chose a port some IPv6 socket holds: try another.
                    continue
                return port
    raise RuntimeError("no TCP port free on both 0.0.0.0 and :: after 50 tries")


class Sockets:
    """The sockets one test makes; whatever is still open is closed after the test."""

    def __init__(self) -> None:
        self._made: list[Socket] = []

    def new(
        self,
        family: int = AF_INET,
        type: int = SOCK_STREAM,
        proto: int = 0,
        *,
        exclusive: bool = False,
    ) -> Socket:
        """A new :class:`winsockx.Socket`, closed at teardown if the test did not."""
        return self.track(Socket(family, type, proto, exclusive=exclusive))

    def track(self, sock: Socket) -> Socket:
        """Close *sock* at teardown too (e.g. one returned by ``accept``)."""
        self._made.append(sock)
        return sock

    def listener(self, family: int = AF_INET) -> Socket:
        """A TCP socket listening on the loopback address of *family*, on a port the stack chose."""
        sock = self.new(family, SOCK_STREAM)
        sock.bind((loopback(family), 0))
        sock.listen(8)
        return sock

    def pair(self, family: int = AF_INET) -> tuple[Socket, Socket]:
        """Connected TCP sockets ``(client, server_side)`` over loopback."""
        listener = self.listener(family)
        listener.settimeout(10)
        client = self.new(family, SOCK_STREAM)
        client.connect(listener.getsockname())
        server, _ = listener.accept()
        listener.close()
        return client, self.track(server)

    def close_all(self) -> None:
        """Close what is open without waiting for peers."""
        for sock in self._made:
            if not sock.closed:
                sock.close(drain_timeout=0)


def read_to_end(sock: socket.socket) -> bytes:
    """Everything a stdlib socket receives until the peer's end of stream (the caller
    bounds the wait with the socket's timeout)."""
    received = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return received
        received += chunk


def loopback(family: int) -> str:
    """``::1`` for AF_INET6, else ``127.0.0.1``."""
    return "::1" if family == AF_INET6 else "127.0.0.1"


@pytest.fixture
def sockets() -> Iterator[Sockets]:
    """A :class:`Sockets` registry for the test."""
    registry = Sockets()
    yield registry
    registry.close_all()
