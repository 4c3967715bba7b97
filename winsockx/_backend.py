"""The interface both backends implement, and the failure they raise.

A backend performs one C call per method and, when it fails, raises
:class:`OsFailure` holding the error code read immediately after that call.
:mod:`winsockx.raw` turns the failure into a :class:`~winsockx.errors.WinsockError`
naming the function and its argument.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .errors import WinsockError, make_error
from .results import WSAData

if TYPE_CHECKING:
    from typing_extensions import Buffer

SelectResult = tuple[list[int], list[int], list[int]]


class OsFailure(Exception):
    """A backend call failed with ``winerror`` (and ``posix_errno`` on POSIX)."""

    def __init__(self, winerror: int | None, posix_errno: int | None = None) -> None:
        super().__init__(winerror, posix_errno)
        self.winerror = winerror
        self.posix_errno = posix_errno

    def error(
        self,
        function: str,
        *,
        argument: str | None = None,
        address: object | None = None,
        hint: str | None = None,
    ) -> WinsockError:
        """The public exception for this failure in *function*."""
        return make_error(
            self.winerror,
            function,
            argument=argument,
            address=address,
            hint=hint,
            posix_errno=self.posix_errno,
        )


class Backend(Protocol):
    """One socket implementation (ws2_32 or libc), with Winsock numbers at its edge."""

    name: str

    def startup(self, major: int, minor: int) -> WSAData: ...
    def cleanup(self) -> None: ...
    def last_error(self) -> int: ...
    def socket(self, family: int, type: int, proto: int) -> int: ...
    def closesocket(self, handle: int) -> None: ...
    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None: ...
    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes: ...
    def bind(self, handle: int, sockaddr: bytes) -> None: ...
    def listen(self, handle: int, backlog: int) -> None: ...
    def accept(self, handle: int) -> tuple[int, bytes]: ...
    def connect(self, handle: int, sockaddr: bytes) -> None: ...
    def send(self, handle: int, data: Buffer, flags: int) -> int: ...
    def recv(self, handle: int, size: int, flags: int) -> bytes: ...
    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int: ...
    def shutdown(self, handle: int, how: int) -> None: ...
    def getsockname(self, handle: int) -> bytes: ...
    def getpeername(self, handle: int) -> bytes: ...
    def set_nonblocking(self, handle: int, enabled: bool) -> None: ...
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


def load_backend() -> Backend:
    """The backend for this platform: ws2_32 on Windows, libc elsewhere."""
    if sys.platform == "win32":
        from ._ws2_32_backend import Ws2Backend

        return Ws2Backend()
    else:
        from ._posix_backend import PosixBackend

        return PosixBackend()
