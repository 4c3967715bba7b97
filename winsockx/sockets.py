"""The exclusive-friendly socket: options before bind, a bounded graceful close."""

from __future__ import annotations

import builtins
import contextlib
import time
import warnings
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar, Union

from . import raw
from ._checks import check_int, check_int_pair, check_seconds
from .address import Address, AddressLike, parse_address
from .constants import (
    AddressFamily,
    OptionKind,
    Protocol,
    ShutdownHow,
    SocketOption,
    SocketType,
)
from .errors import (
    OptionOrderError,
    SocketClosedError,
    WinsockBlockingIOError,
    WinsockError,
    WSAError,
    make_error,
)
from .results import CloseReason, CloseReport
from .session import ensure_started

if TYPE_CHECKING:
    from typing_extensions import Buffer, Self

__all__ = ["DEFAULT_DRAIN_LIMIT", "DEFAULT_DRAIN_TIMEOUT", "OptionValue", "Socket"]

DEFAULT_DRAIN_TIMEOUT = 5.0
"""Seconds :meth:`Socket.close` waits for the peer's end of stream by default."""
DEFAULT_DRAIN_LIMIT = 4 * 1024 * 1024
"""Bytes :meth:`Socket.close` reads and discards while draining, by default (4 MiB)."""

OptionValue = Union[bool, int, tuple[int, int]]
"""An option value: ``bool`` for flags, ``int`` for sizes, ``(onoff, seconds)`` for LINGER."""

_DRAIN_CHUNK = 65536
_C_TRUE = (1).to_bytes(4, "little")
_C_FALSE = bytes(4)
_RESET_CODES = frozenset(
    {WSAError.WSAECONNRESET, WSAError.WSAECONNABORTED, WSAError.WSAENETRESET, WSAError.WSAENOTCONN}
)


# Accepted values, for the fast path of the checks below (every Socket runs them).
_FAMILIES = {f.value: f for f in (AddressFamily.AF_INET, AddressFamily.AF_INET6)}
_TYPES = {t.value: t for t in SocketType}
_PROTOCOLS = {p.value: p for p in Protocol}

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
    value = check_int(value, "family", what="an AddressFamily or int")
    if value not in (AddressFamily.AF_INET, AddressFamily.AF_INET6):
        raise ValueError(f"family must be AF_INET (2) or AF_INET6 (23), got {value}")
    return AddressFamily(value)


def _socket_type(value: object) -> SocketType:
    known = _known(value, SocketType, _TYPES)
    if known is not None:
        return known
    value = check_int(value, "type", what="a SocketType or int")
    try:
        return SocketType(value)
    except ValueError:
        raise ValueError(
            f"type must be SOCK_STREAM (1), SOCK_DGRAM (2) or SOCK_RAW (3), got {value}"
        ) from None


def _protocol(value: object) -> Protocol | int:
    known = _known(value, Protocol, _PROTOCOLS)
    if known is not None:
        return known
    value = check_int(value, "proto", 0, 255, what="a Protocol or int")
    try:
        return Protocol(value)
    except ValueError:
        return value


class Socket:
    """One Winsock socket that cannot be configured in the wrong order.

    Options that only take effect before ``bind`` (SO_EXCLUSIVEADDRUSE,
    SO_REUSEADDR, IPV6_V6ONLY) are refused with :class:`OptionOrderError` once
    the socket is bound, instead of being silently ignored as Winsock does.
    :meth:`close` shuts down the sending side, drains what the peer still sends
    until its end of stream, then closes, within a time and a byte bound.

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
        "_connected",
        "_family",
        "_handle",
        "_proto",
        "_report",
        "_timeout",
        "_type",
    )

    def __init__(
        self,
        family: int = AddressFamily.AF_INET,
        type: int = SocketType.SOCK_STREAM,
        proto: int = 0,
        *,
        exclusive: bool = False,
    ) -> None:
        # Set first, so __del__ finds a consistent object if validation raises.
        self._init(-1, AddressFamily.AF_INET, SocketType.SOCK_STREAM, 0, connected=False)
        self._family = _family(family)
        self._type = _socket_type(type)
        self._proto = _protocol(proto)
        ensure_started()
        self._handle = raw.socket(self._family, self._type, self._proto)
        if exclusive:
            try:
                self.set_option(SocketOption.EXCLUSIVEADDRUSE, True)
            except BaseException:
                self._abort()
                raise

    @classmethod
    def _adopt(
        cls, handle: int, family: AddressFamily, type: SocketType, proto: Protocol | int
    ) -> Socket:
        """Wrap a connected handle returned by ``accept``."""
        sock = cls.__new__(cls)
        sock._init(handle, family, type, proto, connected=True)
        return sock

    def _init(
        self,
        handle: int,
        family: AddressFamily,
        type: SocketType,
        proto: Protocol | int,
        *,
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

    # -- state -----------------------------------------------------------------

    def _live(self) -> int:
        """The handle, or SocketClosedError once closed or detached."""
        if self._report is not None:
            what = "detached" if self._report.reason is CloseReason.DETACHED else "closed"
            raise SocketClosedError(f"this winsockx.Socket is {what}; create a new one")
        return self._handle

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
        """True after :meth:`close` or :meth:`detach`."""
        return self._report is not None

    @property
    def bound(self) -> bool:
        """True once bound (by :meth:`bind`, :meth:`connect`, or as an accepted socket)."""
        return self._bound

    def fileno(self) -> int:
        """The Winsock handle (a file descriptor on the POSIX backend)."""
        return self._live()

    def settimeout(self, timeout: float | None) -> None:
        """Bound ``accept``, ``recv``, ``recv_into``, ``send`` and ``sendall`` to *timeout* seconds.

        ``None`` (the default) blocks for ever. A call that runs out of time raises
        :class:`~winsockx.errors.WinsockTimeoutError` (WSAETIMEDOUT, a ``TimeoutError``).
        """
        self._live()
        self._timeout = None if timeout is None else check_seconds(timeout, "timeout")

    def gettimeout(self) -> float | None:
        """The timeout set with :meth:`settimeout`, or None."""
        return self._timeout

    def _wait(self, handle: int, function: str, write: bool = False) -> None:
        timeout = self._timeout
        if timeout is None:
            return
        ready = (
            raw.select([], [handle], [], timeout)
            if write
            else raw.select([handle], [], [], timeout)
        )
        if not (ready[1] if write else ready[0]):
            raise make_error(
                WSAError.WSAETIMEDOUT,
                function,
                hint=f"Nothing happened within the socket's timeout of {timeout:g} s.",
            )

    # -- options ---------------------------------------------------------------

    def set_option(self, option: SocketOption, value: OptionValue) -> None:
        """Set a socket option.

        >>> import winsockx
        >>> with winsockx.Socket() as s:
        ...     s.set_option(winsockx.SocketOption.REUSEADDR, True)

        Raises:
            OptionOrderError: *option* only works before bind and the socket is bound.
            TypeError, ValueError: a value of the wrong kind for *option*.
            WinsockError: e.g. WSAEINVAL (10022) when SO_EXCLUSIVEADDRUSE and
                SO_REUSEADDR would both be set.
        """
        handle = self._live()
        if not isinstance(option, SocketOption):
            raise TypeError(f"option must be a SocketOption, not {type(option).__name__}")
        if option.before_bind and self._bound:
            # Winsock accepts this call after bind, reports success, and ignores it.
            raise OptionOrderError(
                f"{option.c_name} must be set before bind(); this socket is already bound"
                f" to {self._safe_name()}, where Winsock would accept the call and ignore it."
                " Set the option on a new socket before binding it."
            )
        raw.setsockopt(handle, option.level, option.optname, self._encode(option, value))

    def _safe_name(self) -> str:
        try:
            return str(raw.getsockname(self._handle))
        except WinsockError:
            return "an address"

    @staticmethod
    def _encode(option: SocketOption, value: object) -> bytes:
        if option.kind is OptionKind.BOOL and (type(value) is bool or type(value) is int):
            return _C_TRUE if value else _C_FALSE
        if option.kind is OptionKind.LINGER:
            onoff, seconds = check_int_pair(value, f"{option.c_name} value (onoff, seconds)")
            if not (0 <= onoff <= 0xFFFF and 0 <= seconds <= 0xFFFF):
                raise ValueError(f"{option.c_name} onoff and seconds must be 0-65535, got {value}")
            return raw.backend.pack_linger(onoff, seconds)
        if not isinstance(value, int):
            raise TypeError(
                f"{option.c_name} value must be a bool or int, not {type(value).__name__}"
            )
        if option.kind is OptionKind.BOOL:
            return int(bool(value)).to_bytes(4, "little", signed=True)
        if not -(2**31) <= value < 2**31:
            raise ValueError(f"{option.c_name} value must fit a C int, got {value}")
        return int(value).to_bytes(4, "little", signed=True)

    def get_option(self, option: SocketOption) -> OptionValue:
        """Read a socket option: ``bool`` for flags, ``int`` for sizes, a pair for LINGER."""
        handle = self._live()
        if not isinstance(option, SocketOption):
            raise TypeError(f"option must be a SocketOption, not {type(option).__name__}")
        if option.kind is OptionKind.LINGER:
            size = len(raw.backend.pack_linger(0, 0))
            return raw.backend.unpack_linger(
                raw.getsockopt(handle, option.level, option.optname, size)
            )
        value = raw.getsockopt(handle, option.level, option.optname)
        return bool(value) if option.kind is OptionKind.BOOL else value

    # -- calls -----------------------------------------------------------------

    def bind(self, address: AddressLike) -> None:
        """Bind to ``(host, port)``; port 0 lets the stack choose (see :meth:`getsockname`).

        Raises:
            TypeError, ValueError: a malformed address or one of the other family.
            WinsockError: e.g. WSAEACCES (10013, a ``PermissionError``) when another
                socket holds the port exclusively, WSAEADDRINUSE (10048).
        """
        handle = self._live()
        addr = parse_address(self._family, address)
        raw.bind(handle, addr)
        self._bound = True

    def listen(self, backlog: int = 128) -> None:
        """Start accepting connections, with up to *backlog* waiting."""
        handle = self._live()
        raw.listen(handle, check_int(backlog, "backlog", 0))
        self._bound = True

    def accept(self) -> tuple[Socket, Address]:
        """Wait for a connection; return a connected :class:`Socket` and the peer's address."""
        handle = self._live()
        self._wait(handle, "accept")
        conn, peer = raw.accept(handle)
        return Socket._adopt(conn, self._family, self._type, self._proto), peer

    def connect(self, address: AddressLike) -> None:
        """Connect to ``(host, port)`` (binds implicitly if not yet bound)."""
        handle = self._live()
        addr = parse_address(self._family, address)
        raw.connect(handle, addr)
        self._bound = True
        self._connected = True

    def send(self, data: Buffer) -> int:
        """Send what the stack accepts now; return how many bytes that was."""
        handle = self._live()
        self._wait(handle, "send", write=True)
        return raw.send(handle, data)

    def sendall(self, data: Buffer) -> None:
        """Send all of *data*, looping over partial sends."""
        handle = self._live()
        view = memoryview(data).cast("B")
        while view:
            self._wait(handle, "send", write=True)
            view = view[raw.send(handle, view) :]

    def recv(self, bufsize: int) -> bytes:
        """Receive up to *bufsize* bytes; ``b""`` means the peer closed its side."""
        handle = self._live()
        self._wait(handle, "recv")
        return raw.recv(handle, bufsize)

    def recv_into(self, buffer: Buffer, nbytes: int = 0) -> int:
        """Receive into *buffer* without copying; *nbytes* 0 means the whole buffer."""
        handle = self._live()
        self._wait(handle, "recv")
        return raw.recv_into(handle, buffer, nbytes)

    def shutdown(self, how: ShutdownHow) -> None:
        """Shut down one or both directions (see :class:`~winsockx.ShutdownHow`)."""
        handle = self._live()
        raw.shutdown(handle, ShutdownHow(how))

    def getsockname(self) -> Address:
        """The local address."""
        return raw.getsockname(self._live())

    def getpeername(self) -> Address:
        """The connected peer's address."""
        return raw.getpeername(self._live())

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
        Other sockets are just closed. A second call returns the first report.

        >>> import winsockx
        >>> s = winsockx.Socket()
        >>> s.close().reason
        <CloseReason.NOT_CONNECTED: 'not_connected'>

        Raises:
            TypeError, ValueError: a bound that is not a finite number >= 0.
            WinsockError: ``closesocket`` itself failed (the socket counts as closed).
        """
        if self._report is not None:
            return self._report
        drain_timeout = check_seconds(drain_timeout, "drain_timeout")
        drain_limit = check_int(drain_limit, "drain_limit", 0)
        started = time.monotonic()
        handle = self._handle
        reason, drained = CloseReason.NOT_CONNECTED, 0
        try:
            if self._connected and self._type == SocketType.SOCK_STREAM:
                # Stays ERROR if draining is interrupted (e.g. KeyboardInterrupt).
                reason = CloseReason.ERROR
                reason, drained = _drain(handle, started + drain_timeout, drain_limit)
        finally:
            self._handle = -1
            try:
                raw.closesocket(handle)
            except WinsockError:
                reason = CloseReason.ERROR
                raise
            finally:
                self._report = CloseReport(
                    graceful=reason is CloseReason.PEER_CLOSED,
                    drained_bytes=drained,
                    seconds=time.monotonic() - started,
                    reason=reason,
                )
        return self._report

    def detach(self) -> int:
        """Hand the handle over and stop managing it: nothing is closed.

        The handle can be wrapped by the stdlib, e.g. ``socket.socket(fileno=h)``.
        """
        handle = self._live()
        self._handle = -1
        self._report = CloseReport(False, 0, 0.0, CloseReason.DETACHED)
        return handle

    def _abort(self) -> None:
        """Close the handle without draining (construction failed or the object was lost)."""
        handle, self._handle = self._handle, -1
        self._report = CloseReport(False, 0, 0.0, CloseReason.ERROR)
        if handle != -1:
            with contextlib.suppress(WinsockError):
                raw.closesocket(handle)

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
        if getattr(self, "_report", True) is None and getattr(self, "_handle", -1) != -1:
            warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
            self._abort()

    def __repr__(self) -> str:
        state = "closed" if self._report is not None else f"handle={self._handle}"
        return (
            f"<winsockx.Socket {state} family={self._family.name} type={self._type.name}"
            f" proto={int(self._proto)}>"
        )


def _drain(handle: int, deadline: float, limit: int) -> tuple[CloseReason, int]:
    """``shutdown(SD_SEND)`` then read until end of stream, *deadline* or *limit*."""
    try:
        raw.shutdown(handle, ShutdownHow.SD_SEND)
    except WinsockError as exc:
        # WSAENOTCONN here can mean both sides already finished (Linux says so after
        # the peer closed too): the reads below tell end of stream from a reset.
        if exc.code is not WSAError.WSAENOTCONN:
            return (CloseReason.RESET if exc.code in _RESET_CODES else CloseReason.ERROR), 0
    buffer = bytearray(_DRAIN_CHUNK)
    drained = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return CloseReason.TIMEOUT, drained
        try:
            readable = raw.select([handle], [], [], remaining)[0]
        except WinsockError:
            return CloseReason.ERROR, drained
        if not readable:
            return CloseReason.TIMEOUT, drained
        # One byte past the limit tells "exactly the limit, then end of stream"
        # apart from "more than the limit".
        want = min(_DRAIN_CHUNK, limit - drained + 1)
        try:
            got = raw.recv_into(handle, buffer, want)
        except WinsockBlockingIOError:
            continue
        except WinsockError as exc:
            return (CloseReason.RESET if exc.code in _RESET_CODES else CloseReason.ERROR), drained
        if got == 0:
            return CloseReason.PEER_CLOSED, drained
        drained += got
        if drained > limit:
            return CloseReason.LIMIT, drained
