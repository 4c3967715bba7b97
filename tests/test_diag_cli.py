"""The diagnostic commands, run as a user runs them: ``python -m winsockx who|audit|ports``.

(``winsockx audit`` is tested with the audit itself, in tests/test_audit.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from winsockx import AF_INET, SOCK_STREAM, Socket, WinsockError

from .conftest import BACKEND, PID_GAP, UNDER_WINE
from .holder_process import held


def _winsockx(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "winsockx", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _listed(port: int) -> dict[str, object]:
    done = _winsockx("who", str(port), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    assert doc["port"] == port
    assert doc["protocol"] == "tcp"
    listeners = [h for h in doc["holders"] if h["listening"] and h["port"] == port]
    assert len(listeners) == 1, doc
    holder: dict[str, object] = listeners[0]
    return holder


def test_who_lists_another_process_and_a_bind_names_it() -> None:
    """``winsockx who PORT --json`` lists the second process's listener; a bind to the
    port fails with a message that carries the same holder."""
    with held("tcp", "plain") as holder:
        found = _listed(holder.port)
        assert found["address"] == "127.0.0.1"
        assert found["state"] == "LISTEN"
        assert found["family"] == "AF_INET"
        if UNDER_WINE:
            assert found["pid"] is None
            assert found["owner"] == "owner not reported"
        with Socket(AF_INET, SOCK_STREAM) as s, pytest.raises(WinsockError) as info:
            s.bind(("127.0.0.1", holder.port))
        message = str(info.value)
        assert f"127.0.0.1:{holder.port} LISTEN" in message
        if found["pid"] is not None:
            assert f"PID {found['pid']}" in message
        else:
            assert str(found["owner"]) in message


@pytest.mark.wine_gap(PID_GAP)
def test_who_names_the_process() -> None:
    """The listed holder carries the second process's PID and executable name."""
    with held("tcp", "plain") as holder:
        found = _listed(holder.port)
        assert found["pid"] == holder.pid
        assert found["owner"] is None
        assert found["process_name"]


def test_who_as_text_and_for_udp() -> None:
    """Text output is one line per holder; ``--udp`` looks at the UDP table."""
    with held("udp", "plain") as holder:
        done = _winsockx("who", str(holder.port), "--udp")
        assert done.returncode == 0, done.stderr
        assert f"127.0.0.1:{holder.port} UDP" in done.stdout
        tcp = _winsockx("who", str(holder.port))
        assert tcp.returncode in (0, 3)
        assert f"127.0.0.1:{holder.port} UDP" not in tcp.stdout


def test_who_of_a_free_port_exits_3(free_port: int) -> None:
    """Nothing holds the port: says so, exit status 3."""
    done = _winsockx("who", str(free_port))
    assert done.returncode == 3
    assert f"nothing holds tcp port {free_port}" in done.stdout


@pytest.mark.parametrize("args", [["who"], ["who", "x"], ["who", "0"], ["ports"], ["ports", "x"]])
def test_usage_errors_exit_1_without_a_traceback(args: list[str]) -> None:
    """Bad words are a usage message and exit status 1."""
    done = _winsockx(*args)
    assert done.returncode == 1
    assert "usage: winsockx" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(BACKEND.name != "posix", reason="Linux's /proc/sys ranges")
def test_ports_excluded_on_linux_lists_the_privileged_floor() -> None:
    """Linux: the privileged ports (below ip_unprivileged_port_start) are listed."""
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
        floor = int(f.read())
    done = _winsockx("ports", "excluded", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["available"] is True
    privileged = [r for r in doc["ranges"] if r["source"] == "privileged ports"]
    if floor > 1:
        assert privileged == [
            {
                "start": 1,
                "end": floor - 1,
                "protocol": "tcp",
                "family": None,
                "source": "privileged ports",
                "administered": False,
            }
        ]
    else:
        assert privileged == []


@pytest.mark.skipif(not UNDER_WINE, reason="asserts what Wine 8's netsh gives")
def test_ports_excluded_under_wine_says_it_cannot_tell() -> None:
    """Wine's netsh has no excludedportrange table: exit status 2 and "cannot be
    determined", never an empty list that would read as "no ranges"."""
    done = _winsockx("ports", "excluded", "--json")
    assert done.returncode == 2
    doc = json.loads(done.stdout)
    assert doc["available"] is False
    assert doc["ranges"] is None
    assert "cannot be determined" in done.stderr
