"""excluded_port_ranges: Windows' excluded ranges (netsh) and Linux's reserved ports.

The netsh parser is tested on samples in netsh's output format, English and German,
as bytes in their OEM code pages (tests/data/README.md). The real excluded ranges of
a Windows machine cannot be read here: CI has no Windows, and Wine 8's netsh prints
nothing for ``interface ipv4 show excludedportrange`` (measured), which must raise
:class:`PortRangesUnavailableError` rather than read as "no ranges". The Linux
ranges are read from this machine's ``/proc/sys`` and compared with the files.
"""

from __future__ import annotations

import pathlib
import pickle
import sys

import pytest

import winsockx
from winsockx import AddressFamily
from winsockx.diag.excluded import (
    PortRange,
    PortRangesUnavailableError,
    excluded_port_ranges,
    parse_netsh_excluded,
    parse_reserved_ports,
)

from .conftest import UNDER_WINE

DATA = pathlib.Path(__file__).parent / "data"
V4, V6 = AddressFamily.AF_INET, AddressFamily.AF_INET6
NETSH_GAP = "Wine 8's netsh prints nothing for 'interface ipv4 show excludedportrange'"


def _sample(name: str, codepage: str) -> str:
    """A recorded netsh output, decoded from its OEM code page as excluded.py does."""
    return (DATA / name).read_bytes().decode(codepage, errors="replace")


def _spans(ranges: list[PortRange]) -> list[tuple[int, int, bool]]:
    return [(r.start, r.end, r.administered) for r in ranges]


def test_netsh_english() -> None:
    """Rows under the dashes, with ``*`` for the administered one."""
    ranges = parse_netsh_excluded(_sample("netsh_ipv4_tcp_en.txt", "cp437"), "tcp", V4)
    assert _spans(ranges) == [
        (1080, 1080, False),
        (5357, 5357, False),
        (49690, 49789, False),
        (50000, 50059, True),
    ]
    assert {(r.protocol, r.family, r.source) for r in ranges} == {("tcp", V4, "netsh ipv4")}


def test_netsh_german() -> None:
    """The German table reads the same: the parser does not read words."""
    text = _sample("netsh_ipv4_tcp_de.txt", "cp850")
    assert "Verwaltete Portausschlüsse." in text  # the footer decoded from code page 850
    ranges = parse_netsh_excluded(text, "tcp", V4)
    assert _spans(ranges) == [(2869, 2869, False), (5357, 5357, False), (50000, 50059, True)]


def test_netsh_runner_layout_with_trailing_spaces() -> None:
    """The runner images' table, every column padded with trailing spaces."""
    ranges = parse_netsh_excluded(_sample("netsh_ipv4_tcp_en_runner.txt", "cp437"), "tcp", V4)
    assert _spans(ranges) == [
        (80, 80, False),
        (5986, 5986, False),
        (47001, 47001, False),
        (52110, 52209, False),
        (52210, 52309, False),
        (55679, 55679, True),
    ]


def test_netsh_spanish_without_a_footer() -> None:
    """Other titles and no footer: the rows under the dashes are all that is read."""
    ranges = parse_netsh_excluded(_sample("netsh_ipv4_tcp_es.txt", "cp850"), "tcp", V4)
    assert _spans(ranges) == [(1025, 1124, False), (5357, 5357, False), (50000, 50059, False)]


def test_netsh_ipv6_udp() -> None:
    """The ipv6 table gives AF_INET6 ranges with their own source."""
    (r,) = parse_netsh_excluded(_sample("netsh_ipv6_udp_en.txt", "cp437"), "udp", V6)
    assert (r.start, r.end, r.family, r.source, r.protocol) == (
        49752,
        49851,
        V6,
        "netsh ipv6",
        "udp",
    )
    assert str(r) == "udp ports 49752-49851 (netsh ipv6)"


def test_netsh_no_ranges_is_an_empty_list() -> None:
    """A table with no rows is an answer: no port excluded."""
    assert parse_netsh_excluded(_sample("netsh_ipv4_tcp_en_empty.txt", "cp437"), "tcp", V4) == []


@pytest.mark.parametrize(
    "text",
    [
        "",  # Wine 8's netsh, measured
        "\r\n",
        _sample("netsh_not_found_en.txt", "cp437"),
        "Start Port    End Port\r\n----------    --------\r\n  5357  not-a-port\r\n",
        "----------    --------\r\n     50000       70000\r\n",
    ],
)
def test_netsh_without_a_table_is_unavailable(text: str) -> None:
    """No table, a strange row or a number past 65535: "cannot tell", never "none"."""
    with pytest.raises(PortRangesUnavailableError) as info:
        parse_netsh_excluded(text, "tcp", V4)
    assert info.value.output == text
    assert isinstance(info.value, OSError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\n", []),
        ("8080\n", [(8080, 8080)]),
        ("8080,9000-9010\n", [(8080, 8080), (9000, 9010)]),
        (" 1-2 , 65535\n", [(1, 2), (65535, 65535)]),
    ],
)
def test_reserved_ports(text: str, expected: list[tuple[int, int]]) -> None:
    """ip_local_reserved_ports: single ports and ranges, comma-separated, maybe none."""
    ranges = parse_reserved_ports(text, "udp")
    assert [(r.start, r.end) for r in ranges] == expected
    sources = {(r.family, r.source, r.protocol) for r in ranges}
    assert sources <= {(None, "ip_local_reserved_ports", "udp")}


@pytest.mark.parametrize("text", ["abc\n", "8080-\n", "1-70000\n", "-5\n"])
def test_reserved_ports_garbage_is_unavailable(text: str) -> None:
    """A value that is not a list of ports cannot be read as one."""
    with pytest.raises(PortRangesUnavailableError):
        parse_reserved_ports(text, "tcp")


def test_port_range_membership_and_text() -> None:
    """``in`` tests a port; describe() names the range, its source and the ``*``."""
    r = PortRange(50000, 50059, "tcp", V4, "netsh ipv4", True)
    assert 50000 in r
    assert 50059 in r
    assert 50060 not in r
    assert "50000" not in r
    assert r.describe() == "tcp ports 50000-50059 (netsh ipv4, administered)"
    assert str(PortRange(1, 1023, "tcp", None, "privileged ports")) == (
        "tcp ports 1-1023 (privileged ports)"
    )


def test_unavailable_error_pickles() -> None:
    """The error keeps its reason, command and output through pickle."""
    error = PortRangesUnavailableError("netsh failed", command=["netsh"], output="x")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.command, copy.output) == ("netsh failed", ("netsh",), "x")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc/sys")
def test_linux_ranges_match_proc_sys() -> None:
    """The privileged floor first, then the reserved ports, as the files say."""
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding="ascii") as f:
        floor = int(f.read())
    with open("/proc/sys/net/ipv4/ip_local_reserved_ports", encoding="ascii") as f:
        reserved = parse_reserved_ports(f.read(), "tcp")
    ranges = excluded_port_ranges("tcp")
    privileged = [PortRange(1, floor - 1, "tcp", None, "privileged ports")] if floor > 1 else []
    assert ranges == privileged + reserved
    assert all(r.family is None and not r.administered for r in ranges)
    assert [r.protocol for r in excluded_port_ranges("udp")] == ["udp"] * len(ranges)


@pytest.mark.ws2_32
@pytest.mark.wine_gap(NETSH_GAP)
def test_windows_reads_netsh() -> None:
    """On Windows, netsh answers for both IP versions (any ranges it lists are valid).

    Which ranges a machine excludes depends on it (Hyper-V, WSL, Docker reserve
    some at boot), so this asserts their shape, not their values.
    """
    for protocol in ("tcp", "udp"):
        ranges = excluded_port_ranges(protocol)
        assert all(1 <= r.start <= r.end <= 65535 for r in ranges)
        assert {r.source for r in ranges} <= {"netsh ipv4", "netsh ipv6"}


@pytest.mark.skipif(not UNDER_WINE, reason="asserts what Wine 8's netsh does")
def test_wine_netsh_is_unavailable_not_empty() -> None:
    """Wine's silent netsh gives PortRangesUnavailableError naming the command."""
    with pytest.raises(PortRangesUnavailableError) as info:
        excluded_port_ranges("tcp")
    assert "printed no port exclusion table" in str(info.value)
    assert info.value.command is not None
    assert info.value.command[1:] == (
        "interface",
        "ipv4",
        "show",
        "excludedportrange",
        "protocol=tcp",
    )
    assert info.value.command[0].lower().endswith("\\system32\\netsh.exe")


@pytest.mark.parametrize(("protocol", "error"), [("sctp", ValueError), (17, TypeError)])
def test_bad_protocol(protocol: object, error: type[Exception]) -> None:
    """The protocol is checked before anything is read."""
    with pytest.raises(error):
        excluded_port_ranges(protocol)  # type: ignore[arg-type]


def test_reached_from_the_package() -> None:
    """The names are winsockx's, loaded on first use."""
    assert winsockx.excluded_port_ranges is excluded_port_ranges
    assert winsockx.PortRange is PortRange
    assert winsockx.PortRangesUnavailableError is PortRangesUnavailableError
