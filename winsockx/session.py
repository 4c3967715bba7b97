"""Starting and stopping Winsock (``WSAStartup``/``WSACleanup``)."""

from __future__ import annotations

import atexit
import threading
from types import TracebackType

from . import raw
from ._checks import check_int_pair
from .errors import UsageError
from .results import WSAData

__all__ = ["Winsock", "ensure_started"]

_lock = threading.Lock()
_implicit: WSAData | None = None
_explicit_sessions = 0


class Winsock:
    """A Winsock session: ``WSAStartup`` on enter, ``WSACleanup`` on exit.

    Winsock counts startups per process, and so does this class: sessions nest
    and may be opened from several threads. :class:`winsockx.Socket` starts
    Winsock by itself, so this is only needed for the :class:`WSAData` or for
    explicit control.

    >>> import winsockx
    >>> with winsockx.Winsock((2, 2)) as data:
    ...     data.version
    (2, 2)

    Raises:
        TypeError, ValueError: *version* is not two integers 0-255.
        WinsockError: WSAVERNOTSUPPORTED (10092) for versions below 1.0.
    """

    def __init__(self, version: tuple[int, int] = (2, 2)) -> None:
        check_int_pair(version, "version (major, minor)")
        if not all(0 <= v <= 0xFF for v in version):
            raise ValueError(f"version numbers must be 0-255, got {version!r}")
        self.version = version
        self._started: list[WSAData] = []
        self._own_lock = threading.Lock()

    def __enter__(self) -> WSAData:
        global _explicit_sessions
        data = raw.WSAStartup(self.version)
        with self._own_lock:
            self._started.append(data)
        with _lock:
            _explicit_sessions += 1
        return data

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _explicit_sessions
        with self._own_lock:
            if not self._started:
                raise UsageError("Winsock session exited more often than it was entered")
            self._started.pop()
        with _lock:
            _explicit_sessions -= 1
        raw.WSACleanup()

    @staticmethod
    def active_sessions() -> int:
        """How many explicit sessions are open in this process (the implicit one not counted)."""
        with _lock:
            return _explicit_sessions

    @staticmethod
    def implicitly_started() -> bool:
        """Whether :class:`winsockx.Socket` has started Winsock for the life of the process."""
        return _implicit is not None


def ensure_started() -> WSAData:
    """Start Winsock once for the life of the process, as the stdlib socket module does.

    Called by :class:`winsockx.Socket`; the matching ``WSACleanup`` runs at exit.
    """
    global _implicit
    data = _implicit
    if data is None:
        with _lock:
            data = _implicit
            if data is None:
                data = _implicit = raw.WSAStartup((2, 2))
                atexit.register(_cleanup_implicit)
    return data


def _cleanup_implicit() -> None:
    global _implicit
    with _lock:
        if _implicit is not None:
            _implicit = None
            raw.WSACleanup()
