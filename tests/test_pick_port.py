"""pick_port: ports that were free for every protocol asked, checked by binding them.

Each answer is checked the way a program would use it: by binding the port(s) for
TCP and UDP at once, on loopback. A port can be taken between the answer and the
bind by anything else on the machine; the tests retry nothing and accept that
remote risk, as a fixture using pick_port would.
"""

from __future__ import annotations

import pickle

import pytest

import winsockx
from winsockx import AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM
from winsockx.diag import picker
from winsockx.diag.excluded import PortRange
from winsockx.diag.picker import MAX_COUNT, NoFreePortError, pick_port

from .conftest import Sockets


def _bind_everything(sockets: Sockets, host: str, ports: range, kinds: tuple[int, ...]) -> None:
    """Bind every port for every socket type, all held at once, exclusively."""
    family = AF_INET6 if ":" in host else AF_INET
    for port in ports:
        for kind in kinds:
            sockets.new(family, kind, exclusive=True).bind((host, port))


def test_port_binds_for_tcp_and_udp_at_once(sockets: Sockets) -> None:
    """The default answer binds for TCP and UDP on 127.0.0.1 together."""
    port = pick_port()
    assert 1 <= port <= 65535
    _bind_everything(sockets, "127.0.0.1", range(port, port + 1), (SOCK_STREAM, SOCK_DGRAM))


def test_three_consecutive_ports(sockets: Sockets) -> None:
    """count=3: the port and the next two, each free for TCP and UDP."""
    first = pick_port(count=3)
    assert first + 2 <= 65535
    _bind_everything(sockets, "127.0.0.1", range(first, first + 3), (SOCK_STREAM, SOCK_DGRAM))


def test_one_protocol_on_ipv6(sockets: Sockets) -> None:
    """protocols=("udp",) on ::1 gives a port that binds for UDP there."""
    try:
        port = pick_port(protocols=("udp",), host="::1")
    except winsockx.WinsockError as e:
        pytest.skip(f"no IPv6 loopback: {e}")
    _bind_everything(sockets, "::1", range(port, port + 1), (SOCK_DGRAM,))


def test_wildcard_host(sockets: Sockets) -> None:
    """host="0.0.0.0" checks the port on every IPv4 address."""
    port = pick_port(protocols=("tcp",), host="0.0.0.0")
    _bind_everything(sockets, "0.0.0.0", range(port, port + 1), (SOCK_STREAM,))


def test_held_port_is_not_picked(sockets: Sockets) -> None:
    """Ports held by this process for one protocol are never the answer for both."""
    held = [sockets.new(AF_INET, SOCK_DGRAM, exclusive=True) for _ in range(20)]
    for sock in held:
        sock.bind(("127.0.0.1", 0))
    taken = {sock.getsockname().port for sock in held}
    for _ in range(10):
        assert pick_port() not in taken


def test_excluded_ranges_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port inside a range the system excludes is not picked.

    The ranges are injected: no machine here can be made to exclude ports on demand.
    """
    everything = PortRange(1, 65535, "tcp", None, "test")
    monkeypatch.setattr(picker, "excluded_port_ranges", lambda protocol: [everything])
    with pytest.raises(NoFreePortError) as info:
        pick_port(protocols=("tcp",))
    assert info.value.last_error is None  # every candidate was skipped before binding
    assert "after 64 attempts" in str(info.value)
    assert isinstance(info.value, OSError)


def test_other_family_ranges_do_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """netsh's ipv6 ranges do not exclude ports for an IPv4 host."""
    v6_only = PortRange(1, 65535, "tcp", winsockx.AF_INET6, "netsh ipv6")
    monkeypatch.setattr(picker, "excluded_port_ranges", lambda protocol: [v6_only])
    assert 1 <= pick_port(protocols=("tcp",)) <= 65535


def test_host_not_on_this_machine_is_an_error_at_once() -> None:
    """A bind failure other than "taken" is raised as it is, not retried."""
    # 192.0.2.1 (TEST-NET-1) is never a local address.
    with pytest.raises(winsockx.WinsockError) as info:
        pick_port(host="192.0.2.1")
    assert info.value.winerror == int(winsockx.WSAError.WSAEADDRNOTAVAIL)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"protocols": "tcp"}, TypeError, "protocols=('tcp',)"),
        ({"protocols": 6}, TypeError, "protocols"),
        ({"protocols": ()}, ValueError, "at least one"),
        ({"protocols": ("tcp", "sctp")}, ValueError, "'sctp'"),
        ({"protocols": ("tcp", 17)}, TypeError, "each of protocols"),
        ({"count": 0}, ValueError, "count"),
        ({"count": MAX_COUNT + 1}, ValueError, "count"),
        ({"count": 2.0}, TypeError, "count"),
        ({"count": True}, TypeError, "count"),
        ({"host": "localhost"}, ValueError, "IP address"),
        ({"host": b"127.0.0.1"}, TypeError, "host"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], words: str) -> None:
    """Each bad argument is a TypeError or ValueError that says what to pass."""
    with pytest.raises(error) as info:
        pick_port(**kwargs)  # type: ignore[arg-type]
    assert words in str(info.value)


def test_duplicate_protocols_are_one() -> None:
    """("tcp", "tcp") asks for TCP once."""
    assert 1 <= pick_port(protocols=("tcp", "tcp")) <= 65535


def test_no_free_port_error_pickles() -> None:
    """The error keeps its message and last failure through pickle."""
    cause = winsockx.AddressInUseError(10048, "bind", argument="127.0.0.1:5150")
    copy = pickle.loads(pickle.dumps(NoFreePortError("none free", cause)))
    assert str(copy) == "none free"
    assert isinstance(copy.last_error, winsockx.AddressInUseError)


def test_reached_from_the_package() -> None:
    """The names are winsockx's, loaded on first use."""
    assert winsockx.pick_port is pick_port
    assert winsockx.NoFreePortError is NoFreePortError
