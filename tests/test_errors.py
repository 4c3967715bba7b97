"""Tests for winsockx.errors and winsockx._errno_map (pure logic, any OS)."""

from __future__ import annotations

import copy
import errno
import pickle
import sys

import pytest

from winsockx._errno_map import ERRNO_TO_WSA, wsa_code_for_errno
from winsockx.errors import (
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
    """The enum holds exactly the winerror.h WSA blocks, with no gaps inside them."""
    expected = (
        {10004, 10009, 10013, 10014, 10022, 10024}
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
    """diagnosis starts as None and, once set, is appended by str()."""
    err = make_error(10048, "bind", argument="0.0.0.0:80")
    assert err.diagnosis is None
    before = str(err)
    err.diagnosis = "Port 80 is held by process 4 (System)."
    assert str(err) == before + " Port 80 is held by process 4 (System)."


def test_unknown_code() -> None:
    """A non-WSA code (plain Windows error 6) gives the base class and code None."""
    err = make_error(6, "closesocket")
    assert type(err) is WinsockError
    assert err.code is None
    assert err.winerror == 6
    assert err.strerror == "Unknown error."
    assert str(err) == "closesocket() failed: error 6 Unknown error."
    assert error_class_for(6) is WinsockError


def test_oserror_fields() -> None:
    """OSError's args, errno and strerror are filled in consistently."""
    err = make_error(10048, "bind")
    assert err.strerror == "Address already in use."
    assert err.errno == 10048
    assert err.args == (10048, "Address already in use.")
    assert err.filename is None


def test_attributes_kept() -> None:
    """Constructor keywords end up as attributes."""
    address = ("127.0.0.1", 5150)
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
        address=("0.0.0.0", 5150),
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
