"""asyncio servers and datagram endpoints on exclusively bound sockets.

asyncio's own ``start_server`` and ``create_datagram_endpoint`` set no exclusivity
option, so on Windows another program can still bind a more specific address on
the same port. These helpers bind through :func:`winsockx.create_server` and give
asyncio the ready socket (``sock=``), which is all asyncio needs; the same
one-liner works by hand::

    server = await asyncio.start_server(handle, sock=winsockx.create_server(("127.0.0.1", 8000)))

Works with both of asyncio's Windows loops (proactor and selector): the handles are
overlapped-capable and non-inheritable.

>>> import asyncio, winsockx.aio
>>> async def main():
...     server = await winsockx.aio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
...     async with server:
...         return server.sockets[0].getsockname()[0]
>>> asyncio.run(main())
'127.0.0.1'
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Callable, TypeVar, Union

from .bridge import _family_for_host, create_server
from .constants import SocketType

__all__ = ["create_datagram_endpoint", "start_server"]

_P = TypeVar("_P", bound=asyncio.BaseProtocol)
_ConnectedCallback = Callable[
    [asyncio.StreamReader, asyncio.StreamWriter], Union[Awaitable[None], None]
]
# Keywords that would undo what these helpers are for.
_REFUSED = ("sock", "reuse_address", "reuse_port")


def _refuse(kwds: dict[str, object], where: str) -> None:
    for name in _REFUSED:
        if name in kwds:
            raise TypeError(
                f"{where}() makes the exclusive socket itself: {name}= is not accepted"
                " (reuse options are what lets another program take the port)"
            )


async def start_server(
    client_connected_cb: _ConnectedCallback,
    host: str = "",
    port: int = 0,
    *,
    family: int = 0,
    backlog: int = 100,
    dualstack_ipv6: bool = False,
    **kwds: Any,
) -> asyncio.Server:
    """:func:`asyncio.start_server` on an exclusively bound socket.

    *host* is one address (``""`` is IPv4's wildcard, ``"::"`` IPv6's); *family*
    0 picks AF_INET6 for an IPv6 literal, else AF_INET. The other keywords
    (``limit``, ``ssl``, ``start_serving`` ...) go to :func:`asyncio.start_server`.

    Raises:
        TypeError: ``sock``, ``reuse_address`` or ``reuse_port`` given.
        WinsockError: the bind failed, with the exact code (10013 or 10048 when
            another socket holds the port).
    """
    _refuse(kwds, "start_server")
    sock = create_server(
        (host, port),
        family=family or _family_for_host(host),
        backlog=backlog,
        dualstack_ipv6=dualstack_ipv6,
    )
    try:
        return await asyncio.start_server(client_connected_cb, sock=sock, **kwds)
    except BaseException:
        sock.close()
        raise


async def create_datagram_endpoint(
    protocol_factory: Callable[[], _P],
    local_addr: tuple[str, int],
    *,
    family: int = 0,
    **kwds: Any,
) -> tuple[asyncio.DatagramTransport, _P]:
    """``loop.create_datagram_endpoint`` on an exclusively bound UDP socket.

    >>> import asyncio, winsockx.aio
    >>> async def main():
    ...     transport, _ = await winsockx.aio.create_datagram_endpoint(
    ...         asyncio.DatagramProtocol, ("127.0.0.1", 0))
    ...     try:
    ...         return transport.get_extra_info("sockname")[0]
    ...     finally:
    ...         transport.close()
    >>> asyncio.run(main())
    '127.0.0.1'

    Raises:
        TypeError: ``sock``, ``reuse_address`` or ``reuse_port`` given.
        WinsockError: the bind failed, with the exact code.
    """
    _refuse(kwds, "create_datagram_endpoint")
    host = str(local_addr[0])
    sock = create_server(
        local_addr, family=family or _family_for_host(host), type=SocketType.SOCK_DGRAM
    )
    try:
        loop = asyncio.get_running_loop()
        return await loop.create_datagram_endpoint(protocol_factory, sock=sock, **kwds)
    except BaseException:
        sock.close()
        raise
