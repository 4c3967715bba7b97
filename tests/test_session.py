"""winsockx.Winsock: counted WSAStartup/WSACleanup sessions."""

from __future__ import annotations

import threading

import pytest

import winsockx
from winsockx import Socket, UsageError, Winsock, WSAData, raw
from winsockx.errors import WinsockError, WSAError


def test_wsadata_fields() -> None:
    """Entering a session returns the WSADATA fields, typed."""
    with Winsock() as data:
        assert isinstance(data, WSAData)
        assert data.version == (2, 2)
        assert data.high_version == (2, 2)
        assert isinstance(data.description, str)
        assert data.description
        assert isinstance(data.system_status, str)


def test_default_version_is_2_2() -> None:
    """The default requested version is 2.2, recorded on the object."""
    assert Winsock().version == (2, 2)


def test_version_1_1() -> None:
    """Asking for Winsock 1.1 gives a 1.1 session."""
    with Winsock((1, 1)) as data:
        assert data.version == (1, 1)
        assert data.high_version == (2, 2)


def test_version_0_0_not_supported() -> None:
    """Version 0.0 fails with WSAVERNOTSUPPORTED (10092) and opens no session."""
    before = Winsock.active_sessions()
    session = Winsock((0, 0))
    with pytest.raises(WinsockError) as info:
        session.__enter__()
    assert info.value.winerror == 10092
    assert info.value.code is WSAError.WSAVERNOTSUPPORTED
    assert info.value.function == "WSAStartup"
    assert info.value.argument == "0.0"
    assert Winsock.active_sessions() == before


@pytest.mark.parametrize("version", ["2.2", 2, (2,), (2, 2, 0), (2.0, 2), (True, 2), [2, 2], None])
def test_bad_version_type(version: object) -> None:
    """A version that is not a pair of ints raises TypeError at construction."""
    with pytest.raises(TypeError, match="version"):
        Winsock(version)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [(256, 0), (2, 256), (-1, 2), (2, -1)])
def test_bad_version_range(version: tuple[int, int]) -> None:
    """Version numbers outside 0-255 raise ValueError at construction."""
    with pytest.raises(ValueError, match="0-255"):
        Winsock(version)


def test_nesting_counts_sessions() -> None:
    """Nested sessions are counted up and down by active_sessions."""
    base = Winsock.active_sessions()
    with Winsock():
        assert Winsock.active_sessions() == base + 1
        with Winsock((2, 0)) as inner:
            assert inner.version == (2, 0)
            assert Winsock.active_sessions() == base + 2
        assert Winsock.active_sessions() == base + 1
    assert Winsock.active_sessions() == base


def test_one_object_entered_twice() -> None:
    """One Winsock object may be entered again while open, and must be exited as often."""
    base = Winsock.active_sessions()
    session = Winsock()
    with session:
        with session:
            assert Winsock.active_sessions() == base + 2
        assert Winsock.active_sessions() == base + 1
    assert Winsock.active_sessions() == base


def test_exit_without_enter_is_a_usage_error() -> None:
    """Exiting a session more often than it was entered raises UsageError, not OSError."""
    base = Winsock.active_sessions()
    with pytest.raises(UsageError) as info:
        Winsock().__exit__(None, None, None)
    assert not isinstance(info.value, OSError)
    assert Winsock.active_sessions() == base


def test_session_closes_when_block_raises() -> None:
    """The session is cleaned up when the block raises."""
    base = Winsock.active_sessions()
    inside: list[int] = []

    def fail_inside() -> None:
        with Winsock():
            inside.append(Winsock.active_sessions())
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        fail_inside()
    assert inside == [base + 1]
    assert Winsock.active_sessions() == base


def test_threads_enter_and_exit() -> None:
    """Eight threads open sessions at once; all are counted, then all closed."""
    base = Winsock.active_sessions()
    inside = threading.Barrier(9, timeout=20)
    leave = threading.Event()
    versions: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            with Winsock() as data:
                with lock:
                    versions.append(data.version)
                inside.wait()
                leave.wait(20)
        except BaseException as exc:  # reported by the main thread
            with lock:
                errors.append(exc)
            inside.abort()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        inside.wait()
        assert Winsock.active_sessions() == base + 8
    finally:
        leave.set()
        for t in threads:
            t.join(20)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert versions == [(2, 2)] * 8
    assert Winsock.active_sessions() == base


def test_socket_starts_winsock_by_itself() -> None:
    """A Socket works without an explicit session and marks the implicit one."""
    with Socket() as s:
        s.bind(("127.0.0.1", 0))
        assert s.getsockname().port > 0
    assert Winsock.implicitly_started()


def test_raw_startup_and_cleanup_pair() -> None:
    """raw.WSAStartup returns WSAData; a matching raw.WSACleanup succeeds."""
    data = raw.WSAStartup((2, 2))
    try:
        assert data.version == (2, 2)
    finally:
        raw.WSACleanup()


def test_raw_startup_rejects_out_of_range() -> None:
    """raw.WSAStartup refuses version numbers outside 0-255 before calling Winsock."""
    with pytest.raises(ValueError, match="0-255"):
        raw.WSAStartup((300, 0))


def test_winsock_is_exported() -> None:
    """The session class is part of the public API."""
    assert winsockx.Winsock is Winsock
    assert "Winsock" in winsockx.__all__
