"""Starting and stopping Winsock (``WSAStartup``/``WSACleanup``).

No locks: a signal handler or a finaliser may start or stop a session while the
thread it interrupts is inside this module, so every shared update is one list
operation (atomic under the GIL) and nothing waits for anything.
"""

from __future__ import annotations

from types import TracebackType

from . import raw
from ._checks import check_int_pair
from .errors import UsageError
from .results import WSAData

__all__ = ["Winsock", "ensure_started"]

# The implicit startup made by the first Socket: at most one entry, never cleaned up
# explicitly. Like the stdlib socket module, winsockx leaves it to the end of the
# process, after every atexit handler, so an atexit handler can still close (and
# drain) its sockets; an explicit WSACleanup at exit would reset open connections.
_implicit: list[WSAData] = []
# One entry per open explicit session, across all Winsock objects.
_explicit: list[None] = []


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

    def __enter__(self) -> WSAData:
        data = raw.WSAStartup(self.version)
        self._started.append(data)
        _explicit.append(None)
        return data

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._started.pop()
        except IndexError:
            raise UsageError("Winsock session exited more often than it was entered") from None
        _explicit.pop()
        raw.WSACleanup()

    @staticmethod
    def active_sessions() -> int:
        """How many explicit sessions are open in this process (the implicit one not counted)."""
        return len(_explicit)

    @staticmethod
    def implicitly_started() -> bool:
        """Whether :class:`winsockx.Socket` has started Winsock for the life of the process."""
        return bool(_implicit)


def ensure_started() -> WSAData:
    """Start Winsock once for the life of the process, as the stdlib socket module does.

    Called by :class:`winsockx.Socket`. The startup is never undone explicitly: the
    process's end releases it, after the application's atexit handlers have run.
    """
    if _implicit:
        return _implicit[0]
    data = raw.WSAStartup((2, 2))
    _implicit.append(data)
    if _implicit[0] is not data:
        # Another thread (or a signal handler) started first: undo our extra count.
        _implicit.remove(data)
        raw.WSACleanup()
    return _implicit[0]
