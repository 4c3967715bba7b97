"""Small frozen dataclasses for what Winsock calls return."""

from __future__ import annotations

import dataclasses
import enum

__all__ = ["BackendInfo", "CloseReason", "CloseReport", "WSAData"]


@dataclasses.dataclass(frozen=True)
class WSAData:
    """What ``WSAStartup`` reported (the ``WSADATA`` structure).

    >>> import winsockx
    >>> with winsockx.Winsock() as data:
    ...     data.version
    (2, 2)
    """

    version: tuple[int, int]
    """The Winsock version this session uses, ``(major, minor)``."""
    high_version: tuple[int, int]
    """The highest version the implementation supports, ``(major, minor)``."""
    description: str
    """The implementation's description string (``szDescription``)."""
    system_status: str
    """The implementation's status string (``szSystemStatus``)."""


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    """Which implementation is underneath, so reports never pretend Wine is Windows.

    >>> import winsockx
    >>> winsockx.backend_info().name in ("ws2_32", "posix")
    True
    """

    name: str
    """``"ws2_32"`` (Winsock through ws2_32.dll) or ``"posix"`` (libc BSD sockets)."""
    platform: str
    """The operating system, e.g. ``"Windows 10.0.22631"`` or ``"Linux 6.1.0"``."""
    wine_version: str | None
    """Wine's version when ws2_32 is Wine's (from ntdll's ``wine_get_version``), else None."""
    python: str
    """The Python implementation and version running winsockx."""

    @property
    def label(self) -> str:
        """One line for report headers: ``ws2_32 on Wine 8.0 (...)`` or ``posix on Linux ...``."""
        if self.wine_version is not None:
            return f"{self.name} on Wine {self.wine_version} (reports {self.platform})"
        return f"{self.name} on {self.platform}"


class CloseReason(str, enum.Enum):
    """Why :meth:`winsockx.Socket.close` ended the way it did.

    >>> CloseReason.PEER_CLOSED.value
    'peer_closed'
    """

    PEER_CLOSED = "peer_closed"
    """The peer's end of stream was seen within the bounds: a graceful close."""
    TIMEOUT = "timeout"
    """``drain_timeout`` ran out before the peer closed its side."""
    LIMIT = "limit"
    """The peer sent more than ``drain_limit`` bytes while draining."""
    RESET = "reset"
    """The connection was reset or aborted (by the peer or the stack)."""
    ERROR = "error"
    """Another error during shutdown or draining; the socket was closed anyway."""
    RECEIVE_SHUT = "receive_shut"
    """The application had shut down the receiving side itself (``SD_RECEIVE`` or
    ``SD_BOTH``), so the peer's end of stream could not be awaited: nothing was drained."""
    NOT_CONNECTED = "not_connected"
    """No connected stream to drain (listening, unconnected or datagram socket)."""
    DETACHED = "detached"
    """The handle was handed over with :meth:`winsockx.Socket.detach`; nothing was closed."""


@dataclasses.dataclass(frozen=True)
class CloseReport:
    """How a socket was closed.

    >>> CloseReport(True, 0, 0.001, CloseReason.PEER_CLOSED).graceful
    True
    """

    graceful: bool
    """True only when the peer's end of stream was seen within the bounds."""
    drained_bytes: int
    """Bytes received (and discarded) while draining after ``shutdown(SD_SEND)``."""
    seconds: float
    """Time the close took."""
    reason: CloseReason
    """Why it ended: see :class:`CloseReason`."""

    @classmethod
    def _make(
        cls, graceful: bool, drained_bytes: int, seconds: float, reason: CloseReason
    ) -> CloseReport:
        """The same object the constructor builds, without its per-field frozen
        ``__setattr__`` calls (every ``close()`` makes one; this is 4x cheaper)."""
        report = object.__new__(cls)
        object.__setattr__(
            report,
            "__dict__",
            {
                "graceful": graceful,
                "drained_bytes": drained_bytes,
                "seconds": seconds,
                "reason": reason,
            },
        )
        return report
