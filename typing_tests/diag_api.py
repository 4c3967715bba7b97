"""Type checks for the diagnostics: mypy checks this file, nobody runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Optional, Union

import winsockx
from winsockx import (
    AddressFamily,
    IPv4Address,
    IPv6Address,
    NoFreePortError,
    PortHolder,
    PortRange,
    PortRangesUnavailableError,
    TcpState,
    WinsockError,
)

if TYPE_CHECKING:
    from typing_extensions import assert_type


def holders() -> None:
    """who_holds returns typed holders; protocol is a literal."""
    found = winsockx.who_holds(5150, protocol="udp", address="127.0.0.1")
    assert_type(found, list[PortHolder])
    holder = found[0]
    assert_type(holder.address, str)
    assert_type(holder.port, int)
    assert_type(holder.family, AddressFamily)
    assert_type(holder.protocol, Literal["tcp", "udp"])
    assert_type(holder.state, Optional[TcpState])
    assert_type(holder.listening, bool)
    assert_type(holder.remote, Union[IPv4Address, IPv6Address, None])
    assert_type(holder.pid, Optional[int])
    assert_type(holder.process_name, Optional[str])
    assert_type(holder.process_path, Optional[str])
    assert_type(holder.no_owner_reason, Optional[str])
    assert_type(holder.describe(), str)
    winsockx.who_holds(5150, protocol="sctp")  # type: ignore[arg-type]
    winsockx.who_holds("5150")  # type: ignore[arg-type]
    winsockx.who_holds(5150, "tcp")  # type: ignore[misc]


def ranges() -> None:
    """excluded_port_ranges returns typed ranges or raises an OSError subclass."""
    try:
        found = winsockx.excluded_port_ranges("udp")
    except PortRangesUnavailableError as e:
        assert_type(e.reason, str)
        assert_type(e.command, Optional[tuple[str, ...]])
        error: OSError = e
        del error
        return
    assert_type(found, list[PortRange])
    first = found[0]
    assert_type(first.start, int)
    assert_type(first.end, int)
    assert_type(first.family, Optional[AddressFamily])
    assert_type(first.source, str)
    assert_type(first.administered, bool)
    assert_type(5150 in first, bool)
    winsockx.excluded_port_ranges("icmp")  # type: ignore[arg-type]


def picker() -> None:
    """pick_port takes keywords only and returns an int."""
    assert_type(winsockx.pick_port(), int)
    assert_type(winsockx.pick_port(protocols=("udp",), count=3, host="::1"), int)
    try:
        winsockx.pick_port(protocols=("tcp", "udp"))
    except NoFreePortError as e:
        assert_type(e.last_error, Optional[WinsockError])
    winsockx.pick_port(count="3")  # type: ignore[arg-type]
    winsockx.pick_port(protocols=("tcp", "sctp"))  # type: ignore[arg-type]
