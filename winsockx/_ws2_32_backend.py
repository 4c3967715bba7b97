"""The ws2_32 backend: Winsock itself. Windows only.

Each method makes one Winsock call (two where a safe handle needs it) and follows
one discipline for the error code, so that Python code running in between (a
signal handler, a finaliser) cannot change what a failure reports:

* on entry, ``saved = _w_WSAGetLastError()``: cffi keeps each thread's last
  error and sets it again before every call it makes, so this returns it;
* after a failing call, the code is read with ``WSAGetLastError()`` at once;
* before returning or raising, ``WSASetLastError(saved)`` puts the saved value back.

So a winsockx call made by code that interrupts another one leaves that other
call's code in place. :meth:`Ws2Backend.last_error` reports the last failure of a
backend call on this thread, kept apart from that channel.
"""

from __future__ import annotations

import sys

# Windows only: this assert also tells type checkers to skip the module elsewhere.
assert sys.platform == "win32"

import math  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from ._backend import WAIT_READ, SelectResult  # noqa: E402
from ._failure import OsFailure  # noqa: E402
from ._ws2_32 import (  # noqa: E402
    ERROR_INVALID_HANDLE,
    FIONBIO,
    HANDLE_FLAG_INHERIT,
    INVALID_SOCKET,
    SOCKET_ERROR,
    WSA_FLAG_NO_HANDLE_INHERIT,
    WSA_FLAG_OVERLAPPED,
    WSADATA_TYPE,
    kernel32,
    ntdll,
    ws2_32,
)
from ._ws2_32_ffi import ffi  # noqa: E402
from .address import SOCKADDR_STORAGE_SIZE  # noqa: E402
from .errors import WSAError  # noqa: E402
from .results import WSAData  # noqa: E402

if TYPE_CHECKING:
    from typing_extensions import Buffer

_INT_MAX = 0x7FFFFFFF
_SOCKET_FLAGS = WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT
_LINGER = struct.Struct("=HH")  # struct linger { u_short l_onoff; u_short l_linger; }
# struct timeval's tv_sec is a 32-bit long on Windows; longer waits are cut to this
# and wait() goes round again.
_MAX_TV_SEC = _INT_MAX
_ENOTSOCK = int(WSAError.WSAENOTSOCK)

# The code of the last failed backend call, per thread: what last_error() reports.
_last = threading.local()


# Bound once: looking a function up on a cffi library costs about 100 ns a call.
_w_FreeAddrInfoW = ws2_32.FreeAddrInfoW
_w_GetAddrInfoW = ws2_32.GetAddrInfoW
_w_WSACleanup = ws2_32.WSACleanup
_w_WSAGetLastError = ws2_32.WSAGetLastError
_w_WSASetLastError = ws2_32.WSASetLastError
_w_WSAIoctl = ws2_32.WSAIoctl
_w_WSASocketW = ws2_32.WSASocketW
_w_WSAStartup = ws2_32.WSAStartup
_w_accept = ws2_32.accept
_w_bind = ws2_32.bind
_w_closesocket = ws2_32.closesocket
_w_connect = ws2_32.connect
_w_getsockopt = ws2_32.getsockopt
_w_inet_ntop = ws2_32.inet_ntop
_w_inet_pton = ws2_32.inet_pton
_w_ioctlsocket = ws2_32.ioctlsocket
_w_listen = ws2_32.listen
_w_recv = ws2_32.recv
_w_recvfrom = ws2_32.recvfrom
_w_select = ws2_32.select
_w_send = ws2_32.send
_w_sendto = ws2_32.sendto
_w_setsockopt = ws2_32.setsockopt
_w_shutdown = ws2_32.shutdown
_k_GetHandleInformation = kernel32.GetHandleInformation
_k_GetLastError = kernel32.GetLastError
_k_SetHandleInformation = kernel32.SetHandleInformation

_SOL_SOCKET = 0xFFFF
_SO_EXCLUSIVEADDRUSE = ~0x0004  # ((int)(~SO_REUSEADDR)), winsock2.h
_TRUE = (1).to_bytes(4, sys.byteorder)
_CELLS: list[tuple[Any, Any]] = []  # spare (int[2], char * view) cells for getsockopt_int


def _fail(code: int, saved: int) -> OsFailure:
    """The failure for *code* (read right after the failing call); restores *saved*."""
    _w_WSASetLastError(saved)
    _last.code = code
    return OsFailure(code)


def _handle_fail(code: int, saved: int) -> OsFailure:
    """Like :func:`_fail`, for a kernel32 handle function's GetLastError() code."""
    # Winsock says "not a socket" (10038) for a closed or bogus socket handle, and
    # the POSIX backend maps EBADF the same way; kernel32 says ERROR_INVALID_HANDLE.
    return _fail(_ENOTSOCK if code == ERROR_INVALID_HANDLE else code, saved)


def _text(chars: object) -> str:
    raw = ffi.string(chars)  # type: ignore[arg-type]
    return raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)


def _sender(addr: Any, length: int) -> bytes:
    """The sender's sockaddr recvfrom wrote; b"" if it wrote none (a connection-oriented
    socket: Winsock leaves *from* and *fromlen* alone, so the family stays 0)."""
    data = bytes(ffi.buffer(addr, max(0, min(length, SOCKADDR_STORAGE_SIZE))))
    return data if len(data) >= 2 and data[:2] != b"\0\0" else b""


def _timeval(seconds: float) -> Any:
    """A ``struct timeval *`` for *seconds*, rounded up to the microsecond, clamped."""
    if seconds <= 0:
        return ffi.new("struct timeval *")
    if seconds >= _MAX_TV_SEC:
        return ffi.new("struct timeval *", (_MAX_TV_SEC, 0))
    micros = math.ceil(seconds * 1_000_000)
    return ffi.new("struct timeval *", (micros // 1_000_000, micros % 1_000_000))


def _fd_set(handles: Sequence[int]) -> Any:
    """An fd_set holding *handles* (any number: select reads fd_count entries)."""
    items = handles if isinstance(handles, (list, tuple)) else list(handles)
    return ffi.new("fd_set *", {"fd_count": len(items), "fd_array": items})


class Ws2Backend:
    """Winsock 2 through ws2_32.dll."""

    name = "ws2_32"

    def startup(self, major: int, minor: int) -> WSAData:
        saved = _w_WSAGetLastError()
        data: Any = ffi.new(WSADATA_TYPE)  # a WSADATA struct; cffi types fields dynamically
        # WSAStartup returns its error code; it does not set WSAGetLastError.
        rc = _w_WSAStartup(major | (minor << 8), data)
        if rc != 0:
            raise _fail(rc, saved)
        _w_WSASetLastError(saved)
        return WSAData(
            version=(data.wVersion & 0xFF, data.wVersion >> 8),
            high_version=(data.wHighVersion & 0xFF, data.wHighVersion >> 8),
            description=_text(data.szDescription),
            system_status=_text(data.szSystemStatus),
        )

    def cleanup(self) -> None:
        # The last WSACleanup closes every socket of the process (Winsock "WSACleanup").
        saved = _w_WSAGetLastError()
        if _w_WSACleanup() == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def last_error(self) -> int:
        code: int = getattr(_last, "code", 0)
        return code

    def socket(
        self,
        family: int,
        type: int,
        proto: int,
        nonblocking: bool,
        exclusive: bool = False,
        managed: bool = False,
    ) -> int:
        saved = _w_WSAGetLastError()
        handle = _w_WSASocketW(family, type, proto, ffi.NULL, 0, _SOCKET_FLAGS)
        if handle == INVALID_SOCKET:
            raise _fail(_w_WSAGetLastError(), saved)
        if (
            nonblocking
            and _w_ioctlsocket(handle, FIONBIO, ffi.new("unsigned long *", 1)) == SOCKET_ERROR
        ):
            failure = _fail(_w_WSAGetLastError(), saved)
            _w_closesocket(handle)
            _w_WSASetLastError(saved)
            raise failure
        if (
            exclusive
            and _w_setsockopt(handle, _SOL_SOCKET, _SO_EXCLUSIVEADDRUSE, _TRUE, 4) == SOCKET_ERROR
        ):
            failure = _fail(_w_WSAGetLastError(), saved)
            failure.function = "setsockopt"
            _w_closesocket(handle)
            _w_WSASetLastError(saved)
            raise failure
        _w_WSASetLastError(saved)
        return handle

    def closesocket(self, handle: int) -> None:
        saved = _w_WSAGetLastError()
        if _w_closesocket(handle) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def forget(self, handle: int) -> None:
        # Winsock itself tracks every socket; this backend keeps no registry.
        pass

    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None:
        saved = _w_WSAGetLastError()
        if _w_setsockopt(handle, level, optname, value, len(value)) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes:
        saved = _w_WSAGetLastError()
        buf = ffi.new("char[]", size)
        length = ffi.new("int *", size)
        if _w_getsockopt(handle, level, optname, buf, length) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        return bytes(ffi.buffer(buf, length[0]))

    def getsockopt_int(self, handle: int, level: int, optname: int) -> int:
        saved = _w_WSAGetLastError()
        # Value and length in one allocation (the hot path of Socket.get_option);
        # zeroed, so a 1-byte BOOLEAN answer reads as that byte.
        # From a pool, as in the POSIX backend: pop/append are atomic.
        try:
            cell, chars = _CELLS.pop()
            cell[0] = 0
            cell[1] = 4
        except IndexError:
            cell = ffi.new("int[2]", (0, 4))
            chars = ffi.cast("char *", cell)
        if _w_getsockopt(handle, level, optname, chars, cell + 1) == SOCKET_ERROR:
            _CELLS.append((cell, chars))
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        value = int(cell[0])
        _CELLS.append((cell, chars))
        return value

    def bind(self, handle: int, sockaddr: bytes) -> None:
        saved = _w_WSAGetLastError()
        if _w_bind(handle, ffi.from_buffer(sockaddr), len(sockaddr)) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def listen(self, handle: int, backlog: int) -> None:
        saved = _w_WSAGetLastError()
        if _w_listen(handle, backlog) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def accept(self, handle: int, nonblocking: bool, managed: bool = False) -> tuple[int, bytes]:
        # The accepted socket takes the listener's blocking mode, which the caller
        # keeps equal to *nonblocking* (see Backend.accept), so no ioctl is needed.
        saved = _w_WSAGetLastError()
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("int *", SOCKADDR_STORAGE_SIZE)
        conn = _w_accept(handle, buf, length)
        if conn == INVALID_SOCKET:
            raise _fail(_w_WSAGetLastError(), saved)
        # accept() gives an inheritable handle even when the listener was made with
        # WSA_FLAG_NO_HANDLE_INHERIT (measured on Wine 8; CPython clears the flag
        # after every accept on Windows for the same reason).
        if not _k_SetHandleInformation(conn, HANDLE_FLAG_INHERIT, 0):
            failure = _handle_fail(_k_GetLastError(), saved)
            _w_closesocket(conn)
            _w_WSASetLastError(saved)
            raise failure
        _w_WSASetLastError(saved)
        return conn, bytes(ffi.buffer(buf, length[0]))

    def connect(self, handle: int, sockaddr: bytes) -> None:
        saved = _w_WSAGetLastError()
        if _w_connect(handle, ffi.from_buffer(sockaddr), len(sockaddr)) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def send(self, handle: int, data: Buffer, flags: int) -> int:
        saved = _w_WSAGetLastError()
        view = ffi.from_buffer(data)
        sent = _w_send(handle, view, min(len(view), _INT_MAX), flags)
        if sent == SOCKET_ERROR:
            failure = _fail(_w_WSAGetLastError(), saved)
            # Release the caller's buffer before raising: the traceback keeps this
            # frame, and CPython before 3.12.7 crashes when the GC breaks a cycle
            # through a memoryview that still has exports (python/cpython#77894).
            ffi.release(view)
            raise failure
        _w_WSASetLastError(saved)
        return sent

    def recv(self, handle: int, size: int, flags: int) -> bytes:
        saved = _w_WSAGetLastError()
        buf = ffi.new("char[]", size)
        got = _w_recv(handle, buf, min(size, _INT_MAX), flags)
        if got == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        return bytes(ffi.buffer(buf, got))

    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int:
        saved = _w_WSAGetLastError()
        view = ffi.from_buffer(buffer, require_writable=True)
        got = _w_recv(handle, view, min(nbytes, _INT_MAX), flags)
        if got == SOCKET_ERROR:
            failure = _fail(_w_WSAGetLastError(), saved)
            ffi.release(view)  # as in send()
            raise failure
        _w_WSASetLastError(saved)
        return got

    def sendto(self, handle: int, data: Buffer, flags: int, sockaddr: bytes) -> int:
        saved = _w_WSAGetLastError()
        view = ffi.from_buffer(data)
        sent = _w_sendto(
            handle,
            view,
            min(len(view), _INT_MAX),
            flags,
            ffi.from_buffer(sockaddr),
            len(sockaddr),
        )
        if sent == SOCKET_ERROR:
            failure = _fail(_w_WSAGetLastError(), saved)
            ffi.release(view)  # as in send()
            raise failure
        _w_WSASetLastError(saved)
        return sent

    def recvfrom(self, handle: int, size: int, flags: int) -> tuple[bytes, bytes]:
        saved = _w_WSAGetLastError()
        buf = ffi.new("char[]", size)
        addr = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("int *", SOCKADDR_STORAGE_SIZE)
        got = _w_recvfrom(handle, buf, min(size, _INT_MAX), flags, addr, length)
        if got == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        return bytes(ffi.buffer(buf, got)), _sender(addr, length[0])

    def recvfrom_into(
        self, handle: int, buffer: Buffer, nbytes: int, flags: int
    ) -> tuple[int, bytes]:
        saved = _w_WSAGetLastError()
        view = ffi.from_buffer(buffer, require_writable=True)
        addr = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("int *", SOCKADDR_STORAGE_SIZE)
        got = _w_recvfrom(handle, view, min(nbytes, len(view), _INT_MAX), flags, addr, length)
        if got == SOCKET_ERROR:
            failure = _fail(_w_WSAGetLastError(), saved)
            ffi.release(view)  # as in send()
            raise failure
        _w_WSASetLastError(saved)
        return got, _sender(addr, length[0])

    def ioctl(self, handle: int, code: int, in_bytes: bytes, out_size: int) -> bytes:
        """``WSAIoctl`` without overlapped I/O: *in_bytes* in, up to *out_size* bytes out.

        Windows only: not part of the Backend protocol, and the POSIX backend has
        no stand-in (its ioctl codes are not Winsock's).
        """
        saved = _w_WSAGetLastError()
        inbuf: Any = ffi.from_buffer(in_bytes) if in_bytes else ffi.NULL
        outbuf: Any = ffi.new("char[]", out_size) if out_size else ffi.NULL
        returned = ffi.new("unsigned long *")
        rc = _w_WSAIoctl(
            handle, code, inbuf, len(in_bytes), outbuf, out_size, returned, ffi.NULL, ffi.NULL
        )
        if rc == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        if not out_size:
            return b""
        return bytes(ffi.buffer(outbuf, min(returned[0], out_size)))

    def getaddrinfo(
        self,
        host: str | None,
        port: str | None,
        family: int,
        type: int,
        proto: int,
        flags: int,
    ) -> list[tuple[int, int, int, str, bytes]]:
        saved = _w_WSAGetLastError()
        hints: Any = ffi.new("ADDRINFOW *")
        hints.ai_flags = flags
        hints.ai_family = family
        hints.ai_socktype = type
        hints.ai_protocol = proto
        result: Any = ffi.new("ADDRINFOW **")
        # GetAddrInfoW returns the WSA code itself (it sets WSAGetLastError too).
        # It blocks for as long as the resolver takes; cffi releases the GIL meanwhile.
        rc = _w_GetAddrInfoW(
            ffi.NULL if host is None else host,
            ffi.NULL if port is None else port,
            hints,
            result,
        )
        if rc != 0:
            raise _fail(rc, saved)
        entries: list[tuple[int, int, int, str, bytes]] = []
        try:
            ai = result[0]
            while ai != ffi.NULL:
                canon = ai.ai_canonname
                sockaddr = (
                    b"" if ai.ai_addr == ffi.NULL else bytes(ffi.buffer(ai.ai_addr, ai.ai_addrlen))
                )
                entries.append(
                    (
                        int(ai.ai_family),
                        int(ai.ai_socktype),
                        int(ai.ai_protocol),
                        "" if canon == ffi.NULL else str(ffi.string(canon)),
                        sockaddr,
                    )
                )
                ai = ai.ai_next
        finally:
            _w_FreeAddrInfoW(result[0])
            _w_WSASetLastError(saved)
        return entries

    def shutdown(self, handle: int, how: int) -> None:
        saved = _w_WSAGetLastError()
        if _w_shutdown(handle, how) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def _name(self, handle: int, peer: bool) -> bytes:
        saved = _w_WSAGetLastError()
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("int *", SOCKADDR_STORAGE_SIZE)
        call = ws2_32.getpeername if peer else ws2_32.getsockname
        if call(handle, buf, length) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        return bytes(ffi.buffer(buf, length[0]))

    def getsockname(self, handle: int) -> bytes:
        return self._name(handle, peer=False)

    def getpeername(self, handle: int) -> bytes:
        return self._name(handle, peer=True)

    def set_nonblocking(self, handle: int, enabled: bool) -> None:
        saved = _w_WSAGetLastError()
        arg = ffi.new("unsigned long *", 1 if enabled else 0)
        if _w_ioctlsocket(handle, FIONBIO, arg) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)

    def get_inheritable(self, handle: int) -> bool:
        saved = _w_WSAGetLastError()
        flags = ffi.new("DWORD *")
        if not _k_GetHandleInformation(handle, flags):
            raise _handle_fail(_k_GetLastError(), saved)
        _w_WSASetLastError(saved)
        return bool(flags[0] & HANDLE_FLAG_INHERIT)

    def set_inheritable(self, handle: int, inheritable: bool) -> None:
        saved = _w_WSAGetLastError()
        flag = HANDLE_FLAG_INHERIT if inheritable else 0
        if not _k_SetHandleInformation(handle, HANDLE_FLAG_INHERIT, flag):
            raise _handle_fail(_k_GetLastError(), saved)
        _w_WSASetLastError(saved)

    def wait(self, handle: int, events: int, timeout: float | None) -> bool:
        saved = _w_WSAGetLastError()
        if timeout is None:
            tv: Any = ffi.NULL
            deadline = 0.0
        else:
            tv = _timeval(timeout)
            deadline = time.monotonic() + timeout
        while True:
            one = ffi.new("fd_set *", {"fd_count": 1, "fd_array": [handle]})
            if events == WAIT_READ:
                rc = _w_select(0, one, ffi.NULL, ffi.NULL, tv)
            else:
                # A failed non-blocking connect shows in exceptfds, not writefds
                # (Winsock "select": "If processing a connect call (nonblocking),
                # connection attempt failed").
                both = ffi.new("fd_set *", {"fd_count": 1, "fd_array": [handle]})
                rc = _w_select(0, ffi.NULL, one, both, tv)
            if rc == SOCKET_ERROR:
                raise _fail(_w_WSAGetLastError(), saved)
            if rc > 0 or timeout is None:
                _w_WSASetLastError(saved)
                return True
            # A Windows wait may end up to one clock tick early ("Wait Functions and
            # Time-out Intervals"); go round until the deadline has really passed.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _w_WSASetLastError(saved)
                return False
            tv = _timeval(remaining)

    def select(
        self,
        read: Sequence[int],
        write: Sequence[int],
        error: Sequence[int],
        timeout: float | None,
    ) -> SelectResult:
        saved = _w_WSAGetLastError()
        # An empty set goes as NULL; with all three empty Winsock fails with WSAEINVAL.
        sets: list[Any] = [_fd_set(h) if h else ffi.NULL for h in (read, write, error)]
        tv = ffi.NULL if timeout is None else _timeval(timeout)
        # nfds is ignored by Winsock; it exists for Berkeley compatibility.
        if _w_select(0, sets[0], sets[1], sets[2], tv) == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        result: list[list[int]] = [
            [] if fds == ffi.NULL else [int(fds.fd_array[i]) for i in range(fds.fd_count)]
            for fds in sets
        ]
        return result[0], result[1], result[2]

    def inet_pton(self, family: int, text: str) -> bytes:
        # The C string would end at a NUL and accept "1.2.3.4\0junk"; non-ASCII text
        # can never be an address.
        if "\0" in text or not text.isascii():
            raise ValueError(f"inet_pton: {text!r} is not a valid address for family {family}")
        saved = _w_WSAGetLastError()
        buf = ffi.new("char[16]")
        rc = _w_inet_pton(family, text.encode("ascii"), buf)
        if rc == SOCKET_ERROR:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
        if rc == 0:
            raise ValueError(f"inet_pton: {text!r} is not a valid address for family {family}")
        return bytes(ffi.buffer(buf, 4 if family == 2 else 16))

    def inet_ntop(self, family: int, packed: bytes) -> str:
        saved = _w_WSAGetLastError()
        out = ffi.new("char[]", 64)
        result = _w_inet_ntop(family, ffi.from_buffer(packed), out, 64)
        if result == ffi.NULL:
            raise _fail(_w_WSAGetLastError(), saved)
        _w_WSASetLastError(saved)
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
        saved = _w_WSAGetLastError()
        version = _text(get_version())
        _w_WSASetLastError(saved)
        return version
