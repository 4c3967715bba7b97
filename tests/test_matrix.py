"""The bind lab (winsockx.lab): the bind table, measured with real sockets.

Every measured value asserted here comes from binds that ran in this test session;
the expected values come from winsockx.lab.bindspec (Windows, via Wine's conformance
suite) or, for the POSIX backend, from Linux's bind rules, each explained where it
is asserted.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from winsockx import backend_info, raw
from winsockx.constants import AddressFamily, SocketOption
from winsockx.errors import WinsockError, WSAError
from winsockx.lab.bindspec import (
    ANY_FAILURE,
    DOCUMENT_TABLE,
    NOT_APPLICABLE,
    OK,
    WINDOWS_VERIFIED,
    WINE_DEVIATIONS,
    BindSpec,
    Kind,
    Option,
    Role,
    SecondGroup,
    VerifiedPair,
    document_claim,
)
from winsockx.lab.command import cli_main
from winsockx.lab.compare import compare_with_document, compare_with_windows, conclusion
from winsockx.lab.measure import (
    ALL_KINDS,
    DUAL_STACK_V4_FIRST,
    GRIDS,
    IPV4,
    IPV6,
    UNMEASURED,
    Cell,
    Grid,
    MatrixResult,
    _hold_port,
    measure_cell,
    run_matrix,
)
from winsockx.lab.render import render_text, to_json

REPO = pathlib.Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 120
OPTIONS = {"exclusive", "none", "reuseaddr"}
KINDS = {"tcp", "tcp+listen", "udp"}
INUSE, ACCES = WSAError.WSAEADDRINUSE, WSAError.WSAEACCES


@pytest.fixture(scope="module")
def full_run() -> MatrixResult:
    """One run of every grid (IPv4, IPv6, both dual-stack orders) and every kind."""
    return run_matrix(ipv6=True)


def child_env() -> dict[str, str]:
    """The environment with this checkout first on PYTHONPATH (also under Wine)."""
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + old if old else "")
    return env


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m winsockx matrix ARGS`` in a child process, bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "winsockx", "matrix", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        env=child_env(),
        cwd=str(REPO),
        check=False,
    )


def spec_key(data: dict[str, Any]) -> tuple[str, str, bool | None]:
    """A JSON socket object as (option, address, v6only)."""
    return data["option"], data["address"], data.get("v6only")


def grid_combinations(grids: tuple[Grid, ...]) -> set[tuple[Any, ...]]:
    """Every (kind, first, second) the grids define, in JSON terms."""
    return {
        (
            kind.value,
            (first.option.value, first.address, first.v6only),
            (second.option.value, second.address, second.v6only),
        )
        for grid in grids
        for kind in ALL_KINDS
        for first in grid.rows
        for second in grid.columns
    }


def check_schema(data: Any, grids: tuple[Grid, ...]) -> None:
    """Assert the documented schema of ``winsockx matrix --json`` (schema 1)."""
    assert isinstance(data, dict)
    assert set(data) == {"schema", "platform", "seconds", "cells"}
    assert data["schema"] == 1
    assert data["platform"] == dataclasses.asdict(backend_info())
    assert set(data["platform"]) == {"name", "platform", "wine_version", "python"}
    assert isinstance(data["seconds"], float)
    assert data["seconds"] >= 0
    cells = data["cells"]
    assert isinstance(cells, list)
    seen = []
    for cell in cells:
        assert isinstance(cell, dict)
        measured = cell["result"] != "unmeasured"
        listens = cell["kind"] == "tcp+listen" and cell["result"] == "ok"
        wanted = {"kind", "first", "second", "result", "port"}
        wanted |= {"listen"} if listens else set()
        wanted |= set() if measured else {"note"}
        assert set(cell) == wanted, cell
        assert cell["kind"] in KINDS
        for side in ("first", "second"):
            sock = cell[side]
            v6 = ":" in sock["address"]
            assert set(sock) == ({"option", "address", "v6only"} if v6 else {"option", "address"})
            assert sock["option"] in OPTIONS
            if v6:
                assert isinstance(sock["v6only"], bool)
        result = cell["result"]
        assert result in ("ok", "unmeasured") or (
            type(result) is int and 10000 <= result <= 11999
        ), cell
        if listens:
            listen = cell["listen"]
            assert listen == "ok" or (type(listen) is int and 10000 <= listen <= 11999), cell
        if measured:
            assert type(cell["port"]) is int, cell
            assert 1 <= cell["port"] <= 65535, cell
        else:
            assert cell["port"] is None, cell
            assert isinstance(cell["note"], str), cell
        seen.append((cell["kind"], spec_key(cell["first"]), spec_key(cell["second"])))
    assert len(seen) == len(set(seen)), "a combination appears twice"
    assert set(seen) == grid_combinations(grids)


def test_cli_json_output_has_the_documented_schema() -> None:
    """`winsockx matrix --json` prints one JSON object: 162 IPv4 cells, each combination once."""
    proc = run_cli("--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    check_schema(data, (IPV4,))
    assert len(data["cells"]) == 162


def test_json_of_an_ipv6_run_has_the_documented_schema(full_run: MatrixResult) -> None:
    """With the IPv6 grids the JSON keeps the schema and records v6only for IPv6 sockets."""
    data = json.loads(json.dumps(to_json(full_run)))
    check_schema(data, GRIDS)
    assert len(data["cells"]) == 702
    dual = [c for c in data["cells"] if c["first"]["address"] == "::ffff:127.0.0.1"]
    assert dual
    assert all(c["first"]["v6only"] is False for c in dual)
    wild6 = [c[side] for c in data["cells"] for side in ("first", "second")]
    assert {s["v6only"] for s in wild6 if s["address"] == "::"} == {True, False}


def test_cli_text_output_names_the_backend_and_the_kind() -> None:
    """`winsockx matrix --kind udp` prints the conclusion, the header, only the UDP table,
    and the timing."""
    proc = run_cli("--kind", "udp")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    info = backend_info()
    assert lines[0].startswith("Conclusion: ")
    assert lines[1] == f"winsockx matrix: {info.label}, {info.python}"
    assert any(line.startswith("udp: IPv4") for line in lines)
    assert not any(line.startswith(("tcp: ", "tcp+listen: ")) for line in lines)
    assert re.fullmatch(r"measured in \d+\.\d\d s", lines[-1])


def test_cli_rejects_an_unknown_kind(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --kind is a usage error (2) that measures nothing."""
    assert cli_main(["--kind", "sctp"]) == 2
    captured = capsys.readouterr()
    assert "invalid choice" in captured.err
    assert captured.out == ""


def test_text_report_header_tables_and_width(full_run: MatrixResult) -> None:
    """The report names the platform after its conclusion, has a table per grid and kind,
    fits 100 columns."""
    text = render_text(full_run)
    lines = text.splitlines()
    info = backend_info()
    assert lines[0] == conclusion(full_run)
    assert lines[1] == f"winsockx matrix: {info.label}, {info.python}"
    if info.name == "posix":
        assert "POSIX backend" in lines[2]
    if info.wine_version is not None:
        assert lines[1].startswith(f"winsockx matrix: ws2_32 on Wine {info.wine_version}")
    for grid in GRIDS:
        for kind in ALL_KINDS:
            assert f"{kind.value}: {grid.title}" in lines
    assert f"measured in {full_run.seconds:.2f} s" == lines[-1]
    assert max(len(line) for line in lines) <= 100


OWN_A_PORT = (
    "Conclusion: to own a port, bind the wildcard with SO_EXCLUSIVEADDRUSE"
    " (winsockx.create_server)."
)


def after_exclusive_wildcard(run: MatrixResult) -> list[Cell]:
    """The cells of the IPv4 and IPv6 grids whose first socket is EXCL on the wildcard."""
    return [
        c
        for grid, wildcard in ((IPV4, "0.0.0.0"), (IPV6, "::"))
        for c in run.cells
        if c.first.option is Option.EXCLUSIVE
        and c.first.address == wildcard
        and c.first in grid.rows
        and c.second in grid.columns
    ]


def test_the_conclusion_is_measured(full_run: MatrixResult) -> None:
    """Every second bind after SO_EXCLUSIVEADDRUSE on a wildcard of its family failed here,
    in every kind, so the report opens with the advice to bind the wildcard so.

    Measured on Linux (EADDRINUSE: no reuse, and a wildcard covers the port) and on
    Wine 8 (10013 for TCP, 10048 or 10013 for UDP); Windows refuses them too (pairs 1
    and 4 of Wine's suite, asserted on Windows).
    """
    cells = after_exclusive_wildcard(full_run)
    # 3 kinds x (9 IPv4 columns + 6 IPv6 columns).
    assert len(cells) == 45
    assert [c for c in cells if not isinstance(c.result, int)] == []
    assert conclusion(full_run) == OWN_A_PORT


def test_the_conclusion_needs_every_exclusive_wildcard_cell(full_run: MatrixResult) -> None:
    """One second bind that got in, or one unmeasured, and the report concludes nothing;
    a cell of the dual-stack grids (the other family) changes nothing."""
    cells = after_exclusive_wildcard(full_run)

    def with_cell(old: Cell, new: Cell) -> MatrixResult:
        swapped = tuple(new if c is old else c for c in full_run.cells)
        return dataclasses.replace(full_run, cells=swapped)

    got_in = with_cell(cells[-1], dataclasses.replace(cells[-1], result="ok"))
    assert conclusion(got_in) == (
        "Conclusion: none: here a second bind succeeded after SO_EXCLUSIVEADDRUSE on the wildcard."
    )
    unmeasured = with_cell(cells[0], dataclasses.replace(cells[0], result=UNMEASURED, port=None))
    not_measured = (
        "Conclusion: none: not every second bind after SO_EXCLUSIVEADDRUSE on the wildcard"
        " was measured."
    )
    assert conclusion(unmeasured) == not_measured
    assert conclusion(dataclasses.replace(full_run, cells=())) == not_measured
    dual = next(
        c
        for c in full_run.cells
        if c.first == BindSpec(Option.EXCLUSIVE, "0.0.0.0")
        and c.second in DUAL_STACK_V4_FIRST.columns
    )
    assert conclusion(with_cell(dual, dataclasses.replace(dual, result="ok"))) == OWN_A_PORT
    assert render_text(got_in).splitlines()[0] == conclusion(got_in)


def test_a_run_has_one_cell_per_combination() -> None:
    """The IPv4 grid is 162 cells; one kind is a third of it; every cell is distinct."""
    result = run_matrix()
    assert len(result.cells) == 162
    assert len({(c.kind, c.first, c.second) for c in result.cells}) == 162
    udp = run_matrix(kinds=[Kind.UDP])
    assert len(udp.cells) == 54
    assert {c.kind for c in udp.cells} == {Kind.UDP}
    assert result.seconds > 0
    assert result.platform == backend_info()


def test_nothing_stays_bound_after_a_run() -> None:
    """After a run, every port it recorded can be bound again on the wildcard, plainly."""
    result = run_matrix()
    ports = {(c.kind.socket_type, c.kind.protocol, c.port) for c in result.cells if c.port}
    assert ports
    busy = []
    raw.WSAStartup((2, 2))
    try:
        for socket_type, protocol, port in sorted(ports):
            handle = raw.socket(AddressFamily.AF_INET, socket_type, protocol)
            try:
                raw.bind(handle, ("0.0.0.0", port))
            except WinsockError as exc:
                busy.append((socket_type, port, exc))
            finally:
                raw.closesocket(handle)
    finally:
        raw.WSACleanup()
    assert busy == []


@pytest.mark.posix
def test_every_socket_of_a_run_is_closed() -> None:
    """The process has as many open descriptors after a run as before it."""
    before = len(os.listdir("/proc/self/fd"))
    run_matrix(ipv6=True)
    assert len(os.listdir("/proc/self/fd")) == before


def test_every_windows_verified_pair_is_a_measured_cell(full_run: MatrixResult) -> None:
    """The --ipv6 run covers all Windows-verified pairs, so each one is compared."""
    missing = [p.name for p in WINDOWS_VERIFIED if full_run.cell(p.kind, p.first, p.second) is None]
    assert missing == []
    assert len(compare_with_windows(full_run).checks) + compare_with_windows(
        full_run
    ).skipped == len(WINDOWS_VERIFIED)


def _pair_param(pair: VerifiedPair) -> Any:
    marks = [pytest.mark.ws2_32]
    if pair.wine_gap is not None:
        marks.append(pytest.mark.wine_gap(pair.wine_gap))
    return pytest.param(pair, id=pair.name, marks=marks)


def _agrees(measured: object, expected: object) -> bool:
    if expected == ANY_FAILURE:
        return type(measured) is not str and isinstance(measured, int)
    return measured == expected


@pytest.mark.parametrize("pair", [_pair_param(p) for p in WINDOWS_VERIFIED])
def test_windows_verified_pair_comes_out_as_listed(
    pair: VerifiedPair, full_run: MatrixResult
) -> None:
    """On ws2_32 the measured cell is what Windows gives (Wine's suite, asserted on Windows).

    Pairs Wine 8 is known to miss carry the wine_gap marker: they must hold on
    real Windows and are strict xfails under Wine.
    """
    cell = full_run.cell(pair.kind, pair.first, pair.second)
    assert cell is not None
    assert cell.result != UNMEASURED, cell
    assert _agrees(cell.result, pair.bind), f"{pair.name}: {cell.text}, {pair.source}"
    if pair.listen is not None:
        assert cell.listen is not None, cell.text
        assert _agrees(cell.listen, pair.listen), cell.text


def _linux_cell(run: MatrixResult, kind: Kind, first: BindSpec, second: BindSpec) -> Cell:
    cell = run.cell(kind, first, second)
    assert cell is not None
    assert cell.result != UNMEASURED, cell
    return cell


@pytest.mark.posix
def test_linux_two_plain_wildcard_binds_conflict(full_run: MatrixResult) -> None:
    """Linux refuses a second bind to a port already bound without SO_REUSEADDR (EADDRINUSE).

    Without SO_REUSEADDR on both sockets, Linux's bind-conflict check treats any
    earlier binding of the port as a conflict; EADDRINUSE maps to WSAEADDRINUSE.
    """
    wild = BindSpec(Option.NONE, "0.0.0.0")
    for kind in ALL_KINDS:
        assert _linux_cell(full_run, kind, wild, wild).result == INUSE


@pytest.mark.posix
def test_linux_exclusive_wildcard_blocks_a_specific_bind(full_run: MatrixResult) -> None:
    """EXCL on 0.0.0.0, then a plain bind to 127.0.0.1: EADDRINUSE on Linux.

    The POSIX backend implements SO_EXCLUSIVEADDRUSE as "reuse stays off", and on
    Linux a wildcard binding covers every local address of the port.
    """
    cell = _linux_cell(
        full_run,
        Kind.TCP,
        BindSpec(Option.EXCLUSIVE, "0.0.0.0"),
        BindSpec(Option.NONE, "127.0.0.1"),
    )
    assert cell.result == INUSE


@pytest.mark.posix
def test_linux_reuseaddr_on_both_shares_a_udp_port(full_run: MatrixResult) -> None:
    """Two UDP sockets with SO_REUSEADDR may both bind 0.0.0.0 on one port on Linux."""
    reuse = BindSpec(Option.REUSEADDR, "0.0.0.0")
    assert _linux_cell(full_run, Kind.UDP, reuse, reuse).result == OK


@pytest.mark.posix
def test_linux_reuseaddr_tcp_depends_on_listening(full_run: MatrixResult) -> None:
    """TCP with SO_REUSEADDR on both: OK while neither listens, EADDRINUSE next to a listener.

    Linux lets two SO_REUSEADDR TCP sockets bind one address and port only while
    none of them is in the LISTEN state; a listener makes the second bind fail,
    so it never gets to listen.
    """
    reuse = BindSpec(Option.REUSEADDR, "0.0.0.0")
    assert _linux_cell(full_run, Kind.TCP, reuse, reuse).result == OK
    listening = _linux_cell(full_run, Kind.TCP_LISTEN, reuse, reuse)
    assert listening.result == INUSE
    assert listening.listen is None


@pytest.mark.posix
def test_linux_different_specific_addresses_do_not_conflict(full_run: MatrixResult) -> None:
    """127.0.0.1 then 127.0.0.2 on one port: both bind, and both may listen (distinct addresses)."""
    for first_option, second_option in itertools.product(Option, Option):
        first = BindSpec(first_option, "127.0.0.1")
        second = BindSpec(second_option, "127.0.0.2")
        assert _linux_cell(full_run, Kind.TCP, first, second).result == OK
        listened = _linux_cell(full_run, Kind.TCP_LISTEN, first, second)
        assert (listened.result, listened.listen) == (OK, OK)


@pytest.fixture
def holder() -> Iterator[list[int]]:
    """Handles of sockets a test holds a port with (standing in for another program)."""
    raw.WSAStartup((2, 2))
    handles: list[int] = []
    try:
        yield handles
    finally:
        for handle in handles:
            raw.closesocket(handle)
        raw.WSACleanup()


def hold(handles: list[int], kind: Kind, spec: BindSpec, port: int) -> int:
    """Bind a socket like *spec* to *port* and keep it; the port (chosen when 0)."""
    handle = raw.socket(spec.family, kind.socket_type, kind.protocol)
    handles.append(handle)
    if spec.option is Option.EXCLUSIVE:
        raw.setsockopt(handle, 0xFFFF, SocketOption.EXCLUSIVEADDRUSE.optname, 1)
    elif spec.option is Option.REUSEADDR:
        raw.setsockopt(handle, 0xFFFF, SocketOption.REUSEADDR.optname, 1)
    raw.bind(handle, (spec.address, port))
    return raw.getsockname(handle).port


@pytest.mark.parametrize("kind", [Kind.TCP, Kind.UDP], ids=lambda k: k.value)
@pytest.mark.parametrize("option", list(Option), ids=lambda o: o.value)
@pytest.mark.parametrize("address", ["0.0.0.0", "127.0.0.1", "127.0.0.2"])
def test_port_probe_sees_any_holder(
    holder: list[int], kind: Kind, option: Option, address: str
) -> None:
    """The free-port check fails while another socket holds the port, whatever its option
    or address, so a cell is never measured next to someone else's socket."""
    port = hold(holder, kind, BindSpec(option, address), 0)
    assert _hold_port(kind, (AddressFamily.AF_INET,), port) is None
    raw.closesocket(holder.pop())
    assert _hold_port(kind, (AddressFamily.AF_INET,), port) == port


def test_a_held_port_is_skipped(holder: list[int], free_port: int) -> None:
    """Given a held port and then a free one, the cell is measured on the free one."""
    held = hold(holder, Kind.TCP, BindSpec(Option.NONE, "0.0.0.0"), 0)
    wild = BindSpec(Option.NONE, "0.0.0.0")
    cell = measure_cell(Kind.TCP, wild, wild, ports=[held, free_port])
    assert cell.port == free_port
    assert cell.result != UNMEASURED


def test_no_free_port_means_unmeasured(holder: list[int]) -> None:
    """When every candidate port is held, the cell says unmeasured instead of a foreign result."""
    held = hold(holder, Kind.UDP, BindSpec(Option.NONE, "127.0.0.1"), 0)
    first, second = BindSpec(Option.NONE, "127.0.0.1"), BindSpec(Option.NONE, "127.0.0.2")
    cell = measure_cell(Kind.UDP, first, second, ports=[held])
    assert (cell.result, cell.port, cell.listen) == (UNMEASURED, None, None)
    assert cell.note
    assert "no port" in cell.note
    assert cell.text == "?"


def test_comparisons_cover_what_they_should(full_run: MatrixResult, under_wine: bool) -> None:
    """The document is compared on the IPv4 and IPv6 grids (270 cells); Wine labels only on Wine."""
    document = compare_with_document(full_run)
    assert len(document.checks) + document.skipped == 270
    assert document.agree + document.disagree == len(document.checks)
    for check in document.checks:
        # The document speaks of binds only: the listen part of a cell is not compared.
        assert check.agrees == (check.cell.text.split("/")[0] == check.expected)
        if not under_wine:
            assert check.known is None
    windows = compare_with_windows(full_run)
    if not under_wine:
        assert all(check.known is None for check in windows.checks)


def test_document_table_is_the_documents_shape() -> None:
    """9 rows x 4 columns; "n/a" exactly where a specific2 row meets a wildcard column."""
    assert len(DOCUMENT_TABLE) == 36
    for (option, row, group, column), claim in DOCUMENT_TABLE.items():
        assert isinstance(option, Option)
        assert isinstance(group, SecondGroup)
        assert (claim == NOT_APPLICABLE) == (row is Role.SPECIFIC2 and column is Role.WILDCARD)
        assert column is not Role.SPECIFIC2


def test_document_claim_follows_the_documents_note() -> None:
    """A wildcard first bind: "the entry for Specific covers all specific address cases";
    a specific first bind and another specific address: the specific2 row (success)."""
    for first, second in itertools.product(Option, Option):
        assert document_claim(first, Role.WILDCARD, second, Role.SPECIFIC2) == document_claim(
            first, Role.WILDCARD, second, Role.SPECIFIC
        )
        assert document_claim(first, Role.SPECIFIC, second, Role.SPECIFIC2) == OK
    assert document_claim(Option.REUSEADDR, Role.WILDCARD, Option.NONE, Role.WILDCARD) == OK
    assert document_claim(Option.NONE, Role.SPECIFIC, Option.REUSEADDR, Role.WILDCARD) == INUSE
    with pytest.raises(ValueError, match="first bind"):
        document_claim(Option.NONE, Role.SPECIFIC2, Option.NONE, Role.SPECIFIC)


def test_verified_pairs_are_well_formed() -> None:
    """Pairs 1-20 appear once each, names are unique, and their IPv6 sockets are dual stack."""
    numbered = [p for p in WINDOWS_VERIFIED if p.number is not None]
    assert sorted(p.number for p in numbered if p.number is not None) == list(range(1, 21))
    assert len({p.name for p in WINDOWS_VERIFIED}) == len(WINDOWS_VERIFIED)
    for pair in numbered:
        assert pair.kind is Kind.TCP
        assert pair.listen is None
        for spec in (pair.first, pair.second):
            assert spec.v6only is (False if spec.family == AddressFamily.AF_INET6 else None)
    assert all(p.source.startswith("Wine conformance suite") for p in WINDOWS_VERIFIED)


def test_bindspec_checks_its_fields() -> None:
    """v6only is required for IPv6 addresses and refused for IPv4; the address must parse."""
    with pytest.raises(ValueError, match="v6only"):
        BindSpec(Option.NONE, "::")
    with pytest.raises(ValueError, match="v6only"):
        BindSpec(Option.NONE, "0.0.0.0", v6only=True)
    with pytest.raises(ValueError, match="localhost"):
        BindSpec(Option.NONE, "localhost")
    assert BindSpec(Option.NONE, "::", v6only=False).label == "NONE :: (dual)"


def test_wine_deviations_apply_to_udp_only() -> None:
    """The UDP deviations label UDP cells with EXCL or 127.0.0.2, and nothing else."""
    ignores, artefact = WINE_DEVIATIONS
    excl, plain = BindSpec(Option.EXCLUSIVE, "0.0.0.0"), BindSpec(Option.NONE, "127.0.0.1")
    spec2 = BindSpec(Option.NONE, "127.0.0.2")
    assert ignores.applies(Kind.UDP, plain, excl)
    assert not ignores.applies(Kind.TCP, excl, plain)
    assert not ignores.applies(Kind.UDP, plain, spec2)
    assert artefact.applies(Kind.UDP, plain, spec2)
    assert not artefact.applies(Kind.UDP, plain, excl)
    assert not artefact.applies(Kind.TCP_LISTEN, plain, spec2)


def test_ipv6_grid_is_the_documents_grid_for_ipv6() -> None:
    """The IPv6 grid has the document's roles for :: and ::1, with IPV6_V6ONLY on."""
    assert IPV6.roles == {"::": Role.WILDCARD, "::1": Role.SPECIFIC}
    assert all(spec.v6only is True for spec in IPV6.rows + IPV6.columns)
