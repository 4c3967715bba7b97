"""The diagnostic commands: ``winsockx who``, ``winsockx audit``, ``winsockx ports excluded``.

Each takes the words after its name and returns the exit status:

========  ==================================================================
command   exit status
========  ==================================================================
who       0 sockets hold the port, 3 none does, 1 usage error, 2 the tables
          could not be read
audit     0 exclusive, 2 the port can be taken, 3 inconclusive or not held,
          1 usage error
ports     0 the ranges were read (``excluded``), 2 they cannot be determined
          here, 1 usage error
========  ==================================================================

``--json`` prints one JSON document instead of text.

>>> who_main(["--help"])  # doctest: +ELLIPSIS
usage: winsockx who PORT [--udp] [--json]
...
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import IO, NoReturn

from .audit import Verdict, audit
from .excluded import PortRange, PortRangesUnavailableError, excluded_port_ranges
from .holders import PortHolder, PortProtocol, who_holds

__all__ = ["audit_main", "holder_json", "ports_main", "range_json", "who_main"]

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_FAILED = 2
EXIT_NOTHING = 3

_AUDIT_EXIT = {
    Verdict.EXCLUSIVE: EXIT_OK,
    Verdict.CAN_BE_TAKEN: EXIT_FAILED,
    Verdict.INCONCLUSIVE: EXIT_NOTHING,
    Verdict.NOT_HELD: EXIT_NOTHING,
}


class _Usage(Exception):
    """A usage error, raised by the parser instead of exiting the process."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(f"{self.prog}: {message}")


def _parser(name: str, what: str, description: str) -> _Parser:
    """The parser of ``winsockx NAME WHAT [--udp] [--json]`` (WHAT: PORT or ``excluded``)."""
    parser = _Parser(
        prog=f"winsockx {name}",
        usage=f"winsockx {name} {what} [--udp] [--json]",
        description=description,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    if what == "PORT":
        parser.add_argument("port", type=int, help="the port (1-65535)")
    else:
        parser.add_argument("what", choices=[what], help="what to list")
    parser.add_argument("--udp", action="store_true", help="UDP instead of TCP")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _parse(
    parser: _Parser, args: Sequence[str], out: IO[str], err: IO[str]
) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status of help or a usage error."""
    if "-h" in args or "--help" in args:
        print(parser.format_help().rstrip("\n"), file=out)
        return EXIT_OK
    try:
        ns = parser.parse_args(list(args))
    except _Usage as exc:
        print(parser.format_usage().rstrip("\n"), file=err)
        print(exc, file=err)
        return EXIT_USAGE
    port = getattr(ns, "port", None)
    if port is not None and not 1 <= port <= 65535:
        print(parser.format_usage().rstrip("\n"), file=err)
        print(f"{parser.prog}: port must be from 1 to 65535, not {port}", file=err)
        return EXIT_USAGE
    return ns


def holder_json(holder: PortHolder) -> dict[str, object]:
    """One :class:`~winsockx.PortHolder` as JSON-ready data.

    >>> from winsockx import AddressFamily, PortHolder, TcpState
    >>> holder_json(PortHolder("0.0.0.0", 80, AddressFamily.AF_INET, "tcp",
    ...                        TcpState.LISTEN, True, None, 4, "System", None))["state"]
    'LISTEN'
    """
    return {
        "address": holder.address,
        "port": holder.port,
        "family": holder.family.name,
        "protocol": holder.protocol,
        "state": None if holder.state is None else holder.state.value,
        "listening": holder.listening,
        "remote": None if holder.remote is None else str(holder.remote),
        "pid": holder.pid,
        "process_name": holder.process_name,
        "process_path": holder.process_path,
        "owner": holder.no_owner_reason,
        "uid": holder.uid,
        "description": holder.describe(),
    }


def range_json(r: PortRange) -> dict[str, object]:
    """One :class:`~winsockx.PortRange` as JSON-ready data."""
    return {
        "start": r.start,
        "end": r.end,
        "protocol": r.protocol,
        "family": None if r.family is None else r.family.name,
        "source": r.source,
        "administered": r.administered,
    }


def _protocol(udp: bool) -> PortProtocol:
    return "udp" if udp else "tcp"


def who_main(args: Sequence[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``winsockx who PORT [--udp] [--json]``: the sockets on a port and their owners."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = _parser(
        "who", "PORT", "List the sockets bound to PORT and the processes that own them."
    )
    ns = _parse(parser, args, out, err)
    if isinstance(ns, int):
        return ns
    protocol = _protocol(ns.udp)
    try:
        holders = who_holds(ns.port, protocol=protocol)
    except OSError as exc:
        print(f"winsockx who: cannot read the socket tables: {exc}", file=err)
        return EXIT_FAILED
    if ns.json:
        doc = {"port": ns.port, "protocol": protocol, "holders": [holder_json(h) for h in holders]}
        print(json.dumps(doc, indent=2), file=out)
    elif not holders:
        print(f"nothing holds {protocol} port {ns.port}", file=out)
    else:
        for holder in holders:
            print(holder.describe(), file=out)
    return EXIT_OK if holders else EXIT_NOTHING


def audit_main(args: Sequence[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``winsockx audit PORT [--udp] [--json]``: can the port's holders be hijacked?"""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = _parser(
        "audit",
        "PORT",
        "Try, with throwaway binds, whether another program could take or shadow the"
        " sockets holding PORT. Exit status: 0 exclusive, 2 can be taken, 3"
        " inconclusive or nothing holds the port, 1 usage error.",
    )
    ns = _parse(parser, args, out, err)
    if isinstance(ns, int):
        return ns
    try:
        report = audit(ns.port, protocol=_protocol(ns.udp))
    except OSError as exc:
        print(f"winsockx audit: cannot read the socket tables: {exc}", file=err)
        return EXIT_FAILED
    if ns.json:
        print(json.dumps(report.to_json(), indent=2), file=out)
    else:
        print(report, file=out)
    return _AUDIT_EXIT[report.verdict]


def ports_main(args: Sequence[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``winsockx ports excluded [--udp] [--json]``: the port ranges kept from programs."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = _parser(
        "ports",
        "excluded",
        "List the port ranges the system keeps from programs (Windows' excluded"
        " ranges, Linux's reserved and privileged ports).",
    )
    ns = _parse(parser, args, out, err)
    if isinstance(ns, int):
        return ns
    protocol = _protocol(ns.udp)
    try:
        ranges = excluded_port_ranges(protocol)
    except PortRangesUnavailableError as exc:
        if ns.json:
            unavailable: dict[str, object] = {
                "protocol": protocol,
                "available": False,
                "reason": str(exc),
                "ranges": None,
            }
            print(json.dumps(unavailable, indent=2), file=out)
        print(f"winsockx ports: the excluded ranges cannot be determined here: {exc}", file=err)
        return EXIT_FAILED
    if ns.json:
        doc = {"protocol": protocol, "available": True, "ranges": [range_json(r) for r in ranges]}
        print(json.dumps(doc, indent=2), file=out)
    elif not ranges:
        print(f"no {protocol} port ranges are excluded", file=out)
    else:
        for r in ranges:
            print(r.describe(), file=out)
    return EXIT_OK
