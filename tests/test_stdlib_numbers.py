"""winsockx and the stdlib :mod:`socket` module agree on numbers.

The same failure gives the same ``errno`` through both (``winerror`` too on
Windows), and the stdlib's family and type constants mean the same socket here,
although ``socket.AF_INET6`` is 10 on Linux and 23 in Winsock.
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Iterator

import pytest

import winsockx
from winsockx import AF_INET, SOCK_STREAM, Socket
from winsockx.constants import (
    AddressFamily,
    SocketType,
    coerce_family,
    coerce_type,
    from_native_family,
)
from winsockx.errors import WinsockError, WSAError

from .conftest import Sockets

# Windows' name for the option; the stdlib defines it only there.
SO_EXCLUSIVEADDRUSE = getattr(socket, "SO_EXCLUSIVEADDRUSE", ~0x0004)
# Constants the stdlib has on Linux only (None elsewhere).
AF_UNIX: int | None = getattr(socket, "AF_UNIX", None)
SOCK_NONBLOCK: int | None = getattr(socket, "SOCK_NONBLOCK", None)
SOCK_CLOEXEC: int | None = getattr(socket, "SOCK_CLOEXEC", None)

FAMILY_CHOICES = r"^family must be AF_INET \(2\) or AF_INET6 \(23\), got "
TYPE_CHOICES = r"^type must be SOCK_STREAM \(1\), SOCK_DGRAM \(2\) or SOCK_RAW \(3\), got "


@pytest.fixture
def stdlib_sockets() -> Iterator[list[socket.socket]]:
    """Stdlib sockets the test appends here; all are closed afterwards."""
    made: list[socket.socket] = []
    yield made
    for sock in made:
        sock.close()


def _stdlib_bind_error(made: list[socket.socket], address: tuple[str, int]) -> OSError:
    """The OSError the stdlib raises for a plain TCP bind of *address*."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    made.append(sock)
    try:
        sock.bind(address)
    except OSError as exc:
        return exc
    pytest.fail(f"the stdlib's bind of {address} succeeded")


def _winsockx_bind_error(sockets: Sockets, address: tuple[str, int]) -> WinsockError:
    """The WinsockError winsockx raises for a plain TCP bind of *address*."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    with pytest.raises(WinsockError) as info:
        sock.bind(address)
    return info.value


def _assert_same_numbers(ours: WinsockError, theirs: OSError) -> None:
    assert type(ours.winerror) is int
    assert ours.errno == theirs.errno
    if sys.platform == "win32":
        assert ours.winerror == theirs.winerror
    else:
        assert ours.errno == ours.posix_errno


def test_bind_in_use_errno_matches_stdlib(
    sockets: Sockets, stdlib_sockets: list[socket.socket]
) -> None:
    """A bind of a port a listener holds: winsockx's errno is the stdlib's, winerror an int.

    The listener is the stdlib's, so both failing binds meet the same socket.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stdlib_sockets.append(listener)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    address = listener.getsockname()
    theirs = _stdlib_bind_error(stdlib_sockets, address)
    ours = _winsockx_bind_error(sockets, address)
    assert ours.code is WSAError.WSAEADDRINUSE
    assert ours.winerror == 10048
    assert ours.errno == errno.EADDRINUSE
    _assert_same_numbers(ours, theirs)


def test_bind_in_use_beside_winsockx_listener(
    sockets: Sockets, stdlib_sockets: list[socket.socket]
) -> None:
    """The same with a winsockx listener: both modules' binds fail with one errno."""
    listener = sockets.new(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    address = ("127.0.0.1", listener.getsockname().port)
    theirs = _stdlib_bind_error(stdlib_sockets, address)
    ours = _winsockx_bind_error(sockets, address)
    assert ours.code is WSAError.WSAEADDRINUSE
    _assert_same_numbers(ours, theirs)


@pytest.mark.ws2_32
def test_exclusive_listener_errno_is_eacces(
    sockets: Sockets, stdlib_sockets: list[socket.socket]
) -> None:
    """Beside an SO_EXCLUSIVEADDRUSE listener on 0.0.0.0, a bind of 127.0.0.1 on its port
    fails with WSAEACCES (10013): errno is EACCES (13) through both modules, as CPython
    maps the six WSA codes that are C errno values to those values."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stdlib_sockets.append(listener)
    listener.setsockopt(socket.SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1)
    listener.bind(("0.0.0.0", 0))
    listener.listen()
    address = ("127.0.0.1", listener.getsockname()[1])
    theirs = _stdlib_bind_error(stdlib_sockets, address)
    ours = _winsockx_bind_error(sockets, address)
    assert ours.code is WSAError.WSAEACCES
    assert ours.winerror == 10013
    assert ours.errno == errno.EACCES == 13
    assert isinstance(ours, PermissionError)
    assert isinstance(theirs, PermissionError)
    _assert_same_numbers(ours, theirs)


@pytest.mark.parametrize("code", [int(c) for c in WSAError])
def test_errno_is_cpythons_for_every_code(code: int) -> None:
    """For every WSA code, errno is what CPython's OSError gives the same code:
    winerror_to_errno's result on Windows, the code itself (no libc errno) elsewhere."""
    err = WinsockError(code, "bind")
    assert type(err.winerror) is int
    assert err.winerror == code
    if sys.platform == "win32":
        assert err.errno == OSError(None, None, None, code).errno
    else:
        assert err.errno == code


# -- the stdlib's family and type constants ------------------------------------------


def test_stdlib_inet6_is_winsock_inet6() -> None:
    """socket.AF_INET6 (10 on Linux, 23 on Windows) is AF_INET6 on every platform."""
    assert coerce_family(socket.AF_INET6) is AddressFamily.AF_INET6
    assert coerce_family(socket.AF_INET) is AddressFamily.AF_INET
    assert from_native_family(socket.AF_INET6) is AddressFamily.AF_INET6
    assert from_native_family(socket.AF_INET) is AddressFamily.AF_INET


def test_plain_ints_are_winsock_numbers() -> None:
    """A plain int is read as Winsock's number on every platform."""
    assert coerce_family(2) is AddressFamily.AF_INET
    assert coerce_family(23) is AddressFamily.AF_INET6
    assert coerce_family(AddressFamily.AF_INET6) is AddressFamily.AF_INET6


@pytest.mark.skipif(sys.platform == "win32", reason="the host's numbers are Winsock's there")
def test_plain_native_inet6_number() -> None:
    """Off Windows, the host's own AF_INET6 number as a plain int means AF_INET6 too."""
    native = int(socket.AF_INET6)
    assert native != 23
    assert coerce_family(native) is AddressFamily.AF_INET6


@pytest.mark.skipif(sys.platform != "win32", reason="10 is the host's AF_INET6 elsewhere")
def test_ten_is_refused_on_windows() -> None:
    """On Windows 10 is no IPv4 or IPv6 family (Winsock's AF_CCITT)."""
    with pytest.raises(ValueError, match=FAMILY_CHOICES + "10$"):
        coerce_family(10)


def test_stdlib_types() -> None:
    """The stdlib's SocketKind members map by name; plain 1, 2, 3 are Winsock's numbers."""
    assert coerce_type(socket.SOCK_STREAM) is SocketType.SOCK_STREAM
    assert coerce_type(socket.SOCK_DGRAM) is SocketType.SOCK_DGRAM
    assert coerce_type(socket.SOCK_RAW) is SocketType.SOCK_RAW
    assert coerce_type(2) is SocketType.SOCK_DGRAM
    assert coerce_type(SocketType.SOCK_STREAM) is SocketType.SOCK_STREAM


@pytest.mark.parametrize("value", [True, False, "2", 2.0, None])
def test_family_refuses_non_ints(value: object) -> None:
    """bool, str, float and None are refused with TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^family must be an AddressFamily or int, not "):
        coerce_family(value)


@pytest.mark.parametrize("value", [True, "1", 1.0])
def test_type_refuses_non_ints(value: object) -> None:
    """bool, str and float are refused with TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^type must be a SocketType or int, not "):
        coerce_type(value)


@pytest.mark.skipif(AF_UNIX is None, reason="no AF_UNIX in this socket module")
def test_af_unix_is_named() -> None:
    """socket.AF_UNIX is refused with a ValueError that names it."""
    with pytest.raises(ValueError, match=FAMILY_CHOICES + r"socket\.AF_UNIX \(1\)$"):
        coerce_family(AF_UNIX)


@pytest.mark.parametrize("value", [0, 1, 99, AddressFamily.AF_UNSPEC, socket.AF_UNSPEC])
def test_other_families_refused(value: int) -> None:
    """AF_UNSPEC and numbers of no IPv4 or IPv6 family are refused, naming the choices."""
    with pytest.raises(ValueError, match=FAMILY_CHOICES):
        coerce_family(value)


@pytest.mark.skipif(SOCK_NONBLOCK is None, reason="Linux's socket() type flags")
def test_type_flags_refused() -> None:
    """SOCK_STREAM | SOCK_NONBLOCK is refused, naming the flag and what to pass instead."""
    assert SOCK_NONBLOCK is not None
    assert SOCK_CLOEXEC is not None
    flagged = r"\(SOCK_STREAM \| SOCK_NONBLOCK\): pass SOCK_STREAM alone"
    with pytest.raises(
        ValueError, match=TYPE_CHOICES + rf"{socket.SOCK_STREAM | SOCK_NONBLOCK} {flagged}"
    ):
        coerce_type(socket.SOCK_STREAM | SOCK_NONBLOCK)
    with pytest.raises(ValueError, match=r"\(SOCK_DGRAM \| SOCK_CLOEXEC\)"):
        coerce_type(socket.SOCK_DGRAM | SOCK_CLOEXEC)
    with pytest.raises(ValueError, match=TYPE_CHOICES + r"socket\.SOCK_NONBLOCK \("):
        coerce_type(SOCK_NONBLOCK)


def test_other_types_refused() -> None:
    """Types winsockx does not make are refused, naming the choices."""
    with pytest.raises(ValueError, match=TYPE_CHOICES + "9$"):
        coerce_type(9)
    if hasattr(socket, "SOCK_SEQPACKET"):
        with pytest.raises(ValueError, match=TYPE_CHOICES + r"socket\.SOCK_SEQPACKET \(5\)$"):
            coerce_type(socket.SOCK_SEQPACKET)


def test_native_family_unknown() -> None:
    """A number that is no family winsockx knows on this host is refused."""
    with pytest.raises(ValueError, match=r"^99 is not the number of a family"):
        from_native_family(99)


def test_socket_accepts_winsock_numbers() -> None:
    """Socket(23) makes an IPv6 socket on every platform."""
    with Socket(23, 1) as sock:
        assert sock.family is AddressFamily.AF_INET6


def test_socket_takes_the_stdlib_constants(sockets: Sockets) -> None:
    """Socket(socket.AF_INET6, socket.SOCK_STREAM) works on every platform, as do
    Winsock's own numbers; a stdlib flag winsockx handles itself is refused clearly."""
    import socket as stdlib_socket

    v6 = sockets.track(winsockx.Socket(stdlib_socket.AF_INET6, stdlib_socket.SOCK_STREAM))
    assert v6.family is winsockx.AF_INET6
    v6.bind(("::1", 0))
    v6.listen()
    udp = sockets.track(winsockx.Socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_DGRAM))
    assert udp.type is winsockx.SOCK_DGRAM
    assert sockets.track(winsockx.Socket(23)).family is winsockx.AF_INET6
    with pytest.raises(ValueError, match="SOCK_STREAM"):
        winsockx.Socket(
            type=stdlib_socket.SOCK_STREAM | getattr(stdlib_socket, "SOCK_NONBLOCK", 0x800)
        )


@pytest.mark.posix
def test_the_hosts_af_inet6_number_is_af_inet6(sockets: Sockets) -> None:
    """On Linux the plain number 10 (the host's AF_INET6) also means AF_INET6."""
    assert sockets.track(winsockx.Socket(10)).family is winsockx.AF_INET6
