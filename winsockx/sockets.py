"""The exclusive-friendly socket: options before bind, bounded calls, a bounded graceful close.

How the socket works inside (the contract the tests hold it to):

* **One owner per handle.** Every call registers itself on the socket while it uses
  the handle, and the handle is passed to ``closesocket`` only once no call uses it
  any more, so a handle number is never used after its owner closed it, whichever
  thread closes. :meth:`Socket.close` is atomic and idempotent across threads.
* **One deadline per call.** The OS socket is always in non-blocking mode; each
  public call tries once, and on would-block (or EINTR) waits for readiness with
  the time that remains of the call's timeout, then tries again. Without a timeout
  the wait has no limit, but it re-checks every :data:`WAKE_INTERVAL` seconds whether
  another thread closed the socket, so ``close()`` ends blocked calls on every backend.
* **No locks.** Signal handlers and finalisers can run between any two lines and may
  use the library (``signal.signal(SIGTERM, lambda *_: server.close())``), so state
  changes are single operations that are atomic under the GIL (list append/pop/remove).
"""

from __future__ import annotations

import builtins
import contextlib
import ipaddress
import math
import struct
import sys
import threading
import time
import warnings
from types import TracebackType
from typing import TYPE_CHECKING, Literal, TypeVar, Union, overload

from . import raw
from ._backend import WAIT_READ, WAIT_WRITE
from ._checks import check_int, check_int_pair, check_seconds
from ._failure import OsFailure
from .address import Address, AddressLike, IPv4Address, pack_sockaddr, parse_address
from .constants import (
    SOL_SOCKET,
    AddressFamily,
    OptionKind,
    OptionRule,
    Protocol,
    ShutdownHow,
    SocketOption,
    SocketType,
    coerce_family,
    coerce_type,
)
from .errors import (
    OptionOrderError,
    SocketClosedError,
    WinsockError,
    WSAError,
    make_error,
)
from .results import CloseReason, CloseReport
from .session import ensure_started

if sys.platform == "win32":
    from ._ws2_32_backend import Ws2Backend

if TYPE_CHECKING:
    import socket

    from typing_extensions import Buffer, Self

__all__ = ["DEFAULT_DRAIN_LIMIT", "DEFAULT_DRAIN_TIMEOUT", "WAKE_INTERVAL", "OptionValue", "Socket"]

DEFAULT_DRAIN_TIMEOUT = 5.0
"""Seconds :meth:`Socket.close` waits for the peer's end of stream by default."""
DEFAULT_DRAIN_LIMIT = 4 * 1024 * 1024
"""Bytes :meth:`Socket.close` reads and discards while draining, by default (4 MiB)."""
WAKE_INTERVAL = 0.2
"""Seconds between the checks a waiting call makes for a ``close()`` from another thread."""

OptionValue = Union[bool, int, float, tuple[int, int]]
"""An option value: ``bool`` for flags, ``int`` for sizes and counts, ``float``
seconds for the timeouts, ``(onoff, seconds)`` for LINGER."""

# The options by value kind, for the typed overloads of get_option/set_option
# (tests/test_options.py checks these lists against SocketOption.kind).
_BoolOption = Literal[
    SocketOption.EXCLUSIVEADDRUSE,
    SocketOption.REUSEADDR,
    SocketOption.REUSE_UNICASTPORT,
    SocketOption.IPV6_V6ONLY,
    SocketOption.CONDITIONAL_ACCEPT,
    SocketOption.ACCEPTCONN,
    SocketOption.KEEPALIVE,
    SocketOption.BROADCAST,
    SocketOption.DONTLINGER,
    SocketOption.OOBINLINE,
    SocketOption.TCP_NODELAY,
]
_IntOption = Literal[
    SocketOption.TYPE,
    SocketOption.SNDBUF,
    SocketOption.RCVBUF,
    SocketOption.ERROR,
    SocketOption.TCP_KEEPIDLE,
    SocketOption.TCP_KEEPCNT,
    SocketOption.TCP_KEEPINTVL,
]
_TimeoutOption = Literal[SocketOption.SNDTIMEO, SocketOption.RCVTIMEO]

# The backend every Socket uses; a module global so the I/O core can be tested
# against a fault-injecting backend (tests/fake_backend.py) by replacing it.
_backend = raw.backend

_DRAIN_CHUNK = 65536
_C_TRUE = (1).to_bytes(4, sys.byteorder)  # a C int 1, in the machine's byte order
_C_FALSE = bytes(4)
_MAX_BACKLOG = 0x7FFFFFFF
# Time close() keeps for itself past drain_timeout: waking other threads' calls and
# closesocket (with any linger shortened to fit), so close() ends within drain_timeout
# plus well under half a second.
_CLOSE_SLACK = 0.3
_RESET_CODES = frozenset({WSAError.WSAECONNRESET, WSAError.WSAECONNABORTED, WSAError.WSAENETRESET})
_WOULD_BLOCK = frozenset({WSAError.WSAEWOULDBLOCK, WSAError.WSAEINPROGRESS})
_EINTR = WSAError.WSAEINTR
_RECEIVE_SHUT_BITS = 1 << ShutdownHow.SD_RECEIVE | 1 << ShutdownHow.SD_BOTH
_monotonic = time.monotonic
_ident = threading.get_ident
_INF = math.inf

# Accepted values, for the fast path of the checks below (every Socket runs them).
_FAMILIES = {f.value: f for f in (AddressFamily.AF_INET, AddressFamily.AF_INET6)}
_TYPES = {t.value: t for t in SocketType}
_PROTOCOLS = {p.value: p for p in Protocol}

# Types whose values the tables above are looked up with directly (bool is not one).
_INT_TYPES = frozenset({int, AddressFamily, SocketType, Protocol})

_E = TypeVar("_E", AddressFamily, SocketType, Protocol)


def _known(value: object, kind: type[_E], table: dict[int, _E]) -> _E | None:
    """The member for an enum member or plain int in *table*; None sends the caller
    down its general check (bools and other types, unknown values, errors)."""
    if type(value) is kind or type(value) is int:
        return table.get(value)
    return None


def _family(value: object) -> AddressFamily:
    known = _known(value, AddressFamily, _FAMILIES)
    if known is not None:
        return known
    # The stdlib's numbers too: socket.AF_INET6 is 10 on Linux, 23 on Windows.
    return coerce_family(value)


def _socket_type(value: object) -> SocketType:
    known = _known(value, SocketType, _TYPES)
    if known is not None:
        return known
    return coerce_type(value)


def _protocol(value: object) -> Protocol | int:
    known = _known(value, Protocol, _PROTOCOLS)
    if known is not None:
        return known
    value = check_int(value, "proto", 0, 255, what="a Protocol or int")
    try:
        return Protocol(value)
    except ValueError:
        return value


def _want(buffer: Buffer, nbytes: object) -> int:
    """How many bytes a ``recv*_into`` call reads: *nbytes*, or all of *buffer* for 0."""
    size = memoryview(buffer).nbytes
    if type(nbytes) is not int or not 0 <= nbytes <= size:
        nbytes = check_int(nbytes, "nbytes", 0, size)
    return nbytes or size


def _closed_error(what: str) -> SocketClosedError:
    return SocketClosedError(f"this winsockx.Socket is {what}; create a new one")


def _interrupted(function: str) -> SocketClosedError:
    return SocketClosedError(
        f"{function}() ended because another thread closed this winsockx.Socket"
    )


class Socket:
    """One Winsock socket that cannot be configured in the wrong order.

    Options that only take effect before ``bind`` (SO_EXCLUSIVEADDRUSE,
    SO_REUSEADDR, IPV6_V6ONLY) are refused with :class:`OptionOrderError` once
    the socket is bound, instead of being silently ignored as Winsock does.
    :meth:`close` shuts down the sending side, drains what the peer still sends
    until its end of stream, then closes, within a time and a byte bound.

    Handles are not inheritable by child processes (``WSA_FLAG_NO_HANDLE_INHERIT``
    on Windows, ``SOCK_CLOEXEC`` on Linux). Every blocking call honours
    :meth:`settimeout` as one deadline for the whole call, and a ``close()`` from
    another thread ends calls in flight with :class:`SocketClosedError`.

    >>> import winsockx
    >>> with winsockx.Socket(winsockx.AF_INET, winsockx.SOCK_STREAM,
    ...                      winsockx.IPPROTO_TCP, exclusive=True) as s:
    ...     s.bind(("127.0.0.1", 0))
    ...     s.listen()
    ...     s.get_option(winsockx.SocketOption.EXCLUSIVEADDRUSE)
    True

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range.
        WinsockError: ``socket()`` or ``setsockopt()`` failed (the handle is closed).
    """

    __slots__ = (
        "__weakref__",
        "_bound",
        "_broken",
        "_claim",
        "_closing",
        "_connected",
        "_family",
        "_finish",
        "_handle",
        "_linger",
        "_listening",
        "_proto",
        "_rcvtimeo",
        "_report",
        "_shut",
        "_sndtimeo",
        "_timeout",
        "_type",
        "_users",
    )

    def __init__(
        self,
        family: int = AddressFamily.AF_INET,
        type: int = SocketType.SOCK_STREAM,
        proto: int = 0,
        *,
        exclusive: bool = False,
    ) -> None:
        # Validated before any state exists: __del__ copes with a bare object. The
        # table look-ups are the fast path of _family() and friends, inlined.
        cls = builtins.type
        fam = _FAMILIES.get(family) if cls(family) in _INT_TYPES else None
        if fam is None:
            fam = _family(family)
        kind = _TYPES.get(type) if cls(type) in _INT_TYPES else None
        if kind is None:
            kind = _socket_type(type)
        protocol: Protocol | int | None = (
            _PROTOCOLS.get(proto) if cls(proto) in _INT_TYPES else None
        )
        if protocol is None:
            protocol = _protocol(proto)
        if exclusive is not False and exclusive is not True:
            raise TypeError(f"exclusive must be a bool, not {builtins.type(exclusive).__name__}")
        if not _started:
            ensure_started()
            _started.append(True)
        try:
            # SO_EXCLUSIVEADDRUSE is set by the backend right after socket(), before
            # anything else can bind or configure the handle.
            handle = _backend.socket(fam, kind, protocol, True, exclusive, True)
        except OsFailure as f:
            if f.function == "setsockopt":
                raise raw._setsockopt_failed(f, SOL_SOCKET, _SO_EXCLUSIVEADDRUSE) from None
            raise raw._failed("socket", f, raw._socket_label(family, type, proto)) from None
        self._init(handle, fam, kind, protocol, False)

    @classmethod
    def _adopt(
        cls,
        handle: int,
        family: AddressFamily,
        type: SocketType,
        proto: Protocol | int,
        linger: tuple[int, int] | None,
        rcvtimeo: float | None = None,
        sndtimeo: float | None = None,
    ) -> Socket:
        """Wrap a connected handle returned by ``accept``."""
        sock = cls.__new__(cls)
        sock._init(handle, family, type, proto, True)
        # Accepted sockets inherit the listener's options, these among them.
        sock._linger = linger
        sock._rcvtimeo = rcvtimeo
        sock._sndtimeo = sndtimeo
        return sock

    def _init(
        self,
        handle: int,
        family: AddressFamily,
        type: SocketType,
        proto: Protocol | int,
        connected: bool,
    ) -> None:
        self._handle = handle
        self._report: CloseReport | None = None
        self._family = family
        self._type = type
        self._proto = proto
        # A connected socket is bound too (connect and accept bind implicitly).
        self._bound = connected
        self._connected = connected
        self._timeout: float | None = None
        # Thread idents of the calls using the handle now (one entry per call).
        self._users: list[int] = []
        self._closing = False
        # Who closes (or detaches): every close()/detach() appends (thread, token) and
        # the first entry wins; list.append is atomic, so exactly one does, and the
        # others can tell whether the winner is their own thread (a signal handler
        # re-entering close() while this thread is closing must not wait for itself).
        self._claim: list[tuple[int, object]] = []
        # Whoever pops this token calls closesocket: the closer, or the last call out.
        self._finish: list[bool] = [True]
        self._linger: tuple[int, int] | None = None
        self._listening = False
        # SO_RCVTIMEO / SO_SNDTIMEO in seconds (None: not set), the limits of a
        # blocking socket's receives and sends (see set_option).
        self._rcvtimeo: float | None = None
        self._sndtimeo: float | None = None
        # What the application shut down itself (bit 1 << ShutdownHow), and whether
        # a call saw the connection reset: close() must not report those as graceful.
        self._shut = 0
        self._broken = False

    # -- ownership -------------------------------------------------------------

    def _enter(self) -> int:
        """Register a call on the handle and return it, or raise SocketClosedError."""
        self._users.append(_ident())
        if self._closing:
            self._exit()
            raise _closed_error(self._state_word())
        return self._handle

    def _exit(self) -> None:
        users = self._users
        users.remove(_ident())
        if self._closing and not users:
            # The closer left before this call: the last one out closes the handle.
            self._final_close()

    def _state_word(self) -> str:
        report = self._report
        if report is not None and report.reason is CloseReason.DETACHED:
            return "detached"
        return "closed"

    def _final_close(self) -> None:
        try:
            self._finish.pop()
        except IndexError:
            return
        handle, self._handle = self._handle, -1
        # try/except rather than contextlib.suppress: this runs on every close().
        try:  # noqa: SIM105
            _backend.closesocket(handle)
        except OsFailure:
            pass  # the handle is gone either way; Winsock reports nothing useful here

    # -- state -----------------------------------------------------------------

    @property
    def family(self) -> AddressFamily:
        """The address family."""
        return self._family

    @property
    def type(self) -> SocketType:
        """The socket type."""
        return self._type

    @property
    def proto(self) -> Protocol | int:
        """The protocol as passed to the constructor (0 lets the stack choose)."""
        return self._proto

    @property
    def closed(self) -> bool:
        """True once :meth:`close` or :meth:`detach` has begun."""
        return self._closing

    @property
    def bound(self) -> bool:
        """True once bound (by :meth:`bind`, :meth:`connect`, or as an accepted socket)."""
        return self._bound

    def fileno(self) -> int:
        """The Winsock handle (a file descriptor on the POSIX backend); -1 once the
        socket is closed or detached, as with the stdlib."""
        return -1 if self._closing else self._handle

    def settimeout(self, timeout: float | None) -> None:
        """Bound every blocking call (accept, connect, send, sendall, recv, recv_into).

        ``None`` (the default) waits without a limit; ``0`` makes the socket
        non-blocking: a call that cannot complete at once raises
        :class:`~winsockx.errors.WinsockBlockingIOError` (WSAEWOULDBLOCK, a
        ``BlockingIOError``). A positive value is one deadline for the whole call
        (``sendall`` included); running out raises
        :class:`~winsockx.errors.WinsockTimeoutError` (WSAETIMEDOUT, a ``TimeoutError``).

        >>> import winsockx
        >>> with winsockx.Socket() as s:
        ...     s.settimeout(1.5)
        ...     s.gettimeout()
        1.5
        """
        value = None if timeout is None else check_seconds(timeout, "timeout")
        if self._closing:
            raise _closed_error(self._state_word())
        self._timeout = value

    def gettimeout(self) -> float | None:
        """The timeout set with :meth:`settimeout` (0.0 when non-blocking), or None."""
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        """As in the stdlib: False is ``settimeout(0.0)``, True is ``settimeout(None)``."""
        self.settimeout(None if flag else 0.0)

    def getblocking(self) -> bool:
        """False when non-blocking (timeout 0.0), else True, as in the stdlib."""
        return self._timeout != 0.0

    def get_inheritable(self) -> bool:
        """Whether child processes inherit the handle (False unless set)."""
        h = self._enter()
        try:
            return _backend.get_inheritable(h)
        except OsFailure as f:
            raise raw._failed("get_inheritable", f) from None
        finally:
            self._exit()

    def set_inheritable(self, inheritable: bool) -> None:
        """Let child processes inherit the handle (True) or not (False, the default)."""
        if type(inheritable) is not bool:
            raise TypeError(
                f"inheritable must be a bool, not {builtins.type(inheritable).__name__}"
            )
        h = self._enter()
        try:
            _backend.set_inheritable(h, inheritable)
        except OsFailure as f:
            raise raw._failed("set_inheritable", f) from None
        finally:
            self._exit()

    # -- the I/O core ----------------------------------------------------------

    def _deadline(self) -> float:
        timeout = self._timeout
        return _INF if timeout is None else _monotonic() + timeout

    def _recv_deadline(self) -> float:
        """The deadline of a receive: the timeout, else SO_RCVTIMEO, as Winsock has it."""
        timeout = self._timeout
        if timeout is None:
            timeout = self._rcvtimeo
            if timeout is None:
                return _INF
        return _monotonic() + timeout

    def _send_deadline(self) -> float:
        """The deadline of a send: the timeout, else SO_SNDTIMEO, as Winsock has it."""
        timeout = self._timeout
        if timeout is None:
            timeout = self._sndtimeo
            if timeout is None:
                return _INF
        return _monotonic() + timeout

    def _again(
        self, failure: OsFailure, handle: int, events: int, deadline: float, function: str
    ) -> None:
        """After a failed attempt: wait and return (the caller retries), or raise."""
        code = failure.winerror
        if code in _WOULD_BLOCK and self._timeout != 0.0:
            self._wait(handle, events, deadline, function)
            return
        if code == _EINTR:
            # PEP 475: the signal's Python handler has run by now (and did not
            # raise), so try again within the same deadline.
            if self._closing:
                raise _interrupted(function)
            if deadline != _INF and _monotonic() >= deadline:
                raise self._timed_out(function)
            return
        if code in _RESET_CODES:
            self._broken = True
        if self._closing:
            raise _interrupted(function)
        raise raw._failed(function, failure) from None

    def _wait(self, handle: int, events: int, deadline: float, function: str) -> None:
        """Wait until *handle* is ready for *events*, within *deadline*."""
        while True:
            if self._closing:
                raise _interrupted(function)
            if deadline == _INF:
                timeout = WAKE_INTERVAL
            else:
                timeout = deadline - _monotonic()
                if timeout <= 0:
                    raise self._timed_out(function)
                if timeout > WAKE_INTERVAL:
                    timeout = WAKE_INTERVAL
            try:
                if _backend.wait(handle, events, timeout):
                    return
            except OsFailure as f:
                if self._closing:
                    raise _interrupted(function) from None
                raise raw._failed(function, f) from None

    def _timed_out(self, function: str) -> WinsockError:
        if self._timeout is not None:
            hint = f"Nothing happened within the socket's timeout of {self._timeout:g} s."
        elif function.startswith("recv"):
            hint = f"Nothing arrived within SO_RCVTIMEO ({self._rcvtimeo:g} s)."
        else:
            hint = f"No room to send within SO_SNDTIMEO ({self._sndtimeo:g} s)."
        return make_error(WSAError.WSAETIMEDOUT, function, hint=hint)

    # -- options ---------------------------------------------------------------

    @overload
    def set_option(self, option: _BoolOption, value: bool) -> None: ...
    @overload
    def set_option(self, option: _IntOption, value: int) -> None: ...
    @overload
    def set_option(self, option: _TimeoutOption, value: float) -> None: ...
    @overload
    def set_option(self, option: Literal[SocketOption.LINGER], value: tuple[int, int]) -> None: ...
    @overload
    def set_option(self, option: SocketOption, value: OptionValue) -> None: ...
    def set_option(self, option: SocketOption, value: OptionValue) -> None:
        """Set a socket option: a ``bool`` for flags, an ``int`` for sizes and counts,
        seconds for the timeouts, ``(onoff, seconds)`` for LINGER.

        The rule of each option (``SocketOption.rule``) is enforced: options
        read at bind time are refused once the socket is bound, and
        ``SO_CONDITIONAL_ACCEPT`` once it listens.  On the POSIX backend a
        Windows-only option fails with ``WSAENOPROTOOPT`` (10042), saying so.

        ``SO_RCVTIMEO`` and ``SO_SNDTIMEO`` limit a *blocking* socket's receives
        and sends (timeout ``None``), as on Windows: running out raises
        :class:`~winsockx.errors.WinsockTimeoutError` (WSAETIMEDOUT 10060) on
        every backend.  A timeout set with :meth:`settimeout` takes precedence.
        The value is kept in whole milliseconds, rounded up (Winsock's unit);
        ``0`` removes the limit.

        >>> import winsockx
        >>> with winsockx.Socket() as s:
        ...     s.set_option(winsockx.SocketOption.REUSEADDR, True)
        ...     s.set_option(winsockx.SocketOption.RCVTIMEO, 2.5)

        Raises:
            OptionOrderError: *option* only works before bind (or listen) and the
                socket is bound (or listening).
            TypeError, ValueError: a value of the wrong kind for *option*.
            WinsockError: e.g. WSAEINVAL (10022) when SO_EXCLUSIVEADDRUSE and
                SO_REUSEADDR would both be set; WSAENOPROTOOPT (10042) for an
                option the system does not have.
        """
        if not isinstance(option, SocketOption):
            raise TypeError(f"option must be a SocketOption, not {type(option).__name__}")
        data = self._encode(option, value)
        h = self._enter()
        try:
            rule = option.rule
            if rule is OptionRule.BEFORE_BIND and self._bound:
                # Winsock accepts this call after bind, reports success, and ignores it.
                raise OptionOrderError(
                    f"{option.c_name} must be set before bind(); this socket is already bound"
                    f" to {self._safe_name(h)}, where Winsock would accept the call and"
                    " ignore it. Set the option on a new socket before binding it."
                )
            if rule is OptionRule.BEFORE_LISTEN and self._listening:
                raise OptionOrderError(
                    f"{option.c_name} must be set before listen(); this socket is already"
                    f" listening on {self._safe_name(h)}. Set it between bind() and listen()."
                )
            try:
                _backend.setsockopt(h, option.level, option.optname, data)
            except OsFailure as f:
                raise raw._setsockopt_failed(f, option.level, option.optname) from None
            if option is SocketOption.LINGER or option is SocketOption.DONTLINGER:
                self._linger_changed(h)
            elif option.kind is OptionKind.TIMEOUT:
                ms = _DWORD.unpack(data)[0]
                seconds = ms / 1000 if ms else None
                if option is SocketOption.RCVTIMEO:
                    self._rcvtimeo = seconds
                else:
                    self._sndtimeo = seconds
        finally:
            self._exit()

    def _linger_changed(self, handle: int) -> None:
        """Keep the SO_LINGER close() bounds in step with the handle's."""
        try:
            data = _backend.getsockopt(handle, SOL_SOCKET, _SO_LINGER, _LINGER_SIZE)
        except OsFailure as f:
            raise raw._getsockopt_failed(f, SOL_SOCKET, _SO_LINGER) from None
        linger = _backend.unpack_linger(data)
        self._linger = linger if linger[0] else None

    @staticmethod
    def _safe_name(handle: int) -> str:
        try:
            return str(raw.getsockname(handle))
        except WinsockError:
            return "an address"

    @staticmethod
    def _encode(option: SocketOption, value: object) -> bytes:
        kind = option.kind
        if kind is OptionKind.BOOL:
            # A flag: bool, or the 0/1 ints the stdlib's setsockopt habit passes.
            if type(value) is bool or (type(value) is int and value in (0, 1)):
                return _C_TRUE if value else _C_FALSE
            raise TypeError(f"{option.c_name} is a flag: its value must be a bool, not {value!r}")
        if kind is OptionKind.LINGER:
            onoff, seconds = check_int_pair(value, f"{option.c_name} value (onoff, seconds)")
            if not (0 <= onoff <= 0xFFFF and 0 <= seconds <= 0xFFFF):
                raise ValueError(f"{option.c_name} onoff and seconds must be 0-65535, got {value}")
            return _backend.pack_linger(onoff, seconds)
        if kind is OptionKind.TIMEOUT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"{option.c_name} value must be seconds (an int or float),"
                    f" not {type(value).__name__}"
                )
            if not 0 <= value <= _MAX_TIMEOUT_OPTION:  # NaN fails this too
                raise ValueError(
                    f"{option.c_name} must be 0 (no limit) to {_MAX_TIMEOUT_OPTION:g}"
                    f" seconds (a DWORD of milliseconds), got {value!r}"
                )
            # Whole milliseconds, rounded up: a small positive time must not become 0,
            # which Winsock reads as no limit.
            return _DWORD.pack(math.ceil(value * 1000))
        if isinstance(value, bool) or not isinstance(value, int):
            # True is never a buffer size: set_option(SNDBUF, True) is a mistake.
            raise TypeError(f"{option.c_name} value must be an int, not {type(value).__name__}")
        if not -(2**31) <= value < 2**31:
            raise ValueError(f"{option.c_name} value must fit a C int, got {value}")
        return int(value).to_bytes(4, sys.byteorder, signed=True)

    @overload
    def get_option(self, option: _BoolOption) -> bool: ...
    @overload
    def get_option(self, option: _IntOption) -> int: ...
    @overload
    def get_option(self, option: _TimeoutOption) -> float: ...
    @overload
    def get_option(self, option: Literal[SocketOption.LINGER]) -> tuple[int, int]: ...
    @overload
    def get_option(self, option: SocketOption) -> OptionValue: ...
    def get_option(self, option: SocketOption) -> OptionValue:
        """Read a socket option: ``bool`` for flags, ``int`` for sizes and counts,
        ``float`` seconds for the timeouts (``0.0``: no limit), a pair for LINGER.

        >>> import winsockx
        >>> with winsockx.Socket() as s:
        ...     s.get_option(winsockx.SocketOption.EXCLUSIVEADDRUSE)
        False
        """
        if type(option) is not SocketOption:
            raise TypeError(f"option must be a SocketOption, not {type(option).__name__}")
        kind = option.kind
        users = self._users
        me = _ident()
        users.append(me)  # _enter(), inlined on this hot path
        try:
            if self._closing:
                raise _closed_error(self._state_word())
            if kind is _LINGER:
                data = _backend.getsockopt(self._handle, option.level, option.optname, _LINGER_SIZE)
                return _backend.unpack_linger(data)
            if kind is _TIMEOUT:
                data = _backend.getsockopt(self._handle, option.level, option.optname, 4)
                return int(_DWORD.unpack(data.ljust(4, b"\0")[:4])[0]) / 1000
            value = _backend.getsockopt_int(self._handle, option.level, option.optname)
        except OsFailure as f:
            raise raw._getsockopt_failed(f, option.level, option.optname) from None
        finally:
            users.remove(me)
            if self._closing and not users:
                self._final_close()
        return value != 0 if kind is _BOOL else value

    # -- Winsock controls (WSAIoctl) --------------------------------------------

    def set_keepalive(self, enabled: bool, *, idle: float = 7200.0, interval: float = 1.0) -> None:
        """Turn keep-alive probes on or off, with their times, in one call.

        On Windows this is ``WSAIoctl(SIO_KEEPALIVE_VALS)``, which works on every
        Windows version (``TCP_KEEPIDLE``/``TCP_KEEPINTVL`` need Windows 10
        1709+): the first probe after *idle* seconds without traffic, then one
        every *interval* seconds (milliseconds are kept).  Windows' defaults are
        the ones here (2 hours, 1 second).  On POSIX it sets ``SO_KEEPALIVE``
        and, when enabled, ``TCP_KEEPIDLE`` and ``TCP_KEEPINTVL``, in whole
        seconds rounded up (at most 32767).  Read the settings back with
        :meth:`get_option` (``KEEPALIVE``, and on POSIX and Windows 10 1709+
        ``TCP_KEEPIDLE``, ``TCP_KEEPINTVL``).

        >>> import winsockx
        >>> with winsockx.Socket() as s:
        ...     s.set_keepalive(True, idle=60, interval=5)
        ...     s.get_option(winsockx.SocketOption.KEEPALIVE)
        True

        Raises:
            TypeError, ValueError: *enabled* not a bool; a time not positive, or too long.
            WinsockError: the system refused (e.g. WSAENOPROTOOPT on a UDP socket
                on POSIX, WSAEOPNOTSUPP on Windows).
        """
        if type(enabled) is not bool:
            raise TypeError(f"enabled must be a bool, not {builtins.type(enabled).__name__}")
        limit = 0xFFFFFFFF / 1000 if _backend.name == "ws2_32" else 32767.0
        times = []
        for name, value in (("idle", idle), ("interval", interval)):
            seconds = check_seconds(value, name)
            if not 0 < seconds <= limit:
                raise ValueError(
                    f"{name} must be more than 0 and at most {limit:g} seconds, got {value!r}"
                )
            times.append(seconds)
        h = self._enter()
        try:
            if sys.platform == "win32" and isinstance(_backend, Ws2Backend):
                payload = _KEEPALIVE_VALS.pack(
                    int(enabled), math.ceil(times[0] * 1000), math.ceil(times[1] * 1000)
                )
                try:
                    _backend.ioctl(h, raw.SIO_KEEPALIVE_VALS, payload, 0)
                except OsFailure as f:
                    raise raw._failed("WSAIoctl", f, "SIO_KEEPALIVE_VALS") from None
                return
            settings: list[tuple[SocketOption, bytes]] = [
                (SocketOption.KEEPALIVE, _C_TRUE if enabled else _C_FALSE)
            ]
            if enabled:
                settings += [
                    (SocketOption.TCP_KEEPIDLE, _INT32.pack(math.ceil(times[0]))),
                    (SocketOption.TCP_KEEPINTVL, _INT32.pack(math.ceil(times[1]))),
                ]
            for option, data in settings:
                try:
                    _backend.setsockopt(h, option.level, option.optname, data)
                except OsFailure as f:
                    raise raw._setsockopt_failed(f, option.level, option.optname) from None
        finally:
            self._exit()

    def set_udp_connreset(self, enabled: bool) -> None:
        """Windows only: whether ``recvfrom`` fails with WSAECONNRESET (10054) after an
        ICMP "port unreachable" answered an earlier ``sendto``
        (``WSAIoctl(SIO_UDP_CONNRESET)``).

        Winsock's default is on, and winsockx keeps the system's default: a UDP
        service that replies to many peers usually wants ``set_udp_connreset(False)``
        so that one vanished peer does not fail its receive loop.

        Example::

            if sys.platform == "win32":
                sock.set_udp_connreset(False)

        Raises:
            NotImplementedError: not on Windows (POSIX has no such control: an
                unconnected UDP socket there never reports ICMP errors).
            WinsockError: e.g. WSAEINVAL (10022) on a stream socket.
        """
        self._udp_control(enabled, raw.SIO_UDP_CONNRESET, "SIO_UDP_CONNRESET")

    def set_udp_netreset(self, enabled: bool) -> None:
        """Windows only: whether ``recvfrom`` fails with WSAENETRESET (10052) after an
        ICMP "TTL expired" (``WSAIoctl(SIO_UDP_NETRESET)``); see :meth:`set_udp_connreset`.

        Example::

            if sys.platform == "win32":
                sock.set_udp_netreset(False)

        Raises:
            NotImplementedError: not on Windows.
            WinsockError: e.g. WSAEINVAL (10022) on a stream socket.
        """
        self._udp_control(enabled, raw.SIO_UDP_NETRESET, "SIO_UDP_NETRESET")

    def _udp_control(self, enabled: bool, code: int, name: str) -> None:
        if type(enabled) is not bool:
            raise TypeError(f"enabled must be a bool, not {builtins.type(enabled).__name__}")
        if not (sys.platform == "win32" and isinstance(_backend, Ws2Backend)):
            raise NotImplementedError(
                f"{name} is a Winsock control, only on Windows: POSIX systems do not report"
                " ICMP errors to an unconnected UDP socket, so there is nothing to turn off"
            )
        h = self._enter()
        try:
            _backend.ioctl(h, code, _C_TRUE if enabled else _C_FALSE, 0)
        except OsFailure as f:
            raise raw._failed("WSAIoctl", f, name) from None
        finally:
            self._exit()

    # -- calls -----------------------------------------------------------------

    def bind(self, address: AddressLike) -> None:
        """Bind to ``(host, port)``; port 0 lets the stack choose (see :meth:`getsockname`).

        Raises:
            TypeError, ValueError: a malformed address or one of the other family.
            WinsockError: e.g. WSAEACCES (10013, a ``PermissionError``) when another
                socket holds the port exclusively, WSAEADDRINUSE (10048).
        """
        addr, sockaddr = _sockaddr(self._family, address)
        users = self._users
        users.append(_ident())  # _enter(), inlined on this hot path
        try:
            if self._closing:
                raise _closed_error(self._state_word())
            _backend.bind(self._handle, sockaddr)
        except OsFailure as f:
            raise raw._bind_failed(f, addr, self._type) from None
        finally:
            users.remove(_ident())
            if self._closing and not users:
                self._final_close()
        self._bound = True

    def listen(self, backlog: int = 128) -> None:
        """Start accepting connections, with up to *backlog* waiting."""
        backlog = check_int(backlog, "backlog", 0, _MAX_BACKLOG)
        h = self._enter()
        try:
            _backend.listen(h, backlog)
        except OsFailure as f:
            raise raw._failed("listen", f) from None
        finally:
            self._exit()
        self._bound = True
        self._listening = True

    def accept(self) -> tuple[Socket, Address]:
        """Wait for a connection; return a connected :class:`Socket` and the peer's address.

        The new socket has no timeout (it blocks), as with the stdlib.
        """
        h = self._enter()
        try:
            deadline = self._deadline()
            while True:
                try:
                    conn, data = _backend.accept(h, True, True)
                    break
                except OsFailure as f:
                    self._again(f, h, WAIT_READ, deadline, "accept")
            sock = Socket._adopt(
                conn,
                self._family,
                self._type,
                self._proto,
                self._linger,
                self._rcvtimeo,
                self._sndtimeo,
            )
        finally:
            self._exit()
        return sock, raw._unpack(data)

    def connect(self, address: AddressLike) -> None:
        """Connect to ``(host, port)`` (binds implicitly if not yet bound), within the timeout.

        Raises:
            WinsockTimeoutError: the connection was not established within the timeout.
            WinsockError: e.g. WSAECONNREFUSED (10061, a ``ConnectionRefusedError``).
        """
        addr, sockaddr = _sockaddr(self._family, address)
        h = self._enter()
        try:
            try:
                _backend.connect(h, sockaddr)
            except OsFailure as f:
                code = f.winerror
                if code not in _WOULD_BLOCK and code != _EINTR:
                    raise raw._connect_failed(f, addr) from None
                # In progress (or interrupted, which on POSIX leaves it in progress).
                self._bound = True
                if self._timeout == 0.0 and code != _EINTR:
                    raise raw._connect_failed(f, addr) from None
                self._wait(h, WAIT_WRITE, self._deadline(), "connect")
                try:
                    pending = _backend.getsockopt(h, 0xFFFF, _SO_ERROR, 4)
                except OsFailure as g:
                    raise raw._connect_failed(g, addr) from None
                err = int.from_bytes(pending, sys.byteorder, signed=True)
                if err:
                    raise raw._connect_failed(OsFailure(err), addr) from None
        finally:
            self._exit()
        self._bound = True
        self._connected = True

    def send(self, data: Buffer) -> int:
        """Send what the stack accepts now (waiting for room first); return the count."""
        h = self._enter()
        try:
            deadline = self._send_deadline()
            while True:
                try:
                    return _backend.send(h, data, 0)
                except OsFailure as f:
                    self._again(f, h, WAIT_WRITE, deadline, "send")
        finally:
            self._exit()

    def sendall(self, data: Buffer) -> None:
        """Send all of *data*, looping over partial sends, within one timeout for the whole.

        On a timeout or error some of *data* may have been sent, as with the stdlib.
        """
        view = memoryview(data).cast("B")
        total = len(view)
        h = self._enter()
        try:
            deadline = self._send_deadline()
            sent = 0
            while sent < total:
                if self._closing:  # re-checked each time round: the owner may be closing
                    raise _interrupted("send")
                try:
                    sent += _backend.send(h, view[sent:], 0)
                except OsFailure as f:
                    self._again(f, h, WAIT_WRITE, deadline, "send")
        finally:
            self._exit()

    def recv(self, bufsize: int) -> bytes:
        """Receive up to *bufsize* bytes; ``b""`` means the peer closed its side."""
        if type(bufsize) is not int or bufsize < 0:
            check_int(bufsize, "bufsize", 0)
        h = self._enter()
        try:
            deadline = self._recv_deadline()
            while True:
                try:
                    data = _backend.recv(h, bufsize, 0)
                    break
                except OsFailure as f:
                    self._again(f, h, WAIT_READ, deadline, "recv")
            if not data and bufsize and self._closing:
                raise _interrupted("recv")
            return data
        finally:
            self._exit()

    def recv_into(self, buffer: Buffer, nbytes: int = 0) -> int:
        """Receive into *buffer* without copying; *nbytes* 0 means the whole buffer."""
        want = _want(buffer, nbytes)
        h = self._enter()
        try:
            deadline = self._recv_deadline()
            while True:
                try:
                    got = _backend.recv_into(h, buffer, want, 0)
                    break
                except OsFailure as f:
                    self._again(f, h, WAIT_READ, deadline, "recv")
            if not got and want and self._closing:
                raise _interrupted("recv")
            return got
        finally:
            self._exit()

    def sendto(self, data: Buffer, address: AddressLike) -> int:
        """Send one datagram to *address*; return the bytes sent.

        On an unbound socket the stack binds it implicitly (to the wildcard and an
        ephemeral port), so from then on the socket counts as bound and options that
        only work before ``bind`` are refused, as after :meth:`bind`.

        Raises:
            TypeError, ValueError: a malformed address or one of the other family.
            WinsockTimeoutError: no room to send within the timeout.
            WinsockError: e.g. WSAEMSGSIZE (10040) for a datagram too large.
        """
        sockaddr = _sockaddr(self._family, address)[1]
        h = self._enter()
        try:
            deadline = self._send_deadline()
            while True:
                try:
                    sent = _backend.sendto(h, data, 0, sockaddr)
                    break
                except OsFailure as f:
                    self._again(f, h, WAIT_WRITE, deadline, "sendto")
        finally:
            self._exit()
        self._bound = True
        return sent

    def recvfrom(self, bufsize: int) -> tuple[bytes, Address]:
        """Receive one datagram of up to *bufsize* bytes and its sender's address.

        A longer datagram is cut to *bufsize*: Linux returns the first *bufsize*
        bytes, Winsock fails with WSAEMSGSIZE (10040), as the stdlib does there.
        """
        if type(bufsize) is not int or bufsize < 0:
            check_int(bufsize, "bufsize", 0)
        h = self._enter()
        try:
            deadline = self._recv_deadline()
            while True:
                try:
                    data, sender = _backend.recvfrom(h, bufsize, 0)
                    break
                except OsFailure as f:
                    self._again(f, h, WAIT_READ, deadline, "recvfrom")
        finally:
            self._exit()
        return data, raw._unpack(sender)

    def recvfrom_into(self, buffer: Buffer, nbytes: int = 0) -> tuple[int, Address]:
        """Receive one datagram into *buffer* (*nbytes* 0: all of it) and its sender."""
        want = _want(buffer, nbytes)
        h = self._enter()
        try:
            deadline = self._recv_deadline()
            while True:
                try:
                    got, sender = _backend.recvfrom_into(h, buffer, want, 0)
                    break
                except OsFailure as f:
                    self._again(f, h, WAIT_READ, deadline, "recvfrom")
        finally:
            self._exit()
        return got, raw._unpack(sender)

    def shutdown(self, how: ShutdownHow) -> None:
        """Shut down one or both directions (see :class:`~winsockx.ShutdownHow`)."""
        how = ShutdownHow(check_int(how, "how", 0, 2, what="a ShutdownHow"))
        h = self._enter()
        try:
            _backend.shutdown(h, how)
        except OsFailure as f:
            raise raw._failed("shutdown", f, how.name) from None
        finally:
            self._exit()
        self._shut |= 1 << how

    def getsockname(self) -> Address:
        """The local address."""
        h = self._enter()
        try:
            return raw._unpack(_backend.getsockname(h))
        except OsFailure as f:
            raise raw._failed("getsockname", f) from None
        finally:
            self._exit()

    def getpeername(self) -> Address:
        """The connected peer's address."""
        h = self._enter()
        try:
            return raw._unpack(_backend.getpeername(h))
        except OsFailure as f:
            raise raw._failed("getpeername", f) from None
        finally:
            self._exit()

    # -- the end ---------------------------------------------------------------

    def close(
        self,
        drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
        drain_limit: int = DEFAULT_DRAIN_LIMIT,
    ) -> CloseReport:
        """Close gracefully, within bounds, and report how it went.

        For a connected stream: ``shutdown(SD_SEND)``, then ``recv`` until the peer's
        end of stream (0 bytes), then ``closesocket``, as the Winsock documentation
        asks. Draining stops after *drain_timeout* seconds or *drain_limit* bytes so
        a peer that never closes, or floods, cannot hold the socket; the socket is
        closed regardless and the report says why (:class:`~winsockx.CloseReason`).
        Other sockets are just closed. ``close()`` returns within *drain_timeout*
        plus a fraction of a second whatever options are set (an ``SO_LINGER`` time
        is shortened to fit).

        Calls that other threads are making on the socket end with
        :class:`SocketClosedError`, and the handle is closed once they have left
        (at once, unless one of them is this thread's own, interrupted by a signal
        handler that called ``close()``: then the handle is closed when that call
        returns). A second ``close()``, from any thread, returns the first report.

        >>> import winsockx
        >>> s = winsockx.Socket()
        >>> s.close().reason
        <CloseReason.NOT_CONNECTED: 'not_connected'>

        Raises:
            TypeError, ValueError: a bound that is not a finite number >= 0.
        """
        report = self._report
        if report is not None:
            return report
        if type(drain_timeout) is not float or not 0.0 <= drain_timeout < _INF:
            drain_timeout = check_seconds(drain_timeout, "drain_timeout")
        if type(drain_limit) is not int or drain_limit < 0:
            drain_limit = check_int(drain_limit, "drain_limit", 0)
        me = _ident()
        entry = (me, object())  # _claim_it(), inlined: every close() runs this
        claim = self._claim
        claim.append(entry)
        if claim[0] is not entry:
            return self._await_report(drain_timeout, claim[0][0])
        started = _monotonic()
        users = self._users
        users.append(me)  # the closer uses the handle too, until it is done
        self._closing = True
        handle = self._handle
        reason, drained = CloseReason.NOT_CONNECTED, 0
        try:
            if self._connected and self._type == SocketType.SOCK_STREAM:
                # Stays ERROR if draining is interrupted (e.g. KeyboardInterrupt).
                reason = CloseReason.ERROR
                reason, drained = self._drain(handle, started + drain_timeout, drain_limit)
            if len(users) > 1:
                self._leave_others(handle, me, started + drain_timeout + _CLOSE_SLACK / 2)
            if self._linger is not None:
                self._bound_linger(handle, started + drain_timeout + _CLOSE_SLACK)
        finally:
            users.remove(me)
            if not users:
                self._final_close()
            # else: a call of this same thread is suspended under us (we run inside
            # its signal handler); it closes the handle as it leaves.
            report = self._report = CloseReport._make(
                reason is CloseReason.PEER_CLOSED, drained, _monotonic() - started, reason
            )
        return report

    def _claim_it(self) -> int | None:
        """None when this call won the right to close or detach; else the winner's thread."""
        entry = (_ident(), object())
        claim = self._claim
        claim.append(entry)
        first = claim[0]
        return None if first is entry else first[0]

    def _await_report(self, drain_timeout: float, winner: int) -> CloseReport:
        """Another close() is under way: wait for its report (bounded), as the stdlib
        would return once the socket is closed. When the closer is this very thread
        (we run in a signal handler that interrupted it), waiting would never end:
        the report then says ERROR, and the interrupted close() finishes the work."""
        if winner != _ident():
            limit = _monotonic() + drain_timeout + 2 * _CLOSE_SLACK + WAKE_INTERVAL
            while self._report is None and _monotonic() < limit:
                time.sleep(0.005)
        report = self._report
        if report is not None:
            return report
        return CloseReport._make(False, 0, 0.0, CloseReason.ERROR)

    def _leave_others(self, handle: int, me: int, until: float) -> None:
        """Make the other threads' calls leave: they notice ``_closing`` within
        WAKE_INTERVAL; shutting the socket down wakes the ones waiting at once."""
        users = self._users
        if len(users) <= users.count(me):
            return
        with contextlib.suppress(OsFailure):
            _backend.shutdown(handle, ShutdownHow.SD_BOTH)
        limit = max(until, _monotonic() + WAKE_INTERVAL + 0.05)
        while len(users) > users.count(me) and _monotonic() < limit:
            time.sleep(0.002)

    def _bound_linger(self, handle: int, deadline: float) -> None:
        """Shorten an SO_LINGER time so closesocket cannot outlast close()'s budget.

        A linger time makes closesocket wait for unsent data (on Windows only in
        blocking mode, hence the switch). Only the wait is shortened: with
        ``(0, 0)`` the stack still sends the data in the background.
        """
        linger = self._linger
        if linger is None or not linger[1]:
            return
        left = math.floor(deadline - _monotonic())
        shorter = (1, min(linger[1], left)) if left >= 1 else (0, 0)
        with contextlib.suppress(OsFailure):
            _backend.setsockopt(handle, 0xFFFF, _SO_LINGER, _backend.pack_linger(*shorter))
            _backend.set_nonblocking(handle, False)

    def _drain(self, handle: int, deadline: float, limit: int) -> tuple[CloseReason, int]:
        """``shutdown(SD_SEND)`` then read until end of stream, *deadline* or *limit*."""
        if self._broken:
            return CloseReason.RESET, 0
        if self._shut & _RECEIVE_SHUT_BITS:
            reason = CloseReason.RECEIVE_SHUT
        else:
            reason = CloseReason.PEER_CLOSED
        try:
            if not self._shut:  # an SD_SEND of the application's own already sent the FIN
                _backend.shutdown(handle, ShutdownHow.SD_SEND)
        except OsFailure as exc:
            # WSAENOTCONN here can mean both sides already finished (Linux says so after
            # the peer closed too): the reads below tell end of stream from a reset.
            if exc.winerror != WSAError.WSAENOTCONN:
                return (CloseReason.RESET if exc.winerror in _RESET_CODES else CloseReason.ERROR), 0
        if reason is CloseReason.RECEIVE_SHUT:
            # The application shut the receiving side: the peer's end of stream can no
            # longer be seen (Linux reads 0 at once), so nothing is drained.
            return reason, 0
        buffer = bytearray(_DRAIN_CHUNK)
        drained = 0
        while True:
            # One byte past the limit tells "exactly the limit, then end of stream"
            # apart from "more than the limit".
            want = min(_DRAIN_CHUNK, limit - drained + 1)
            try:
                got = _backend.recv_into(handle, buffer, want, 0)
            except OsFailure as exc:
                code = exc.winerror
                if code in _WOULD_BLOCK or code == _EINTR:
                    remaining = deadline - _monotonic()
                    if remaining <= 0:
                        return CloseReason.TIMEOUT, drained
                    try:
                        _backend.wait(handle, WAIT_READ, remaining)
                    except OsFailure:
                        return CloseReason.ERROR, drained
                    continue
                if code in _RESET_CODES or code == WSAError.WSAENOTCONN:
                    return CloseReason.RESET, drained
                return CloseReason.ERROR, drained
            if got == 0:
                return CloseReason.PEER_CLOSED, drained
            drained += got
            if drained > limit:
                return CloseReason.LIMIT, drained

    def detach(self) -> int:
        """Hand the handle over and stop managing it: nothing is closed.

        The handle is returned in blocking mode (unless the socket was made
        non-blocking with ``settimeout(0)``), ready for ``socket.socket(fileno=h)``.

        Raises:
            SocketClosedError: already closed or detached.
        """
        if self._claim_it() is not None:
            raise _closed_error(self._state_word())
        me = _ident()
        users = self._users
        users.append(me)
        self._closing = True
        handle = self._handle
        try:
            self._leave_others(handle, me, _monotonic() + 2 * WAKE_INTERVAL)
            if self._timeout != 0.0:
                with contextlib.suppress(OsFailure):
                    _backend.set_nonblocking(handle, False)
            _backend.forget(handle)
        finally:
            # Nobody may close the handle now: it belongs to the caller.
            self._finish.clear()
            self._handle = -1
            self._report = CloseReport._make(False, 0, 0.0, CloseReason.DETACHED)
            users.remove(me)
        return handle

    def to_stdlib(self) -> socket.socket:
        """Hand the socket over to a stdlib :class:`socket.socket`, options and all.

        The stdlib object owns the handle from then on (this Socket is detached) and
        keeps the timeout set with :meth:`settimeout`; the handle stays
        non-inheritable. Frameworks that take a ready socket (``asyncio``,
        ``socketserver``, uvicorn, waitress) get one this way; see also
        :func:`winsockx.create_server`. Closing it with :func:`winsockx.graceful_close`
        keeps the bounded close.

        >>> import winsockx
        >>> s = winsockx.Socket(exclusive=True)
        >>> s.bind(("127.0.0.1", 0))
        >>> with s.to_stdlib() as std:
        ...     s.closed, std.getsockname()[0]
        (True, '127.0.0.1')

        Raises:
            SocketClosedError: already closed or detached.
            OSError: the stdlib refused the handle; the socket is left as it was.
        """
        if self._closing:
            raise _closed_error(self._state_word())
        # Imported here: on Windows importing socket calls WSAStartup, which must not
        # happen behind the back of code that manages Winsock's startup itself.
        import socket as _stdsocket

        timeout = self._timeout
        # Built while this Socket still owns the handle, so a refusal leaves it intact.
        std = _stdsocket.socket(
            _NATIVE_FAMILY[self._family], int(self._type), int(self._proto), self._handle
        )
        try:
            self.detach()
        except BaseException:
            std.detach()  # the handle was never the stdlib object's to close
            raise
        std.settimeout(timeout)
        return std

    @classmethod
    def _take(cls, handle: int, family: AddressFamily, type: SocketType, proto: int) -> Socket:
        """Manage a handle made elsewhere (see :func:`winsockx.graceful_close`).

        The handle becomes non-blocking, as every managed handle is; whether it is
        connected and its SO_LINGER are read back from the system.
        """
        if not _started:
            ensure_started()
            _started.append(True)
        connected = True
        try:
            _backend.getpeername(handle)
        except OsFailure:
            connected = False
        linger: tuple[int, int] | None = None
        try:
            current = _backend.unpack_linger(
                _backend.getsockopt(handle, SOL_SOCKET, _SO_LINGER, _LINGER_SIZE)
            )
            linger = current if current[0] else None
        except OsFailure:
            pass
        protocol = _PROTOCOLS.get(proto, proto)
        sock = cls.__new__(cls)
        sock._init(handle, family, type, protocol, connected)
        sock._bound = True
        sock._linger = linger
        # close() copes with a handle left blocking: it waits for readiness first.
        with contextlib.suppress(OsFailure):
            _backend.set_nonblocking(handle, True)
        return sock

    def _abort(self) -> None:
        """Close the handle without draining (construction failed or the object was lost)."""
        self._claim_it()
        self._closing = True
        if self._report is None:
            self._report = CloseReport._make(False, 0, 0.0, CloseReason.ERROR)
        if self._handle != -1 and not self._users:
            self._final_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: builtins.type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._closing or self._handle == -1:
                return
        except AttributeError:
            return  # the constructor failed before any state existed
        warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
        self._abort()

    def __repr__(self) -> str:
        if not hasattr(self, "_users"):
            return "<winsockx.Socket (not created)>"
        state = "closed" if self._closing else f"handle={self._handle}"
        return (
            f"<winsockx.Socket {state} family={self._family.name} type={self._type.name}"
            f" proto={int(self._proto)}>"
        )


_SO_ERROR = SocketOption.ERROR.optname
_BOOL = OptionKind.BOOL
_LINGER = OptionKind.LINGER
_TIMEOUT = OptionKind.TIMEOUT
_DWORD = struct.Struct("=I")
_INT32 = struct.Struct("=i")
# struct tcp_keepalive { ULONG onoff; ULONG keepalivetime; ULONG keepaliveinterval; }
_KEEPALIVE_VALS = struct.Struct("<III")
# The longest SO_RCVTIMEO/SO_SNDTIMEO: a DWORD of milliseconds.
_MAX_TIMEOUT_OPTION = 0xFFFFFFFF / 1000
_SO_EXCLUSIVEADDRUSE = SocketOption.EXCLUSIVEADDRUSE.optname
# ensure_started() has run in this process (a list: appending is atomic).
_started: list[bool] = []
# (family, (host, port)) -> (Address, packed sockaddr): servers and tests bind and
# connect to the same few addresses, and parsing and packing them is most of the
# cost of bind(). Only plain (str, int) tuples are cached (True == 1 must not
# alias a port); the cache is simply emptied when it grows past its bound.
_SOCKADDRS: dict[tuple[AddressFamily, tuple[str, int]], tuple[Address, bytes]] = {}
_SOCKADDR_CACHE_SIZE = 256


def _sockaddr(family: AddressFamily, address: object) -> tuple[Address, bytes]:
    """The checked :class:`Address` for *address* and its native sockaddr bytes.

    Host names are resolved as the stdlib resolves them for ``bind``/``connect``:
    ``""`` is the wildcard, ``"<broadcast>"`` the IPv4 broadcast address, anything
    else that is not an IP literal goes to :func:`winsockx.resolve.getaddrinfo` for
    the socket's family (the first answer is used; names are never cached).
    """
    if (
        (type(address) is tuple or type(address) is IPv4Address)
        and len(address) == 2
        and type(address[0]) is str
        and type(address[1]) is int
    ):
        key = (family, address)
        cached = _SOCKADDRS.get(key)
        if cached is not None:
            return cached
        addr = _parse_or_resolve(family, address)
        entry = addr, pack_sockaddr(addr, _NATIVE_FAMILY[family])
        if addr.host != address[0]:
            return entry  # a name (or a non-canonical literal): not cached
        if len(_SOCKADDRS) >= _SOCKADDR_CACHE_SIZE:
            _SOCKADDRS.clear()
        _SOCKADDRS[key] = entry
        return entry
    addr = _parse_or_resolve(family, address)
    return addr, pack_sockaddr(addr, _NATIVE_FAMILY[family])


def _parse_or_resolve(family: AddressFamily, address: object) -> Address:
    try:
        return parse_address(family, address)
    except ValueError:
        if not (
            isinstance(address, tuple)
            and len(address) in (2, 4)
            and isinstance(address[0], str)
            and _is_name(address[0])
        ):
            raise
    host, port = address[0], check_int(address[1], "address port", 0, 0xFFFF)
    if host == "<broadcast>" and family == AddressFamily.AF_INET:
        return parse_address(family, ("255.255.255.255", port))
    from .resolve import getaddrinfo  # the resolver only when a name is given

    for info in getaddrinfo(host, port, family):
        return parse_address(family, info.sockaddr)
    raise make_error(
        WSAError.WSANO_DATA,
        "getaddrinfo",
        argument=f"{host!r}, {port}",
        hint=f"the name has no {family.name} address",
    )


def _is_name(host: str) -> bool:
    """True for text that is not an IP literal (so the resolver is asked)."""
    if not host or "\0" in host or "%" in host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


_SO_LINGER = SocketOption.LINGER.optname
_LINGER_SIZE = len(_backend.pack_linger(0, 0))
_NATIVE_FAMILY = {f: _backend.native_family(f) for f in _FAMILIES.values()}
