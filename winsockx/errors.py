"""Winsock error codes and the exceptions winsockx raises.

Two families of exceptions exist:

* :class:`WinsockError` and its subclasses: Winsock (or, on the POSIX
  backend, libc) reported a failure.  They derive from :class:`OSError`, and
  the specific ones also from the builtin CPython would raise for the same
  code, so ``except ConnectionRefusedError`` keeps working.
* :class:`UsageError` and its subclasses: winsockx refused a call before it
  reached Winsock.  They are *not* :class:`OSError`, because nothing failed in
  the operating system.

Example::

    from winsockx.errors import AddressInUseError, WSAError

    try:
        sock.bind(address)
    except AddressInUseError as exc:
        assert exc.code is WSAError.WSAEADDRINUSE
        print(exc)  # bind(0.0.0.0:5150) failed: WSAEADDRINUSE (10048) ...
"""

from __future__ import annotations

import enum
import errno as _errno
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from typing_extensions import Self

    from .address import Address

__all__ = [
    "AddressInUseError",
    "AddressNotAvailableError",
    "NotASocketError",
    "NotInitialisedError",
    "OptionOrderError",
    "SocketClosedError",
    "UsageError",
    "WSAError",
    "WinsockBlockingIOError",
    "WinsockBrokenPipeError",
    "WinsockConnectionAbortedError",
    "WinsockConnectionRefusedError",
    "WinsockConnectionResetError",
    "WinsockError",
    "WinsockInterruptedError",
    "WinsockPermissionError",
    "WinsockTimeoutError",
    "error_class_for",
    "make_error",
]


class WSAError(enum.IntEnum):
    """Every code of Microsoft's "Windows Sockets Error Codes" page.

    That is the six ``WSA_*`` codes of ``winsock2.h`` (6 to 997), which are
    Windows system error codes that overlapped and event calls pass through
    ``WSAGetLastError``, and the ``WSA*`` codes of ``winerror.h`` (10004 to
    11033).  ``WSA_WAIT_TIMEOUT`` (258) is left out: it is a return value of
    ``WSAWaitForMultipleEvents``, not an error code.

    Member names are spelled exactly as in the headers, including the typo
    ``WSA_QOS_EUNKOWNPSOBJ``.  Members compare equal to the plain integers
    returned by ``WSAGetLastError``.

    The members are the one table of the codes: each line gives the name, the
    number, the meaning (:attr:`meaning`, the message text of every error) and,
    for the codes that have one, the exception class raised for it
    (:func:`~winsockx.errors.error_class_for`); nothing else restates them.

    Example::

        >>> WSAError(10048)
        <WSAError.WSAEADDRINUSE: 10048>
        >>> WSAError(995)
        <WSAError.WSA_OPERATION_ABORTED: 995>
        >>> WSAError.WSAEACCES.meaning
        'Permission denied.'
    """

    _value_: int
    _meaning: str
    _exception: str

    if TYPE_CHECKING:
        # What callers see: WSAError(10048) looks a member up by its number.
        def __new__(cls, value: int) -> Self: ...

    else:
        # What builds each member from its line of the table below.
        def __new__(cls, value, meaning, exception=""):
            member = int.__new__(cls, value)
            member._value_ = value
            member._meaning = meaning
            member._exception = exception
            return member

    WSA_INVALID_HANDLE = 6, "Specified event object handle is invalid."
    WSA_NOT_ENOUGH_MEMORY = 8, "Insufficient memory available."
    WSA_INVALID_PARAMETER = 87, "One or more parameters are invalid."
    WSA_OPERATION_ABORTED = 995, "Overlapped operation aborted."
    WSA_IO_INCOMPLETE = 996, "Overlapped I/O event object not in signaled state."
    WSA_IO_PENDING = 997, "Overlapped operations will complete later."
    WSAEINTR = 10004, "Interrupted function call.", "WinsockInterruptedError"
    WSAEBADF = 10009, "File handle is not valid."
    WSAEACCES = 10013, "Permission denied.", "WinsockPermissionError"
    WSAEFAULT = 10014, "Bad address."
    WSAEINVAL = 10022, "Invalid argument."
    WSAEMFILE = 10024, "Too many open files."
    WSAEWOULDBLOCK = 10035, "Resource temporarily unavailable.", "WinsockBlockingIOError"
    WSAEINPROGRESS = 10036, "Operation now in progress.", "WinsockBlockingIOError"
    WSAEALREADY = 10037, "Operation already in progress.", "WinsockBlockingIOError"
    WSAENOTSOCK = 10038, "Socket operation on nonsocket.", "NotASocketError"
    WSAEDESTADDRREQ = 10039, "Destination address required."
    WSAEMSGSIZE = 10040, "Message too long."
    WSAEPROTOTYPE = 10041, "Protocol wrong type for socket."
    WSAENOPROTOOPT = 10042, "Bad protocol option."
    WSAEPROTONOSUPPORT = 10043, "Protocol not supported."
    WSAESOCKTNOSUPPORT = 10044, "Socket type not supported."
    WSAEOPNOTSUPP = 10045, "Operation not supported."
    WSAEPFNOSUPPORT = 10046, "Protocol family not supported."
    WSAEAFNOSUPPORT = 10047, "Address family not supported by protocol family."
    WSAEADDRINUSE = 10048, "Address already in use.", "AddressInUseError"
    WSAEADDRNOTAVAIL = 10049, "Cannot assign requested address.", "AddressNotAvailableError"
    WSAENETDOWN = 10050, "Network is down."
    WSAENETUNREACH = 10051, "Network is unreachable."
    WSAENETRESET = 10052, "Network dropped connection on reset."
    WSAECONNABORTED = 10053, "Software caused connection abort.", "WinsockConnectionAbortedError"
    WSAECONNRESET = 10054, "Connection reset by peer.", "WinsockConnectionResetError"
    WSAENOBUFS = 10055, "No buffer space available."
    WSAEISCONN = 10056, "Socket is already connected."
    WSAENOTCONN = 10057, "Socket is not connected."
    WSAESHUTDOWN = 10058, "Cannot send after socket shutdown.", "WinsockBrokenPipeError"
    WSAETOOMANYREFS = 10059, "Too many references."
    WSAETIMEDOUT = 10060, "Connection timed out.", "WinsockTimeoutError"
    WSAECONNREFUSED = 10061, "Connection refused.", "WinsockConnectionRefusedError"
    WSAELOOP = 10062, "Cannot translate name."
    WSAENAMETOOLONG = 10063, "Name too long."
    WSAEHOSTDOWN = 10064, "Host is down."
    WSAEHOSTUNREACH = 10065, "No route to host."
    WSAENOTEMPTY = 10066, "Directory not empty."
    WSAEPROCLIM = 10067, "Too many processes."
    WSAEUSERS = 10068, "User quota exceeded."
    WSAEDQUOT = 10069, "Disk quota exceeded."
    WSAESTALE = 10070, "Stale file handle reference."
    WSAEREMOTE = 10071, "Item is remote."
    WSASYSNOTREADY = 10091, "Network subsystem is unavailable."
    WSAVERNOTSUPPORTED = 10092, "Winsock.dll version out of range."
    WSANOTINITIALISED = 10093, "Successful WSAStartup not yet performed.", "NotInitialisedError"
    WSAEDISCON = 10101, "Graceful shutdown in progress."
    WSAENOMORE = 10102, "No more results."
    WSAECANCELLED = 10103, "Call has been canceled."
    WSAEINVALIDPROCTABLE = 10104, "Procedure call table is invalid."
    WSAEINVALIDPROVIDER = 10105, "Service provider is invalid."
    WSAEPROVIDERFAILEDINIT = 10106, "Service provider failed to initialize."
    WSASYSCALLFAILURE = 10107, "System call failure."
    WSASERVICE_NOT_FOUND = 10108, "Service not found."
    WSATYPE_NOT_FOUND = 10109, "Class type not found."
    WSA_E_NO_MORE = 10110, "No more results."
    WSA_E_CANCELLED = 10111, "Call was canceled."
    WSAEREFUSED = 10112, "Database query was refused."
    WSAHOST_NOT_FOUND = 11001, "Host not found."
    WSATRY_AGAIN = 11002, "Nonauthoritative host not found."
    WSANO_RECOVERY = 11003, "This is a nonrecoverable error."
    WSANO_DATA = 11004, "Valid name, no data record of requested type."
    WSA_QOS_RECEIVERS = 11005, "QoS receivers."
    WSA_QOS_SENDERS = 11006, "QoS senders."
    WSA_QOS_NO_SENDERS = 11007, "No QoS senders."
    WSA_QOS_NO_RECEIVERS = 11008, "QoS no receivers."
    WSA_QOS_REQUEST_CONFIRMED = 11009, "QoS request confirmed."
    WSA_QOS_ADMISSION_FAILURE = 11010, "QoS admission error."
    WSA_QOS_POLICY_FAILURE = 11011, "QoS policy failure."
    WSA_QOS_BAD_STYLE = 11012, "QoS bad style."
    WSA_QOS_BAD_OBJECT = 11013, "QoS bad object."
    WSA_QOS_TRAFFIC_CTRL_ERROR = 11014, "QoS traffic control error."
    WSA_QOS_GENERIC_ERROR = 11015, "QoS generic error."
    WSA_QOS_ESERVICETYPE = 11016, "QoS service type error."
    WSA_QOS_EFLOWSPEC = 11017, "QoS flowspec error."
    WSA_QOS_EPROVSPECBUF = 11018, "Invalid QoS provider buffer."
    WSA_QOS_EFILTERSTYLE = 11019, "Invalid QoS filter style."
    WSA_QOS_EFILTERTYPE = 11020, "Invalid QoS filter type."
    WSA_QOS_EFILTERCOUNT = 11021, "Incorrect QoS filter count."
    WSA_QOS_EOBJLENGTH = 11022, "Invalid QoS object length."
    WSA_QOS_EFLOWCOUNT = 11023, "Incorrect QoS flow count."
    WSA_QOS_EUNKOWNPSOBJ = 11024, "Unrecognized QoS object."
    WSA_QOS_EPOLICYOBJ = 11025, "Invalid QoS policy object."
    WSA_QOS_EFLOWDESC = 11026, "Invalid QoS flow descriptor."
    WSA_QOS_EPSFLOWSPEC = 11027, "Invalid QoS provider-specific flowspec."
    WSA_QOS_EPSFILTERSPEC = 11028, "Invalid QoS provider-specific filterspec."
    WSA_QOS_ESDMODEOBJ = 11029, "Invalid QoS shape discard mode object."
    WSA_QOS_ESHAPERATEOBJ = 11030, "Invalid QoS shaping rate object."
    WSA_QOS_RESERVED_PETYPE = 11031, "Reserved policy QoS element type."
    WSA_SECURE_HOST_NOT_FOUND = 11032, "No such host is known securely."
    WSA_IPSEC_NAME_POLICY_ERROR = 11033, "Name based IPSEC policy could not be added."

    @property
    def meaning(self) -> str:
        """The one-line meaning of the code.

        The short form from Microsoft's "Windows Sockets Error Codes" page
        (the ``winerror.h`` message text for the two IPsec codes the page does
        not list).

        Example::

            >>> WSAError.WSAEADDRINUSE.meaning
            'Address already in use.'
        """
        return self._meaning


def _code_of(winerror: int | None) -> WSAError | None:
    if winerror is None:
        return None
    try:
        return WSAError(winerror)
    except ValueError:
        return None


def _unknown_code_text(winerror: int) -> str:
    return f"Unknown Winsock error code {winerror}."


if sys.platform == "win32":

    def _system_message(winerror: int) -> str | None:
        """Windows' own text for a system error code (``FormatMessage``), or None."""
        # Imported on first use only: importing errors.py stays cheap, and the
        # module is only of use on Windows.
        from ._ws2_32_ffi import ffi

        # cffi takes a C int and reads -1 as "the thread's last error": pass a DWORD
        # above 2**31 as its signed twin, and never -1.
        if 0x80000000 <= winerror <= 0xFFFFFFFF:
            winerror -= 1 << 32
        if winerror == -1 or not -0x80000000 <= winerror <= 0x7FFFFFFF:
            return None
        text = ffi.getwinerror(winerror)[1]
        # cffi substitutes "Windows Error 0x..." when FormatMessage has no text.
        if not text or text.startswith("Windows Error 0x"):
            return None
        # cffi strips the trailing dot and line break.
        return text + "."

else:

    def _system_message(winerror: int) -> str | None:
        """Windows' own text for a system error code; there is none here."""
        return None


def _errno_text(posix_errno: int) -> str | None:
    """libc's text for an errno, or None when libc has none for it."""
    try:
        text = os.strerror(posix_errno)
    except (OverflowError, ValueError):
        return None
    # What glibc, macOS, the Windows CRT and musl answer for a number they do not know.
    if not text or text.startswith("Unknown error") or text == "No error information":
        return None
    return text if text.endswith(".") else text + "."


def _meaning_of(winerror: int | None, posix_errno: int | None) -> str:
    code = _code_of(winerror)
    if code is not None:
        return code.meaning
    if posix_errno is not None:
        # An errno with no Winsock equivalent is the real cause: libc's text.
        text = _errno_text(posix_errno)
        if text is not None:
            return text
    if winerror is not None:
        return _system_message(winerror) or _unknown_code_text(winerror)
    return f"Unknown errno value {posix_errno}."


if sys.platform == "win32":

    def _errno_for_winerror(winerror: int) -> int:
        """The errno CPython gives an OSError for a Windows error code.

        Computed by CPython itself (``winerror_to_errno`` in ``PC/errmap.h``, which
        OSError's constructor applies to its fourth argument), so the value is the
        stdlib's by construction: 10013 gives ``EACCES`` (13), 10048 gives 10048,
        which is ``errno.EADDRINUSE`` there, and 995 gives ``EINVAL`` (22).
        """
        # OSError reads winerror as a C long, 32 bits on Windows: a DWORD above
        # 2**31 reaches CPython's own calls as its signed twin.
        if 0x80000000 <= winerror <= 0xFFFFFFFF:
            winerror -= 1 << 32
        try:
            value = OSError(None, None, None, winerror).errno
        except OverflowError:
            value = None
        # No DWORD is that large; EINVAL is winerror_to_errno's default.
        return _errno.EINVAL if value is None else value


def _errno_value(winerror: int | None, posix_errno: int | None) -> int:
    # Windows: the errno CPython derives from the code, as the stdlib's socket
    # errors carry it.  Elsewhere the native errno, so e.errno compares with the
    # errno module's constants; a failure the POSIX backend emulates has none,
    # and keeps the WSA code.
    if sys.platform == "win32":
        if winerror is not None:
            return _errno_for_winerror(winerror)
        if posix_errno is not None:
            return posix_errno
    else:
        if posix_errno is not None:
            return posix_errno
        if winerror is not None:
            return winerror
    raise ValueError("winerror and posix_errno cannot both be None")


class WinsockError(OSError):
    """An error reported by Winsock, or by libc on the POSIX backend.

    Raised as is for codes without a more specific subclass; use
    :func:`~winsockx.errors.make_error` to get the right subclass for a code.
    ``str()`` reads ``function(argument) failed: NAME (code) Meaning.``; a
    code that is not a :class:`WSAError` shows as ``error 1234`` followed by
    the system's text for it.

    Attributes (besides those of :class:`OSError`):

    ``winerror``
        The exact WSA code, as a plain :class:`int` on every platform.  On the
        POSIX backend an errno with no Winsock equivalent gives ``None``.
    ``code``
        ``winerror`` as a :class:`WSAError`, or ``None`` when it is not one
        (e.g. the Windows system error 1234, ``ERROR_PORT_UNREACHABLE``,
        which overlapped calls can report).
    ``errno``
        What the stdlib's :class:`OSError` carries for the same failure.  On
        Windows the errno CPython derives from the code: the code itself for
        most WSA codes (``errno.EADDRINUSE`` is 10048 there), ``code - 10000``
        for the six that are C errno values (``WSAEACCES`` gives ``EACCES``,
        13), ``EINVAL`` for ``WSA_OPERATION_ABORTED``.  Elsewhere the native
        errno (``EADDRINUSE`` is 98 on Linux), or the WSA code for a failure
        the POSIX backend reports without calling libc.
    ``strerror``
        The meaning of the code: :attr:`WSAError.meaning` for a
        :class:`WSAError`; otherwise the system's own text (``FormatMessage``
        on Windows, ``strerror`` for an errno), or, when the system has none,
        a sentence naming the code as unknown.
    ``function``
        Name of the failed call, e.g. ``"bind"``.
    ``argument``
        What is shown inside the call's parentheses, e.g. ``"0.0.0.0:5150"``
        or ``"SO_EXCLUSIVEADDRUSE"``.
    ``address``
        The address involved, if any: for a failed ``bind`` or ``connect`` the
        checked :class:`~winsockx.IPv4Address` or :class:`~winsockx.IPv6Address`,
        which equals the stdlib's tuple (``exc.address[1]`` is the port).
    ``posix_errno``
        The native errno when the error came from libc, else ``None``.
    ``hint``
        An extra sentence on the likely cause, or ``None``.
    ``diagnosis``
        An explanation found after the fact (e.g. which process holds a
        port), or ``None``; it may be set later and then shows in ``str()``.
        For a failed ``bind`` (10048, 10013) it is worked out the first time it
        is read (or the error is printed), within a time bound, so code that
        catches such errors and carries on pays nothing for it (see
        :func:`winsockx.explain_bind_failure`).

    Example::

        >>> err = WinsockError(10022, "setsockopt", argument="SO_REUSEADDR")
        >>> str(err)
        'setsockopt(SO_REUSEADDR) failed: WSAEINVAL (10022) Invalid argument.'
        >>> err.code
        <WSAError.WSAEINVAL: 10022>
    """

    # typeshed declares OSError.winerror as int on Windows only; narrowing the
    # type there would be an incompatible override.
    if sys.platform == "win32":
        winerror: int
    else:
        winerror: int | None
    code: WSAError | None
    function: str
    argument: str | None
    address: Address | None
    posix_errno: int | None
    hint: str | None
    _diagnosis: str | None

    def __init__(
        self,
        winerror: int | None,
        function: str,
        *,
        argument: str | None = None,
        address: Address | None = None,
        hint: str | None = None,
        posix_errno: int | None = None,
    ) -> None:
        """Build the error; ``winerror`` may be ``None`` only with ``posix_errno``."""
        if winerror is not None:
            # A plain int on every platform, as in CPython's own errors (the POSIX
            # backend's errno table holds WSAError members); the member is ``code``.
            winerror = int(winerror)
        value = _errno_value(winerror, posix_errno)
        # Because __init__ is overridden, OSError.__new__ ignores the
        # arguments and this call is what sets errno, strerror and args.
        super().__init__(value, _meaning_of(winerror, posix_errno))
        if sys.platform == "win32":
            # On Windows winerror is an OSError slot whose default is None,
            # so leaving it untouched for None matches CPython.
            if winerror is not None:
                self.winerror = winerror
        else:
            self.winerror = winerror
        self.code = _code_of(winerror)
        self.function = function
        self.argument = argument
        self.address = address
        self.posix_errno = posix_errno
        self.hint = hint
        self._diagnosis = None

    @property
    def diagnosis(self) -> str | None:
        """Why the call failed, when known (see the class docs), else None."""
        pending = self.__dict__.pop("_pending_diagnosis", None)
        if pending is not None:
            self._diagnosis = pending()
        return self._diagnosis

    @diagnosis.setter
    def diagnosis(self, value: str | None) -> None:
        self.__dict__.pop("_pending_diagnosis", None)
        self._diagnosis = value

    def _diagnose_later(self, work: Callable[[], str | None]) -> None:
        """Have *work* find the diagnosis when it is first read."""
        self.__dict__["_pending_diagnosis"] = work

    def __str__(self) -> str:
        """Render ``function(argument) failed: NAME (code) Meaning.`` plus extras."""
        winerror: int | None = self.winerror
        call = f"{self.function}({self.argument or ''}) failed: "
        diagnosis = self.diagnosis
        if self.code is not None:
            text = f"{call}{self.code.name} ({int(self.code)})"
            # The diagnosis names the cause at once, before the code's generic meaning.
            if diagnosis:
                text += f": {diagnosis.rstrip('.')}."
            text += f" {self.strerror}"
        elif winerror is not None and self.strerror != _unknown_code_text(winerror):
            text = f"{call}error {winerror} {self.strerror}"
        else:
            text = f"{call}{self.strerror}"
        if self.hint:
            text += f" {self.hint}"
        if diagnosis and self.code is None:
            text += f" {diagnosis}"
        if self.posix_errno is not None:
            name = _errno.errorcode.get(self.posix_errno)
            text += f" [errno {self.posix_errno}{' ' + name if name else ''}]"
        return text

    def __repr__(self) -> str:
        """Show the constructor call that rebuilds the error."""
        winerror: int | None = self.winerror
        parts = [repr(winerror), repr(self.function)]
        for key in ("argument", "address", "hint", "posix_errno"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(
        self,
    ) -> tuple[Callable[..., WinsockError], tuple[object, ...], dict[str, object]]:
        """Pickle through the constructor so the subclass and fields survive."""
        winerror: int | None = self.winerror
        self.diagnosis  # noqa: B018 - a pending diagnosis is worked out: functions do not pickle
        return (
            _rebuild,
            (
                type(self),
                winerror,
                self.function,
                self.argument,
                self.address,
                self.hint,
                self.posix_errno,
            ),
            # Carries diagnosis and anything a caller attached.
            dict(self.__dict__),
        )


def _rebuild(
    cls: type[WinsockError],
    winerror: int | None,
    function: str,
    argument: str | None,
    address: Address | None,
    hint: str | None,
    posix_errno: int | None,
) -> WinsockError:
    return cls(
        winerror,
        function,
        argument=argument,
        address=address,
        hint=hint,
        posix_errno=posix_errno,
    )


class WinsockPermissionError(WinsockError, PermissionError):
    """``WSAEACCES`` (10013): access forbidden, e.g. a port bound exclusively.

    Example::

        >>> isinstance(make_error(10013, "bind"), PermissionError)
        True
    """


class WinsockConnectionResetError(WinsockError, ConnectionResetError):
    """``WSAECONNRESET`` (10054): the peer reset the connection."""


class WinsockConnectionRefusedError(WinsockError, ConnectionRefusedError):
    """``WSAECONNREFUSED`` (10061): nothing listens at the target address."""


class WinsockConnectionAbortedError(WinsockError, ConnectionAbortedError):
    """``WSAECONNABORTED`` (10053): the local stack aborted the connection."""


class WinsockTimeoutError(WinsockError, TimeoutError):
    """``WSAETIMEDOUT`` (10060): the peer did not respond in time."""


class WinsockBlockingIOError(WinsockError, BlockingIOError):
    """``WSAEWOULDBLOCK``, ``WSAEINPROGRESS`` or ``WSAEALREADY`` (10035-10037).

    A non-blocking operation could not complete immediately.
    """


class WinsockBrokenPipeError(WinsockError, BrokenPipeError):
    """``WSAESHUTDOWN`` (10058): sending after the socket was shut down."""


class WinsockInterruptedError(WinsockError, InterruptedError):
    """``WSAEINTR`` (10004): a blocking call was interrupted."""


class AddressInUseError(WinsockError):
    """``WSAEADDRINUSE`` (10048): another socket already uses the address.

    Example::

        try:
            sock.bind(address)
        except AddressInUseError as exc:
            print(exc.address, "is taken")
    """


class AddressNotAvailableError(WinsockError):
    """``WSAEADDRNOTAVAIL`` (10049): the address is not valid on this host."""


class NotInitialisedError(WinsockError):
    """``WSANOTINITIALISED`` (10093): ``WSAStartup`` has not been called."""


class NotASocketError(WinsockError):
    """``WSAENOTSOCK`` (10038): the handle is not (or no longer) a socket."""


# The class of each code, from the class names in the WSAError table.
_ERROR_CLASSES: Final[Mapping[int, type[WinsockError]]] = {
    code: globals()[code._exception] for code in WSAError if code._exception
}


def error_class_for(winerror: int | None) -> type[WinsockError]:
    """Return the :class:`WinsockError` subclass raised for a WSA code.

    Codes without a specific subclass (and ``None``) give
    :class:`WinsockError` itself.  That includes the ``WSA_*`` system codes
    (6 to 997), for which CPython raises a plain :class:`OSError` too.  In
    particular ``WSA_OPERATION_ABORTED`` (995, a call ended because its socket
    was closed or the I/O cancelled) is not an :class:`InterruptedError`,
    which callers retry (PEP 475), and not a connection error: the
    connection may be intact, only this call is over.

    Example::

        >>> error_class_for(10061)
        <class 'winsockx.errors.WinsockConnectionRefusedError'>
        >>> error_class_for(995)
        <class 'winsockx.errors.WinsockError'>
    """
    if winerror is None:
        return WinsockError
    return _ERROR_CLASSES.get(winerror, WinsockError)


def make_error(
    winerror: int | None,
    function: str,
    *,
    argument: str | None = None,
    address: Address | None = None,
    hint: str | None = None,
    posix_errno: int | None = None,
) -> WinsockError:
    """Build the error for a failed call, choosing the subclass by code.

    ``winerror`` may be ``None`` only on the POSIX backend, for an errno with
    no Winsock equivalent (then ``posix_errno`` is required).

    Example::

        >>> err = make_error(10013, "bind", argument="0.0.0.0:5150")
        >>> type(err).__name__
        'WinsockPermissionError'
        >>> str(err)
        'bind(0.0.0.0:5150) failed: WSAEACCES (10013) Permission denied.'
    """
    return error_class_for(winerror)(
        winerror,
        function,
        argument=argument,
        address=address,
        hint=hint,
        posix_errno=posix_errno,
    )


class UsageError(Exception):
    """winsockx refused a call before it reached Winsock.

    Not an :class:`OSError`: the operating system was never asked, so
    ``except OSError`` handlers written for network failures do not swallow
    programming mistakes.

    Example::

        try:
            sock.set_option(option, value)
        except UsageError as exc:
            print("rejected:", exc)
    """


class OptionOrderError(UsageError):
    """An option that only takes effect before ``bind`` was set after it.

    ``SO_EXCLUSIVEADDRUSE`` and ``SO_REUSEADDR``, for instance, are read at
    bind time; setting them later would silently do nothing.

    Example::

        sock.bind(address)
        sock.set_option(SO_EXCLUSIVEADDRUSE, True)  # raises OptionOrderError
    """


class SocketClosedError(UsageError):
    """An operation was attempted on a closed or detached winsockx socket.

    Raised instead of passing a stale handle to Winsock, where it could name
    an unrelated socket that reused the handle value.

    Example::

        sock.close()
        sock.send(b"data")  # raises SocketClosedError
    """
