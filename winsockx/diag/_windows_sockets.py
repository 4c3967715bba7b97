"""Windows' socket tables: iphlpapi's owner-PID tables and the owners' image names. Windows only."""

from __future__ import annotations

import sys

# Windows only: this assert also tells type checkers to skip the module elsewhere.
assert sys.platform == "win32"

import ntpath  # noqa: E402
from collections.abc import Callable, Iterator, Mapping  # noqa: E402
from typing import Any  # noqa: E402

from .._iphlpapi import (  # noqa: E402
    AF_INET,
    AF_INET6,
    ERROR_INSUFFICIENT_BUFFER,
    NO_ERROR,
    PROCESS_QUERY_LIMITED_INFORMATION,
    TCP_TABLE_OWNER_PID_ALL,
    UDP_TABLE_OWNER_PID,
    iphlpapi,
    kernel32,
)
from .._iphlpapi_ffi import ffi  # noqa: E402
from ..address import Address, format_host, make_address  # noqa: E402
from ..constants import AddressFamily  # noqa: E402
from ..errors import make_error  # noqa: E402
from .holders import PortHolder, PortProtocol, TcpState  # noqa: E402

# MIB_TCP_STATE (tcpmib.h).
WINDOWS_TCP_STATES: Mapping[int, TcpState] = {
    1: TcpState.CLOSED,
    2: TcpState.LISTEN,
    3: TcpState.SYN_SENT,
    4: TcpState.SYN_RECEIVED,
    5: TcpState.ESTABLISHED,
    6: TcpState.FIN_WAIT_1,
    7: TcpState.FIN_WAIT_2,
    8: TcpState.CLOSE_WAIT,
    9: TcpState.CLOSING,
    10: TcpState.LAST_ACK,
    11: TcpState.TIME_WAIT,
    12: TcpState.DELETE_TCB,
}

NOT_REPORTED = "owner not reported"
# The System process. Its image name cannot be read (OpenProcess is refused), but its
# sockets are common: http.sys, which IIS and netsh "http add urlacl" users share,
# holds their ports (80, 443, ...) under PID 4.
SYSTEM_PID = 4
# The tables can grow between the call that reports the size and the one that fills
# the buffer; each retry asks again with the size just reported, plus this slack.
_TABLE_ATTEMPTS = 8
_TABLE_SLACK = 4096
# QueryFullProcessImageNameW: MAX_PATH first, then the longest path Windows allows.
_PATH_CAPACITIES = (260, 32768)

# The table type each GetExtended*Table call fills, by (protocol, ulAf).
_TABLES = {
    ("tcp", AF_INET): "MIB_TCPTABLE_OWNER_PID *",
    ("tcp", AF_INET6): "MIB_TCP6TABLE_OWNER_PID *",
    ("udp", AF_INET): "MIB_UDPTABLE_OWNER_PID *",
    ("udp", AF_INET6): "MIB_UDP6TABLE_OWNER_PID *",
}


def _port(value: int) -> int:
    # The port is in network byte order in the low 16 bits; the high bits are not
    # defined (MIB_TCPROW_OWNER_PID page).
    return ((value & 0xFF) << 8) | ((value >> 8) & 0xFF)


def _v4(value: int) -> str:
    # An IN_ADDR kept in a DWORD: its bytes in memory are the address in network order.
    return format_host(AddressFamily.AF_INET, value.to_bytes(4, sys.byteorder))


def _v6(array: Any) -> str:
    return format_host(AddressFamily.AF_INET6, ffi.buffer(array)[:])


def _read_table(protocol: PortProtocol, af: int) -> Any:
    """A buffer holding the filled table (a char array), or None for no table at all.

    Raises:
        WinsockError: GetExtendedTcpTable/GetExtendedUdpTable failed (exact code).
    """
    function: Callable[..., int]
    if protocol == "tcp":
        function, name = iphlpapi.GetExtendedTcpTable, "GetExtendedTcpTable"
        table_class, class_name = TCP_TABLE_OWNER_PID_ALL, "TCP_TABLE_OWNER_PID_ALL"
    else:
        function, name = iphlpapi.GetExtendedUdpTable, "GetExtendedUdpTable"
        table_class, class_name = UDP_TABLE_OWNER_PID, "UDP_TABLE_OWNER_PID"
    argument = f"{'AF_INET' if af == AF_INET else 'AF_INET6'}, {class_name}"
    size = ffi.new("DWORD *", 0)
    buffer: Any = ffi.NULL
    for _ in range(_TABLE_ATTEMPTS):
        code = function(buffer, size, 0, af, table_class, 0)
        if code == NO_ERROR:
            return None if buffer == ffi.NULL else buffer
        if code != ERROR_INSUFFICIENT_BUFFER:
            raise make_error(code, name, argument=argument)
        capacity = int(size[0]) + _TABLE_SLACK
        buffer = ffi.new("char[]", capacity)
        size[0] = capacity
    raise make_error(ERROR_INSUFFICIENT_BUFFER, name, argument=argument)


def _rows(protocol: PortProtocol, af: int) -> Iterator[tuple[Address, Address | None, int, int]]:
    """(local, remote, state code, PID) of every socket of one table; state 0 for UDP."""
    buffer = _read_table(protocol, af)
    if buffer is None:
        return
    # The cast pointer does not own the memory: *buffer* stays referenced meanwhile.
    table: Any = ffi.cast(_TABLES[protocol, af], buffer)
    family = AddressFamily.AF_INET if af == AF_INET else AddressFamily.AF_INET6
    for i in range(int(table.dwNumEntries)):
        row = table.table[i]
        if af == AF_INET:
            local = make_address(_v4(row.dwLocalAddr), _port(row.dwLocalPort), family)
        else:
            # The scope ids are left out: a holder is named by address and port (and
            # Wine 8 reports 4096 for ::1, measured, where Windows reports 0).
            local = make_address(_v6(row.ucLocalAddr), _port(row.dwLocalPort), family)
        remote: Address | None = None
        state = 0
        if protocol == "tcp":
            state = int(row.dwState)
            host = _v4(row.dwRemoteAddr) if af == AF_INET else _v6(row.ucRemoteAddr)
            remote_port = _port(row.dwRemotePort)
            if remote_port or host not in ("0.0.0.0", "::"):
                remote = make_address(host, remote_port, family)
        yield local, remote, state, int(row.dwOwningPid)


def image_path(pid: int) -> str | None:
    """The executable of process *pid*, or None when it cannot be opened or read."""
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid)
    if handle == ffi.NULL:
        return None
    try:
        for capacity in _PATH_CAPACITIES:
            size = ffi.new("DWORD *", capacity)
            text = ffi.new("wchar_t[]", capacity)
            if kernel32.QueryFullProcessImageNameW(handle, 0, text, size):
                return str(ffi.string(text, int(size[0])))
            if kernel32.GetLastError() != ERROR_INSUFFICIENT_BUFFER:
                return None
        return None
    finally:
        kernel32.CloseHandle(handle)


def _identity(pid: int) -> tuple[str | None, str | None]:
    path = image_path(pid)
    if path is not None:
        return ntpath.basename(path), path
    if pid == SYSTEM_PID:
        return "System", None
    return None, None


def read_holders(port: int, protocol: PortProtocol) -> list[PortHolder]:
    """The sockets on *port* in the IPv4 and IPv6 tables, with their owners.

    Raises:
        WinsockError: a table could not be read (the exact code of the call).
    """
    identities: dict[int, tuple[str | None, str | None]] = {}
    holders = []
    for af in (AF_INET, AF_INET6):
        for local, remote, code, pid in _rows(protocol, af):
            if local.port != port:
                continue
            if protocol == "tcp":
                state: TcpState | None = WINDOWS_TCP_STATES.get(code, TcpState.UNKNOWN)
                listening = state is TcpState.LISTEN
            else:
                state, listening = None, True  # the UDP table has no peers
            owner: int | None = pid
            reason = None
            if pid == 0:
                # PID 0 is the idle process, which owns no socket: the table names no
                # owner (TIME_WAIT rows; every row under Wine 8, measured).
                owner, reason = None, NOT_REPORTED
            name = path = None
            if owner is not None:
                if owner not in identities:
                    identities[owner] = _identity(owner)
                name, path = identities[owner]
            holders.append(
                PortHolder(
                    address=local.host,
                    port=local.port,
                    family=local.family,
                    protocol=protocol,
                    state=state,
                    listening=listening,
                    remote=remote,
                    pid=owner,
                    process_name=name,
                    process_path=path,
                    no_owner_reason=reason,
                )
            )
    return holders
