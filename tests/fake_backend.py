"""A fault-injecting backend for the I/O core's tests.

:class:`FaultyBackend` implements the :class:`~winsockx._backend.Backend` protocol by
wrapping the real backend (``winsockx.raw.backend``) and passing every call on, except
where a test scripted a :class:`Fault` for a given call of a method: a partial send,
a would-block, an EINTR, a reset, a callback run before or after the call (another
thread's ``close()``, say). It only injects what the OS cannot be made to do on
demand; the sockets underneath are real loopback sockets.

Every call is recorded (:class:`Call`: method, handle, thread), so a test can check
which handles reached the backend, from which thread, in which order.

Example, in a test::

    fake = install(monkeypatch)
    fake.script("recv", eintr(), would_block())  # the next two recv calls
    fake.at("send", 2, after(other_thread_closes))  # the second send from now
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Callable, TypeVar

import pytest

import winsockx.sockets
from winsockx import raw
from winsockx._backend import Backend, SelectResult
from winsockx._failure import OsFailure
from winsockx.errors import WSAError
from winsockx.results import WSAData

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "PASS",
    "Call",
    "Fault",
    "FaultyBackend",
    "after",
    "before",
    "eintr",
    "failure",
    "install",
    "interrupted_after_call",
    "partial",
    "reset",
    "returns",
    "would_block",
]

_T = TypeVar("_T")
_UNSET = object()


@dataclasses.dataclass(frozen=True)
class Call:
    """One call that reached the fake backend."""

    method: str
    """The backend method, e.g. ``"send"``."""
    handle: int | None
    """The handle passed (the new handle for ``socket``; None for calls without one)."""
    thread: int
    """``threading.get_ident()`` of the calling thread."""
    detail: object = None
    """A method-specific detail: bytes offered to ``send``, events for ``wait``, ..."""


@dataclasses.dataclass(frozen=True)
class Fault:
    """What the fake does instead of, or around, one call.

    In order: run *before*; then raise *error* (without calling the real backend), or
    return *result* (idem), or call the real backend (``send`` offered at most *limit*
    bytes) and, with *error_after*, raise that instead of returning; finally run *after*
    (also when the call raised).
    """

    error: tuple[int, int | None] | None = None
    """``(winerror, posix_errno)`` of an :class:`OsFailure` raised instead of the call."""
    error_after: tuple[int, int | None] | None = None
    """Idem, raised after the real call was made (its outcome is discarded)."""
    result: object = _UNSET
    """A value returned instead of calling the real backend."""
    limit: int | None = None
    """``send`` only: offer the real backend at most this many bytes."""
    before: Callable[[], None] | None = None
    """Run before the call."""
    after: Callable[[], None] | None = None
    """Run after the call, even if it raised."""


PASS = Fault()
"""Pass the call on unchanged (a placeholder in a script)."""


def failure(code: int, posix_errno: int | None = None) -> Fault:
    """Raise ``OsFailure(code, posix_errno)`` instead of making the call."""
    return Fault(error=(code, posix_errno))


def would_block() -> Fault:
    """The call would block (WSAEWOULDBLOCK), as a non-blocking socket answers."""
    return failure(WSAError.WSAEWOULDBLOCK, errno.EAGAIN)


def eintr() -> Fault:
    """A signal interrupted the call before it did anything (WSAEINTR / EINTR)."""
    return failure(WSAError.WSAEINTR, errno.EINTR)


def reset() -> Fault:
    """The connection was reset (WSAECONNRESET)."""
    return failure(WSAError.WSAECONNRESET, errno.ECONNRESET)


def interrupted_after_call() -> Fault:
    """Make the call, then report EINTR: a POSIX ``connect`` interrupted by a signal
    goes on in the background, and the caller must wait for it to finish."""
    return Fault(error_after=(WSAError.WSAEINTR, errno.EINTR))


def partial(limit: int) -> Fault:
    """``send`` passes at most *limit* bytes to the real backend."""
    return Fault(limit=limit)


def returns(value: object) -> Fault:
    """Return *value* without making the call (``wait`` -> False: interrupted)."""
    return Fault(result=value)


def before(callback: Callable[[], None]) -> Fault:
    """Run *callback*, then make the call."""
    return Fault(before=callback)


def after(callback: Callable[[], None]) -> Fault:
    """Make the call, then run *callback*."""
    return Fault(after=callback)


class FaultyBackend:
    """The real backend, with the faults a test scripted and a record of every call."""

    def __init__(self, real: Backend) -> None:
        self.real = real
        self.name = real.name
        self.calls: list[Call] = []
        """Every call made, in order (list.append is atomic: threads may call at once)."""
        self.send_limit: int | None = None
        """When set, every ``send`` offers the real backend at most this many bytes."""
        # Test-only bookkeeping; the lock is never held while a callback or the real
        # backend runs.
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._faults: dict[tuple[str, int], Fault] = {}
        self._always: dict[str, Fault] = {}

    # -- scripting ---------------------------------------------------------------

    def _made(self, method: str) -> int:
        """How many calls of *method* were made so far."""
        return self._counts.get(method, 0)

    def script(self, method: str, *faults: Fault) -> None:
        """Apply *faults* to the next calls of *method*, one each, then pass calls on."""
        start = self._made(method)
        for offset, fault in enumerate(faults):
            self._faults[(method, start + offset)] = fault

    def at(self, method: str, n: int, fault: Fault) -> None:
        """Apply *fault* to the *n*-th call of *method* from now (1 is the next one)."""
        if n < 1:
            raise ValueError(f"n counts from 1, got {n}")
        self._faults[(method, self._made(method) + n - 1)] = fault

    def always(self, method: str, fault: Fault | None) -> None:
        """Apply *fault* to every call of *method* not otherwise scripted (None: stop)."""
        if fault is None:
            self._always.pop(method, None)
        else:
            self._always[method] = fault

    # -- reading the record ------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """The recorded calls of *method*, in order."""
        return [c for c in self.calls if c.method == method]

    def with_handle(self, handle: int, since: int = 0) -> list[Call]:
        """The calls that passed *handle*, from index *since* of :attr:`calls` on."""
        return [c for c in self.calls[since:] if c.handle == handle]

    # -- dispatch ----------------------------------------------------------------

    def _begin(
        self, method: str, handle: int | None, detail: object = None, *, record: bool = True
    ) -> Fault | None:
        with self._lock:
            index = self._counts.get(method, 0)
            self._counts[method] = index + 1
            if record:
                self.calls.append(Call(method, handle, threading.get_ident(), detail))
            fault = self._faults.pop((method, index), None)
        return fault if fault is not None else self._always.get(method)

    def _record(self, method: str, handle: int) -> None:
        self.calls.append(Call(method, handle, threading.get_ident()))

    @staticmethod
    def _run(fault: Fault | None, call: Callable[[], _T]) -> _T:
        if fault is None:
            return call()
        if fault.before is not None:
            fault.before()
        try:
            if fault.error is not None:
                raise OsFailure(*fault.error)
            if fault.result is not _UNSET:
                return fault.result  # type: ignore[return-value]
            if fault.error_after is not None:
                with contextlib.suppress(OsFailure):
                    call()
                raise OsFailure(*fault.error_after)
            return call()
        finally:
            if fault.after is not None:
                fault.after()

    # -- the Backend protocol ----------------------------------------------------

    def startup(self, major: int, minor: int) -> WSAData:
        fault = self._begin("startup", None)
        return self._run(fault, lambda: self.real.startup(major, minor))

    def cleanup(self) -> None:
        fault = self._begin("cleanup", None)
        self._run(fault, self.real.cleanup)

    def last_error(self) -> int:
        return self.real.last_error()

    def socket(
        self,
        family: int,
        type: int,
        proto: int,
        nonblocking: bool,
        exclusive: bool = False,
        managed: bool = False,
    ) -> int:
        fault = self._begin("socket", None, record=False)
        handle = self._run(
            fault,
            lambda: self.real.socket(family, type, proto, nonblocking, exclusive, managed),
        )
        self._record("socket", handle)
        return handle

    def closesocket(self, handle: int) -> None:
        fault = self._begin("closesocket", handle)
        self._run(fault, lambda: self.real.closesocket(handle))

    def forget(self, handle: int) -> None:
        fault = self._begin("forget", handle)
        self._run(fault, lambda: self.real.forget(handle))

    def setsockopt(self, handle: int, level: int, optname: int, value: bytes) -> None:
        fault = self._begin("setsockopt", handle, (level, optname))
        self._run(fault, lambda: self.real.setsockopt(handle, level, optname, value))

    def getsockopt(self, handle: int, level: int, optname: int, size: int) -> bytes:
        fault = self._begin("getsockopt", handle, (level, optname))
        return self._run(fault, lambda: self.real.getsockopt(handle, level, optname, size))

    def getsockopt_int(self, handle: int, level: int, optname: int) -> int:
        fault = self._begin("getsockopt_int", handle)
        return self._run(fault, lambda: self.real.getsockopt_int(handle, level, optname))

    def bind(self, handle: int, sockaddr: bytes) -> None:
        fault = self._begin("bind", handle)
        self._run(fault, lambda: self.real.bind(handle, sockaddr))

    def listen(self, handle: int, backlog: int) -> None:
        fault = self._begin("listen", handle, backlog)
        self._run(fault, lambda: self.real.listen(handle, backlog))

    def accept(self, handle: int, nonblocking: bool, managed: bool = False) -> tuple[int, bytes]:
        fault = self._begin("accept", handle)
        conn, peer = self._run(fault, lambda: self.real.accept(handle, nonblocking, managed))
        self._record("accepted", conn)
        return conn, peer

    def connect(self, handle: int, sockaddr: bytes) -> None:
        fault = self._begin("connect", handle)
        self._run(fault, lambda: self.real.connect(handle, sockaddr))

    def send(self, handle: int, data: Buffer, flags: int) -> int:
        view = memoryview(data).cast("B")
        fault = self._begin("send", handle, view.nbytes)
        limits = [n for n in (self.send_limit, fault.limit if fault else None) if n is not None]
        if limits:
            view = view[: min(limits)]
        return self._run(fault, lambda: self.real.send(handle, view, flags))

    def recv(self, handle: int, size: int, flags: int) -> bytes:
        fault = self._begin("recv", handle, size)
        return self._run(fault, lambda: self.real.recv(handle, size, flags))

    def recv_into(self, handle: int, buffer: Buffer, nbytes: int, flags: int) -> int:
        fault = self._begin("recv_into", handle, nbytes)
        return self._run(fault, lambda: self.real.recv_into(handle, buffer, nbytes, flags))

    def shutdown(self, handle: int, how: int) -> None:
        fault = self._begin("shutdown", handle, how)
        self._run(fault, lambda: self.real.shutdown(handle, how))

    def getsockname(self, handle: int) -> bytes:
        fault = self._begin("getsockname", handle)
        return self._run(fault, lambda: self.real.getsockname(handle))

    def getpeername(self, handle: int) -> bytes:
        fault = self._begin("getpeername", handle)
        return self._run(fault, lambda: self.real.getpeername(handle))

    def set_nonblocking(self, handle: int, enabled: bool) -> None:
        fault = self._begin("set_nonblocking", handle, enabled)
        self._run(fault, lambda: self.real.set_nonblocking(handle, enabled))

    def get_inheritable(self, handle: int) -> bool:
        fault = self._begin("get_inheritable", handle)
        return self._run(fault, lambda: self.real.get_inheritable(handle))

    def set_inheritable(self, handle: int, inheritable: bool) -> None:
        fault = self._begin("set_inheritable", handle, inheritable)
        self._run(fault, lambda: self.real.set_inheritable(handle, inheritable))

    def wait(self, handle: int, events: int, timeout: float | None) -> bool:
        fault = self._begin("wait", handle, events)
        return self._run(fault, lambda: self.real.wait(handle, events, timeout))

    def select(
        self,
        read: Sequence[int],
        write: Sequence[int],
        error: Sequence[int],
        timeout: float | None,
    ) -> SelectResult:
        fault = self._begin("select", None, (tuple(read), tuple(write), tuple(error)))
        return self._run(fault, lambda: self.real.select(read, write, error, timeout))

    def inet_pton(self, family: int, text: str) -> bytes:
        return self.real.inet_pton(family, text)

    def inet_ntop(self, family: int, packed: bytes) -> str:
        return self.real.inet_ntop(family, packed)

    def native_family(self, family: int) -> int:
        return self.real.native_family(family)

    def pack_linger(self, onoff: int, seconds: int) -> bytes:
        return self.real.pack_linger(onoff, seconds)

    def unpack_linger(self, data: bytes) -> tuple[int, int]:
        return self.real.unpack_linger(data)

    def platform(self) -> str:
        return self.real.platform()

    def wine_version(self) -> str | None:
        return self.real.wine_version()

    def sendto(self, handle: int, data: Buffer, flags: int, sockaddr: bytes) -> int:
        fault = self._begin("sendto", handle, memoryview(data).nbytes)
        return self._run(fault, lambda: self.real.sendto(handle, data, flags, sockaddr))

    def recvfrom(self, handle: int, size: int, flags: int) -> tuple[bytes, bytes]:
        fault = self._begin("recvfrom", handle, size)
        return self._run(fault, lambda: self.real.recvfrom(handle, size, flags))

    def recvfrom_into(
        self, handle: int, buffer: Buffer, nbytes: int, flags: int
    ) -> tuple[int, bytes]:
        fault = self._begin("recvfrom_into", handle, nbytes)
        return self._run(fault, lambda: self.real.recvfrom_into(handle, buffer, nbytes, flags))

    def getaddrinfo(
        self,
        host: str | None,
        port: str | None,
        family: int,
        type: int,
        proto: int,
        flags: int,
    ) -> list[tuple[int, int, int, str, bytes]]:
        fault = self._begin("getaddrinfo", None, (host, port))
        return self._run(
            fault, lambda: self.real.getaddrinfo(host, port, family, type, proto, flags)
        )


def install(monkeypatch: pytest.MonkeyPatch) -> FaultyBackend:
    """Put a :class:`FaultyBackend` over the real one under every :class:`winsockx.Socket`
    for the rest of the test (``winsockx.sockets._backend``; ``winsockx.raw`` keeps the
    real one)."""
    fake = FaultyBackend(raw.backend)
    checked: Backend = fake  # the protocol is what the fake must keep implementing
    monkeypatch.setattr(winsockx.sockets, "_backend", checked)
    return fake
