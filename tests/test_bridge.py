"""create_server, Socket.to_stdlib and graceful_close, on real sockets over loopback.

The second process of the hijack tests uses the stdlib only, as another program
would (tests/hijack.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

import winsockx
from winsockx import CloseReason, SocketClosedError, WinsockError

from .conftest import BACKEND, read_to_end
from .hijack import assert_port_kept, assert_refused, try_bind

TIMEOUT = 10.0


@pytest.fixture
def stdlib_sockets() -> Iterator[list[socket.socket]]:
    """Stdlib sockets a test made; closed at teardown whatever happened."""
    made: list[socket.socket] = []
    yield made
    for s in made:
        s.close()


def _connected(
    server: socket.socket, made: list[socket.socket]
) -> tuple[socket.socket, socket.socket]:
    """(client, accepted) over loopback for a listening *server*."""
    client = socket.create_connection(server.getsockname()[:2], timeout=TIMEOUT)
    made.append(client)
    server.settimeout(TIMEOUT)
    accepted, _ = server.accept()
    made.append(accepted)
    return client, accepted


def _exclusive_option_on(sock: socket.socket) -> bool:
    """SO_EXCLUSIVEADDRUSE as the system reports it (Windows only)."""
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE))  # type: ignore[attr-defined,unused-ignore]


# -- create_server ---------------------------------------------------------------------


def test_create_server_gives_a_listening_stdlib_socket(
    stdlib_sockets: list[socket.socket],
) -> None:
    """A stdlib socket, listening, blocking, non-inheritable, with the stdlib's address tuple."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    assert type(server) is socket.socket
    assert server.family == socket.AF_INET
    assert server.type == socket.SOCK_STREAM
    assert server.gettimeout() is None
    assert not server.get_inheritable()
    host, port = server.getsockname()
    assert host == "127.0.0.1"
    assert isinstance(port, int)
    assert port > 0
    client, accepted = _connected(server, stdlib_sockets)
    client.sendall(b"ping")
    assert accepted.recv(16) == b"ping"


@pytest.mark.ws2_32
def test_create_server_sets_exclusiveaddruse(stdlib_sockets: list[socket.socket]) -> None:
    """On Windows the handed-over socket reports SO_EXCLUSIVEADDRUSE on, SO_REUSEADDR off."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    assert _exclusive_option_on(server)
    assert server.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0


@pytest.mark.posix
def test_create_server_never_sets_reuse_on_posix(stdlib_sockets: list[socket.socket]) -> None:
    """POSIX has no SO_EXCLUSIVEADDRUSE: the socket must carry neither reuse option."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    assert server.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0
    reuseport = socket.SO_REUSEPORT  # type: ignore[attr-defined,unused-ignore]
    assert server.getsockopt(socket.SOL_SOCKET, reuseport) == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_another_process_cannot_take_the_port_of_create_server(
    host: str, stdlib_sockets: list[socket.socket]
) -> None:
    """A second program binding with SO_REUSEADDR, specific or wildcard, is refused, and
    the server still accepts afterwards."""
    server = winsockx.create_server((host, 0))
    stdlib_sockets.append(server)
    port = server.getsockname()[1]
    assert_port_kept(host, port)
    client, accepted = _connected(server, stdlib_sockets)
    client.sendall(b"still mine")
    assert accepted.recv(32) == b"still mine"


def test_create_server_refuses_a_taken_port_with_a_typed_error(
    stdlib_sockets: list[socket.socket],
) -> None:
    """A second create_server on the port fails with the exact code and the address."""
    first = winsockx.create_server(("0.0.0.0", 0))
    stdlib_sockets.append(first)
    port = first.getsockname()[1]
    with pytest.raises(WinsockError) as info:
        winsockx.create_server(("127.0.0.1", port))
    if BACKEND.name == "ws2_32":
        # bind-behaviour.md section 2, pair 4: EXCL 0.0.0.0 then EXCL 127.0.0.1 -> 10013.
        assert info.value.winerror == 10013
        assert isinstance(info.value, PermissionError)
    else:
        assert info.value.winerror == 10048
        assert isinstance(info.value, winsockx.AddressInUseError)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_create_server_with_stdlib_constants_for_ipv6(stdlib_sockets: list[socket.socket]) -> None:
    """socket.AF_INET6 (10 on Linux, 23 on Windows) works; the socket is IPv6-only."""
    server = winsockx.create_server(("::1", 0), family=socket.AF_INET6, backlog=5)
    stdlib_sockets.append(server)
    assert server.family == socket.AF_INET6
    assert server.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
    host, _port, _flow, _scope = server.getsockname()
    assert host == "::1"
    client, accepted = _connected(server, stdlib_sockets)
    client.sendall(b"six")
    assert accepted.recv(8) == b"six"


def test_dualstack_create_server_accepts_ipv4_and_keeps_the_ipv4_port(
    stdlib_sockets: list[socket.socket],
) -> None:
    """dualstack_ipv6=True: IPv4 clients reach it, and the exclusivity covers IPv4 binds."""
    server = winsockx.create_server(("::", 0), family=winsockx.AF_INET6, dualstack_ipv6=True)
    stdlib_sockets.append(server)
    assert server.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 0
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    stdlib_sockets.append(client)
    server.settimeout(TIMEOUT)
    accepted, peer = server.accept()
    stdlib_sockets.append(accepted)
    assert peer[0] == "::ffff:127.0.0.1"
    assert_refused(try_bind("127.0.0.1", port))
    assert_refused(try_bind("0.0.0.0", port))


def test_create_server_datagram_answers_a_stdlib_client(
    stdlib_sockets: list[socket.socket],
) -> None:
    """type=SOCK_DGRAM: bound, not listening; an echo reaches a stdlib client; no hijack."""
    server = winsockx.create_server(("127.0.0.1", 0), type=socket.SOCK_DGRAM)
    stdlib_sockets.append(server)
    assert server.type == socket.SOCK_DGRAM
    server.settimeout(TIMEOUT)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stdlib_sockets.append(client)
    client.settimeout(TIMEOUT)
    client.sendto(b"echo?", server.getsockname())
    data, sender = server.recvfrom(64)
    server.sendto(data.upper(), sender)
    assert client.recvfrom(64) == (b"ECHO?", server.getsockname())
    assert_port_kept("127.0.0.1", server.getsockname()[1], udp=True)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"type": socket.SOCK_DGRAM, "backlog": 5}, ValueError),
        ({"dualstack_ipv6": True}, ValueError),
        ({"dualstack_ipv6": "yes"}, TypeError),
        ({"family": 12345}, ValueError),
        ({"backlog": -1}, ValueError),
        ({"backlog": "5"}, TypeError),
    ],
)
def test_create_server_refuses_bad_arguments(kwargs: dict[str, object], error: type) -> None:
    """Bad arguments are TypeError/ValueError with a message, before any socket exists."""
    with pytest.raises(error) as info:
        winsockx.create_server(("127.0.0.1", 0), **kwargs)  # type: ignore[arg-type]
    assert str(info.value)


def test_create_server_refuses_a_bad_address() -> None:
    """A non-local address is the system's own refusal (WSAEADDRNOTAVAIL), typed."""
    with pytest.raises(WinsockError) as info:
        winsockx.create_server(("192.0.2.1", 0))
    assert info.value.winerror == 10049


# -- Socket.to_stdlib ------------------------------------------------------------------


def test_to_stdlib_hands_over_the_handle_and_the_timeout(
    stdlib_sockets: list[socket.socket],
) -> None:
    """The stdlib object gets the handle, the timeout and the bound address; the
    winsockx Socket is detached (fileno -1) and refuses further use."""
    sock = winsockx.Socket(exclusive=True)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2.5)
    name = sock.getsockname()
    handle = sock.fileno()
    std = sock.to_stdlib()
    stdlib_sockets.append(std)
    assert std.fileno() == handle
    assert std.gettimeout() == 2.5
    assert std.getsockname() == name
    assert sock.closed
    assert sock.fileno() == -1
    assert sock.close().reason is CloseReason.DETACHED
    with pytest.raises(SocketClosedError):
        sock.to_stdlib()
    assert not std.get_inheritable()


def test_to_stdlib_of_a_connected_socket_carries_on_the_stream(
    stdlib_sockets: list[socket.socket],
) -> None:
    """A connected Socket continues as a stdlib socket mid-stream."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    sock = winsockx.Socket()
    sock.settimeout(TIMEOUT)
    sock.connect(server.getsockname())
    server.settimeout(TIMEOUT)
    accepted, _ = server.accept()
    stdlib_sockets.append(accepted)
    sock.sendall(b"before ")
    std = sock.to_stdlib()
    stdlib_sockets.append(std)
    std.sendall(b"after")
    std.shutdown(socket.SHUT_WR)
    assert read_to_end(accepted) == b"before after"


def test_to_stdlib_of_an_unbound_socket_can_still_bind() -> None:
    """An unbound Socket (options set) is handed over and bound by the stdlib."""
    sock = winsockx.Socket(exclusive=True)
    with sock.to_stdlib() as std:
        std.bind(("127.0.0.1", 0))
        assert std.getsockname()[0] == "127.0.0.1"


# -- graceful_close --------------------------------------------------------------------


def test_graceful_close_drains_a_stdlib_socket_until_the_peer_closes(
    stdlib_sockets: list[socket.socket],
) -> None:
    """What the peer still sends is drained and counted; the peer's end of stream
    makes it PEER_CLOSED; the stdlib object is left closed."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    client, accepted = _connected(server, stdlib_sockets)
    client.sendall(b"a" * 3000)

    def peer() -> None:
        # The peer sees our FIN (end of stream), sends a last word, then closes.
        assert client.recv(16) == b""
        client.sendall(b"b" * 500)
        client.close()

    thread = threading.Thread(target=peer)
    thread.start()
    try:
        report = winsockx.graceful_close(accepted)
    finally:
        thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.graceful
    assert report.drained_bytes == 3500
    assert accepted.fileno() == -1


def test_graceful_close_is_bounded_against_a_peer_that_never_closes(
    stdlib_sockets: list[socket.socket],
) -> None:
    """A peer that keeps the connection open costs drain_timeout, not forever."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    client, accepted = _connected(server, stdlib_sockets)
    started = time.monotonic()
    report = winsockx.graceful_close(accepted, drain_timeout=0.5)
    took = time.monotonic() - started
    assert report.reason is CloseReason.TIMEOUT
    assert 0.4 <= took < 3.0
    client.settimeout(TIMEOUT)
    assert client.recv(16) == b""  # the FIN was sent before the wait


def test_graceful_close_is_bounded_against_a_flooding_peer(
    stdlib_sockets: list[socket.socket],
) -> None:
    """A peer that sends more than drain_limit ends the drain with LIMIT."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    client, accepted = _connected(server, stdlib_sockets)
    client.sendall(b"z" * 20000)
    report = winsockx.graceful_close(accepted, drain_timeout=5.0, drain_limit=1000)
    assert report.reason is CloseReason.LIMIT
    assert report.drained_bytes > 1000


def test_graceful_close_of_a_stdlib_socket_that_is_already_closed() -> None:
    """Nothing to close: NOT_CONNECTED, as a second stdlib close() is a no-op."""
    s = socket.socket()
    s.close()
    assert winsockx.graceful_close(s).reason is CloseReason.NOT_CONNECTED


def test_graceful_close_of_a_winsockx_socket_is_its_close() -> None:
    """A winsockx Socket goes through its own close()."""
    s = winsockx.Socket()
    report = winsockx.graceful_close(s)
    assert report.reason is CloseReason.NOT_CONNECTED
    assert s.closed


class _Wrapper:
    """An object that owns a socket but is not one (like a framework's connection)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.closed = 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.closed += 1
        self.sock.close()


def test_graceful_close_of_an_object_with_fileno_and_close(
    stdlib_sockets: list[socket.socket],
) -> None:
    """The drain runs on a duplicate; the object's own close() is called once."""
    server = winsockx.create_server(("127.0.0.1", 0))
    stdlib_sockets.append(server)
    client, accepted = _connected(server, stdlib_sockets)
    client.sendall(b"x" * 100)
    client.shutdown(socket.SHUT_WR)
    wrapper = _Wrapper(accepted)
    report = winsockx.graceful_close(wrapper)
    assert report.reason is CloseReason.PEER_CLOSED
    assert report.drained_bytes == 100
    assert wrapper.closed == 1
    assert accepted.fileno() == -1
    client.settimeout(TIMEOUT)
    assert client.recv(16) == b""


def test_graceful_close_refuses_what_is_not_a_socket() -> None:
    """An object without fileno()/close() is a TypeError naming what was given."""
    with pytest.raises(TypeError, match="int"):
        winsockx.graceful_close(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"drain_timeout": -1.0}, ValueError), ({"drain_limit": "big"}, TypeError)],
)
def test_graceful_close_refuses_bad_bounds_and_leaves_the_socket_open(
    kwargs: dict[str, object], error: type
) -> None:
    """Bad bounds are refused before the socket is touched."""
    with socket.socket() as s:
        with pytest.raises(error):
            winsockx.graceful_close(s, **kwargs)  # type: ignore[arg-type]
        assert s.fileno() != -1


@pytest.mark.ws2_32
def test_importing_winsockx_leaves_the_stdlib_socket_module_alone() -> None:
    """On Windows importing socket calls WSAStartup; importing winsockx (create_server
    and graceful_close included) must not, or raw callers never see WSANOTINITIALISED."""
    code = "import sys, winsockx; print('_socket' in sys.modules, 'socket' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
