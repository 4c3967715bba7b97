"""The hijack audit, against a second process that holds a port and keeps serving.

UDP holders show both verdicts on every backend: a stdlib socket with SO_REUSEADDR
can be taken, an exclusive one cannot. TCP listeners show them on Linux
(SO_REUSEPORT against exclusive). Beside a TCP listener Wine 8 refuses every second
bind whatever its options (a measured Wine gap, bind-behaviour.md section 4), so
there the audit answers INCONCLUSIVE, and the TCP verdicts that only Windows can
show are ``wine_gap`` tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import winsockx
from winsockx import ProbeOutcome, Verdict

from .conftest import UNDER_WINE
from .holder_process import held

TCP_GAP = "Wine 8 refuses every second bind beside a TCP listener, whatever its options"


def _audit_cli(port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "winsockx", "audit", str(port), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_udp_socket_with_reuseaddr_can_be_taken() -> None:
    """A stdlib UDP socket with SO_REUSEADDR: a second SO_REUSEADDR bind of its address
    succeeds, so the port can be taken; the holder keeps answering during and after."""
    with held("udp", "reuseaddr") as holder:
        report = winsockx.audit(holder.port, protocol="udp")
        assert report.verdict is Verdict.CAN_BE_TAKEN, report
        assert report.can_be_taken
        assert report.fix is not None
        assert "create_server" in report.fix
        takes = [p for p in report.probes if p.outcome is ProbeOutcome.TAKES]
        assert any(p.address == "127.0.0.1" and p.option == "SO_REUSEADDR" for p in takes)
        assert holder.ping(b"during") == b"DURING"
        done = _audit_cli(holder.port, "--udp")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "can be taken" in done.stdout
        assert holder.ping(b"after") == b"AFTER"


def test_exclusive_udp_socket_is_exclusive() -> None:
    """A UDP socket from winsockx.create_server: every probe that could take it is
    refused as for a held port; exit status 0."""
    with held("udp", "exclusive") as holder:
        report = winsockx.audit(holder.port, protocol="udp")
        assert report.verdict is Verdict.EXCLUSIVE, report
        assert report.fix is None
        same = [p for p in report.probes if p.address == "127.0.0.1"]
        assert same
        assert all(p.outcome is ProbeOutcome.REFUSED for p in same)
        assert all(p.code in (10013, 10048) for p in same)
        done = _audit_cli(holder.port, "--udp", "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        doc = json.loads(done.stdout)
        assert doc["verdict"] == "exclusive"
        assert doc["port"] == holder.port
        assert holder.ping() == b"PING"


@pytest.mark.posix
def test_tcp_listener_with_reuseport_can_be_taken_on_linux() -> None:
    """Linux: a second SO_REUSEPORT socket of the same user can join a listener that
    set SO_REUSEPORT."""
    with held("tcp", "reuseport") as holder:
        report = winsockx.audit(holder.port)
        assert report.verdict is Verdict.CAN_BE_TAKEN, report
        assert any(
            p.option == "SO_REUSEPORT" and p.outcome is ProbeOutcome.TAKES for p in report.probes
        )
        assert holder.ping() == b"PING"
        assert _audit_cli(holder.port).returncode == 2


@pytest.mark.posix
def test_exclusive_tcp_listener_is_exclusive_on_linux() -> None:
    """Linux: create_server's listener sets neither reuse option: every probe fails
    with EADDRINUSE."""
    with held("tcp", "exclusive") as holder:
        report = winsockx.audit(holder.port)
        assert report.verdict is Verdict.EXCLUSIVE, report
        assert all(p.outcome is ProbeOutcome.REFUSED for p in report.probes)
        assert _audit_cli(holder.port).returncode == 0
        assert holder.ping() == b"PING"


@pytest.mark.ws2_32
@pytest.mark.wine_gap(TCP_GAP)
def test_tcp_listener_with_reuseaddr_can_be_taken_on_windows() -> None:
    """Windows: beside a SO_REUSEADDR listener a second SO_REUSEADDR socket may bind
    (and listen) on the same address (Wine's conformance suite, run on Windows)."""
    with held("tcp", "reuseaddr") as holder:
        assert winsockx.audit(holder.port).verdict is Verdict.CAN_BE_TAKEN


@pytest.mark.ws2_32
@pytest.mark.wine_gap(TCP_GAP)
def test_exclusive_tcp_listener_is_exclusive_on_windows() -> None:
    """Windows: the probes on the exclusive listener's own address are refused, and a
    wildcard bind beside it takes none of its traffic."""
    with held("tcp", "exclusive") as holder:
        assert winsockx.audit(holder.port).verdict is Verdict.EXCLUSIVE


@pytest.mark.skipif(not UNDER_WINE, reason="asserts what the audit says under Wine 8")
def test_tcp_audit_under_wine_never_claims_exclusive() -> None:
    """Wine 8 refuses every probe beside a TCP listener, for its own reasons: the audit
    must say it cannot tell (exit 3), not that the port is safe."""
    with held("tcp", "reuseaddr") as holder:
        report = winsockx.audit(holder.port)
        assert report.verdict is Verdict.INCONCLUSIVE, report
        assert "Wine" in report.reason
        assert _audit_cli(holder.port).returncode == 3
        assert holder.ping() == b"PING"


def test_a_port_nobody_holds_is_not_held(free_port: int) -> None:
    """Nothing to audit: NOT_HELD, no probes, exit status 3."""
    report = winsockx.audit(free_port)
    assert report.verdict is Verdict.NOT_HELD
    assert report.probes == ()
    assert _audit_cli(free_port).returncode == 3


def test_the_report_reads_as_text_and_json() -> None:
    """str() leads with the verdict; to_json() holds every probe."""
    with held("udp", "reuseaddr") as holder:
        report = winsockx.audit(holder.port, protocol="udp")
    text = str(report)
    assert text.splitlines()[0].startswith(f"udp port {holder.port}: can be taken")
    assert "fix: " in text
    doc = report.to_json()
    assert doc["verdict"] == "can be taken"
    assert isinstance(doc["probes"], list)
    assert len(doc["probes"]) == len(report.probes)


@pytest.mark.parametrize(
    ("args", "error"),
    [((0,), ValueError), ((70000,), ValueError), (("80",), TypeError)],
)
def test_audit_refuses_bad_ports(args: tuple[object, ...], error: type) -> None:
    """A port outside 1-65535 or not an int is refused with a message."""
    with pytest.raises(error, match="port"):
        winsockx.audit(*args)  # type: ignore[arg-type]


def test_audit_refuses_an_unknown_protocol() -> None:
    """Only "tcp" and "udp"."""
    with pytest.raises(ValueError, match="protocol"):
        winsockx.audit(80, protocol="icmp")  # type: ignore[arg-type]


def test_audit_command_usage_errors_exit_1() -> None:
    """A bad port on the command line is a usage error (exit status 1), not a traceback."""
    done = _audit_cli(0)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "port" in done.stderr
