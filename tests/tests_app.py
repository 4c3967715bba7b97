"""The apps ``winsockx serve`` runs in tests/test_serve.py: ``app`` (ASGI) and ``wsgi`` (WSGI).

Both answer every HTTP request with 200 and :data:`BODY`. ``make_app`` and
``make_wsgi`` return them, for ``--factory`` (uvicorn) and ``--call`` (waitress).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, MutableMapping
from typing import Any, Callable

BODY = b"hello from tests_app"
"""What every request gets back."""

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
StartResponse = Callable[[str, list[tuple[str, str]]], object]

_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


async def app(scope: Message, receive: Receive, send: Send) -> None:
    """The ASGI app: 200 and BODY for every HTTP request; lifespan events are acknowledged."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    headers = [(name.lower().encode(), value.encode()) for name, value in _HEADERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI app: 200 and BODY for every request."""
    start_response("200 OK", list(_HEADERS))
    return [BODY]


def make_app() -> Callable[[Message, Receive, Send], Awaitable[None]]:
    """The ASGI app, from a factory (``winsockx serve uvicorn tests_app:make_app --factory``)."""
    return app


def make_wsgi() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI app, from a factory (``winsockx serve waitress tests_app:make_wsgi --call``)."""
    return wsgi
