"""A failed bind explains itself: who holds the port, lingering TIME_WAIT, the bounds.

The holder is a second process (tests/holder_process.py). Under Wine 8 the socket
tables report PID 0 for every socket (measured): the diagnosis then says "owner not
reported", and the test that asserts the real PID is a Wine gap.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Iterator

import pytest

import winsockx
from winsockx import AF_INET, SOCK_STREAM, Socket, WinsockError
from winsockx.diag import diagnose

from .conftest import BACKEND, PID_GAP, UNDER_WINE
from .holder_process import held


@pytest.fixture(autouse=True)
def diagnosis_on() -> Iterator[None]:
    """Every test starts with the diagnosis on, and leaves it on."""
    diagnose.set_bind_diagnosis(True)
    yield
    diagnose.set_bind_diagnosis(True)


def _failed_bind(host: str, port: int) -> WinsockError:
    with Socket(AF_INET, SOCK_STREAM) as s, pytest.raises(WinsockError) as info:
        s.bind((host, port))
    return info.value


def test_a_bind_beside_a_listener_names_the_holder() -> None:
    """10048 beside another process's listener: the diagnosis names its socket, right
    after the code in the message."""
    with held("tcp", "plain") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        assert error.winerror == 10048
        diagnosis = error.diagnosis
        assert diagnosis is not None
        assert diagnosis.startswith("held by ")
        assert f"127.0.0.1:{holder.port} LISTEN" in diagnosis
        if UNDER_WINE:
            assert "owner not reported" in diagnosis
        assert f"WSAEADDRINUSE (10048): {diagnosis}." in str(error)


@pytest.mark.wine_gap(PID_GAP)
def test_the_diagnosis_names_the_holding_process() -> None:
    """The holder's PID is in the diagnosis (Linux: this user's processes; Windows: all)."""
    with held("tcp", "plain") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        assert f"PID {holder.pid} " in (error.diagnosis or "")


def test_an_exclusive_holder_is_named_as_such() -> None:
    """Beside another process's exclusive wildcard listener: 10013 on ws2_32 ("held
    exclusively by"), EADDRINUSE on POSIX ("held by")."""
    with held("tcp", "exclusive", host="0.0.0.0") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        diagnosis = error.diagnosis or ""
        assert f"0.0.0.0:{holder.port} LISTEN" in diagnosis
        if BACKEND.name == "ws2_32":
            assert error.winerror == 10013
            assert diagnosis.startswith("held exclusively by ")
            assert f"WSAEACCES (10013): {diagnosis}." in str(error)
        else:
            assert error.winerror == 10048
            assert diagnosis.startswith("held by ")


@pytest.mark.posix
def test_a_restart_beside_time_wait_says_so() -> None:
    """The document's restart case: a server that closed first leaves its connections
    in TIME_WAIT, and (without SO_REUSEADDR) its port cannot be bound again at once."""
    server = winsockx.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = Socket()
    client.settimeout(10)
    client.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(10)
    conn.shutdown(1)  # the server's FIN first: its side goes to TIME_WAIT
    assert client.recv(10) == b""
    client.close()
    assert conn.recv(10) == b""
    conn.close()
    server.close()
    error = _failed_bind("127.0.0.1", port)
    assert error.winerror == 10048
    assert "TIME_WAIT" in (error.diagnosis or "")


def test_the_diagnosis_can_be_turned_off() -> None:
    """set_bind_diagnosis(False): no diagnosis, the message as before."""
    with held("tcp", "plain") as holder:
        diagnose.set_bind_diagnosis(False)
        error = _failed_bind("127.0.0.1", holder.port)
        assert error.diagnosis is None
        assert "held by" not in str(error)
        assert str(error).startswith(
            f"bind(127.0.0.1:{holder.port}) failed: WSAEADDRINUSE (10048) "
        )


def test_the_diagnosis_is_worked_out_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that catches the error and moves on pays nothing; reading twice
    works it out once."""
    calls: list[int] = []

    def counted(code: int, address: object, protocol: str) -> str:
        calls.append(code)
        return "counted"

    monkeypatch.setattr(diagnose, "_explain", counted)
    with held("tcp", "plain") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        assert calls == []
        assert error.diagnosis == "counted"
        assert error.diagnosis == "counted"
        assert calls == [10048]


def test_the_diagnosis_is_bounded_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow system table (simulated) cannot hold the error: past the bound the
    diagnosis is None and the code is all there is."""

    def slow(code: int, address: object, protocol: str) -> str:
        time.sleep(3)
        return "too late"

    monkeypatch.setattr(diagnose, "_explain", slow)
    diagnose.set_bind_diagnosis(True, timeout=0.2)
    with held("tcp", "plain") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        started = time.monotonic()
        text = str(error)
        assert time.monotonic() - started < 2.0
        assert error.diagnosis is None
        assert "too late" not in text
        assert error.winerror == 10048


def test_a_failed_diagnosis_never_replaces_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception while diagnosing leaves the error as it is."""

    def broken(code: int, address: object, protocol: str) -> str:
        raise RuntimeError("table unreadable")

    monkeypatch.setattr(diagnose, "_explain", broken)
    with held("tcp", "plain") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        assert error.diagnosis is None
        assert error.winerror == 10048


def test_a_pickled_error_keeps_its_diagnosis() -> None:
    """Pickling works out a pending diagnosis (a function does not pickle) and keeps it."""
    with held("tcp", "plain") as holder:
        error = _failed_bind("127.0.0.1", holder.port)
        copy = pickle.loads(pickle.dumps(error))
    assert copy.diagnosis == error.diagnosis
    assert copy.diagnosis is not None
    assert str(copy) == str(error)


def test_other_failures_are_not_diagnosed() -> None:
    """Only 10048 and 10013 are worth a look at the tables."""
    with Socket(AF_INET, SOCK_STREAM) as s, pytest.raises(WinsockError) as info:
        s.bind(("192.0.2.1", 0))
    assert info.value.winerror == 10049
    assert info.value.diagnosis is None


def test_set_bind_diagnosis_checks_its_arguments() -> None:
    """Bad arguments are typed errors."""
    with pytest.raises(TypeError):
        winsockx.set_bind_diagnosis("yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        winsockx.set_bind_diagnosis(True, timeout=-1)


def test_the_environment_turns_it_off() -> None:
    """WINSOCKX_DIAGNOSIS=0 in the environment starts a process with it off."""
    import subprocess
    import sys

    code = "import winsockx; print(winsockx.explain_bind_failure is not None,"
    code += " __import__('winsockx.diag.diagnose').diag.diagnose.bind_diagnosis_enabled())"
    env = dict(os.environ, WINSOCKX_DIAGNOSIS="0")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def _no_holders(port: int, *, protocol: str = "tcp", address: str | None = None) -> list[object]:
    return []


def test_an_excluded_range_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """10013 with nobody on the port, inside an excluded range (which cannot be made on
    demand here, so the table is simulated): the range and its likely owner."""
    from winsockx.diag import excluded, holders

    ranges = [winsockx.PortRange(50000, 50059, "tcp", AF_INET, "netsh ipv4", False)]
    monkeypatch.setattr(holders, "who_holds", _no_holders)
    monkeypatch.setattr(excluded, "excluded_port_ranges", lambda protocol: ranges)
    text = diagnose.explain_bind_failure(10013, winsockx.IPv4Address("0.0.0.0", 50010), "tcp")
    assert text == (
        "port 50010 is inside excluded range 50000-50059"
        " (netsh ipv4: reserved at run time, e.g. by Hyper-V/WinNAT)"
    )
    assert diagnose.explain_bind_failure(10013, winsockx.IPv4Address("0.0.0.0", 50060), "tcp") == (
        "nothing found holding port 50060 " + diagnose._NOT_LISTED
    )


def test_the_privileged_floor_is_named_for_an_unprivileged_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Linux's EACCES below ip_unprivileged_port_start, for a process that is not root."""
    from winsockx.diag import excluded, holders

    ranges = [winsockx.PortRange(1, 1023, "tcp", None, "privileged ports")]
    monkeypatch.setattr(holders, "who_holds", _no_holders)
    monkeypatch.setattr(excluded, "excluded_port_ranges", lambda protocol: ranges)
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    address = winsockx.IPv4Address("0.0.0.0", 80)
    assert diagnose.explain_bind_failure(10013, address, "tcp") == (
        "port 80 is below the privileged port floor (1024)"
    )
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    assert diagnose.explain_bind_failure(10013, address, "tcp") == (
        "nothing found holding port 80 " + diagnose._NOT_LISTED
    )


def test_explain_bind_failure_checks_its_timeout() -> None:
    """A timeout that is not seconds >= 0 is a typed error, not a thread that never joins."""
    address = winsockx.IPv4Address("127.0.0.1", 5150)
    with pytest.raises(TypeError, match="timeout"):
        winsockx.explain_bind_failure(10048, address, "tcp", timeout="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        winsockx.explain_bind_failure(10048, address, "tcp", timeout=-1.0)
