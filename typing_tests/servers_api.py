"""Type checks for the server helpers: mypy checks this file, nobody runs it."""

from __future__ import annotations

import asyncio
import http.server
import socket
import socketserver
from typing import TYPE_CHECKING

import winsockx
from winsockx import CloseReport, Socket

if TYPE_CHECKING:
    from typing_extensions import assert_type


def stdlib_sockets() -> None:
    """create_server hands over a stdlib socket; graceful_close takes any socket."""
    server = winsockx.create_server(("127.0.0.1", 0), family=socket.AF_INET6, backlog=5)
    assert_type(server, socket.socket)
    assert_type(winsockx.create_server(("::", 0, 0, 0), dualstack_ipv6=True), socket.socket)
    assert_type(winsockx.bind_exclusive(("127.0.0.1", 0)), Socket)
    assert_type(winsockx.graceful_close(server), CloseReport)
    assert_type(winsockx.graceful_close(Socket(), 1.0, 1024), CloseReport)
    assert_type(Socket().to_stdlib(), socket.socket)
    winsockx.graceful_close(42)  # type: ignore[arg-type]
    winsockx.create_server(("127.0.0.1", 0), backlog="5")  # type: ignore[arg-type]


def servers() -> None:
    """The exclusive servers are their stdlib twins."""
    httpd = winsockx.ExclusiveThreadingHTTPServer(
        ("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler
    )
    assert_type(httpd, winsockx.ExclusiveThreadingHTTPServer)
    plain: http.server.HTTPServer = httpd
    tcp: socketserver.TCPServer = winsockx.ExclusiveTCPServer(
        ("127.0.0.1", 0), socketserver.StreamRequestHandler
    )
    udp: socketserver.UDPServer = winsockx.ExclusiveUDPServer(
        ("127.0.0.1", 0), socketserver.DatagramRequestHandler
    )
    assert_type(winsockx.ExclusiveTCPServer.drain_timeout, float)
    assert_type(winsockx.ExclusiveTCPServer.drain_limit, int)
    del plain, tcp, udp


async def aio() -> None:
    """The asyncio helpers return asyncio's own types."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    assert_type(await winsockx.start_server(handle, "127.0.0.1", 0), asyncio.Server)
    transport, protocol = await winsockx.create_datagram_endpoint(
        asyncio.DatagramProtocol, ("127.0.0.1", 0)
    )
    assert_type(transport, asyncio.DatagramTransport)
    assert_type(protocol, asyncio.DatagramProtocol)
