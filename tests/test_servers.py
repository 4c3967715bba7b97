"""The exclusive socketserver/http.server classes and the asyncio helpers, serving for real.

Each server answers a client over loopback; while it serves, a second process
binding its port with SO_REUSEADDR (tests/hijack.py) is refused, and the server
still answers afterwards.
"""

from __future__ import annotations

import asyncio
import http.server
import socket
import socketserver
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest

import winsockx
from winsockx import UsageError, WinsockError

from .conftest import BACKEND, read_to_end
from .hijack import assert_port_kept

TIMEOUT = 10.0


class _Hello(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the request path."""

    def do_GET(self) -> None:
        body = f"hello {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean


class _Echo(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(self.rfile.readline().upper())


class _DatagramEcho(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(data.upper(), self.client_address)


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[int]:
    """Run serve_forever in a thread; yield the port; shut down and join at the end."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1]  # type: ignore[index,misc]
    finally:
        server.shutdown()
        thread.join(TIMEOUT)
        server.server_close()
    assert not thread.is_alive()


def _get(port: int, path: str = "/") -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT) as response:
        return str(response.read().decode())


@pytest.mark.parametrize(
    "cls", [winsockx.ExclusiveThreadingHTTPServer, winsockx.ExclusiveHTTPServer]
)
@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_exclusive_http_server_serves_and_keeps_its_port(
    cls: type[http.server.HTTPServer], host: str
) -> None:
    """A GET is answered; a second process cannot take the port; the GET still works."""
    server = cls((host, 0), _Hello)
    assert isinstance(server, http.server.HTTPServer)
    assert not server.socket.get_inheritable()
    with serving(server) as port:
        assert server.server_port == port
        assert _get(port, "/first") == "hello /first"
        assert_port_kept(host, port)
        assert _get(port, "/after") == "hello /after"


def test_exclusive_http_server_closes_each_connection_gracefully() -> None:
    """The client sees the response and then the server's end of stream (its FIN);
    the server drains until the client closes."""
    with serving(winsockx.ExclusiveThreadingHTTPServer(("127.0.0.1", 0), _Hello)) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
            client.sendall(b"GET /x HTTP/1.0\r\nHost: localhost\r\n\r\n")
            received = read_to_end(client)
        assert received.startswith(b"HTTP/1.0 200")
        assert received.endswith(b"hello /x")


def test_exclusive_threading_tcp_server_echoes() -> None:
    """ThreadingTCPServer's twin answers a line; hijacking is refused."""
    server = winsockx.ExclusiveThreadingTCPServer(("127.0.0.1", 0), _Echo)
    with serving(server) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
            client.sendall(b"shout\n")
            assert client.makefile("rb").readline() == b"SHOUT\n"
        assert_port_kept("127.0.0.1", port)


def test_exclusive_tcp_server_drain_is_bounded() -> None:
    """A client that never closes costs the server drain_timeout, then the next one is served."""

    class Quick(winsockx.ExclusiveTCPServer):
        drain_timeout = 0.3

    with serving(Quick(("127.0.0.1", 0), _Echo)) as port:
        lingering = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        try:
            lingering.sendall(b"one\n")
            assert lingering.recv(16) == b"ONE\n"
            assert lingering.recv(16) == b""  # the server's FIN, while we stay open
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
                client.sendall(b"two\n")
                assert client.recv(16) == b"TWO\n"
        finally:
            lingering.close()


@pytest.mark.parametrize("cls", [winsockx.ExclusiveUDPServer, winsockx.ExclusiveThreadingUDPServer])
def test_exclusive_udp_server_answers_and_keeps_its_port(
    cls: type[socketserver.UDPServer],
) -> None:
    """UDPServer's twin answers a datagram; hijacking is refused."""
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(TIMEOUT)
    with client, serving(cls(("127.0.0.1", 0), _DatagramEcho)) as port:
        client.sendto(b"ping", ("127.0.0.1", port))
        assert client.recvfrom(16)[0] == b"PING"
        assert_port_kept("127.0.0.1", port, udp=True)
        client.sendto(b"again", ("127.0.0.1", port))
        assert client.recvfrom(16)[0] == b"AGAIN"


def test_exclusive_server_ipv6_dualstack() -> None:
    """address_family AF_INET6 with dualstack_ipv6 serves IPv4 clients too."""

    class Dual(winsockx.ExclusiveThreadingHTTPServer):
        address_family = socket.AF_INET6
        dualstack_ipv6 = True

    with serving(Dual(("::", 0), _Hello)) as port:
        assert _get(port, "/v4") == "hello /v4"


def test_reuse_turned_on_is_refused() -> None:
    """A subclass asking for allow_reuse_address gets a UsageError, not a silent reuse."""

    class Reusing(winsockx.ExclusiveHTTPServer):
        allow_reuse_address = True

    with pytest.raises(UsageError, match="allow_reuse_address"):
        Reusing(("127.0.0.1", 0), _Hello)


def test_port_conflict_is_the_typed_bind_error() -> None:
    """Constructing a server on a port held exclusively raises the exact code."""
    with winsockx.create_server(("0.0.0.0", 0)) as holder:
        port = holder.getsockname()[1]
        with pytest.raises(WinsockError) as info:
            winsockx.ExclusiveThreadingHTTPServer(("127.0.0.1", port), _Hello)
    expected = 10013 if BACKEND.name == "ws2_32" else 10048
    assert info.value.winerror == expected


def test_bind_and_activate_false_keeps_the_stdlib_protocol() -> None:
    """bind_and_activate=False: server_bind/server_activate called by hand, as with the stdlib."""
    server = winsockx.ExclusiveTCPServer(("127.0.0.1", 0), _Echo, bind_and_activate=False)
    try:
        server.server_bind()
        server.server_activate()
        port = server.socket.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
            pass
    finally:
        server.server_close()


# -- asyncio ---------------------------------------------------------------------------


async def _upper(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    line = await reader.readline()
    writer.write(line.upper())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


def test_asyncio_start_server_serves_and_keeps_its_port() -> None:
    """winsockx.start_server returns an asyncio.Server that answers; no hijack."""

    async def main() -> bytes:
        server = await winsockx.start_server(_upper, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"async\n")
            answer = await asyncio.wait_for(reader.readline(), TIMEOUT)
            writer.close()
            await writer.wait_closed()
            await asyncio.get_running_loop().run_in_executor(
                None, assert_port_kept, "127.0.0.1", port
            )
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"still\n")
            assert await asyncio.wait_for(reader.readline(), TIMEOUT) == b"STILL\n"
            writer.close()
            await writer.wait_closed()
            return answer

    assert asyncio.run(asyncio.wait_for(main(), 60)) == b"ASYNC\n"


def test_asyncio_start_server_with_create_server_socket() -> None:
    """The documented one-liner: asyncio.start_server(sock=winsockx.create_server(...))."""

    async def main() -> bytes:
        server = await asyncio.start_server(_upper, sock=winsockx.create_server(("127.0.0.1", 0)))
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"one-liner\n")
            answer = await asyncio.wait_for(reader.readline(), TIMEOUT)
            writer.close()
            await writer.wait_closed()
            return answer

    assert asyncio.run(asyncio.wait_for(main(), 60)) == b"ONE-LINER\n"


class _EchoDatagram(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport does not subclass DatagramTransport.
        self.transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.transport.sendto(data.upper(), addr)


def test_asyncio_datagram_endpoint_answers_and_keeps_its_port() -> None:
    """An asyncio datagram endpoint on an exclusive UDP socket echoes a stdlib client."""

    async def main() -> bytes:
        transport, _ = await winsockx.create_datagram_endpoint(_EchoDatagram, ("127.0.0.1", 0))
        try:
            port = transport.get_extra_info("sockname")[1]

            def client() -> bytes:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
                    c.settimeout(TIMEOUT)
                    c.sendto(b"dgram", ("127.0.0.1", port))
                    data = c.recvfrom(64)[0]
                assert_port_kept("127.0.0.1", port, udp=True)
                return data

            return await asyncio.get_running_loop().run_in_executor(None, client)
        finally:
            transport.close()

    assert asyncio.run(asyncio.wait_for(main(), 60)) == b"DGRAM"


@pytest.mark.parametrize("keyword", ["sock", "reuse_address", "reuse_port"])
def test_asyncio_helpers_refuse_reuse_and_sock(keyword: str) -> None:
    """Keywords that would undo the exclusivity are a TypeError naming them."""

    async def main() -> None:
        await winsockx.start_server(_upper, "127.0.0.1", 0, **{keyword: True})

    with pytest.raises(TypeError, match=keyword):
        asyncio.run(main())


def test_asyncio_start_server_port_conflict_is_typed() -> None:
    """A port held exclusively gives the exact code, and nothing is left open."""

    async def main(port: int) -> None:
        await winsockx.start_server(_upper, "127.0.0.1", port)

    with winsockx.create_server(("0.0.0.0", 0)) as holder, pytest.raises(WinsockError) as info:
        asyncio.run(main(holder.getsockname()[1]))
    assert info.value.winerror == (10013 if BACKEND.name == "ws2_32" else 10048)
