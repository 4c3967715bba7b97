"""winsockx.raw datagrams (sendto, recvfrom, recvfrom_into) and WSAIoctl, on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.fake_backend import FaultyBackend, failure
from winsockx import raw
from winsockx._failure import OsFailure
from winsockx.address import pack_sockaddr
from winsockx.errors import NotASocketError, WinsockBlockingIOError, WinsockError, WSAError

AF_INET, AF_INET6 = 2, 23
SOCK_STREAM, SOCK_DGRAM = 1, 2
IPPROTO_TCP, IPPROTO_UDP = 6, 17
LOOPBACK = {AF_INET: "127.0.0.1", AF_INET6: "::1"}
FAMILIES = pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["ipv4", "ipv6"])


@pytest.fixture
def started() -> Iterator[None]:
    """One counted WSAStartup for the test, undone after it."""
    raw.WSAStartup((2, 2))
    yield
    raw.WSACleanup()


class Handles:
    """Raw handles made by one test, closed after it."""

    def __init__(self) -> None:
        self.made: list[int] = []

    def udp(self, family: int = AF_INET) -> int:
        """A UDP handle bound to the loopback address of *family*, on a port the stack chose."""
        h = raw.socket(family, SOCK_DGRAM, IPPROTO_UDP)
        self.made.append(h)
        raw.bind(h, (LOOPBACK[family], 0))
        return h

    def close_all(self) -> None:
        for h in self.made:
            with contextlib.suppress(NotASocketError):
                raw.closesocket(h)


@pytest.fixture
def handles(started: None) -> Iterator[Handles]:
    """A :class:`Handles` registry for the test."""
    registry = Handles()
    yield registry
    registry.close_all()


@FAMILIES
def test_sendto_recvfrom_gives_data_and_sender(handles: Handles, family: int) -> None:
    """A datagram sent to a bound UDP socket arrives whole, with the sender's address
    exactly as the sender's getsockname reports it."""
    a, b = handles.udp(family), handles.udp(family)
    assert raw.sendto(a, b"hello", raw.getsockname(b)) == 5
    data, sender = raw.recvfrom(b, 100)
    assert data == b"hello"
    assert sender == raw.getsockname(a)
    assert sender is not None
    assert sender.family == family


@FAMILIES
def test_sendto_takes_a_plain_tuple(handles: Handles, family: int) -> None:
    """``(host, port)`` works as the destination; the family follows from the host."""
    a, b = handles.udp(family), handles.udp(family)
    port = raw.getsockname(b).port
    assert raw.sendto(a, memoryview(b"tuple"), (LOOPBACK[family], port)) == 5
    assert raw.recvfrom(b, 100)[0] == b"tuple"


@FAMILIES
def test_recvfrom_into_fills_the_buffer(handles: Handles, family: int) -> None:
    """recvfrom_into writes into the caller's buffer and returns the count and the sender."""
    a, b = handles.udp(family), handles.udp(family)
    raw.sendto(a, b"0123456789", raw.getsockname(b))
    buffer = bytearray(16)
    got, sender = raw.recvfrom_into(b, buffer)
    assert (got, bytes(buffer[:got])) == (10, b"0123456789")
    assert sender == raw.getsockname(a)


def test_recvfrom_into_honours_nbytes(handles: Handles) -> None:
    """*nbytes* bounds what is written; the rest of the buffer is left alone."""
    a, b = handles.udp(), handles.udp()
    raw.sendto(a, b"abc", raw.getsockname(b))
    buffer = bytearray(b"-" * 8)
    got, _ = raw.recvfrom_into(b, buffer, 3)
    assert got == 3
    assert buffer == bytearray(b"abc-----")


def test_recvfrom_into_refuses_nbytes_beyond_the_buffer(handles: Handles) -> None:
    """An *nbytes* larger than the buffer is a ValueError, before any call."""
    h = handles.udp()
    with pytest.raises(ValueError, match="nbytes"):
        raw.recvfrom_into(h, bytearray(4), 5)
    with pytest.raises(ValueError, match="bufsize"):
        raw.recvfrom(h, -1)


def test_empty_datagram(handles: Handles) -> None:
    """A zero-length datagram is a datagram: recvfrom returns b"" and the sender."""
    a, b = handles.udp(), handles.udp()
    assert raw.sendto(a, b"", raw.getsockname(b)) == 0
    assert raw.recvfrom(b, 10) == (b"", raw.getsockname(a))


@pytest.mark.ws2_32
def test_short_buffer_is_wsaemsgsize_on_winsock(handles: Handles) -> None:
    """Winsock fails recvfrom with WSAEMSGSIZE when the datagram does not fit
    (the datagram is consumed; its first bytes are not returned by this API)."""
    a, b = handles.udp(), handles.udp()
    raw.sendto(a, b"abcdef", raw.getsockname(b))
    with pytest.raises(WinsockError) as info:
        raw.recvfrom(b, 3)
    assert info.value.code is WSAError.WSAEMSGSIZE


@pytest.mark.posix
def test_short_buffer_truncates_on_posix(handles: Handles) -> None:
    """libc truncates a datagram that does not fit and reports no error."""
    a, b = handles.udp(), handles.udp()
    raw.sendto(a, b"abcdef", raw.getsockname(b))
    assert raw.recvfrom(b, 3) == (b"abc", raw.getsockname(a))


def test_nonblocking_recvfrom_would_block(handles: Handles) -> None:
    """With nothing queued, a non-blocking recvfrom fails with WSAEWOULDBLOCK, and
    WSAGetLastError reports that code."""
    h = handles.udp()
    raw.ioctlsocket(h, raw.FIONBIO, 1)
    with pytest.raises(WinsockBlockingIOError) as info:
        raw.recvfrom(h, 10)
    assert info.value.code is WSAError.WSAEWOULDBLOCK
    assert info.value.function == "recvfrom"
    assert raw.WSAGetLastError() == WSAError.WSAEWOULDBLOCK
    with pytest.raises(WinsockBlockingIOError):
        raw.recvfrom_into(h, bytearray(4))


def test_sendto_on_a_closed_handle_is_not_a_socket(handles: Handles) -> None:
    """A closed handle fails with WSAENOTSOCK, naming the call and the destination."""
    a, b = handles.udp(), handles.udp()
    dest = raw.getsockname(b)
    raw.closesocket(a)
    with pytest.raises(NotASocketError) as info:
        raw.sendto(a, b"x", dest)
    assert info.value.function == "sendto"
    assert info.value.argument == str(dest)


def test_recvfrom_on_a_connected_stream_socket(handles: Handles) -> None:
    """On a connected TCP socket recvfrom returns the data; the sender is the peer's
    address or None (Winsock leaves *from* alone for connection-oriented sockets)."""
    listener = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    handles.made.append(listener)
    raw.bind(listener, ("127.0.0.1", 0))
    raw.listen(listener, 1)
    client = raw.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    handles.made.append(client)
    raw.connect(client, raw.getsockname(listener))
    server, _ = raw.accept(listener)
    handles.made.append(server)
    raw.send(client, b"stream")
    data, sender = raw.recvfrom(server, 100)
    assert data == b"stream"
    assert sender is None or sender == raw.getsockname(client)


def test_fake_backend_passes_datagrams_on(handles: Handles) -> None:
    """The fault-injecting backend forwards the datagram calls and can fail them."""
    fake = FaultyBackend(raw.backend)
    a, b = handles.udp(), handles.udp()
    sockaddr = pack_sockaddr(raw.getsockname(b), raw.backend.native_family(AF_INET))
    assert fake.sendto(a, b"one", 0, sockaddr) == 3
    assert fake.sendto(a, b"two", 0, sockaddr) == 3
    assert fake.recvfrom(b, 10, 0)[0] == b"one"
    buffer = bytearray(8)
    assert fake.recvfrom_into(b, buffer, 8, 0)[0] == 3
    fake.script("recvfrom", failure(WSAError.WSAECONNRESET))
    with pytest.raises(OsFailure):
        fake.recvfrom(b, 10, 0)
    assert [c.method for c in fake.calls] == [
        "sendto",
        "sendto",
        "recvfrom",
        "recvfrom_into",
        "recvfrom",
    ]


# -- WSAIoctl ------------------------------------------------------------------------


@pytest.mark.ws2_32
def test_wsaioctl_sio_udp_connreset(handles: Handles) -> None:
    """SIO_UDP_CONNRESET with FALSE is accepted on a UDP socket (Windows and Wine 8),
    and the socket still works afterwards."""
    a, b = handles.udp(), handles.udp()
    assert raw.WSAIoctl(a, raw.SIO_UDP_CONNRESET, (0).to_bytes(4, "little")) == b""
    raw.sendto(b, b"after", raw.getsockname(a))
    assert raw.recvfrom(a, 10)[0] == b"after"


# FIONREAD (winsock2.h, _IOR('f', 127, u_long)): the bytes queued, as a 4-byte u_long.
FIONREAD = 0x4004667F


@pytest.mark.ws2_32
def test_wsaioctl_returns_the_output_buffer(handles: Handles) -> None:
    """WSAIoctl hands back what the call wrote: FIONREAD's count of queued bytes."""
    a, b = handles.udp(), handles.udp()
    assert raw.WSAIoctl(b, FIONREAD, b"", 4) == (0).to_bytes(4, "little")
    raw.sendto(a, b"12345", raw.getsockname(b))
    assert raw.select([b], [], [], 10)[0] == [b]
    assert raw.WSAIoctl(b, FIONREAD, b"", 16) == (5).to_bytes(4, "little")


@pytest.mark.ws2_32
def test_wsaioctl_failure_is_typed(handles: Handles) -> None:
    """A failing WSAIoctl raises WinsockError naming the call and the code in hex."""
    h = handles.udp()
    with pytest.raises(WinsockError) as info:
        raw.WSAIoctl(h, FIONREAD)  # no output buffer for the count
    assert info.value.code is WSAError.WSAEFAULT
    raw.closesocket(h)
    with pytest.raises(NotASocketError) as closed:
        raw.WSAIoctl(h, FIONREAD, b"", 4)
    assert closed.value.function == "WSAIoctl"
    assert closed.value.argument == "0x4004667F"


@pytest.mark.ws2_32
@pytest.mark.wine_gap("Wine 8 answers SIO_UDP_CONNRESET without looking at the handle")
def test_wsaioctl_sio_udp_connreset_checks_the_handle(handles: Handles) -> None:
    """Windows fails SIO_UDP_CONNRESET on a closed handle with WSAENOTSOCK."""
    h = handles.udp()
    raw.closesocket(h)
    with pytest.raises(NotASocketError):
        raw.WSAIoctl(h, raw.SIO_UDP_CONNRESET, (0).to_bytes(4, "little"))


@pytest.mark.posix
def test_wsaioctl_is_windows_only(handles: Handles) -> None:
    """The POSIX backend does not pretend to have WSAIoctl."""
    h = handles.udp()
    with pytest.raises(NotImplementedError, match="only on Windows"):
        raw.WSAIoctl(h, raw.SIO_UDP_CONNRESET, (0).to_bytes(4, "little"))


def test_wsaioctl_checks_its_arguments() -> None:
    """The code must fit a DWORD and out_size must not be negative."""
    with pytest.raises(ValueError, match="code"):
        raw.WSAIoctl(0, 2**32)
    with pytest.raises(TypeError, match="code"):
        raw.WSAIoctl(0, "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="out_size"):
        raw.WSAIoctl(0, raw.SIO_UDP_CONNRESET, b"", -1)


def test_ioctl_constants() -> None:
    """The mstcpip.h values (_WSAIOW(IOC_VENDOR, 12), (..., 15), (..., 4))."""
    ioc_in, ioc_vendor = 0x80000000, 0x18000000
    codes = (raw.SIO_UDP_CONNRESET, raw.SIO_UDP_NETRESET, raw.SIO_KEEPALIVE_VALS)
    assert codes == (ioc_in | ioc_vendor | 12, ioc_in | ioc_vendor | 15, ioc_in | ioc_vendor | 4)
