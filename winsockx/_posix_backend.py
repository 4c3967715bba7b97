"""The POSIX backend: libc's BSD sockets behind Winsock's numbers and rules.

Everything at this module's edge is Winsock: families, levels and option numbers
come in with their Winsock values and errno goes out as the equivalent WSA code
(the errno is kept too). Where Winsock has rules libc lacks, they are emulated:

* ``WSAStartup`` is reference counted and every call before it fails with
  WSANOTINITIALISED (10093), as on Windows; the last ``WSACleanup`` closes the
  sockets this backend made, as Winsock closes every socket of the process.
* ``SO_EXCLUSIVEADDRUSE`` means SO_REUSEADDR/SO_REUSEPORT are off and stay off;
  setting it together with SO_REUSEADDR fails with WSAEINVAL (10022) either way
  round, as Winsock does. The flag belongs to the socket, not to its descriptor
  number: it is keyed by the kernel's socket cookie, so a number reused after a
  close or a detach starts clean.
* AF_INET6 sockets start with IPV6_V6ONLY on, Winsock's default (Linux's is off).

errno discipline, so that Python code running in between (a signal handler, a
finaliser) cannot change what a failure reports: each method keeps cffi's saved
errno on entry (``saved = ffi.errno``), reads ``ffi.errno`` right after a failing
call, and sets ``ffi.errno = saved`` again before it returns or raises. No method
takes a lock: a signal handler that closes a socket while the interrupted code is
inside this backend must not deadlock; the shared state is changed only by single
dict, set and list operations, which the GIL makes atomic.

This backend exists so the typed API runs and is tested on Linux; it never stands
in for Windows' bind rules, which only the ws2_32 backend can show.
"""

from __future__ import annotations

import sys

# POSIX only: this assert also tells type checkers to skip the module on Windows.
assert sys.platform != "win32"

import errno  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform as _platform  # noqa: E402
import socket as _stdsocket  # noqa: E402
import struct  # noqa: E402
import termios  # noqa: E402
import threading  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from . import _errno_map  # noqa: E402
from ._backend import WAIT_READ, SelectResult  # noqa: E402
from ._failure import OsFailure  # noqa: E402
from ._libc import libc  # noqa: E402
from ._libc_ffi import ffi  # noqa: E402
from .address import SOCKADDR_STORAGE_SIZE  # noqa: E402
from .constants import OptionKind, SocketOption  # noqa: E402
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
_EXCLUSIVE_KEY = (_WS_SOL_SOCKET, _WS_SO_EXCLUSIVEADDRUSE)
_REUSE_KEY = (_WS_SOL_SOCKET, _WS_SO_REUSEADDR)
_ERROR_KEY = (_WS_SOL_SOCKET, _WS_SO_ERROR)

# Winsock family/type numbers -> this host's.
_FAMILIES = {0: _stdsocket.AF_UNSPEC, 2: _stdsocket.AF_INET, 23: _stdsocket.AF_INET6}
_FAMILIES_BACK = {v: k for k, v in _FAMILIES.items()}
_TYPES = {1: _stdsocket.SOCK_STREAM, 2: _stdsocket.SOCK_DGRAM, 3: _stdsocket.SOCK_RAW}
_LINGER_KEY = (_WS_SOL_SOCKET, 0x0080)
_DONTLINGER_KEY = (_WS_SOL_SOCKET, ~0x0080)


def _native_options() -> dict[tuple[int, int], tuple[int, int]]:
    """(Winsock level, Winsock optname) -> (host level, host optname), from SocketOption.

    Options the table marks Windows only or emulated, and mapped names this host's
    socket module lacks, are left out: setsockopt/getsockopt refuse them.
    """
    mapping: dict[tuple[int, int], tuple[int, int]] = {}
    for option in SocketOption:
        if isinstance(option.posix, tuple):
            level = getattr(_stdsocket, option.posix[0], None)
            name = getattr(_stdsocket, option.posix[1], None)
            if isinstance(level, int) and isinstance(name, int):
                mapping[(option.level, option.optname)] = (level, name)
    return mapping


_OPTIONS = _native_options()
# Options whose Winsock value is a DWORD of milliseconds and POSIX's a struct timeval.
_TIMEOUT_KEYS = frozenset(
    (o.level, o.optname) for o in SocketOption if o.kind is OptionKind.TIMEOUT
)
_SOL_SOCKET = _stdsocket.SOL_SOCKET
_SO_REUSEADDR = _stdsocket.SO_REUSEADDR
_SO_LINGER = _stdsocket.SO_LINGER
# The options getsockopt_int passes straight to the kernel as a C int.
_INT_OPTIONS = {
    key: native
    for key, native in _OPTIONS.items()
    # SO_ERROR is mapped, LINGER a pair, the timeouts a timeval.
    if key not in (_ERROR_KEY, _LINGER_KEY) and key not in _TIMEOUT_KEYS
}
# struct timeval { time_t tv_sec; suseconds_t tv_usec; }: two C longs on Linux and macOS.
_TIMEVAL = struct.Struct("@ll")
_DWORD = struct.Struct("=I")
_SO_REUSEPORT: int | None = getattr(_stdsocket, "SO_REUSEPORT", None)
# SO_COOKIE (Linux 4.6+, asm-generic/socket.h): a 64-bit socket identity the kernel
# never hands out twice, unlike a descriptor number. Python 3.11's socket module
# does not name it.
_SO_COOKIE: int = getattr(_stdsocket, "SO_COOKIE", 57)
_AF_INET6 = _stdsocket.AF_INET6
_CLOEXEC = _stdsocket.SOCK_CLOEXEC
_NONBLOCK = _stdsocket.SOCK_NONBLOCK
# Python ignores SIGPIPE, but a host application embedding it may not.
_MSG_NOSIGNAL = getattr(_stdsocket, "MSG_NOSIGNAL", 0)
_POLLIN, _POLLPRI, _POLLOUT, _POLLERR, _POLLHUP, _POLLNVAL = 1, 2, 4, 8, 16, 32
_LINGER = struct.Struct("=ii")  # struct linger { int l_onoff; int l_linger; }
_INT = struct.Struct("=i")
_FAMILY_FIELD = struct.Struct("=H")  # sa_family_t, host byte order, first in every sockaddr
_SSIZE_MAX = 0x7FFFFFFF
_INT_MAX = 0x7FFFFFFF
# poll()'s timeout is an int of milliseconds; longer waits are cut to this and the
# caller goes round again (Backend.wait).
_MAX_POLL_SECONDS = _INT_MAX / 1000
# Read-only int arguments (setsockopt values, the FIONBIO flag), shared by all calls.
_ONE = ffi.new("int *", 1)
_ZERO = ffi.new("int *", 0)
# Bound once: looking a function up on the cffi library costs about 100 ns a call.
_c_accept4 = libc.accept4
_c_bind = libc.bind
_c_close = libc.close
_c_connect = libc.connect
_c_freeaddrinfo = libc.freeaddrinfo
_c_gai_strerror = libc.gai_strerror
_c_getaddrinfo = libc.getaddrinfo
_c_getsockopt = libc.getsockopt
_c_inet_ntop = libc.inet_ntop
_c_inet_pton = libc.inet_pton
_c_ioctl = libc.ioctl
_c_listen = libc.listen
_c_poll = libc.poll
_c_recv = libc.recv
_c_recvfrom = libc.recvfrom
_c_send = libc.send
_c_sendto = libc.sendto
_c_setsockopt = libc.setsockopt
_c_shutdown = libc.shutdown
_c_socket = libc.socket
_WSA_CODE = _errno_map.ERRNO_TO_WSA.get
_TYPES_BACK = {v: k for k, v in _TYPES.items()}

# getaddrinfo's EAI_* results (netdb.h; negative on glibc) -> the WSA code
# GetAddrInfoW returns for the same failure. EAI_SYSTEM means "see errno".
_EAI_PAIRS = (
    ("EAI_NONAME", WSAError.WSAHOST_NOT_FOUND),
    ("EAI_AGAIN", WSAError.WSATRY_AGAIN),
    ("EAI_FAIL", WSAError.WSANO_RECOVERY),
    ("EAI_NODATA", WSAError.WSANO_DATA),
    ("EAI_ADDRFAMILY", WSAError.WSANO_DATA),
    ("EAI_FAMILY", WSAError.WSAEAFNOSUPPORT),
    ("EAI_SOCKTYPE", WSAError.WSAESOCKTNOSUPPORT),
    ("EAI_SERVICE", WSAError.WSATYPE_NOT_FOUND),
    ("EAI_MEMORY", WSAError.WSA_NOT_ENOUGH_MEMORY),
    ("EAI_BADFLAGS", WSAError.WSAEINVAL),
)
_EAI_TO_WSA = {
    getattr(_stdsocket, name): int(code) for name, code in _EAI_PAIRS if hasattr(_stdsocket, name)
}
_EAI_NAMES = {
    getattr(_stdsocket, name): name
    for name in (*(n for n, _ in _EAI_PAIRS), "EAI_SYSTEM", "EAI_OVERFLOW")
    if hasattr(_stdsocket, name)
}
_EAI_SYSTEM: int | None = getattr(_stdsocket, "EAI_SYSTEM", None)
# Winsock AI_* flags (ws2def.h) -> this host's. A bit not listed here has no
# libc equivalent and is refused with WSAEINVAL, as EAI_BADFLAGS would be.
_AI_FLAGS = {
    0x0001: _stdsocket.AI_PASSIVE,
    0x0002: _stdsocket.AI_CANONNAME,
    0x0004: _stdsocket.AI_NUMERICHOST,
    0x0008: _stdsocket.AI_NUMERICSERV,
    0x0100: _stdsocket.AI_ALL,
    0x0400: _stdsocket.AI_ADDRCONFIG,
    0x0800: _stdsocket.AI_V4MAPPED,
}
_AI_KNOWN = sum(_AI_FLAGS)
_CELLS: list[tuple[Any, Any]] = []  # spare (int[2], socklen_t * to [1]) for getsockopt_int

# The code of the last failed backend call, per thread: what last_error() reports.
# It is kept apart from cffi's errno, which every method gives back unchanged.
_last = threading.local()


def _fail(err: int, saved: int) -> OsFailure:
    """The failure for errno *err* (read right after the failing call); restores *saved*."""
    ffi.errno = saved
    code = _WSA_CODE(err)
    _last.code = 0 if code is None else int(code)
    return OsFailure(code, err)


def _timeval_from_ms(value: bytes) -> bytes:
    """A Winsock timeout (a DWORD of milliseconds) as a struct timeval."""
    if len(value) < _DWORD.size:
        raise _refuse(WSAError.WSAEFAULT)  # Winsock's answer to a short option buffer
    ms = _DWORD.unpack_from(value)[0]
    return _TIMEVAL.pack(ms // 1000, ms % 1000 * 1000)


def _ms_from_timeval(data: bytes) -> bytes:
    """A struct timeval as a Winsock timeout: whole milliseconds, rounded up."""
    seconds, micros = _TIMEVAL.unpack_from(data.ljust(_TIMEVAL.size, b"\0"))
    ms = seconds * 1000 + -(-micros // 1000)
    return _DWORD.pack(min(max(ms, 0), 0xFFFFFFFF))


def _refuse(code: WSAError) -> OsFailure:
    """A failure Winsock would report, for a call this backend does not pass on."""
    _last.code = int(code)
    return OsFailure(int(code))


def _os_fail(exc: OSError) -> OsFailure:
    """The failure for an :class:`OSError` from the :mod:`os` module."""
    err = exc.errno or 0
    code = _WSA_CODE(err)
    _last.code = 0 if code is None else int(code)
    return OsFailure(code, err)


class GaiFailure(OsFailure):
    """A getaddrinfo failure: the WSA code for its EAI_* result, and that result.

    ``hint`` names the EAI code and libc's text for it (``gai_strerror``), e.g.
    ``"getaddrinfo: EAI_NONAME (-2) Name or service not known"``: what the WSA
    code alone does not say (EAI_NODATA and EAI_ADDRFAMILY share WSANO_DATA).
    """

    __slots__ = ("hint",)

    def __init__(self, winerror: int | None, posix_errno: int | None, hint: str) -> None:
        super().__init__(winerror, posix_errno)
        self.hint = hint


def _gai_fail(rc: int, err: int, saved: int) -> OsFailure:
    """The failure for getaddrinfo's result *rc* (*err*: errno read with it)."""
    posix_errno: int | None = None
    if rc == _EAI_SYSTEM:
        code = _WSA_CODE(err)
        winerror = None if code is None else int(code)
        posix_errno = err
    else:
        winerror = _EAI_TO_WSA.get(rc, int(WSAError.WSANO_RECOVERY))
    text = _utf8(_c_gai_strerror(rc))
    hint = f"getaddrinfo: {_EAI_NAMES.get(rc, 'EAI')} ({rc}) {text}"
    ffi.errno = saved  # after gai_strerror, which may look up a translation
    _last.code = 0 if winerror is None else winerror
    return GaiFailure(winerror, posix_errno, hint)


def _text(chars: object) -> str:
    raw = ffi.string(chars)  # type: ignore[arg-type]
    return raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)


def _utf8(chars: object) -> str:
    """A C string from libc (a canonical name, a message), as text."""
    raw = ffi.string(chars)  # type: ignore[arg-type]
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _millis(timeout: float | None) -> int:
    """poll()'s timeout for *timeout* seconds: rounded up, so a wait never ends early."""
    if timeout is None:
        return -1
    if timeout <= 0:
        return 0
    if timeout >= _MAX_POLL_SECONDS:
        return _INT_MAX
    return math.ceil(timeout * 1000)


class PosixBackend:
    """Winsock's API over libc."""

    name = "posix"

    def __init__(self) -> None:
        # One entry per WSAStartup not yet undone (list.append/pop are atomic). Every
        # call checks it inline: a method call for it would cost more than the check.
        self._starts: list[None] = []
        # The sockets this backend made and has not closed or forgotten: descriptor ->
        # cookie, None until one was needed. Reading SO_COOKIE costs a third of a
        # socket()+close() cycle, so it is read only where identity matters: for a
        # descriptor made elsewhere, or one that lives on after forget().
        self._cookies: dict[int, int | None] = {}
        # Our descriptors with SO_EXCLUSIVEADDRUSE on, and those that had SO_REUSEADDR
        # set through this backend. Keyed by number, which is safe because every way a
        # descriptor of ours ends (closesocket, forget, a new socket on the number)
        # clears its entries.
        self._exclusive_fds: set[int] = set()
        self._reused_fds: set[int] = set()
        # Cookies of sockets made elsewhere (or forgotten) with SO_EXCLUSIVEADDRUSE on.
        self._exclusive: set[int] = set()
        # False once SO_COOKIE turned out missing (Linux < 4.6): inode numbers then.
        self._have_cookie = True

    # -- session ---------------------------------------------------------------

    def startup(self, major: int, minor: int) -> WSAData:
        # Winsock refuses versions below 1.0 and caps the rest at 2.2.
        if major < 1:
            raise _refuse(WSAError.WSAVERNOTSUPPORTED)
        version = min((major, minor), (2, 2))
        self._starts.append(None)
        return WSAData(
            version=version,
            high_version=(2, 2),
            description=f"winsockx POSIX backend (libc sockets on {_platform.system()})",
            system_status="Running",
        )

    def cleanup(self) -> None:
        try:
            self._starts.pop()
        except IndexError:
            raise _refuse(WSAError.WSANOTINITIALISED) from None
        if not self._starts:
            self._close_all()

    def _close_all(self) -> None:
        """Close the sockets this backend made, as the last WSACleanup does on Windows.

        A descriptor is closed only while it still holds the socket that was
        registered: a number closed elsewhere and reused is left alone.
        """
        saved = ffi.errno
        for fd, cookie in self._cookies.copy().items():
            if fd not in self._cookies:
                continue  # closed or forgotten meanwhile
            self._cookies.pop(fd, None)
            self._exclusive_fds.discard(fd)
            self._reused_fds.discard(fd)
            # Without a cookie it is a Socket's handle, which is closed or handed on
            # only through this backend.
            if cookie is None or self._cookie(fd) == cookie:
                _c_close(fd)
            if cookie is not None:
                self._exclusive.discard(cookie)
        ffi.errno = saved

    def last_error(self) -> int:
        code: int = getattr(_last, "code", 0)
        return code

    # -- identity --------------------------------------------------------------

    def _cookie(self, fd: int) -> int | None:
        """The kernel's identity of the socket *fd*; None (errno set) if it has none."""
        if self._have_cookie:
            buf = ffi.new("uint64_t *")
            length = ffi.new("socklen_t *", 8)
            if _c_getsockopt(fd, _SOL_SOCKET, _SO_COOKIE, buf, length) == 0:
                return int(buf[0])
            if ffi.errno != errno.ENOPROTOOPT:
                return None
            self._have_cookie = False
        # Before Linux 4.6: the socket's inode number, unique while the socket lives.
        # SO_TYPE first, so a descriptor that is no socket fails as one.
        kind = ffi.new("int *")
        length = ffi.new("socklen_t *", 4)
        if _c_getsockopt(fd, _SOL_SOCKET, _stdsocket.SO_TYPE, kind, length) < 0:
            return None
        return os.fstat(fd).st_ino

    def _register(self, fd: int, managed: bool, saved: int) -> None:
        """Record the new socket *fd*; whatever was known of an earlier holder of the
        number (closed behind our back) no longer applies.

        A raw handle gets its cookie now, so the last WSACleanup can tell it from a
        socket that took its number after an os.close() elsewhere. A *managed* one
        belongs to a winsockx Socket, which hands it on only through detach()
        (forget()): it needs no cookie, which keeps a syscall off Socket()."""
        cookie = None
        if not managed:
            cookie = self._cookie(fd)
            if cookie is None:
                failure = _fail(ffi.errno, saved)
                _c_close(fd)
                ffi.errno = saved
                raise failure
        self._cookies[fd] = cookie
        self._exclusive_fds.discard(fd)
        self._reused_fds.discard(fd)

    # -- sockets ---------------------------------------------------------------

    def socket(
        self,
        family: int,
        type: int,
        proto: int,
        nonblocking: bool,
        exclusive: bool = False,
        managed: bool = False,
    ) -> int:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        native_family = _FAMILIES.get(family)
        if native_family is None:
            raise _refuse(WSAError.WSAEAFNOSUPPORT)
        native_type = _TYPES.get(type)
        if native_type is None:
            raise _refuse(WSAError.WSAESOCKTNOSUPPORT)
        flags = native_type | _CLOEXEC | (_NONBLOCK if nonblocking else 0)
        saved = ffi.errno
        fd = _c_socket(native_family, flags, proto)
        if fd < 0:
            raise _fail(ffi.errno, saved)
        # Winsock's AF_INET6 sockets are IPv6-only until IPV6_V6ONLY is cleared.
        if (
            native_family == _AF_INET6
            and _c_setsockopt(fd, _stdsocket.IPPROTO_IPV6, _stdsocket.IPV6_V6ONLY, _ONE, 4) < 0
        ):
            failure = _fail(ffi.errno, saved)
            _c_close(fd)
            ffi.errno = saved
            raise failure
        self._register(fd, managed, saved)
        if exclusive:
            # A socket made just now has no reuse flag to refuse: no more to check.
            self._exclusive_fds.add(fd)
        ffi.errno = saved
        return fd

    def closesocket(self, handle: int) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        # Dropped before close(): once the number is free, another thread or a signal
        # handler may get it for a new socket, whose entry must survive.
        cookie = self._cookies.pop(handle, None)
        self._exclusive_fds.discard(handle)
        self._reused_fds.discard(handle)
        if cookie is None and self._exclusive:
            cookie = self._cookie(handle)  # a socket made elsewhere that was marked here
        if _c_close(handle) < 0:
            raise _fail(ffi.errno, saved)
        if cookie is not None:
            self._exclusive.discard(cookie)
        ffi.errno = saved

    def forget(self, handle: int) -> None:
        # The socket lives on (detached) where winsockx no longer sees its number end:
        # its exclusivity moves to its cookie.
        self._cookies.pop(handle, None)
        self._reused_fds.discard(handle)
        if handle in self._exclusive_fds:
            self._exclusive_fds.discard(handle)
            saved = ffi.errno
            cookie = self._cookie(handle)
            if cookie is not None:
                self._exclusive.add(cookie)
            ffi.errno = saved

    def _reuse_on(self, handle: int) -> bool | None:
        """Whether SO_REUSEADDR or SO_REUSEPORT is on; None (errno set) on failure."""
        buf = ffi.new("int *")
        length = ffi.new("socklen_t *", 4)
        if _c_getsockopt(handle, _SOL_SOCKET, _SO_REUSEADDR, buf, length) < 0:
            return None
        if buf[0] or _SO_REUSEPORT is None:
            return bool(buf[0])
        if _c_getsockopt(handle, _SOL_SOCKET, _SO_REUSEPORT, buf, length) < 0:
            return None
        return bool(buf[0])

    def _set_exclusive(self, handle: int, on: bool, saved: int) -> None:
        # Set through setsockopt (raw), the flag follows the socket's cookie: the
        # caller may close the number behind our back (os.close) and the next socket
        # on it must start clean. Winsock validates the handle first (10038 for a bad
        # one), and so does SO_COOKIE.
        cookie = self._cookie(handle)
        if cookie is None:
            raise _fail(ffi.errno, saved)
        self._exclusive_fds.discard(handle)
        if on:
            # One of ours that never had a reuse flag set here cannot have one (both
            # start off): no need to ask the kernel.
            ours = handle in self._cookies and handle not in self._reused_fds
            reuse = False if ours else self._reuse_on(handle)
            if reuse is None:
                raise _fail(ffi.errno, saved)
            if reuse:
                ffi.errno = saved
                raise _refuse(WSAError.WSAEINVAL)
            self._exclusive.add(cookie)
        else:
            self._exclusive.discard(cookie)
        ffi.errno = saved

    def _set_dontlinger(self, handle: int, dontlinger: bool, saved: int) -> None:
        """SO_DONTLINGER, as Winsock has it: SO_LINGER's onoff, its seconds kept."""
        seconds = _LINGER.unpack(self.getsockopt(handle, *_LINGER_KEY, _LINGER.size))[1]
        data = _LINGER.pack(0 if dontlinger else 1, seconds)
        if _c_setsockopt(handle, _SOL_SOCKET, _SO_LINGER, ffi.from_buffer(data), len(data)) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved

    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        key = (level, optname)
        saved = ffi.errno
        if key == _EXCLUSIVE_KEY:
            self._set_exclusive(handle, any(value), saved)
            return
        if key == _DONTLINGER_KEY:
            self._set_dontlinger(handle, any(value), saved)
            return
        native = _OPTIONS.get(key)
        if native is None:
            raise _refuse(WSAError.WSAENOPROTOOPT)
        if key in _TIMEOUT_KEYS:
            value = _timeval_from_ms(value)
        reuse = key == _REUSE_KEY and any(value)
        if reuse and handle in self._exclusive_fds:
            ffi.errno = saved
            raise _refuse(WSAError.WSAEINVAL)
        if reuse and self._exclusive:
            cookie = self._cookie(handle)
            if cookie is None:
                raise _fail(ffi.errno, saved)
            if cookie in self._exclusive:
                ffi.errno = saved
                raise _refuse(WSAError.WSAEINVAL)
        if _c_setsockopt(handle, native[0], native[1], ffi.from_buffer(value), len(value)) < 0:
            raise _fail(ffi.errno, saved)
        if reuse and handle in self._cookies:
            self._reused_fds.add(handle)
        ffi.errno = saved

    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        key = (level, optname)
        saved = ffi.errno
        if key == _EXCLUSIVE_KEY:
            if handle in self._exclusive_fds:
                return _INT.pack(1)[:size]
            cookie = self._cookie(handle)  # also validates the handle, as Winsock does
            if cookie is None:
                raise _fail(ffi.errno, saved)
            ffi.errno = saved
            return _INT.pack(1 if cookie in self._exclusive else 0)[:size]
        if key == _DONTLINGER_KEY:
            onoff = _LINGER.unpack(self.getsockopt(handle, *_LINGER_KEY, _LINGER.size))[0]
            return _INT.pack(0 if onoff else 1)[:size]
        native = _OPTIONS.get(key)
        if native is None:
            raise _refuse(WSAError.WSAENOPROTOOPT)
        if key in _TIMEOUT_KEYS:
            size = max(size, _TIMEVAL.size)
        buf = ffi.new("char[]", size)
        length = ffi.new("socklen_t *", size)
        if _c_getsockopt(handle, native[0], native[1], buf, length) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        data = bytes(ffi.buffer(buf, length[0]))
        if key in _TIMEOUT_KEYS:
            return _ms_from_timeval(data)
        if key == _ERROR_KEY and len(data) >= 4:
            err = _INT.unpack_from(data)[0]
            code = _WSA_CODE(err) if err else 0
            data = _INT.pack(code if code is not None else err)
        return data

    def getsockopt_int(self, handle: int, level: int, optname: int) -> int:
        native = _INT_OPTIONS.get((level, optname))
        if native is None or not self._starts:  # emulated, mapped, refused, not started
            return int(_INT.unpack(self.getsockopt(handle, level, optname, 4))[0])
        saved = ffi.errno
        # The hot path of Socket.get_option: value and length in one cell, taken from
        # a pool (pop/append are atomic, so threads and re-entrant signal handlers
        # each get a cell of their own) instead of two allocations per call.
        try:
            cell, length = _CELLS.pop()
        except IndexError:
            cell = ffi.new("int[2]")
            length = ffi.cast("socklen_t *", cell + 1)
        cell[1] = 4
        if _c_getsockopt(handle, native[0], native[1], cell, length) < 0:
            _CELLS.append((cell, length))
            raise _fail(ffi.errno, saved)
        # Success leaves errno as cffi restored it before the call: nothing to restore.
        value: int = cell[0]
        _CELLS.append((cell, length))
        return value

    def bind(self, handle: int, sockaddr: bytes) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        if _c_bind(handle, ffi.from_buffer(sockaddr), len(sockaddr)) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved

    def listen(self, handle: int, backlog: int) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        if _c_listen(handle, backlog) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved

    def accept(self, handle: int, nonblocking: bool, managed: bool = False) -> tuple[int, bytes]:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("socklen_t *", SOCKADDR_STORAGE_SIZE)
        # accept4 sets the flags atomically: no window in which a fork() elsewhere
        # could inherit the new descriptor.
        fd = _c_accept4(handle, buf, length, _CLOEXEC | (_NONBLOCK if nonblocking else 0))
        if fd < 0:
            raise _fail(ffi.errno, saved)
        self._register(fd, managed, saved)
        ffi.errno = saved
        return fd, self._winsock_sockaddr(bytes(ffi.buffer(buf, length[0])))

    def connect(self, handle: int, sockaddr: bytes) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        if _c_connect(handle, ffi.from_buffer(sockaddr), len(sockaddr)) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved

    def send(self, handle: int, data: Buffer, flags: int) -> int:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        view = ffi.from_buffer(data)
        sent = _c_send(handle, view, min(len(view), _SSIZE_MAX), flags | _MSG_NOSIGNAL)
        if sent < 0:
            failure = _fail(ffi.errno, saved)
            # Release the caller's buffer before raising: the traceback keeps this
            # frame, and CPython before 3.12.7 crashes when the GC breaks a cycle
            # through a memoryview that still has exports (python/cpython#77894).
            ffi.release(view)
            raise failure
        ffi.errno = saved
        return sent

    def recv(self, handle: int, size: int, flags: int) -> bytes:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        buf = ffi.new("char[]", size)
        got = _c_recv(handle, buf, size, flags)
        if got < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        return bytes(ffi.buffer(buf, got))

    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        view = ffi.from_buffer(buffer, require_writable=True)
        got = _c_recv(handle, view, nbytes, flags)
        if got < 0:
            failure = _fail(ffi.errno, saved)
            ffi.release(view)  # as in send()
            raise failure
        ffi.errno = saved
        return got

    def sendto(self, handle: int, data: Buffer, flags: int, sockaddr: bytes) -> int:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        view = ffi.from_buffer(data)
        sent = _c_sendto(
            handle,
            view,
            min(len(view), _SSIZE_MAX),
            flags | _MSG_NOSIGNAL,
            ffi.from_buffer(sockaddr),
            len(sockaddr),
        )
        if sent < 0:
            failure = _fail(ffi.errno, saved)
            ffi.release(view)  # as in send()
            raise failure
        ffi.errno = saved
        return sent

    def recvfrom(self, handle: int, size: int, flags: int) -> tuple[bytes, bytes]:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        buf = ffi.new("char[]", size)
        addr = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("socklen_t *", SOCKADDR_STORAGE_SIZE)
        got = _c_recvfrom(handle, buf, min(size, _SSIZE_MAX), flags, addr, length)
        if got < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        return bytes(ffi.buffer(buf, got)), self._sender(addr, length[0])

    def recvfrom_into(
        self, handle: int, buffer: Buffer, nbytes: int, flags: int
    ) -> tuple[int, bytes]:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        view = ffi.from_buffer(buffer, require_writable=True)
        addr = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("socklen_t *", SOCKADDR_STORAGE_SIZE)
        got = _c_recvfrom(handle, view, min(nbytes, len(view), _SSIZE_MAX), flags, addr, length)
        if got < 0:
            failure = _fail(ffi.errno, saved)
            ffi.release(view)  # as in send()
            raise failure
        ffi.errno = saved
        return got, self._sender(addr, length[0])

    def _sender(self, addr: Any, length: int) -> bytes:
        """The sender's sockaddr recvfrom wrote, Winsock-numbered; b"" if it wrote none
        (a connected stream socket: Linux sets the length to 0)."""
        if length < 2:
            return b""
        return self._winsock_sockaddr(bytes(ffi.buffer(addr, min(length, SOCKADDR_STORAGE_SIZE))))

    def shutdown(self, handle: int, how: int) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        # SD_RECEIVE/SD_SEND/SD_BOTH equal SHUT_RD/SHUT_WR/SHUT_RDWR.
        if _c_shutdown(handle, how) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved

    def _winsock_sockaddr(self, data: bytes) -> bytes:
        """Rewrite the family field of a native sockaddr to Winsock's number."""
        if len(data) < 2:
            return data
        native = _FAMILY_FIELD.unpack_from(data)[0]
        return _FAMILY_FIELD.pack(_FAMILIES_BACK.get(native, native)) + data[2:]

    def getsockname(self, handle: int) -> bytes:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        return self._name(handle, peer=False)

    def getpeername(self, handle: int) -> bytes:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        return self._name(handle, peer=True)

    def _name(self, handle: int, peer: bool) -> bytes:
        saved = ffi.errno
        buf = ffi.new("char[]", SOCKADDR_STORAGE_SIZE)
        length = ffi.new("socklen_t *", SOCKADDR_STORAGE_SIZE)
        call = libc.getpeername if peer else libc.getsockname
        if call(handle, buf, length) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        return self._winsock_sockaddr(bytes(ffi.buffer(buf, length[0])))

    def set_nonblocking(self, handle: int, enabled: bool) -> None:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        if _c_ioctl(handle, termios.FIONBIO, _ONE if enabled else _ZERO) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved

    def get_inheritable(self, handle: int) -> bool:
        try:
            return os.get_inheritable(handle)
        except OSError as e:
            raise _os_fail(e) from None

    def set_inheritable(self, handle: int, inheritable: bool) -> None:
        try:
            os.set_inheritable(handle, inheritable)
        except OSError as e:
            raise _os_fail(e) from None

    def wait(self, handle: int, events: int, timeout: float | None) -> bool:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        saved = ffi.errno
        wanted = _POLLIN if events == WAIT_READ else _POLLOUT
        fds: Any = ffi.new("struct pollfd *", (handle, wanted))
        rc = _c_poll(fds, 1, _millis(timeout))
        if rc < 0:
            err = ffi.errno
            if err == errno.EINTR:
                # Not retried here: the caller recomputes its deadline (Backend.wait).
                ffi.errno = saved
                return False
            raise _fail(err, saved)
        ffi.errno = saved
        if rc == 0:
            return False
        if fds.revents & _POLLNVAL:
            # Winsock's select fails with WSAENOTSOCK for a handle that is not a socket.
            raise _refuse(WSAError.WSAENOTSOCK)
        # POLLERR/POLLHUP count as ready: the next call on the socket reports them.
        return True

    def select(
        self,
        read: Sequence[int],
        write: Sequence[int],
        error: Sequence[int],
        timeout: float | None,
    ) -> SelectResult:
        # poll() rather than select(): no FD_SETSIZE limit on descriptor numbers.
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        if not (read or write or error):
            # Winsock's select fails so when all three sets are empty (WSAEINVAL).
            raise _refuse(WSAError.WSAEINVAL)
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
        saved = ffi.errno
        if _c_poll(fds, len(wanted), _millis(timeout)) < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        ready: dict[int, int] = {int(fds[i].fd): int(fds[i].revents) for i in range(len(wanted))}
        if any(revents & _POLLNVAL for revents in ready.values()):
            # Winsock's select fails with WSAENOTSOCK for a handle that is not a socket.
            raise _refuse(WSAError.WSAENOTSOCK)
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
        # The C string would end at a NUL and accept "1.2.3.4\0junk"; non-ASCII text
        # can never be an address.
        if "\0" in text or not text.isascii():
            raise ValueError(f"inet_pton: {text!r} is not a valid address for family {family}")
        saved = ffi.errno
        buf = ffi.new("char[16]")
        rc = _c_inet_pton(native, text.encode("ascii"), buf)
        if rc < 0:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        if rc == 0:
            raise ValueError(f"inet_pton: {text!r} is not a valid address for family {family}")
        return bytes(ffi.buffer(buf, 4 if family == 2 else 16))

    def inet_ntop(self, family: int, packed: bytes) -> str:
        native = _FAMILIES.get(family)
        if native is None or family == 0:
            raise _refuse(WSAError.WSAEAFNOSUPPORT)
        saved = ffi.errno
        out = ffi.new("char[]", 64)
        if _c_inet_ntop(native, ffi.from_buffer(packed), out, 64) == ffi.NULL:
            raise _fail(ffi.errno, saved)
        ffi.errno = saved
        return _text(out)

    def getaddrinfo(
        self,
        host: str | None,
        port: str | None,
        family: int,
        type: int,
        proto: int,
        flags: int,
    ) -> list[tuple[int, int, int, str, bytes]]:
        if not self._starts:
            raise _refuse(WSAError.WSANOTINITIALISED)
        # Hints in Winsock numbers -> libc's, refused as GetAddrInfoW refuses them.
        native_family = _FAMILIES.get(family)
        if native_family is None:
            raise _refuse(WSAError.WSAEAFNOSUPPORT)
        native_type = 0 if type == 0 else _TYPES.get(type)
        if native_type is None:
            raise _refuse(WSAError.WSAESOCKTNOSUPPORT)
        if flags & ~_AI_KNOWN:
            raise _refuse(WSAError.WSAEINVAL)
        native_flags = 0
        for bit, native_bit in _AI_FLAGS.items():
            if flags & bit:
                native_flags |= native_bit
        hints: Any = ffi.new("struct addrinfo *")
        hints.ai_flags = native_flags
        hints.ai_family = native_family
        hints.ai_socktype = native_type
        hints.ai_protocol = proto
        node = ffi.NULL if host is None else host.encode("utf-8")
        service = ffi.NULL if port is None else port.encode("utf-8")
        result: Any = ffi.new("struct addrinfo **")
        saved = ffi.errno
        # Blocks for as long as the resolver takes; cffi releases the GIL meanwhile.
        rc = _c_getaddrinfo(node, service, hints, result)
        if rc != 0:
            raise _gai_fail(rc, ffi.errno, saved)
        entries: list[tuple[int, int, int, str, bytes]] = []
        try:
            ai = result[0]
            while ai != ffi.NULL:
                canon = ai.ai_canonname
                name = "" if canon == ffi.NULL else _utf8(canon)
                sockaddr = (
                    b""
                    if ai.ai_addr == ffi.NULL
                    else self._winsock_sockaddr(bytes(ffi.buffer(ai.ai_addr, ai.ai_addrlen)))
                )
                entries.append(
                    (
                        _FAMILIES_BACK.get(ai.ai_family, ai.ai_family),
                        _TYPES_BACK.get(ai.ai_socktype, ai.ai_socktype),
                        int(ai.ai_protocol),
                        name,
                        sockaddr,
                    )
                )
                ai = ai.ai_next
        finally:
            _c_freeaddrinfo(result[0])
            ffi.errno = saved
        return entries

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
