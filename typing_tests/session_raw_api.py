"""Type checks for Winsock sessions, backend_info and winsockx.raw: checked, never run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from winsockx import Address, BackendInfo, Winsock, WSAData, backend_info, raw

if TYPE_CHECKING:
    from typing_extensions import assert_type


def sessions() -> None:
    """Winsock() yields WSAData; the counters are plain values."""
    with Winsock((2, 2)) as data:
        assert_type(data, WSAData)
        assert_type(data.version, tuple[int, int])
        assert_type(data.high_version, tuple[int, int])
        assert_type(data.description, str)
        assert_type(data.system_status, str)
    assert_type(Winsock.active_sessions(), int)
    assert_type(Winsock.implicitly_started(), bool)
    Winsock("2.2")  # type: ignore[arg-type]


def info() -> None:
    """backend_info() is a BackendInfo whose wine_version may be None."""
    details = backend_info()
    assert_type(details, BackendInfo)
    assert_type(details.name, str)
    assert_type(details.wine_version, Optional[str])
    assert_type(details.label, str)


def raw_calls() -> None:
    """winsockx.raw works in ints, bytes and IPv4Address / IPv6Address values."""
    assert_type(raw.WSAStartup(), WSAData)
    handle = raw.socket(2, 1, 6)
    assert_type(handle, int)
    raw.bind(handle, ("127.0.0.1", 0))
    assert_type(raw.getsockname(handle), Address)
    assert_type(raw.getsockname(handle)[1], int)
    assert_type(raw.getpeername(handle).port, int)
    assert_type(raw.getsockopt(handle, 0xFFFF, 0x1008), int)
    assert_type(raw.getsockopt(handle, 0xFFFF, 0x0080, 4), bytes)
    raw.setsockopt(handle, 0xFFFF, 4, 1)
    raw.setsockopt(handle, 0xFFFF, 0x0080, b"\x01\x00\x05\x00")
    assert_type(raw.select([handle], [], [], 0.5), tuple[list[int], list[int], list[int]])
    assert_type(raw.accept(handle), tuple[int, Address])
    assert_type(raw.recv(handle, 10), bytes)
    assert_type(raw.recv_into(handle, bytearray(10)), int)
    assert_type(raw.send(handle, b"x"), int)
    assert_type(raw.inet_pton(2, "127.0.0.1"), bytes)
    assert_type(raw.inet_ntop(2, b"\x7f\x00\x00\x01"), str)
    assert_type(raw.WSAGetLastError(), int)
    raw.ioctlsocket(handle, raw.FIONBIO, 1)
    raw.closesocket(handle)
    raw.WSACleanup()
    raw.bind(handle, "127.0.0.1")  # type: ignore[arg-type]
