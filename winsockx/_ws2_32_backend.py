"""The ws2_32 backend: Winsock itself. Windows only.

Each method makes one Winsock call and, on failure, reads ``WSAGetLastError()``
before anything else can run on this thread.
"""

from __future__ import annotations

import sys

# Windows only: this assert also tells type checkers to skip the module elsewhere.
assert sys.platform == "win32"

import struct  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from ._backend import OsFailure, SelectResult  # noqa: E402
from ._ws2_32 import (  # noqa: E402
    FIONBIO,
    INVALID_SOCKET,
    SOCKET_ERROR,
    WSADATA_TYPE,
    ntdll,
    ws2_32,
)
from ._ws2_32_ffi import ffi  # noqa: E402
from .address import SOCKADDR_STORAGE_SIZE  # noqa: E402
from .results import WSAData  # noqa: E402

if TYPE_CHECKING:
    from typing_extensions import Buffer

_INT_MAX = 0x7FFFFFFF
# A Winsock fd_set holds at most FD_SETSIZE (64) sockets.
_FD_SETSIZE = 64
_LINGER = struct.Struct("<HH")  # struct linger { u_short l_onoff; u_short l_linger; }


def _fail() -> OsFailure:
    return OsFailure(ws2_32.WSAGetLastError())


def _text(chars: object) -> str:
    raw = ffi.string(chars)  # type: ignore[arg-type]
    return raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)


class Ws2Backend:
    """Winsock 2 through ws2_32.dll."""

    name = "ws2_32"

    def startup(self, major: int, minor: int) -> WSAData:
        data: Any = ffi.new(WSADATA_TYPE)  # a WSADATA struct; cffi types fields dynamically
        # WSAStartup returns its error code; it does not set WSAGetLastError.
        rc = ws2_32.WSAStartup(major | (minor << 8), data)
        if rc != 0:
            raise OsFailure(rc)
        return WSAData(
            version=(data.wVersion & 0xFF, data.wVersion >> 8),
            high_version=(data.wHighVersion & 0xFF, data.wHighVersion >> 8),
            description=_text(data.szDescription),
            system_status=_text(data.szSystemStatus),
        )

    def cleanup(self) -> None:
        if ws2_32.WSACleanup() == SOCKET_ERROR:
            raise _fail()

    def last_error(self) -> int:
        return ws2_32.WSAGetLastError()

    def socket(self, family: int, type: int, proto: int) -> int:
        handle = ws2_32.socket(family, type, proto)
        if handle == INVALID_SOCKET:
            raise _fail()
        return handle

    def closesocket(self, handle: int) -> None:
        if ws2_32.closesocket(handle) == SOCKET_ERROR:
            raise _fail()

    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None:
        if ws2_32.setsockopt(handle, level, optname, value, len(value)) == SOCKET_ERROR:
            raise _fail()

    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes:
        buf = ffi.new("char[]", size)
        length = ffi.new("int *", size)
        if ws2_32.getsockopt(handle, level, optname, buf, length) == SOCKET_ERROR:
            raise _fail()
        return bytes(ffi.buffer(buf, length[0]))

    def bind(self, handle: int, sockaddr: bytes) -> None:
        if ws2_32.bind(handle, ffi.from_buffer(sockaddr), len(sockaddr)) == SOCKET_ERROR:
            raise _fail()

    def listen(self, handle: int, backlog: int) -> None:
        if ws2_32.listen(handle, backlog) == SOCKET_ERROR:
            raise _fail()

    def accept(self, handle: int) -> tuple[int, bytes]:
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("int *", SOCKADDR_STORAGE_SIZE)
        conn = ws2_32.accept(handle, buf, length)
        if conn == INVALID_SOCKET:
            raise _fail()
        return conn, bytes(ffi.buffer(buf, length[0]))

    def connect(self, handle: int, sockaddr: bytes) -> None:
        if ws2_32.connect(handle, ffi.from_buffer(sockaddr), len(sockaddr)) == SOCKET_ERROR:
            raise _fail()

    def send(self, handle: int, data: Buffer, flags: int) -> int:
        view = ffi.from_buffer(data)
        sent = ws2_32.send(handle, view, min(len(view), _INT_MAX), flags)
        if sent == SOCKET_ERROR:
            raise _fail()
        return sent

    def recv(self, handle: int, size: int, flags: int) -> bytes:
        buf = ffi.new("char[]", size)
        got = ws2_32.recv(handle, buf, min(size, _INT_MAX), flags)
        if got == SOCKET_ERROR:
            raise _fail()
        return bytes(ffi.buffer(buf, got))

    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int:
        view = ffi.from_buffer(buffer, require_writable=True)
        got = ws2_32.recv(handle, view, min(nbytes, _INT_MAX), flags)
        if got == SOCKET_ERROR:
            raise _fail()
        return got

    def shutdown(self, handle: int, how: int) -> None:
        if ws2_32.shutdown(handle, how) == SOCKET_ERROR:
            raise _fail()

    def _name(self, handle: int, peer: bool) -> bytes:
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("int *", SOCKADDR_STORAGE_SIZE)
        call = ws2_32.getpeername if peer else ws2_32.getsockname
        if call(handle, buf, length) == SOCKET_ERROR:
            raise _fail()
        return bytes(ffi.buffer(buf, length[0]))

    def getsockname(self, handle: int) -> bytes:
        return self._name(handle, peer=False)

    def getpeername(self, handle: int) -> bytes:
        return self._name(handle, peer=True)

    def set_nonblocking(self, handle: int, enabled: bool) -> None:
        arg = ffi.new("unsigned long *", 1 if enabled else 0)
        if ws2_32.ioctlsocket(handle, FIONBIO, arg) == SOCKET_ERROR:
            raise _fail()

    def select(
        self,
        read: Sequence[int],
        write: Sequence[int],
        error: Sequence[int],
        timeout: float | None,
    ) -> SelectResult:
        sets: list[Any] = []  # fd_set structs
        for handles in (read, write, error):
            if len(handles) > _FD_SETSIZE:
                raise ValueError(f"select() takes at most {_FD_SETSIZE} sockets per set")
            fds: Any = ffi.new("fd_set *")
            fds.fd_count = len(handles)
            for i, handle in enumerate(handles):
                fds.fd_array[i] = handle
            sets.append(fds)
        if timeout is None:
            tv = ffi.NULL
        else:
            micros = round(timeout * 1_000_000)
            tv = ffi.new("struct timeval *", (micros // 1_000_000, micros % 1_000_000))
        # nfds is ignored by Winsock; it exists for Berkeley compatibility.
        if ws2_32.select(0, sets[0], sets[1], sets[2], tv) == SOCKET_ERROR:
            raise _fail()
        result: list[list[int]] = [
            [int(fds.fd_array[i]) for i in range(fds.fd_count)] for fds in sets
        ]
        return result[0], result[1], result[2]

    def inet_pton(self, family: int, text: str) -> bytes:
        buf = ffi.new("char[16]")
        rc = ws2_32.inet_pton(family, text.encode("ascii", "replace"), buf)
        if rc == SOCKET_ERROR:
            raise _fail()
        if rc == 0:
            raise ValueError(f"inet_pton: {text!r} is not a valid address for family {family}")
        return bytes(ffi.buffer(buf, 4 if family == 2 else 16))

    def inet_ntop(self, family: int, packed: bytes) -> str:
        out = ffi.new("char[]", 64)
        result = ws2_32.inet_ntop(family, ffi.from_buffer(packed), out, 64)
        if result == ffi.NULL:
            raise _fail()
        return _text(out)

    def native_family(self, family: int) -> int:
        return family

    def pack_linger(self, onoff: int, seconds: int) -> bytes:
        return _LINGER.pack(onoff, seconds)

    def unpack_linger(self, data: bytes) -> tuple[int, int]:
        onoff, seconds = _LINGER.unpack_from(data)
        return onoff, seconds

    def platform(self) -> str:
        v = sys.getwindowsversion()
        return f"Windows {v.major}.{v.minor}.{v.build}"

    def wine_version(self) -> str | None:
        try:
            get_version = ntdll.wine_get_version
        except AttributeError:  # real Windows: ntdll has no such export
            return None
        return _text(get_version())
