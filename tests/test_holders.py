"""who_holds: the sockets on a port and their owners, from the system's own tables.

A second process (a fresh interpreter using the stdlib ``socket`` module, as another
program would) holds a TCP listener and a UDP socket on loopback; the tests find them
with their owner. Under Wine 8 the tables list the sockets but give PID 0 for every
owner (measured), so the tests that assert the real PID are Wine gaps, kept apart
from the ones that assert the listing. The Linux parser is tested on tables
recorded from a real machine (tests/data/README.md).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import ntpath
import os
import pathlib
import sys
from collections.abc import Iterator

import pytest

import winsockx
from winsockx import AF_INET, AF_INET6, AddressFamily, IPv4Address, IPv6Address, Socket
from winsockx.diag import _linux_sockets as linux
from winsockx.diag.holders import PortHolder, TcpState, covers, who_holds

from .conftest import PID_GAP, UNDER_WINE, Sockets
from .holder_process import reporting_child

DATA = pathlib.Path(__file__).parent / "data"

_CHILD = r"""
import json, os, socket, sys
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0))
tcp.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
out = {"pid": os.getpid(), "tcp": tcp.getsockname()[1], "udp": udp.getsockname()[1]}
try:
    tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    tcp6.bind(("::1", 0))
    tcp6.listen()
    out["tcp6"] = tcp6.getsockname()[1]
except OSError:
    out["tcp6"] = None
print(json.dumps(out), flush=True)
sys.stdin.read()  # hold the sockets until the test closes stdin
"""


@dataclasses.dataclass(frozen=True)
class Holder:
    """The second process: its PID and the ports it holds."""

    pid: int
    tcp: int
    udp: int
    tcp6: int | None


@pytest.fixture(scope="module")
def holder() -> Iterator[Holder]:
    """A second process holding TCP and UDP ports on loopback until the module's tests end."""
    with reporting_child(_CHILD) as info:
        yield Holder(**info)  # type: ignore[arg-type]


def _listener(holders: list[PortHolder], port: int, address: str) -> PortHolder:
    found = [h for h in holders if h.listening and h.port == port and h.address == address]
    assert len(found) == 1, holders
    return found[0]


def _assert_is_child(found: PortHolder, child: Holder) -> None:
    """The holder names the second process: its PID, name and executable."""
    assert found.pid == child.pid, found
    assert found.no_owner_reason is None
    assert found.process_path is not None
    if sys.platform == "win32":
        assert found.process_name == ntpath.basename(sys.executable)
        assert ntpath.normcase(found.process_path) == ntpath.normcase(sys.executable)
    else:
        assert found.process_path == os.path.realpath(sys.executable)
        # comm is the name of the file executed (a symbolic link is not followed),
        # cut to 15 characters.
        assert found.process_name == os.path.basename(sys.executable)[:15]


def test_lists_a_tcp_listener_of_another_process(holder: Holder) -> None:
    """The second process's listener is listed: address, port, family, state."""
    found = _listener(who_holds(holder.tcp), holder.tcp, "127.0.0.1")
    assert found.family is AddressFamily.AF_INET
    assert found.protocol == "tcp"
    assert found.state is TcpState.LISTEN
    assert found.remote is None
    assert found.describe().endswith(f" on 127.0.0.1:{holder.tcp} LISTEN")


@pytest.mark.wine_gap(PID_GAP)
def test_names_the_owner_of_a_tcp_listener(holder: Holder) -> None:
    """The listener's owner is the second process, by PID, name and path."""
    found = _listener(who_holds(holder.tcp), holder.tcp, "127.0.0.1")
    _assert_is_child(found, holder)
    assert found.describe().startswith(f"PID {holder.pid} ({found.process_name}) on ")


def test_lists_a_udp_socket_of_another_process(holder: Holder) -> None:
    """The second process's UDP socket is listed, with no state and no peer."""
    found = _listener(who_holds(holder.udp, protocol="udp"), holder.udp, "127.0.0.1")
    assert found.family is AddressFamily.AF_INET
    assert found.protocol == "udp"
    assert found.state is None
    assert found.remote is None
    assert found.describe().endswith(f" on 127.0.0.1:{holder.udp} UDP")


@pytest.mark.wine_gap(PID_GAP)
def test_names_the_owner_of_a_udp_socket(holder: Holder) -> None:
    """The UDP socket's owner is the second process."""
    found = _listener(who_holds(holder.udp, protocol="udp"), holder.udp, "127.0.0.1")
    _assert_is_child(found, holder)


def test_lists_an_ipv6_listener_of_another_process(holder: Holder) -> None:
    """IPv6 sockets are listed too, with their family."""
    if holder.tcp6 is None:
        pytest.skip("no IPv6 loopback on this machine")
    found = _listener(who_holds(holder.tcp6), holder.tcp6, "::1")
    assert found.family is AddressFamily.AF_INET6
    assert found.describe().endswith(f" on [::1]:{holder.tcp6} LISTEN")


@pytest.mark.skipif(not UNDER_WINE, reason="asserts what Wine 8 reports")
def test_wine_reports_no_owner_and_says_so(holder: Holder) -> None:
    """Under Wine the owner is "not reported": never a made-up PID."""
    found = _listener(who_holds(holder.tcp), holder.tcp, "127.0.0.1")
    assert found.pid is None
    assert found.no_owner_reason == "owner not reported"
    assert found.process_name is None
    assert str(found) == f"owner not reported on 127.0.0.1:{holder.tcp} LISTEN"


def test_each_protocol_has_its_own_table(holder: Holder) -> None:
    """A UDP query lists UDP sockets only, a TCP query TCP ones."""
    assert all(h.protocol == "udp" for h in who_holds(holder.tcp, protocol="udp"))
    assert all(h.protocol == "tcp" for h in who_holds(holder.udp))


def test_address_keeps_the_holders_in_the_way(holder: Holder) -> None:
    """A specific address, the wildcard and another address filter as documented."""
    for address in ("127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1"):
        assert _listener(who_holds(holder.tcp, address=address), holder.tcp, "127.0.0.1")
    assert not [h for h in who_holds(holder.tcp, address="::1") if h.address == "127.0.0.1"]
    assert not [h for h in who_holds(holder.tcp, address="127.0.0.2") if h.address == "127.0.0.1"]


def test_own_connection_is_listed_after_the_listener(sockets: Sockets) -> None:
    """Listeners first, then the accepted connection with its peer."""
    client, server = sockets.pair(AF_INET)
    port = server.getsockname().port
    holders = [h for h in who_holds(port) if h.address == "127.0.0.1"]
    assert holders, "the connection's server side holds the port"
    established = [h for h in holders if h.state is TcpState.ESTABLISHED]
    assert [h.remote for h in established] == [client.getsockname()]
    assert all(not h.listening for h in established)
    assert f"ESTABLISHED to {client.getsockname()}" in established[0].describe()


def test_own_ipv6_udp_socket(sockets: Sockets) -> None:
    """A UDP socket on ::1 shows as an AF_INET6 holder of its port."""
    sock = sockets.new(AF_INET6, winsockx.SOCK_DGRAM)
    try:
        sock.bind(("::1", 0))
    except winsockx.WinsockError as e:
        pytest.skip(f"no IPv6 loopback: {e}")
    port = sock.getsockname().port
    found = _listener(who_holds(port, protocol="udp"), port, "::1")
    assert found.family is AddressFamily.AF_INET6


def test_free_port_has_no_holder() -> None:
    """A port just released has no listening holder."""
    with Socket(AF_INET, winsockx.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname().port
    assert [h for h in who_holds(port) if h.listening and h.address == "127.0.0.1"] == []


# -- describe() and the address rule ------------------------------------------


def _holder(address: str, **changes: object) -> PortHolder:
    family = AddressFamily.AF_INET6 if ":" in address else AddressFamily.AF_INET
    base = PortHolder(
        address,
        5150,
        family,
        "tcp",
        TcpState.LISTEN,
        True,
        None,
        4242,
        "server.exe",
        r"C:\srv\server.exe",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_describe_lines() -> None:
    """The one-line forms: known owner, unknown owner, IPv6, UDP, a connection."""
    assert str(_holder("0.0.0.0")) == "PID 4242 (server.exe) on 0.0.0.0:5150 LISTEN"
    assert _holder("0.0.0.0", process_name=None).describe() == "PID 4242 on 0.0.0.0:5150 LISTEN"
    unknown = _holder("0.0.0.0", pid=None, no_owner_reason="owner not reported")
    assert unknown.describe() == "owner not reported on 0.0.0.0:5150 LISTEN"
    assert _holder("::").describe() == "PID 4242 (server.exe) on [::]:5150 LISTEN"
    udp = _holder(
        "127.0.0.1",
        protocol="udp",
        state=None,
        pid=None,
        uid=1001,
        no_owner_reason="owner not visible",
    )
    assert udp.describe() == "owner not visible (uid 1001) on 127.0.0.1:5150 UDP"
    connected = _holder(
        "127.0.0.1",
        state=TcpState.TIME_WAIT,
        listening=False,
        remote=IPv4Address("127.0.0.1", 50000),
    )
    assert connected.describe().endswith("on 127.0.0.1:5150 TIME_WAIT to 127.0.0.1:50000")


def test_tcp_state_reads_as_its_name() -> None:
    """A TcpState is the str netstat prints, in f-strings too."""
    assert f"{TcpState.CLOSE_WAIT}" == "CLOSE_WAIT"
    assert TcpState("LISTEN") is TcpState.LISTEN


@pytest.mark.parametrize(
    ("held", "asked", "expected"),
    [
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.1", "127.0.0.2", False),
        ("0.0.0.0", "192.0.2.7", True),  # the IPv4 wildcard covers every IPv4 address
        ("0.0.0.0", "::1", False),
        ("::", "::1", True),
        ("::", "127.0.0.1", True),  # may be dual-stack: the tables do not say
        ("::1", "127.0.0.1", False),
        ("::ffff:127.0.0.1", "127.0.0.1", True),  # an IPv4 client of a dual-stack socket
        ("127.0.0.1", "::ffff:127.0.0.1", True),
        ("127.0.0.1", "0.0.0.0", True),  # a wildcard bind collides with every specific one
        ("::1", "0.0.0.0", False),
        ("127.0.0.1", "::", True),
        ("fe80::1", "::", True),
    ],
)
def test_address_rule(held: str, asked: str, expected: bool) -> None:
    """covers() keeps the holders a bind to the asked address would collide with."""
    assert covers(_holder(held), ipaddress.ip_address(asked)) is expected


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"port": 0}, ValueError),
        ({"port": 65536}, ValueError),
        ({"port": "80"}, TypeError),
        ({"port": True}, TypeError),
        ({"port": 80, "protocol": "sctp"}, ValueError),
        ({"port": 80, "protocol": "TCP"}, ValueError),
        ({"port": 80, "protocol": 6}, TypeError),
        ({"port": 80, "address": "localhost"}, ValueError),
        ({"port": 80, "address": "fe80::1%3"}, ValueError),
        ({"port": 80, "address": ("127.0.0.1", 80)}, TypeError),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception]) -> None:
    """Arguments are checked before any table is read, with a typed error."""
    port = kwargs.pop("port")
    with pytest.raises(error):
        who_holds(port, **kwargs)  # type: ignore[arg-type]


def test_reached_from_the_package() -> None:
    """winsockx.who_holds is this function, loaded on first use."""
    assert winsockx.who_holds is who_holds
    assert winsockx.PortHolder is PortHolder
    assert winsockx.TcpState is TcpState


# -- the Linux tables, recorded (the parser is a pure function: it runs anywhere) --


def _table(name: str) -> list[linux.ProcNetRow]:
    family = AddressFamily.AF_INET6 if name.endswith("6") else AddressFamily.AF_INET
    text = (DATA / f"proc_net_{name}.txt").read_bytes().decode("ascii")
    # Recorded on x86_64: the address words are little-endian whatever runs the test.
    return linux.parse_proc_net(text, family, byteorder="little")


def test_parses_recorded_tcp_table() -> None:
    """Listener, connections and a TIME_WAIT row of /proc/net/tcp."""
    rows = {(r.local.port, r.remote.port if r.remote else 0): r for r in _table("tcp")}
    listener = rows[5150, 0]
    assert listener.local == IPv4Address("127.0.0.1", 5150)
    assert (listener.remote, listener.state, listener.uid, listener.inode) == (None, 10, 0, 130696)
    assert rows[5150, 55356].state == 1
    assert rows[5150, 55356].inode == 130698
    assert rows[55356, 5150].remote == IPv4Address("127.0.0.1", 5150)
    time_wait = rows[55366, 5150]
    assert (time_wait.state, time_wait.inode) == (6, 0)
    assert rows[2024, 0].local == IPv4Address("0.0.0.0", 2024)


def test_parses_recorded_tcp6_table() -> None:
    """The dual-stack listener, an IPv6 connection and an IPv4-mapped one."""
    rows = _table("tcp6")
    assert rows[0].local == IPv6Address("::", 5151)
    assert rows[0].state == 10
    assert rows[1].local == IPv6Address("::1", 48156)
    assert rows[1].remote == IPv6Address("::1", 5151)
    assert rows[3].local == IPv6Address("::ffff:127.0.0.1", 5151)
    assert rows[3].remote == IPv6Address("::ffff:127.0.0.1", 52890)


def test_parses_recorded_udp_tables() -> None:
    """UDP rows: unconnected (state 7, no peer) and connected (state 1, a peer)."""
    unconnected, connected = _table("udp")
    assert unconnected.local == IPv4Address("0.0.0.0", 5152)
    assert (unconnected.remote, unconnected.state) == (None, 7)
    assert connected.remote == IPv4Address("127.0.0.1", 5152)
    assert connected.state == 1
    (v6,) = _table("udp6")
    assert v6.local == IPv6Address("::1", 5154)
    assert v6.inode == 130708


def test_recorded_rows_as_holders() -> None:
    """States, listening, and the two reasons for an unknown owner."""
    rows = {(r.local.port, r.remote.port if r.remote else 0): r for r in _table("tcp")}
    listening = linux.to_holder(rows[5150, 0], "tcp", 4242, "server", "/srv/server")
    assert str(listening) == "PID 4242 (server) on 127.0.0.1:5150 LISTEN"
    time_wait = linux.to_holder(rows[55366, 5150], "tcp", None)
    assert time_wait.state is TcpState.TIME_WAIT
    assert not time_wait.listening
    assert time_wait.no_owner_reason == "owner not reported"  # inode 0: no process has it
    hidden = linux.to_holder(rows[2024, 0], "tcp", None)
    assert str(hidden) == "owner not visible (uid 0) on 0.0.0.0:2024 LISTEN"
    unconnected, connected = (linux.to_holder(r, "udp", None) for r in _table("udp"))
    assert unconnected.listening
    assert unconnected.state is None
    assert not connected.listening


def test_parser_byte_order_and_bad_lines() -> None:
    """Big-endian tables read the other way round; a foreign line is refused."""
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
    row = "   0: 7F000001:141E 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 77\n"
    (parsed,) = linux.parse_proc_net(header + row, AddressFamily.AF_INET, byteorder="big")
    assert parsed.local == IPv4Address("127.0.0.1", 5150)
    assert parsed.uid == 1000
    with pytest.raises(ValueError, match="not a row"):
        linux.parse_proc_net(header + "garbage\n", AddressFamily.AF_INET)
    with pytest.raises(ValueError, match="endpoint"):
        linux.parse_proc_net(header + row, AddressFamily.AF_INET6)
    assert linux.parse_proc_net(header, AddressFamily.AF_INET) == []


@pytest.mark.skipif(sys.platform == "win32", reason="builds a /proc tree of symbolic links")
def test_socket_owners_from_a_proc_tree(tmp_path: pathlib.Path) -> None:
    """fd links name a socket's owner; the lowest PID wins; unreadable ones are skipped."""
    for pid, fd, target in (
        (200, 4, "socket:[130696]"),
        (100, 3, "socket:[130696]"),
        (100, 5, "pipe:[9]"),
        (300, 0, "/dev/null"),
    ):
        (tmp_path / str(pid) / "fd").mkdir(parents=True, exist_ok=True)
        os.symlink(target, tmp_path / str(pid) / "fd" / str(fd))
    (tmp_path / "400").mkdir()  # no fd directory: another user's process, as seen
    (tmp_path / "self").mkdir()
    (tmp_path / "100" / "comm").write_text("server\n")
    os.symlink("/srv/server", tmp_path / "100" / "exe")
    owners = linux.socket_owners([130696, 130697, 0], proc=str(tmp_path))
    assert owners == {130696: 100}
    assert linux.process_identity(100, proc=str(tmp_path)) == ("server", "/srv/server")
    assert linux.process_identity(400, proc=str(tmp_path)) == (None, None)
