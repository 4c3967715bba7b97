"""Datagrams and host names through winsockx.Socket, on real sockets over loopback."""

from __future__ import annotations

import socket as stdlib_socket
import threading
import time

import pytest

import winsockx
from winsockx import AF_INET, AF_INET6, SOCK_DGRAM, OptionOrderError, Socket, SocketOption
from winsockx.errors import SocketClosedError, WinsockError, WinsockTimeoutError

from .conftest import Sockets, loopback

JOIN = 10.0


@pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["ipv4", "ipv6"])
def test_exclusive_udp_echo_answers_a_stdlib_client(sockets: Sockets, family: int) -> None:
    """An exclusive UDP service replies to its sender with recvfrom/sendto."""
    server = sockets.new(family, SOCK_DGRAM, exclusive=True)
    server.bind((loopback(family), 0))
    server.settimeout(JOIN)
    std_family = stdlib_socket.AF_INET6 if family == AF_INET6 else stdlib_socket.AF_INET
    with stdlib_socket.socket(std_family, stdlib_socket.SOCK_DGRAM) as client:
        client.settimeout(JOIN)
        client.sendto(b"ping", server.getsockname())
        data, sender = server.recvfrom(100)
        assert data == b"ping"
        # The client was bound implicitly, to the wildcard: the datagram came from loopback.
        assert sender[:2] == (loopback(family), client.getsockname()[1])
        assert server.sendto(b"pong:" + data, sender) == 9
        reply, origin = client.recvfrom(100)
    assert reply == b"pong:ping"
    assert origin == server.getsockname()


def test_recvfrom_into_fills_the_buffer_and_names_the_sender(sockets: Sockets) -> None:
    """recvfrom_into writes the datagram into the caller's buffer."""
    server = sockets.new(AF_INET, SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(JOIN)
    client = sockets.new(AF_INET, SOCK_DGRAM)
    client.sendto(b"abcdef", server.getsockname())
    buffer = bytearray(16)
    got, sender = server.recvfrom_into(buffer)
    assert (got, bytes(buffer[:got])) == (6, b"abcdef")
    assert sender == ("127.0.0.1", client.getsockname().port)


def test_sendto_binds_implicitly_so_before_bind_options_are_refused(sockets: Sockets) -> None:
    """After a sendto on an unbound socket it is bound: REUSEADDR is refused then."""
    target = sockets.new(AF_INET, SOCK_DGRAM)
    target.bind(("127.0.0.1", 0))
    sender = sockets.new(AF_INET, SOCK_DGRAM)
    assert not sender.bound
    sender.sendto(b"x", target.getsockname())
    assert sender.bound
    assert sender.getsockname().port != 0
    with pytest.raises(OptionOrderError):
        sender.set_option(SocketOption.REUSEADDR, True)


def test_recvfrom_times_out(sockets: Sockets) -> None:
    """recvfrom honours settimeout like every other blocking call."""
    server = sockets.new(AF_INET, SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(0.5)
    started = time.monotonic()
    with pytest.raises(WinsockTimeoutError):
        server.recvfrom(10)
    assert 0.4 <= time.monotonic() - started < 1.5


def test_close_ends_a_blocked_recvfrom(sockets: Sockets) -> None:
    """A thread waiting in recvfrom (no timeout) ends soon after another thread's close()."""
    server = sockets.new(AF_INET, SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            server.recvfrom(10)
        except BaseException as exc:  # recorded for the assertion below
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    closed = time.monotonic()
    server.close()
    waiter.join(JOIN)
    assert not waiter.is_alive()
    assert time.monotonic() - closed < 1.0
    assert len(outcome) == 1
    assert isinstance(outcome[0], SocketClosedError)


def test_connect_by_name_reaches_a_loopback_listener(sockets: Sockets) -> None:
    """connect(("localhost", port)) resolves the name as the stdlib does."""
    with stdlib_socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = sockets.new(AF_INET)
        client.settimeout(JOIN)
        client.connect(("localhost", port))
        listener.settimeout(JOIN)
        conn, peer = listener.accept()
        with conn:
            assert peer == client.getsockname()
        assert client.getpeername() == ("127.0.0.1", port)


def test_bind_by_name_and_broadcast_alias(sockets: Sockets) -> None:
    """bind accepts "localhost" and "" like the stdlib; "<broadcast>" is 255.255.255.255."""
    named = sockets.new(AF_INET, SOCK_DGRAM)
    named.bind(("localhost", 0))
    assert named.getsockname().host == "127.0.0.1"
    wildcard = sockets.new(AF_INET, SOCK_DGRAM)
    wildcard.bind(("", 0))
    assert wildcard.getsockname().host == "0.0.0.0"
    sender = sockets.new(AF_INET, SOCK_DGRAM)
    with pytest.raises(WinsockError) as info:
        # Broadcast needs SO_BROADCAST: refused, which shows the alias was resolved
        # to the broadcast address and not taken for a host name.
        sender.sendto(b"x", ("<broadcast>", 9))
    assert info.value.function == "sendto"


def test_unknown_name_is_a_typed_error(sockets: Sockets) -> None:
    """A name that does not resolve fails with the resolver's exact code."""
    client = sockets.new(AF_INET)
    with pytest.raises(WinsockError) as info:
        client.connect(("no-such-host.invalid", 80))
    assert info.value.function == "getaddrinfo"
    assert info.value.winerror in (11001, 11004)


def test_getaddrinfo_is_exported() -> None:
    """winsockx.getaddrinfo gives stdlib-shaped 5-tuples for a numeric host."""
    (info,) = winsockx.getaddrinfo("127.0.0.1", 80, AF_INET, winsockx.SOCK_STREAM)
    family, kind, _proto, _canon, sockaddr = info
    assert family == AF_INET
    assert kind == winsockx.SOCK_STREAM
    assert sockaddr == ("127.0.0.1", 80)


def test_numeric_addresses_never_reach_the_resolver(
    sockets: Sockets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IP literals are parsed, never resolved (the hot path has no resolver call)."""
    import winsockx.resolve

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the resolver was asked for an IP literal")

    monkeypatch.setattr(winsockx.resolve, "getaddrinfo", refuse)
    sock = sockets.new(AF_INET6, SOCK_DGRAM)
    sock.bind(("::1", 0))
    other = sockets.new(AF_INET, SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    assert isinstance(other, Socket)
