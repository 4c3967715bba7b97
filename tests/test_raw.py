"""winsockx.raw: one call each, exact codes, on real loopback sockets."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from winsockx import SOL_SOCKET, SocketOption, raw
from winsockx.errors import (
    NotASocketError,
    NotInitialisedError,
    WinsockBlockingIOError,
    WinsockError,
    WSAError,
)

AF_INET, AF_INET6 = 2, 23
SOCK_STREAM, SOCK_DGRAM = 1, 2
IPPROTO_TCP, IPPROTO_UDP = 6, 17
SO_TYPE = SocketOption.TYPE.optname


@pytest.fixture
def started() -> Iterator[None]:
    """One counted WSAStartup for the test, undone after it."""
    raw.WSAStartup((2, 2))
    yield
    raw.WSACleanup()


@pytest.fixture
def handle(started: None) -> Iterator[int]:
    """An unbound TCP/IPv4 handle, closed after the test unless the test closed it."""
    h = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield h
    with contextlib.suppress(NotASocketError):
        raw.closesocket(h)


# The child must not import the stdlib socket module: on Windows that import
# calls WSAStartup, which would hide the very error under test.
_FRESH_CHILD = textwrap.dedent(
    """
    import json, sys
    import winsockx.raw as raw
    from winsockx.errors import WinsockError
    loaded = "socket" in sys.modules or "_socket" in sys.modules
    try:
        h = raw.socket(2, 1, 6)
    except WinsockError as exc:
        out = {"winerror": exc.winerror, "code": exc.code.name if exc.code else None,
               "function": exc.function, "class": type(exc).__name__,
               "mro": [c.__name__ for c in type(exc).__mro__], "socket_loaded": loaded}
    else:
        out = {"handle": h, "socket_loaded": loaded}
    print(json.dumps(out))
    """
)


def test_socket_before_startup_is_not_initialised(backend_name: str) -> None:
    """In a fresh process, raw.socket() without WSAStartup fails with WSANOTINITIALISED (10093)."""
    proc = subprocess.run(
        [sys.executable, "-c", _FRESH_CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, proc.stdout + proc.stderr
    result = json.loads(lines[0])
    assert result.get("winerror") == 10093, result
    assert result["code"] == "WSANOTINITIALISED"
    assert result["function"] == "socket"
    assert result["class"] == NotInitialisedError.__name__
    assert "WinsockError" in result["mro"]
    assert "OSError" in result["mro"]
    if backend_name == "ws2_32":
        # Otherwise the stdlib would have started Winsock and the 10093 would be luck.
        assert result["socket_loaded"] is False


def test_socket_type_protocol_mismatch(started: None) -> None:
    """SOCK_STREAM with IPPROTO_UDP fails with WSAEPROTONOSUPPORT (10043)."""
    with pytest.raises(WinsockError) as info:
        raw.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)
    assert info.value.winerror == 10043
    assert info.value.code is WSAError.WSAEPROTONOSUPPORT
    assert info.value.function == "socket"
    assert info.value.argument == "AF_INET, SOCK_STREAM, IPPROTO_UDP"


def test_closesocket_twice(started: None) -> None:
    """The second closesocket of one handle fails with WSAENOTSOCK (10038)."""
    h = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    raw.closesocket(h)
    with pytest.raises(NotASocketError) as info:
        raw.closesocket(h)
    assert info.value.winerror == 10038
    assert info.value.code is WSAError.WSAENOTSOCK
    assert info.value.function == "closesocket"


def test_bind_on_closed_handle(started: None) -> None:
    """bind on a closed handle fails with WSAENOTSOCK (10038) and names the address."""
    h = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    raw.closesocket(h)
    with pytest.raises(NotASocketError) as info:
        raw.bind(h, ("127.0.0.1", 0))
    assert info.value.winerror == 10038
    assert info.value.function == "bind"
    assert info.value.argument == "127.0.0.1:0"


def test_getsockopt_on_closed_handle(started: None) -> None:
    """getsockopt on a closed handle fails with 10038, naming the option."""
    h = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    raw.closesocket(h)
    with pytest.raises(NotASocketError) as info:
        raw.getsockopt(h, SOL_SOCKET, SO_TYPE)
    assert info.value.winerror == 10038
    assert info.value.argument == "SO_TYPE"


def test_bind_twice(handle: int) -> None:
    """Binding an already bound socket fails with WSAEINVAL (10022)."""
    raw.bind(handle, ("127.0.0.1", 0))
    with pytest.raises(WinsockError) as info:
        raw.bind(handle, ("127.0.0.1", 0))
    assert info.value.winerror == 10022
    assert info.value.code is WSAError.WSAEINVAL
    assert info.value.function == "bind"


def test_getsockname_after_bind(handle: int) -> None:
    """getsockname returns the bound host and the port the stack chose."""
    raw.bind(handle, ("127.0.0.1", 0))
    name = raw.getsockname(handle)
    assert name.host == "127.0.0.1"
    assert 0 < name.port <= 65535
    assert name.family == AF_INET


@pytest.mark.parametrize(
    ("first", "second"), [("EXCLUSIVEADDRUSE", "REUSEADDR"), ("REUSEADDR", "EXCLUSIVEADDRUSE")]
)
def test_exclusive_and_reuse_conflict(handle: int, first: str, second: str) -> None:
    """Raw setsockopt of SO_EXCLUSIVEADDRUSE and SO_REUSEADDR together fails with 10022."""
    a, b = SocketOption[first], SocketOption[second]
    raw.setsockopt(handle, a.level, a.optname, 1)
    with pytest.raises(WinsockError) as info:
        raw.setsockopt(handle, b.level, b.optname, 1)
    assert info.value.winerror == 10022
    assert info.value.argument == b.c_name
    assert raw.getsockopt(handle, a.level, a.optname) != 0
    assert raw.getsockopt(handle, b.level, b.optname) == 0


def test_nonblocking_recv_would_block(started: None) -> None:
    """After ioctlsocket(FIONBIO, 1), recv with no data fails with WSAEWOULDBLOCK (10035)."""
    listener = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    client = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    conn = -1
    try:
        raw.bind(listener, ("127.0.0.1", 0))
        raw.listen(listener, 1)
        raw.connect(client, raw.getsockname(listener))
        assert raw.select([listener], [], [], 10)[0] == [listener]
        conn, peer = raw.accept(listener)
        assert peer == raw.getsockname(client)
        raw.ioctlsocket(conn, raw.FIONBIO, 1)
        with pytest.raises(WinsockBlockingIOError) as info:
            raw.recv(conn, 16)
        assert info.value.winerror == 10035
        assert info.value.code is WSAError.WSAEWOULDBLOCK
        assert isinstance(info.value, BlockingIOError)
        # Data that arrived is then returned without blocking.
        assert raw.send(client, b"ping") == 4
        assert raw.select([conn], [], [], 10)[0] == [conn]
        assert raw.recv(conn, 16) == b"ping"
        # Back to blocking: select with a short timeout reports nothing readable.
        raw.ioctlsocket(conn, raw.FIONBIO, 0)
        started_at = time.monotonic()
        assert raw.select([conn], [], [], 0.2) == ([], [], [])
        assert time.monotonic() - started_at < 5
    finally:
        for h in (conn, client, listener):
            if h != -1:
                raw.closesocket(h)


def test_ioctlsocket_rejects_other_commands(handle: int) -> None:
    """Only FIONBIO is supported; other commands are refused before the call."""
    with pytest.raises(ValueError, match="FIONBIO"):
        raw.ioctlsocket(handle, 0x4004667F, 0)  # FIONREAD


def test_select_writable_when_connected(started: None) -> None:
    """A connected socket is reported writable by select."""
    listener = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    client = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    try:
        raw.bind(listener, ("127.0.0.1", 0))
        raw.listen(listener, 1)
        raw.connect(client, raw.getsockname(listener))
        assert raw.select([], [client], [], 10)[1] == [client]
    finally:
        raw.closesocket(client)
        raw.closesocket(listener)


def test_select_negative_timeout_refused(handle: int) -> None:
    """A negative select timeout is refused with ValueError."""
    with pytest.raises(ValueError, match="timeout"):
        raw.select([handle], [], [], -1)


@pytest.mark.parametrize(
    ("family", "text", "packed"),
    [
        (AF_INET, "127.0.0.1", b"\x7f\x00\x00\x01"),
        (AF_INET, "0.0.0.0", b"\x00\x00\x00\x00"),
        (AF_INET, "255.255.255.255", b"\xff\xff\xff\xff"),
        (AF_INET6, "::1", b"\x00" * 15 + b"\x01"),
        (AF_INET6, "::", b"\x00" * 16),
        (AF_INET6, "fe80::1", b"\xfe\x80" + b"\x00" * 13 + b"\x01"),
        (AF_INET6, "::ffff:127.0.0.1", b"\x00" * 10 + b"\xff\xff\x7f\x00\x00\x01"),
    ],
)
def test_inet_pton_ntop_round_trip(started: None, family: int, text: str, packed: bytes) -> None:
    """inet_pton gives network-order bytes and inet_ntop turns them back into the text."""
    assert raw.inet_pton(family, text) == packed
    assert raw.inet_ntop(family, packed) == text


@pytest.mark.parametrize(
    ("family", "text"),
    [
        (AF_INET, "256.0.0.1"),
        (AF_INET, "1.2.3"),
        (AF_INET, "::1"),
        (AF_INET, "localhost"),
        (AF_INET6, "1:2:3:4:5:6:7:8:9"),
        (AF_INET6, "127.0.0.1"),
        (AF_INET6, ":::"),
    ],
)
def test_inet_pton_malformed(started: None, family: int, text: str) -> None:
    """A malformed address text raises ValueError naming the text."""
    with pytest.raises(ValueError, match="inet_pton") as info:
        raw.inet_pton(family, text)
    assert repr(text) in str(info.value)


def test_inet_ntop_wrong_length(started: None) -> None:
    """inet_ntop refuses bytes of the wrong length for the family."""
    with pytest.raises(ValueError, match="4 bytes"):
        raw.inet_ntop(AF_INET, b"\x00" * 16)
    with pytest.raises(ValueError, match="16 bytes"):
        raw.inet_ntop(AF_INET6, b"\x00" * 4)


def test_udp_round_trip(started: None) -> None:
    """Two connected UDP handles on 127.0.0.1 exchange datagrams both ways."""
    a = raw.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)
    b = raw.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)
    try:
        raw.bind(a, ("127.0.0.1", 0))
        raw.bind(b, ("127.0.0.1", 0))
        raw.connect(a, raw.getsockname(b))
        raw.connect(b, raw.getsockname(a))
        assert raw.send(a, b"one") == 3
        assert raw.select([b], [], [], 10)[0] == [b]
        assert raw.recv(b, 100) == b"one"
        assert raw.send(b, b"two!") == 4
        assert raw.select([a], [], [], 10)[0] == [a]
        assert raw.recv(a, 100) == b"two!"
        assert raw.getpeername(a) == raw.getsockname(b)
    finally:
        raw.closesocket(a)
        raw.closesocket(b)


def test_recv_negative_size_refused(handle: int) -> None:
    """recv with a negative size is refused before the call."""
    with pytest.raises(ValueError, match="bufsize"):
        raw.recv(handle, -1)


def test_wsagetlasterror_after_failure(started: None) -> None:
    """WSAGetLastError reads the code the last failing call on this thread left."""
    with pytest.raises(WinsockError):
        raw.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)
    assert raw.WSAGetLastError() == 10043
