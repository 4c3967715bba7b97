"""Addresses are the stdlib ``socket`` module's tuples: the two modules trade them freely.

Every test binds real sockets on loopback (127.0.0.1 or ::1) only, and checks a
winsockx address against what the stdlib says of the same connection.
"""

from __future__ import annotations

import socket

import pytest

from winsockx import AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, IPv4Address, IPv6Address

from .conftest import Sockets

_TIMEOUT = 5.0


def test_getsockname_indexes_and_unpacks(sockets: Sockets) -> None:
    """``getsockname()[1]`` is the port and ``host, port = ...`` unpacks, as with the stdlib."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    name = sock.getsockname()
    port = name[1]
    assert isinstance(port, int)
    assert port == name.port > 0
    assert name[0] == "127.0.0.1"
    assert isinstance(name, IPv4Address)  # what lets a type checker unpack two fields
    host, unpacked_port = name
    assert (host, unpacked_port) == ("127.0.0.1", port)
    assert name == ("127.0.0.1", port)
    assert ("127.0.0.1", port) == name
    assert {("127.0.0.1", port): "found"}[name] == "found"
    assert str(name) == f"127.0.0.1:{port}"
    assert name.as_tuple() == name


@pytest.mark.parametrize("kind", [SOCK_STREAM, SOCK_DGRAM])
def test_ipv4_shape_matches_the_stdlib(sockets: Sockets, kind: int) -> None:
    """An AF_INET name has the stdlib's shape: two items, a str and an int."""
    sock = sockets.new(AF_INET, kind)
    sock.bind(("127.0.0.1", 0))
    with socket.socket(socket.AF_INET, kind) as std:
        std.bind(("127.0.0.1", 0))
        expected = std.getsockname()
    name = sock.getsockname()
    assert type(name) is IPv4Address
    assert [type(item) for item in name] == [type(item) for item in expected]
    assert name[0] == expected[0]


@pytest.mark.parametrize("kind", [SOCK_STREAM, SOCK_DGRAM])
def test_ipv6_shape_matches_the_stdlib(sockets: Sockets, kind: int) -> None:
    """An AF_INET6 name is the stdlib's 4-tuple (host, port, flowinfo, scope_id)."""
    sock = sockets.new(AF_INET6, kind)
    sock.bind(("::1", 0))
    with socket.socket(socket.AF_INET6, kind) as std:
        std.bind(("::1", 0))
        expected = std.getsockname()
    name = sock.getsockname()
    assert type(name) is IPv6Address
    assert len(name) == len(expected) == 4
    assert [type(item) for item in name] == [type(item) for item in expected]
    assert name == (expected[0], name.port, expected[2], expected[3])
    assert name == ("::1", name.port, 0, 0)
    assert str(name) == f"[::1]:{name.port}"


def test_stdlib_create_connection_reaches_a_winsockx_listener(sockets: Sockets) -> None:
    """``socket.create_connection(s.getsockname())`` connects to a winsockx listener."""
    listener = sockets.listener(AF_INET)
    listener.settimeout(_TIMEOUT)
    name = listener.getsockname()
    assert isinstance(name, IPv4Address)  # create_connection takes (host, port) only
    with socket.create_connection(name, timeout=_TIMEOUT) as client:
        conn, peer = listener.accept()
        sockets.track(conn)
        assert peer[0] == "127.0.0.1"
        assert peer == client.getsockname()
        assert conn.getpeername() == client.getsockname()
        assert conn.getsockname() == client.getpeername() == name
        client.sendall(b"ping")
        conn.settimeout(_TIMEOUT)
        assert conn.recv(4) == b"ping"


def test_stdlib_ipv6_client_and_winsockx_listener_agree(sockets: Sockets) -> None:
    """Over ::1, the accepted peer equals the stdlib client's own 4-tuple exactly."""
    listener = sockets.listener(AF_INET6)
    listener.settimeout(_TIMEOUT)
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as client:
        client.settimeout(_TIMEOUT)
        client.connect(listener.getsockname())
        conn, peer = listener.accept()
        sockets.track(conn)
        assert peer[0] == "::1"
        assert peer == client.getsockname()
        assert listener.getsockname() == client.getpeername()


def test_winsockx_client_of_a_stdlib_listener(sockets: Sockets) -> None:
    """A stdlib listener's plain tuple is a winsockx target, and the names agree both ways."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as std:
        std.bind(("127.0.0.1", 0))
        std.listen(1)
        std.settimeout(_TIMEOUT)
        client = sockets.new(AF_INET, SOCK_STREAM)
        client.settimeout(_TIMEOUT)
        client.connect(std.getsockname())
        conn, peer = std.accept()
        with conn:
            assert client.getpeername() == std.getsockname()
            assert client.getsockname() == peer
            assert client.getsockname()[1] == peer[1]
