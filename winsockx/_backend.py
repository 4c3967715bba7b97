"""The interface both backends implement.

A backend performs one C call per method and, when it fails, raises
:class:`~winsockx._failure.OsFailure` holding the error code captured in the same
statement as that call (see that class). Numbers at this edge are Winsock's:
families, types, levels, option names and error codes.

Every handle a backend creates (``socket``, ``accept``) is not inheritable by child
processes: ``WSA_FLAG_NO_HANDLE_INHERIT`` on Windows, ``SOCK_CLOEXEC``/``accept4`` on
Linux, as CPython and socket2 do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .results import WSAData

if TYPE_CHECKING:
    from typing_extensions import Buffer

SelectResult = tuple[list[int], list[int], list[int]]

WAIT_READ = 1
"""``wait`` for readability (data, end of stream, a pending connection, an error)."""
WAIT_WRITE = 2
"""``wait`` for writability (room to send, or a non-blocking connect that finished)."""


class Backend(Protocol):
    """One socket implementation (ws2_32 or libc), with Winsock numbers at its edge."""

    name: str

    def startup(self, major: int, minor: int) -> WSAData: ...
    def cleanup(self) -> None: ...
    def last_error(self) -> int: ...
    def socket(
        self,
        family: int,
        type: int,
        proto: int,
        nonblocking: bool,
        exclusive: bool = False,
        managed: bool = False,
    ) -> int:
        """A new, non-inheritable socket; *nonblocking* puts it in non-blocking mode,
        *exclusive* sets SO_EXCLUSIVEADDRUSE on it (a failure of that setsockopt
        closes the socket and raises an OsFailure whose ``function`` is
        ``"setsockopt"``). *managed*: the handle belongs to a winsockx Socket, which
        closes it or hands it on (``forget``) only through the backend."""
        ...

    def closesocket(self, handle: int) -> None: ...
    def forget(self, handle: int) -> None:
        """Stop tracking *handle* without closing it (it was detached/handed over)."""
        ...

    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None: ...
    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes: ...
    def getsockopt_int(self, handle: int, level: int, optname: int) -> int:
        """``getsockopt`` of an int-sized option, read as a C int (a 1-byte answer,
        as Windows gives for some BOOL options, reads as that byte)."""
        ...

    def bind(self, handle: int, sockaddr: bytes) -> None: ...
    def listen(self, handle: int, backlog: int) -> None: ...
    def accept(self, handle: int, nonblocking: bool, managed: bool = False) -> tuple[int, bytes]:
        """A new non-inheritable connected handle and the peer's sockaddr.

        *nonblocking* is the mode the new handle gets (Linux: ``accept4`` flags;
        Windows: the accepted socket inherits the listener's mode, which winsockx
        keeps equal to *nonblocking*).
        """
        ...

    def connect(self, handle: int, sockaddr: bytes) -> None: ...
    def send(self, handle: int, data: Buffer, flags: int) -> int: ...
    def recv(self, handle: int, size: int, flags: int) -> bytes: ...
    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int: ...
    def sendto(self, handle: int, data: Buffer, flags: int, sockaddr: bytes) -> int:
        """Send one datagram (or what the stack takes of a stream) to the native
        *sockaddr*; the number of bytes sent."""
        ...

    def recvfrom(self, handle: int, size: int, flags: int) -> tuple[bytes, bytes]:
        """Up to *size* bytes and the sender's sockaddr, with Winsock's family number
        as ``getsockname`` returns it (``b""`` when the stack reports no sender, as for
        a connected stream socket)."""
        ...

    def recvfrom_into(
        self, handle: int, buffer: Buffer, nbytes: int, flags: int
    ) -> tuple[int, bytes]:
        """Like :meth:`recvfrom`, into at most *nbytes* bytes of *buffer*."""
        ...

    def getaddrinfo(
        self,
        host: str | None,
        port: str | None,
        family: int,
        type: int,
        proto: int,
        flags: int,
    ) -> list[tuple[int, int, int, str, bytes]]:
        """``GetAddrInfoW`` / ``getaddrinfo``: ``(family, type, proto, canonname,
        sockaddr)`` entries, in Winsock numbers (hints go in as Winsock's too), each
        sockaddr with Winsock's family number. Blocks for as long as the resolver
        takes. A failure carries the WSA code (POSIX: the one for the EAI_* result;
        the failure then also has a ``hint`` naming that result)."""
        ...

    def shutdown(self, handle: int, how: int) -> None: ...
    def getsockname(self, handle: int) -> bytes: ...
    def getpeername(self, handle: int) -> bytes: ...
    def set_nonblocking(self, handle: int, enabled: bool) -> None: ...
    def get_inheritable(self, handle: int) -> bool: ...
    def set_inheritable(self, handle: int, inheritable: bool) -> None: ...
    def wait(self, handle: int, events: int, timeout: float | None) -> bool:
        """Wait until *handle* is ready for *events* (WAIT_READ or WAIT_WRITE) or
        *timeout* seconds pass (None: no limit). True when ready (an error or hang-up
        counts as ready: the next call reports it); False on timeout or when a signal
        interrupted the wait (POSIX EINTR): the caller recomputes its deadline and
        calls again."""
        ...

    def select(
        self,
        read: Sequence[int],
        write: Sequence[int],
        error: Sequence[int],
        timeout: float | None,
    ) -> SelectResult: ...
    def inet_pton(self, family: int, text: str) -> bytes: ...
    def inet_ntop(self, family: int, packed: bytes) -> str: ...
    def native_family(self, family: int) -> int: ...
    def pack_linger(self, onoff: int, seconds: int) -> bytes: ...
    def unpack_linger(self, data: bytes) -> tuple[int, int]: ...
    def platform(self) -> str: ...
    def wine_version(self) -> str | None: ...
