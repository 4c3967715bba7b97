"""The stdlib's socketserver and http.server servers, with their ports owned exclusively.

Each class takes the same constructor arguments as its stdlib twin. The difference:
the listening socket is made and bound by :func:`winsockx.bind_exclusive`
(``SO_EXCLUSIVEADDRUSE`` before ``bind``; on POSIX no ``SO_REUSEADDR``), where the
stdlib's ``HTTPServer`` sets ``allow_reuse_address`` and so lets another program
bind the same port on Windows; and each request's connection of a stream server
ends with :func:`winsockx.graceful_close` (``shutdown(SD_SEND)``, drain until the
client's end of stream, close), bounded by the class attributes ``drain_timeout``
and ``drain_limit``.

>>> import http.server, winsockx.servers
>>> with winsockx.servers.ExclusiveThreadingHTTPServer(
...         ("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler) as httpd:
...     httpd.socket.getsockname()[0]
'127.0.0.1'
"""

from __future__ import annotations

import http.server
import socket as _stdsocket
import socketserver
from typing import Union, cast

from .address import AddressLike
from .bridge import bind_exclusive, graceful_close
from .errors import UsageError
from .sockets import DEFAULT_DRAIN_LIMIT, DEFAULT_DRAIN_TIMEOUT

__all__ = [
    "ExclusiveHTTPServer",
    "ExclusiveTCPServer",
    "ExclusiveThreadingHTTPServer",
    "ExclusiveThreadingTCPServer",
    "ExclusiveThreadingUDPServer",
    "ExclusiveUDPServer",
]

_Request = Union[_stdsocket.socket, tuple[bytes, _stdsocket.socket]]


def _bind(server: socketserver.TCPServer) -> None:
    """Replace the socket the stdlib made with an exclusive one, bound to the address."""
    if server.allow_reuse_address or getattr(server, "allow_reuse_port", False):
        raise UsageError(
            f"{type(server).__name__} owns its port exclusively: allow_reuse_address"
            " and allow_reuse_port must stay False (they are what lets another"
            " program take the port)"
        )
    host, *rest = server.server_address
    if not isinstance(host, str):  # the stdlib takes bytes host names too
        host = bytes(host).decode("idna")
    bound = bind_exclusive(
        cast("AddressLike", (host, *rest)),
        family=server.address_family,
        type=server.socket_type,
        dualstack_ipv6=bool(getattr(server, "dualstack_ipv6", False)),
    )
    try:
        exclusive = bound.to_stdlib()
    except BaseException:
        bound.close(drain_timeout=0.0)
        raise
    server.socket.close()
    server.socket = exclusive
    server.server_address = exclusive.getsockname()


class ExclusiveTCPServer(socketserver.TCPServer):
    """:class:`socketserver.TCPServer`, bound exclusively, closing each connection gracefully.

    >>> import socketserver, winsockx.servers
    >>> with winsockx.servers.ExclusiveTCPServer(
    ...         ("127.0.0.1", 0), socketserver.StreamRequestHandler) as server:
    ...     server.socket.get_inheritable()
    False

    Raises:
        UsageError: a subclass turned ``allow_reuse_address`` on.
        WinsockError: the bind failed (10013 or 10048 when another socket holds
            the port), with the exact code; nothing is left open.
    """

    allow_reuse_address = False
    """Always False: SO_REUSEADDR is what would let another program take the port."""
    allow_reuse_port = False
    """Always False, as ``allow_reuse_address``."""
    dualstack_ipv6 = False
    """Set True (with ``address_family = AF_INET6``) to accept IPv4 too."""
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT
    """Seconds each connection's close waits for the client's end of stream."""
    drain_limit: int = DEFAULT_DRAIN_LIMIT
    """Bytes each connection's close reads and discards at most."""

    def server_bind(self) -> None:
        """Bind exclusively (the socket made by the stdlib's constructor is replaced)."""
        _bind(self)

    def shutdown_request(self, request: _Request) -> None:
        """End a connection with :func:`winsockx.graceful_close`, within the bounds."""
        if isinstance(request, _stdsocket.socket):
            graceful_close(request, self.drain_timeout, self.drain_limit)
        else:
            self.close_request(request)


class ExclusiveThreadingTCPServer(socketserver.ThreadingMixIn, ExclusiveTCPServer):
    """:class:`socketserver.ThreadingTCPServer`, bound exclusively; a thread per connection."""


class ExclusiveUDPServer(socketserver.UDPServer):
    """:class:`socketserver.UDPServer` on an exclusively bound datagram socket.

    >>> import socketserver, winsockx.servers
    >>> with winsockx.servers.ExclusiveUDPServer(
    ...         ("127.0.0.1", 0), socketserver.DatagramRequestHandler) as server:
    ...     server.socket.type.name
    'SOCK_DGRAM'
    """

    allow_reuse_address = False
    """Always False: SO_REUSEADDR is what would let another program take the port."""
    allow_reuse_port = False
    """Always False, as ``allow_reuse_address``."""
    dualstack_ipv6 = False
    """Set True (with ``address_family = AF_INET6``) to accept IPv4 too."""

    def server_bind(self) -> None:
        """Bind exclusively (the socket made by the stdlib's constructor is replaced)."""
        _bind(self)


class ExclusiveThreadingUDPServer(socketserver.ThreadingMixIn, ExclusiveUDPServer):
    """:class:`socketserver.ThreadingUDPServer`, bound exclusively."""


class ExclusiveHTTPServer(ExclusiveTCPServer, http.server.HTTPServer):
    """:class:`http.server.HTTPServer` without ``allow_reuse_address``, bound exclusively.

    >>> import http.server, winsockx.servers
    >>> with winsockx.servers.ExclusiveHTTPServer(
    ...         ("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as httpd:
    ...     httpd.server_port == httpd.socket.getsockname()[1]
    True
    """

    allow_reuse_address = False
    """Always False (the stdlib's HTTPServer sets it True)."""

    def server_bind(self) -> None:
        """Bind exclusively, then record the server's name and port as HTTPServer does."""
        _bind(self)
        host, port = self.server_address[:2]
        self.server_name = _stdsocket.getfqdn(str(host))
        self.server_port = int(port)


class ExclusiveThreadingHTTPServer(socketserver.ThreadingMixIn, ExclusiveHTTPServer):
    """:class:`http.server.ThreadingHTTPServer`, bound exclusively; a thread per request."""

    daemon_threads = True
    """As in the stdlib's ThreadingHTTPServer: request threads do not keep the process alive."""
