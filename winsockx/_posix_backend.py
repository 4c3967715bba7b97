"""The POSIX backend: libc's BSD sockets behind Winsock's numbers and rules.

Everything at this module's edge is Winsock: families, levels and option numbers
come in with their Winsock values and errno goes out as the equivalent WSA code
(the errno is kept too). Where Winsock has rules libc lacks, they are emulated:

* ``WSAStartup`` is reference counted and every call before it fails with
  WSANOTINITIALISED (10093), as on Windows.
* ``SO_EXCLUSIVEADDRUSE`` means SO_REUSEADDR/SO_REUSEPORT are off and stay off;
  setting it together with SO_REUSEADDR fails with WSAEINVAL (10022) either way
  round, as Winsock does.
* AF_INET6 sockets start with IPV6_V6ONLY on, Winsock's default (Linux's is off).

This backend exists so the typed API runs and is tested on Linux; it never stands
in for Windows' bind rules, which only the ws2_32 backend can show.
"""

from __future__ import annotations

import sys

# POSIX only: this assert also tells type checkers to skip the module on Windows.
assert sys.platform != "win32"

import os  # noqa: E402
import platform as _platform  # noqa: E402
import socket as _stdsocket  # noqa: E402
import struct  # noqa: E402
import termios  # noqa: E402
import threading  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from . import _errno_map  # noqa: E402
from ._backend import OsFailure, SelectResult  # noqa: E402
from ._libc import libc  # noqa: E402
from ._libc_ffi import ffi  # noqa: E402
from .address import SOCKADDR_STORAGE_SIZE  # noqa: E402
from .errors import WSAError  # noqa: E402
from .results import WSAData  # noqa: E402

if TYPE_CHECKING:
    from typing_extensions import Buffer

_WS_SOL_SOCKET = 0xFFFF
_WS_SO_REUSEADDR = 0x0004
_WS_SO_EXCLUSIVEADDRUSE = ~0x0004
_WS_SO_ERROR = 0x1007
_WS_IPPROTO_IPV6 = 41
_WS_IPV6_V6ONLY = 27

# Winsock family/type numbers -> this host's.
_FAMILIES = {0: _stdsocket.AF_UNSPEC, 2: _stdsocket.AF_INET, 23: _stdsocket.AF_INET6}
_FAMILIES_BACK = {v: k for k, v in _FAMILIES.items()}
_TYPES = {1: _stdsocket.SOCK_STREAM, 2: _stdsocket.SOCK_DGRAM, 3: _stdsocket.SOCK_RAW}
# (Winsock level, Winsock optname) -> (host level, host optname).
_OPTIONS: dict[tuple[int, int], tuple[int, int]] = {
    (_WS_SOL_SOCKET, _WS_SO_REUSEADDR): (_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEADDR),
    (_WS_SOL_SOCKET, 0x1008): (_stdsocket.SOL_SOCKET, _stdsocket.SO_TYPE),
    (_WS_SOL_SOCKET, 0x0002): (_stdsocket.SOL_SOCKET, _stdsocket.SO_ACCEPTCONN),
    (_WS_SOL_SOCKET, 0x0008): (_stdsocket.SOL_SOCKET, _stdsocket.SO_KEEPALIVE),
    (_WS_SOL_SOCKET, 0x0020): (_stdsocket.SOL_SOCKET, _stdsocket.SO_BROADCAST),
    (_WS_SOL_SOCKET, 0x0080): (_stdsocket.SOL_SOCKET, _stdsocket.SO_LINGER),
    (_WS_SOL_SOCKET, 0x0100): (_stdsocket.SOL_SOCKET, _stdsocket.SO_OOBINLINE),
    (_WS_SOL_SOCKET, 0x1001): (_stdsocket.SOL_SOCKET, _stdsocket.SO_SNDBUF),
    (_WS_SOL_SOCKET, 0x1002): (_stdsocket.SOL_SOCKET, _stdsocket.SO_RCVBUF),
    (_WS_SOL_SOCKET, _WS_SO_ERROR): (_stdsocket.SOL_SOCKET, _stdsocket.SO_ERROR),
    (_WS_IPPROTO_IPV6, _WS_IPV6_V6ONLY): (_stdsocket.IPPROTO_IPV6, _stdsocket.IPV6_V6ONLY),
    (6, 0x0001): (_stdsocket.IPPROTO_TCP, _stdsocket.TCP_NODELAY),
}
_SO_REUSEPORT: int | None = getattr(_stdsocket, "SO_REUSEPORT", None)
# Python ignores SIGPIPE, but a host application embedding it may not.
_MSG_NOSIGNAL = getattr(_stdsocket, "MSG_NOSIGNAL", 0)
_POLLIN, _POLLPRI, _POLLOUT, _POLLERR, _POLLHUP, _POLLNVAL = 1, 2, 4, 8, 16, 32
_LINGER = struct.Struct("=ii")  # struct linger { int l_onoff; int l_linger; }
_INT = struct.Struct("=i")
_FAMILY_FIELD = struct.Struct("=H")  # sa_family_t, host byte order, first in every sockaddr
_SSIZE_MAX = 0x7FFFFFFF


def _fail() -> OsFailure:
    err = ffi.errno
    return OsFailure(_errno_map.wsa_code_for_errno(err), err)


def _refuse(code: WSAError) -> OsFailure:
    """A failure Winsock would report, for a call this backend does not pass on."""
    return OsFailure(int(code))


def _text(chars: object) -> str:
    raw = ffi.string(chars)  # type: ignore[arg-type]
    return raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)


class PosixBackend:
    """Winsock's API over libc."""

    name = "posix"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = 0
        self._exclusive: set[int] = set()

    # -- session ---------------------------------------------------------------

    def startup(self, major: int, minor: int) -> WSAData:
        # Winsock refuses versions below 1.0 and caps the rest at 2.2.
        if major < 1:
            raise _refuse(WSAError.WSAVERNOTSUPPORTED)
        version = min((major, minor), (2, 2))
        with self._lock:
            self._started += 1
        return WSAData(
            version=version,
            high_version=(2, 2),
            description=f"winsockx POSIX backend (libc sockets on {_platform.system()})",
            system_status="Running",
        )

    def cleanup(self) -> None:
        with self._lock:
            if self._started == 0:
                raise _refuse(WSAError.WSANOTINITIALISED)
            self._started -= 1

    def _check_started(self) -> None:
        if not self._started:
            raise _refuse(WSAError.WSANOTINITIALISED)

    def last_error(self) -> int:
        code = _errno_map.wsa_code_for_errno(ffi.errno)
        return 0 if code is None else code

    # -- sockets ---------------------------------------------------------------

    def socket(self, family: int, type: int, proto: int) -> int:
        self._check_started()
        native_family = _FAMILIES.get(family)
        if native_family is None:
            raise _refuse(WSAError.WSAEAFNOSUPPORT)
        native_type = _TYPES.get(type)
        if native_type is None:
            raise _refuse(WSAError.WSAESOCKTNOSUPPORT)
        fd = libc.socket(native_family, native_type | _stdsocket.SOCK_CLOEXEC, proto)
        if fd < 0:
            raise _fail()
        if native_family == _stdsocket.AF_INET6:
            # Winsock's AF_INET6 sockets are IPv6-only until IPV6_V6ONLY is cleared.
            self._set_native(fd, _stdsocket.IPPROTO_IPV6, _stdsocket.IPV6_V6ONLY, 1)
        return fd

    def closesocket(self, handle: int) -> None:
        self._check_started()
        with self._lock:
            self._exclusive.discard(handle)
        if libc.close(handle) < 0:
            raise _fail()

    def _set_native(self, fd: int, level: int, optname: int, value: int) -> None:
        if libc.setsockopt(fd, level, optname, ffi.new("int *", value), 4) < 0:
            err = _fail()
            libc.close(fd)
            raise err

    def _get_native_int(self, handle: int, level: int, optname: int) -> int:
        buf = ffi.new("int *")
        length = ffi.new("socklen_t *", 4)
        if libc.getsockopt(handle, level, optname, buf, length) < 0:
            raise _fail()
        return int(buf[0])

    def _reuse_on(self, handle: int) -> bool:
        sol = _stdsocket.SOL_SOCKET
        if self._get_native_int(handle, sol, _stdsocket.SO_REUSEADDR):
            return True
        return _SO_REUSEPORT is not None and bool(self._get_native_int(handle, sol, _SO_REUSEPORT))

    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None:
        self._check_started()
        on = any(value)
        if (level, optname) == (_WS_SOL_SOCKET, _WS_SO_EXCLUSIVEADDRUSE):
            # Validate the handle first, as Winsock would (10038 for a bad one).
            reuse = self._reuse_on(handle)
            if on and reuse:
                raise _refuse(WSAError.WSAEINVAL)
            with self._lock:
                (self._exclusive.add if on else self._exclusive.discard)(handle)
            return
        if (
            (level, optname) == (_WS_SOL_SOCKET, _WS_SO_REUSEADDR)
            and on
            and (handle in self._exclusive)
        ):
            raise _refuse(WSAError.WSAEINVAL)
        native = _OPTIONS.get((level, optname))
        if native is None:
            raise _refuse(WSAError.WSAENOPROTOOPT)
        buf = ffi.from_buffer(value)
        if libc.setsockopt(handle, native[0], native[1], buf, len(value)) < 0:
            raise _fail()

    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes:
        self._check_started()
        if (level, optname) == (_WS_SOL_SOCKET, _WS_SO_EXCLUSIVEADDRUSE):
            self._get_native_int(handle, _stdsocket.SOL_SOCKET, _stdsocket.SO_TYPE)
            return _INT.pack(1 if handle in self._exclusive else 0)[:size]
        native = _OPTIONS.get((level, optname))
        if native is None:
            raise _refuse(WSAError.WSAENOPROTOOPT)
        buf = ffi.new("char[]", size)
        length = ffi.new("socklen_t *", size)
        if libc.getsockopt(handle, native[0], native[1], buf, length) < 0:
            raise _fail()
        data = bytes(ffi.buffer(buf, length[0]))
        if (level, optname) == (_WS_SOL_SOCKET, _WS_SO_ERROR) and len(data) >= 4:
            err = _INT.unpack_from(data)[0]
            code = _errno_map.wsa_code_for_errno(err) if err else 0
            data = _INT.pack(code if code is not None else err)
        return data

    def bind(self, handle: int, sockaddr: bytes) -> None:
        self._check_started()
        if libc.bind(handle, ffi.from_buffer(sockaddr), len(sockaddr)) < 0:
            raise _fail()

    def listen(self, handle: int, backlog: int) -> None:
        self._check_started()
        if libc.listen(handle, backlog) < 0:
            raise _fail()

    def accept(self, handle: int) -> tuple[int, bytes]:
        self._check_started()
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("socklen_t *", SOCKADDR_STORAGE_SIZE)
        fd = libc.accept(handle, buf, length)
        if fd < 0:
            raise _fail()
        os.set_inheritable(fd, False)
        return fd, self._winsock_sockaddr(bytes(ffi.buffer(buf, length[0])))

    def connect(self, handle: int, sockaddr: bytes) -> None:
        self._check_started()
        if libc.connect(handle, ffi.from_buffer(sockaddr), len(sockaddr)) < 0:
            raise _fail()

    def send(self, handle: int, data: Buffer, flags: int) -> int:
        self._check_started()
        view = ffi.from_buffer(data)
        sent = libc.send(handle, view, min(len(view), _SSIZE_MAX), flags | _MSG_NOSIGNAL)
        if sent < 0:
            raise _fail()
        return sent

    def recv(self, handle: int, size: int, flags: int) -> bytes:
        self._check_started()
        buf = ffi.new("char[]", size)
        got = libc.recv(handle, buf, size, flags)
        if got < 0:
            raise _fail()
        return bytes(ffi.buffer(buf, got))

    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int:
        self._check_started()
        view = ffi.from_buffer(buffer, require_writable=True)
        got = libc.recv(handle, view, nbytes, flags)
        if got < 0:
            raise _fail()
        return got

    def shutdown(self, handle: int, how: int) -> None:
        self._check_started()
        # SD_RECEIVE/SD_SEND/SD_BOTH equal SHUT_RD/SHUT_WR/SHUT_RDWR.
        if libc.shutdown(handle, how) < 0:
            raise _fail()

    def _winsock_sockaddr(self, data: bytes) -> bytes:
        """Rewrite the family field of a native sockaddr to Winsock's number."""
        if len(data) < 2:
            return data
        native = _FAMILY_FIELD.unpack_from(data)[0]
        return _FAMILY_FIELD.pack(_FAMILIES_BACK.get(native, native)) + data[2:]

    def getsockname(self, handle: int) -> bytes:
        self._check_started()
        return self._name(handle, peer=False)

    def getpeername(self, handle: int) -> bytes:
        self._check_started()
        return self._name(handle, peer=True)

    def _name(self, handle: int, peer: bool) -> bytes:
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("socklen_t *", SOCKADDR_STORAGE_SIZE)
        call = libc.getpeername if peer else libc.getsockname
        if call(handle, buf, length) < 0:
            raise _fail()
        return self._winsock_sockaddr(bytes(ffi.buffer(buf, length[0])))

    def set_nonblocking(self, handle: int, enabled: bool) -> None:
        self._check_started()
        if libc.ioctl(handle, termios.FIONBIO, ffi.new("int *", 1 if enabled else 0)) < 0:
            raise _fail()

    def select(
        self,
        read: Sequence[int],
        write: Sequence[int],
        error: Sequence[int],
        timeout: float | None,
    ) -> SelectResult:
        # poll() rather than select(): no FD_SETSIZE limit on descriptor numbers.
        self._check_started()
        wanted: dict[int, int] = {}
        for handle in read:
            wanted[handle] = wanted.get(handle, 0) | _POLLIN
        for handle in write:
            wanted[handle] = wanted.get(handle, 0) | _POLLOUT
        for handle in error:
            wanted[handle] = wanted.get(handle, 0) | _POLLPRI
        fds = ffi.new("struct pollfd[]", len(wanted))
        for i, (handle, events) in enumerate(wanted.items()):
            fds[i].fd = handle
            fds[i].events = events
        millis = -1 if timeout is None else max(0, int(timeout * 1000 + 0.999))
        if libc.poll(fds, len(wanted), millis) < 0:
            raise _fail()
        ready: dict[int, int] = {int(fds[i].fd): int(fds[i].revents) for i in range(len(wanted))}
        if any(revents & _POLLNVAL for revents in ready.values()):
            # Winsock's select fails with WSAENOTSOCK for a handle that is not a socket.
            raise OsFailure(int(WSAError.WSAENOTSOCK), None)
        readable = _POLLIN | _POLLHUP | _POLLERR
        out: list[list[int]] = [
            [h for h in read if ready[h] & readable],
            [h for h in write if ready[h] & (_POLLOUT | _POLLERR | _POLLHUP)],
            [h for h in error if ready[h] & (_POLLPRI | _POLLERR)],
        ]
        return out[0], out[1], out[2]

    def inet_pton(self, family: int, text: str) -> bytes:
        native = _FAMILIES.get(family)
        if native is None or family == 0:
            raise _refuse(WSAError.WSAEAFNOSUPPORT)
        buf = ffi.new("char[16]")
        rc = libc.inet_pton(native, text.encode("ascii", "replace"), buf)
        if rc < 0:
            raise _fail()
        if rc == 0:
            raise ValueError(f"inet_pton: {text!r} is not a valid address for family {family}")
        return bytes(ffi.buffer(buf, 4 if family == 2 else 16))

    def inet_ntop(self, family: int, packed: bytes) -> str:
        native = _FAMILIES.get(family)
        if native is None or family == 0:
            raise _refuse(WSAError.WSAEAFNOSUPPORT)
        out = ffi.new("char[]", 64)
        if libc.inet_ntop(native, ffi.from_buffer(packed), out, 64) == ffi.NULL:
            raise _fail()
        return _text(out)

    def native_family(self, family: int) -> int:
        return _FAMILIES.get(family, family)

    def pack_linger(self, onoff: int, seconds: int) -> bytes:
        return _LINGER.pack(onoff, seconds)

    def unpack_linger(self, data: bytes) -> tuple[int, int]:
        onoff, seconds = _LINGER.unpack_from(data)
        return onoff, seconds

    def platform(self) -> str:
        return f"{_platform.system()} {_platform.release()}"

    def wine_version(self) -> str | None:
        return None
