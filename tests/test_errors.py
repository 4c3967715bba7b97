"""Tests for winsockx.errors and winsockx._errno_map.

Mostly pure logic on any OS; the last tests make real sockets fail to check
that the codes of the two backends agree.
"""

from __future__ import annotations

import copy
import errno
import os
import pickle
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from winsockx import AF_INET, IPPROTO_TCP, SOCK_STREAM, IPv4Address, ShutdownHow, raw
from winsockx._errno_map import _PAIRS, ERRNO_TO_WSA, wsa_code_for_errno
from winsockx.errors import (
    _ERROR_CLASSES,
    AddressInUseError,
    AddressNotAvailableError,
    NotASocketError,
    NotInitialisedError,
    OptionOrderError,
    SocketClosedError,
    UsageError,
    WinsockBlockingIOError,
    WinsockBrokenPipeError,
    WinsockConnectionAbortedError,
    WinsockConnectionRefusedError,
    WinsockConnectionResetError,
    WinsockError,
    WinsockInterruptedError,
    WinsockPermissionError,
    WinsockTimeoutError,
    WSAError,
    error_class_for,
    make_error,
)

# code -> (winsockx class, builtin it must also be, or None)
SUBCLASSES: dict[int, tuple[type[WinsockError], type[OSError] | None]] = {
    10004: (WinsockInterruptedError, InterruptedError),
    10013: (WinsockPermissionError, PermissionError),
    10035: (WinsockBlockingIOError, BlockingIOError),
    10036: (WinsockBlockingIOError, BlockingIOError),
    10037: (WinsockBlockingIOError, BlockingIOError),
    10038: (NotASocketError, None),
    10048: (AddressInUseError, None),
    10049: (AddressNotAvailableError, None),
    10053: (WinsockConnectionAbortedError, ConnectionAbortedError),
    10054: (WinsockConnectionResetError, ConnectionResetError),
    10058: (WinsockBrokenPipeError, BrokenPipeError),
    10060: (WinsockTimeoutError, TimeoutError),
    10061: (WinsockConnectionRefusedError, ConnectionRefusedError),
    10093: (NotInitialisedError, None),
}

DOCS = Path(__file__).resolve().parents[1] / "docs" / "errors.rst"

# The WSA_* codes of Microsoft's "Windows Sockets Error Codes" page, with its short text.
SYSTEM_CODES = {
    6: ("WSA_INVALID_HANDLE", "Specified event object handle is invalid."),
    8: ("WSA_NOT_ENOUGH_MEMORY", "Insufficient memory available."),
    87: ("WSA_INVALID_PARAMETER", "One or more parameters are invalid."),
    995: ("WSA_OPERATION_ABORTED", "Overlapped operation aborted."),
    996: ("WSA_IO_INCOMPLETE", "Overlapped I/O event object not in signaled state."),
    997: ("WSA_IO_PENDING", "Overlapped operations will complete later."),
}


def test_every_member_has_a_meaning() -> None:
    """Every WSAError member has a non-empty, sentence-like meaning."""
    for member in WSAError:
        assert isinstance(member.meaning, str)
        assert member.meaning.strip(), member.name
        assert member.meaning.endswith("."), member.name


def test_known_member_values() -> None:
    """Well-known members carry the values of winerror.h."""
    assert WSAError.WSAEACCES.value == 10013
    assert WSAError.WSAEADDRINUSE.value == 10048
    assert WSAError.WSASYSNOTREADY.value == 10091
    assert WSAError.WSAVERNOTSUPPORTED.value == 10092
    assert WSAError.WSANOTINITIALISED.value == 10093
    assert WSAError.WSAEDISCON.value == 10101
    assert WSAError.WSAHOST_NOT_FOUND.value == 11001
    assert WSAError.WSA_IPSEC_NAME_POLICY_ERROR.value == 11033
    assert WSAError(11024).name == "WSA_QOS_EUNKOWNPSOBJ"


def test_member_range_is_complete() -> None:
    """The enum holds the six WSA_* system codes and the winerror.h WSA blocks, no gaps."""
    expected = (
        set(SYSTEM_CODES)
        | {10004, 10009, 10013, 10014, 10022, 10024}
        | set(range(10035, 10072))
        | {10091, 10092, 10093}
        | set(range(10101, 10113))
        | set(range(11001, 11034))
    )
    assert {int(m) for m in WSAError} == expected


def test_known_meanings() -> None:
    """Meanings use the short form of Microsoft's error table."""
    assert WSAError.WSAEACCES.meaning == "Permission denied."
    assert WSAError.WSAEADDRINUSE.meaning == "Address already in use."
    assert WSAError.WSAECONNREFUSED.meaning == "Connection refused."


@pytest.mark.parametrize("value", sorted(SYSTEM_CODES))
def test_system_codes(value: int) -> None:
    """The WSA_* system codes are members with the page's text, shown by name in str()."""
    name, meaning = SYSTEM_CODES[value]
    member = WSAError(value)
    assert member.name == name
    assert member.meaning == meaning
    err = make_error(value, "recv")
    assert type(err) is WinsockError
    assert err.code is member
    assert str(err) == f"recv() failed: {name} ({value}) {meaning}"


def test_operation_aborted_is_shown_by_name() -> None:
    """995, what Wine reports for an accept ended by closesocket, reads as the page says."""
    err = make_error(995, "accept")
    assert str(err) == "accept() failed: WSA_OPERATION_ABORTED (995) Overlapped operation aborted."
    # Not InterruptedError (PEP 475 retries those) nor a connection error, as in CPython.
    assert not isinstance(err, (InterruptedError, ConnectionError, BlockingIOError))
    assert error_class_for(995) is WinsockError


def test_wait_timeout_is_not_an_error_code() -> None:
    """WSA_WAIT_TIMEOUT (258) is a WSAWaitForMultipleEvents result, not an error code."""
    with pytest.raises(ValueError, match="258"):
        WSAError(258)


def test_tables_cover_the_enum() -> None:
    """Every member has a one-sentence meaning, every class the table names is a
    WinsockError subclass of this module, and every classified code is a member."""
    for code in WSAError:
        assert code.meaning, code.name
        assert code.meaning.endswith("."), code.name
        assert make_error(code, "f").strerror == code.meaning
    assert all(isinstance(code, WSAError) for code in _ERROR_CLASSES)
    assert all(issubclass(cls, WinsockError) for cls in _ERROR_CLASSES.values())
    assert {code: cls for code, (cls, _) in SUBCLASSES.items()} == dict(_ERROR_CLASSES)


def test_class_docstrings_name_their_codes() -> None:
    """Each subclass's docstring opens with the names of the codes mapped to it."""
    for code, cls in _ERROR_CLASSES.items():
        first_line = (cls.__doc__ or "").splitlines()[0]
        assert f"``{WSAError(code).name}``" in first_line, cls.__name__


def _docs_text() -> str:
    if not DOCS.is_file():
        pytest.skip(f"{DOCS} is not in this checkout")
    return DOCS.read_text(encoding="utf-8")


def test_docs_class_table_matches() -> None:
    """docs/errors.rst's class table lists exactly the codes of _ERROR_CLASSES."""
    rows = re.findall(
        r"^   \* - :class:`~winsockx\.errors\.(\w+)`\n     - (.*)$", _docs_text(), re.M
    )
    documented: dict[int, str] = {}
    for cls_name, codes in rows:
        for name, value in re.findall(r"``(\w+)`` \((\d+)\)", codes):
            assert WSAError[name] == int(value), name
            documented[int(value)] = cls_name
    assert documented == {int(code): cls.__name__ for code, cls in _ERROR_CLASSES.items()}
    assert "WinsockError" in {cls_name for cls_name, _ in rows}


def test_docs_errno_table_matches() -> None:
    """docs/errors.rst's errno table is _errno_map's table, in order, with the right values."""
    rows = re.findall(r"^``(E[A-Z]+)``\s+``(WSA\w+)``\s+(\d+)", _docs_text(), re.M)
    assert [(name, WSAError[code]) for name, code, _ in rows] == list(_PAIRS)
    for _, code, value in rows:
        assert WSAError[code] == int(value), code


@pytest.mark.parametrize("code", sorted(SUBCLASSES))
def test_subclass_choice(code: int) -> None:
    """make_error picks the specific class, which is also the matching builtin."""
    cls, builtin = SUBCLASSES[code]
    assert error_class_for(code) is cls
    err = make_error(code, "op")
    assert type(err) is cls
    assert isinstance(err, WinsockError)
    assert isinstance(err, OSError)
    if builtin is not None:
        assert isinstance(err, builtin)
    assert err.winerror == code
    assert err.code is WSAError(code)


def test_builtin_except_clauses_catch() -> None:
    """Existing except clauses for builtins catch the winsockx errors."""
    with pytest.raises(PermissionError):
        raise make_error(10013, "bind")
    with pytest.raises(ConnectionResetError):
        raise make_error(10054, "recv")
    with pytest.raises(ConnectionRefusedError):
        raise make_error(10061, "connect")
    with pytest.raises(TimeoutError):
        raise make_error(10060, "connect")
    with pytest.raises(BlockingIOError):
        raise make_error(10035, "accept")


def test_unmapped_code_gives_base_class() -> None:
    """A WSA code without a subclass gives WinsockError with its code set."""
    err = make_error(10022, "listen")
    assert type(err) is WinsockError
    assert err.code is WSAError.WSAEINVAL


def test_str_format() -> None:
    """str() reads: function(argument) failed: NAME (code) Meaning."""
    err = make_error(10013, "bind", argument="0.0.0.0:5150")
    assert str(err) == "bind(0.0.0.0:5150) failed: WSAEACCES (10013) Permission denied."


def test_str_without_argument_and_with_hint() -> None:
    """Without an argument the parentheses stay empty; a hint follows the meaning."""
    err = make_error(10022, "setsockopt", hint="Do not combine the two options.")
    assert str(err) == (
        "setsockopt() failed: WSAEINVAL (10022) Invalid argument. Do not combine the two options."
    )
    assert err.hint == "Do not combine the two options."


def test_diagnosis_set_later_shows_in_str() -> None:
    """diagnosis starts as None and, once set, follows the code in str(), before the
    code's generic meaning: ``NAME (code): diagnosis. Meaning``."""
    err = make_error(10048, "bind", argument="0.0.0.0:80")
    assert err.diagnosis is None
    before = str(err)
    assert before.startswith("bind(0.0.0.0:80) failed: WSAEADDRINUSE (10048) ")
    err.diagnosis = "held by PID 4 (System) on 0.0.0.0:80 LISTEN"
    head = "bind(0.0.0.0:80) failed: WSAEADDRINUSE (10048)"
    assert str(err) == (
        head + ": held by PID 4 (System) on 0.0.0.0:80 LISTEN." + before[len(head) :]
    )


def test_diagnosis_of_an_unnamed_code_is_appended() -> None:
    """A code without a WSAError name keeps the diagnosis at the end."""
    err = make_error(12345, "bind", argument="0.0.0.0:80")
    before = str(err)
    err.diagnosis = "nothing found holding port 80"
    assert str(err) == before + " nothing found holding port 80"


def test_unknown_code() -> None:
    """A code with no system text gives the base class, code None and an honest message."""
    err = make_error(12345, "closesocket")
    assert type(err) is WinsockError
    assert err.code is None
    assert err.winerror == 12345
    assert err.strerror == "Unknown Winsock error code 12345."
    assert str(err) == "closesocket() failed: Unknown Winsock error code 12345."
    assert error_class_for(12345) is WinsockError


def test_other_windows_code_uses_formatmessage() -> None:
    """On Windows a system error code outside WSAError reads as FormatMessage has it.

    ctypes.FormatError calls FormatMessage by another route than cffi.
    """
    if sys.platform != "win32":  # a skip mypy also sees: ctypes.FormatError is Windows'
        pytest.skip("FormatMessage is Windows'")
    import ctypes

    expected = ctypes.FormatError(1234).rstrip(" \r\n.")  # ERROR_PORT_UNREACHABLE
    assert expected
    err = make_error(1234, "WSARecv")
    assert err.code is None
    assert err.strerror == expected + "."
    assert str(err) == f"WSARecv() failed: error 1234 {expected}."


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has FormatMessage text for it")
def test_other_windows_code_elsewhere() -> None:
    """Elsewhere no system knows the Windows code's text, and the message says so."""
    err = make_error(1234, "WSARecv")
    assert str(err) == "WSARecv() failed: Unknown Winsock error code 1234."


@pytest.mark.parametrize("code", [-1, 0, 64, 258, 1234, 12345, 2**31 - 1, 2**31, 2**32 - 1, 2**40])
def test_never_unknown_error(code: int) -> None:
    """No code, however odd, gives the old "Unknown error" text or fails to build.

    -1 matters on Windows: cffi's getwinerror reads it as "the thread's last error".
    """
    err = make_error(code, "op")
    assert "Unknown error" not in str(err)
    assert err.strerror
    assert err.strerror.endswith(".")
    if code in (-1, 2**32 - 1, 2**40):
        assert err.strerror == f"Unknown Winsock error code {code}."


def test_posix_errno_unknown_to_libc() -> None:
    """An errno the C library has no text for says so instead of "Unknown error"."""
    value = 99999
    if not os.strerror(value).startswith("Unknown error"):
        pytest.skip(f"this C library knows errno {value}: {os.strerror(value)!r}")
    err = make_error(None, "recv", posix_errno=value)
    assert err.strerror == f"Unknown errno value {value}."
    assert "Unknown error" not in str(err)


def test_oserror_fields() -> None:
    """OSError's args, errno and strerror are filled in consistently."""
    err = make_error(10048, "bind")
    assert err.strerror == "Address already in use."
    assert err.errno == 10048
    assert err.args == (10048, "Address already in use.")
    assert err.filename is None


def test_attributes_kept() -> None:
    """Constructor keywords end up as attributes."""
    address = IPv4Address("127.0.0.1", 5150)
    err = make_error(10061, "connect", argument="127.0.0.1:5150", address=address)
    assert err.function == "connect"
    assert err.argument == "127.0.0.1:5150"
    assert err.address is address
    assert err.posix_errno is None
    assert err.hint is None


def test_posix_errno_suffix_and_errno() -> None:
    """A libc-originated error appends [errno N NAME] and exposes the native errno."""
    err = make_error(10048, "bind", argument="0.0.0.0:5150", posix_errno=errno.EADDRINUSE)
    assert err.posix_errno == errno.EADDRINUSE
    # Windows CPython names socket errno values after their WSA codes.
    name = errno.errorcode[errno.EADDRINUSE]
    if sys.platform != "win32":
        assert name == "EADDRINUSE"
    assert str(err) == (
        "bind(0.0.0.0:5150) failed: WSAEADDRINUSE (10048) Address already in use."
        f" [errno {errno.EADDRINUSE} {name}]"
    )
    expected_errno = 10048 if sys.platform == "win32" else errno.EADDRINUSE
    assert err.errno == expected_errno


def test_posix_errno_without_wsa_equivalent() -> None:
    """An errno with no WSA code gives winerror None and libc's own text."""
    err = make_error(None, "recv", posix_errno=errno.EPROTO)
    assert type(err) is WinsockError
    assert err.code is None
    assert err.errno == errno.EPROTO
    assert str(err).startswith("recv() failed: ")
    assert str(err).endswith(f"[errno {errno.EPROTO} EPROTO]")
    if sys.platform != "win32":
        assert err.winerror is None


# What Windows CPython's OSError carries as errno for a code (PC/errmap.h,
# winerror_to_errno), measured with CPython 3.13 under Wine: the six WSA codes
# that are C errno values lose 10000, the other WSA codes are their own errno
# (errno.EADDRINUSE is 10048 there), the WSA_* system codes map to C errnos.
WINDOWS_ERRNO = {
    6: errno.EBADF,
    8: errno.ENOMEM,
    87: errno.EINVAL,
    995: errno.EINVAL,
    996: errno.EINVAL,
    997: errno.EINVAL,
    10004: errno.EINTR,
    10009: errno.EBADF,
    10013: errno.EACCES,
    10014: errno.EFAULT,
    10022: errno.EINVAL,
    10024: errno.EMFILE,
    10035: 10035,
    10038: 10038,
    10048: 10048,
    10054: 10054,
    10060: 10060,
    10061: 10061,
    10093: 10093,
    11001: 11001,
}


@pytest.mark.skipif(sys.platform != "win32", reason="CPython's Windows errno mapping")
@pytest.mark.parametrize(("code", "expected"), sorted(WINDOWS_ERRNO.items()))
def test_windows_errno_is_cpythons(code: int, expected: int) -> None:
    """On Windows errno is what CPython's OSError derives from the same code."""
    err = make_error(code, "bind")
    assert err.errno == expected == OSError(None, None, None, code).errno
    assert err.args == (expected, err.strerror)
    assert err.winerror == code


@pytest.mark.skipif(sys.platform != "win32", reason="CPython's Windows errno mapping")
def test_windows_errno_for_large_codes() -> None:
    """A DWORD above 2**31 gets CPython's errno for it (a FACILITY_WIN32 HRESULT
    unwraps to its system code), and a number no DWORD holds EINVAL."""
    # E_ACCESSDENIED, HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED).
    assert make_error(0x80070005, "bind").errno == errno.EACCES
    assert make_error(0x80070005, "bind").winerror == 0x80070005
    assert make_error(1 << 40, "bind").errno == errno.EINVAL


@pytest.mark.skipif(sys.platform == "win32", reason="the POSIX errno rules")
def test_posix_errno_is_native() -> None:
    """Elsewhere errno is the native errno; an emulated failure keeps the WSA code."""
    assert make_error(10013, "bind", posix_errno=errno.EPERM).errno == errno.EPERM
    assert make_error(10093, "socket").errno == 10093


def test_winerror_is_a_plain_int() -> None:
    """A WSAError given as the code is stored as a plain int; the member is ``code``.

    The POSIX backend's errno table holds members, and CPython's errors carry ints.
    """
    err = make_error(WSAError.WSAEADDRINUSE, "bind", posix_errno=errno.EADDRINUSE)
    assert type(err.winerror) is int
    assert err.winerror == 10048
    assert err.code is WSAError.WSAEADDRINUSE
    assert repr(err).startswith("AddressInUseError(10048, 'bind'")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone.winerror) is int
    assert clone.errno == err.errno


def test_no_code_at_all_is_rejected() -> None:
    """An error needs a WSA code or an errno."""
    with pytest.raises(ValueError, match="cannot both be None"):
        WinsockError(None, "bind")


@pytest.mark.parametrize("code", [10013, 10048, 10054, 10035, 10022, 6])
def test_pickle_round_trip(code: int) -> None:
    """Pickling keeps the subclass and every field, including a late diagnosis."""
    err = make_error(
        code,
        "bind",
        argument="0.0.0.0:5150",
        address=IPv4Address("0.0.0.0", 5150),
        hint="A hint.",
        posix_errno=errno.EACCES,
    )
    err.diagnosis = "Held by process 1234."
    for clone in (pickle.loads(pickle.dumps(err)), copy.copy(err)):
        assert type(clone) is type(err)
        assert clone.winerror == err.winerror
        assert clone.code is err.code
        assert clone.function == err.function
        assert clone.argument == err.argument
        assert clone.address == err.address
        assert clone.hint == err.hint
        assert clone.posix_errno == err.posix_errno
        assert clone.diagnosis == err.diagnosis
        assert clone.errno == err.errno
        assert clone.args == err.args
        assert str(clone) == str(err)


def test_repr_names_class_and_code() -> None:
    """repr() shows the class and the constructor arguments."""
    err = make_error(10061, "connect", argument="127.0.0.1:1")
    assert repr(err) == "WinsockConnectionRefusedError(10061, 'connect', argument='127.0.0.1:1')"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("EADDRINUSE", WSAError.WSAEADDRINUSE),
        ("EACCES", WSAError.WSAEACCES),
        ("EPERM", WSAError.WSAEACCES),
        ("EBADF", WSAError.WSAENOTSOCK),
        ("ENOTSOCK", WSAError.WSAENOTSOCK),
        ("ECONNREFUSED", WSAError.WSAECONNREFUSED),
        ("EPIPE", WSAError.WSAESHUTDOWN),
        ("ESHUTDOWN", WSAError.WSAESHUTDOWN),
        ("EAGAIN", WSAError.WSAEWOULDBLOCK),
        ("EWOULDBLOCK", WSAError.WSAEWOULDBLOCK),
        ("ENOMEM", WSAError.WSAENOBUFS),
        ("ENFILE", WSAError.WSAEMFILE),
        ("ETIMEDOUT", WSAError.WSAETIMEDOUT),
        ("EINTR", WSAError.WSAEINTR),
        # Winsock's non-blocking connect says WSAEWOULDBLOCK where libc says EINPROGRESS.
        ("EINPROGRESS", WSAError.WSAEWOULDBLOCK),
        ("EALREADY", WSAError.WSAEALREADY),
        ("ECONNRESET", WSAError.WSAECONNRESET),
        ("ENOTCONN", WSAError.WSAENOTCONN),
        ("EINVAL", WSAError.WSAEINVAL),
    ],
)
def test_errno_mapping(name: str, expected: WSAError) -> None:
    """libc errno values translate to the code Winsock gives for the same failure."""
    value = getattr(errno, name)
    assert ERRNO_TO_WSA[value] is expected
    assert wsa_code_for_errno(value) == expected


def test_errno_mapping_unknown() -> None:
    """An errno without a Winsock equivalent translates to None."""
    assert wsa_code_for_errno(0) is None
    assert wsa_code_for_errno(-1) is None


def test_errno_mapping_is_read_only() -> None:
    """The shared table cannot be modified by callers."""
    with pytest.raises(TypeError):
        ERRNO_TO_WSA[0] = WSAError.WSAEINVAL  # type: ignore[index]


def test_errno_to_error_end_to_end() -> None:
    """An errno routed through the map yields the same class as the WSA code."""
    err = make_error(
        wsa_code_for_errno(errno.ECONNREFUSED),
        "connect",
        posix_errno=errno.ECONNREFUSED,
    )
    assert isinstance(err, WinsockConnectionRefusedError)
    assert isinstance(err, ConnectionRefusedError)


@pytest.mark.parametrize("cls", [UsageError, OptionOrderError, SocketClosedError])
def test_usage_errors_are_not_oserror(cls: type[UsageError]) -> None:
    """Library-refused misuse is not an OSError and not a WinsockError."""
    assert not issubclass(cls, OSError)
    assert not issubclass(cls, WinsockError)
    assert issubclass(cls, UsageError)
    with pytest.raises(UsageError):
        raise cls("refused")


# -- the codes real sockets give ------------------------------------------------


@pytest.fixture
def started() -> Iterator[None]:
    """WSAStartup for the raw calls, paired with WSACleanup."""
    raw.WSAStartup()
    yield
    raw.WSACleanup()


class Handles:
    """Raw socket handles made by one test, closed at teardown."""

    def __init__(self) -> None:
        self.open: list[int] = []

    def new(self) -> int:
        handle = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        self.open.append(handle)
        return handle

    def listener(self) -> int:
        handle = self.new()
        raw.bind(handle, ("127.0.0.1", 0))
        raw.listen(handle, 4)
        return handle

    def close(self, handle: int) -> None:
        self.open.remove(handle)
        raw.closesocket(handle)


@pytest.fixture
def handles(started: None) -> Iterator[Handles]:
    """A :class:`Handles` registry for the test."""
    made = Handles()
    yield made
    for handle in made.open:
        raw.closesocket(handle)


def test_send_after_shutdown_is_wsaeshutdown(handles: Handles) -> None:
    """send after shutdown(SD_SEND) fails with WSAESHUTDOWN (10058) on both backends.

    Winsock reports 10058 itself; Linux says EPIPE, which the errno table maps to it.
    """
    listener = handles.listener()
    client = handles.new()
    raw.connect(client, raw.getsockname(listener))
    server, _ = raw.accept(listener)
    handles.open.append(server)
    raw.shutdown(client, ShutdownHow.SD_SEND)
    with pytest.raises(WinsockBrokenPipeError) as info:
        raw.send(client, b"x")
    assert info.value.code is WSAError.WSAESHUTDOWN
    assert isinstance(info.value, BrokenPipeError)
    assert str(info.value).startswith("send() failed: WSAESHUTDOWN (10058) ")


def test_nonblocking_connect_is_wsaewouldblock(handles: Handles) -> None:
    """A non-blocking connect that has not finished fails with WSAEWOULDBLOCK (10035).

    Winsock's connect documentation gives 10035; Linux says EINPROGRESS.
    """
    listener = handles.listener()
    client = handles.new()
    raw.ioctlsocket(client, raw.FIONBIO, 1)
    with pytest.raises(WinsockBlockingIOError) as info:
        raw.connect(client, raw.getsockname(listener))
    assert info.value.code is WSAError.WSAEWOULDBLOCK
    assert isinstance(info.value, BlockingIOError)


def test_recv_unconnected_is_wsaenotconn(handles: Handles) -> None:
    """recv on a TCP socket that never connected fails with WSAENOTCONN (10057)."""
    with pytest.raises(WinsockError) as info:
        raw.recv(handles.new(), 1)
    assert info.value.code is WSAError.WSAENOTCONN


@pytest.mark.ws2_32
def test_accept_ended_by_closesocket_is_named(handles: Handles) -> None:
    """An accept ended by closesocket in another thread fails with a named code.

    Wine 8 reports WSA_OPERATION_ABORTED (995), which winsockx once showed as
    "error 995 Unknown error".  (Linux's close does not wake accept at all.)
    """
    listener = handles.listener()
    failures: list[BaseException] = []

    def wait() -> None:
        try:
            conn, _ = raw.accept(listener)
        except WinsockError as exc:
            failures.append(exc)
        else:
            raw.closesocket(conn)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    waiter.join(0.5)  # let accept block
    handles.close(listener)
    waiter.join(10)
    assert not waiter.is_alive(), "accept did not end when its socket was closed"
    assert len(failures) == 1
    err = failures[0]
    assert isinstance(err, WinsockError)
    assert err.code is not None, str(err)
    if err.code is WSAError.WSA_OPERATION_ABORTED:
        assert str(err) == (
            "accept() failed: WSA_OPERATION_ABORTED (995) Overlapped operation aborted."
        )
