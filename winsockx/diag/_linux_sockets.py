"""Linux's socket tables: ``/proc/net/{tcp,tcp6,udp,udp6}`` and the owners in ``/proc/PID/fd``.

:func:`parse_proc_net` is a pure function of the tables' text (tested on recorded
tables); the rest reads ``/proc``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

from ..address import Address, format_host, make_address
from ..constants import AddressFamily
from .holders import PortHolder, PortProtocol, TcpState

__all__ = ["ProcNetRow", "parse_proc_net", "read_holders", "socket_owners"]

# include/net/tcp_states.h. 12 is TCP_NEW_SYN_RECV, the request socket of a
# connection being accepted, shown by the kernel like SYN_RECV.
LINUX_TCP_STATES: Mapping[int, TcpState] = {
    1: TcpState.ESTABLISHED,
    2: TcpState.SYN_SENT,
    3: TcpState.SYN_RECEIVED,
    4: TcpState.FIN_WAIT_1,
    5: TcpState.FIN_WAIT_2,
    6: TcpState.TIME_WAIT,
    7: TcpState.CLOSED,
    8: TcpState.CLOSE_WAIT,
    9: TcpState.LAST_ACK,
    10: TcpState.LISTEN,
    11: TcpState.CLOSING,
    12: TcpState.SYN_RECEIVED,
}

NOT_REPORTED = "owner not reported"
NOT_VISIBLE = "owner not visible"


class ProcNetRow(NamedTuple):
    """One socket of a ``/proc/net`` table."""

    local: Address
    """The local address and port."""
    remote: Address | None
    """The peer; None when the table shows none (``0.0.0.0:0``, ``[::]:0``)."""
    state: int
    """The kernel's state code (TCP states; UDP shows 7, unconnected, or 1, connected)."""
    uid: int
    """The user the socket belongs to."""
    inode: int
    """The socket's inode, which ``/proc/PID/fd`` links name; 0 for a socket no
    process owns (TCP's TIME_WAIT)."""


def _host(hex_text: str, family: AddressFamily, byteorder: Literal["little", "big"]) -> str:
    # The kernel prints each 32-bit word of the address as a host-order integer
    # (%08X of the in-memory word), so on a little-endian machine every group of four
    # bytes reads reversed: 127.0.0.1 is 0100007F.
    words = [hex_text[i : i + 8] for i in range(0, len(hex_text), 8)]
    packed = b"".join(int(word, 16).to_bytes(4, byteorder) for word in words)
    return format_host(family, packed)


def _endpoint(
    text: str, family: AddressFamily, byteorder: Literal["little", "big"]
) -> tuple[str, int]:
    hex_host, _, hex_port = text.partition(":")
    size = 8 if family == AddressFamily.AF_INET else 32
    if len(hex_host) != size or not hex_port:
        raise ValueError(f"not a {family.name} endpoint of /proc/net: {text!r}")
    return _host(hex_host, family, byteorder), int(hex_port, 16)


def parse_proc_net(
    text: str,
    family: AddressFamily,
    *,
    byteorder: Literal["little", "big"] = sys.byteorder,
) -> list[ProcNetRow]:
    """The sockets of one ``/proc/net/{tcp,tcp6,udp,udp6}`` table's *text*.

    The four tables share their first columns: ``sl local_address rem_address st
    tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode``. Addresses are hex
    words in the byte order of the machine that wrote them (*byteorder*), ports
    hex numbers.

    >>> text = (" sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt"
    ...         "  uid timeout inode\\n"
    ...         " 0: 0100007F:141E 00000000:0000 0A 00000000:00000000 00:00000000"
    ...         " 00000000 1000 0 130696 1 0000000000000000 100 0 0 10 0\\n")
    >>> [row] = parse_proc_net(text, AddressFamily.AF_INET, byteorder="little")
    >>> row.local, row.remote, row.state, row.uid, row.inode
    (IPv4Address(host='127.0.0.1', port=5150), None, 10, 1000, 130696)

    Raises:
        ValueError: a line that is not a row of such a table.
    """
    rows = []
    for line in text.splitlines()[1:]:  # the first line names the columns
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 10 or not fields[0].endswith(":"):
            raise ValueError(f"not a row of a /proc/net socket table: {line!r}")
        local_host, local_port = _endpoint(fields[1], family, byteorder)
        remote_host, remote_port = _endpoint(fields[2], family, byteorder)
        remote = (
            None
            if remote_port == 0 and remote_host in ("0.0.0.0", "::")
            else make_address(remote_host, remote_port, family)
        )
        rows.append(
            ProcNetRow(
                make_address(local_host, local_port, family),
                remote,
                int(fields[3], 16),
                int(fields[7]),
                int(fields[9]),
            )
        )
    return rows


def to_holder(
    row: ProcNetRow,
    protocol: PortProtocol,
    pid: int | None,
    name: str | None = None,
    path: str | None = None,
) -> PortHolder:
    """The :class:`PortHolder` for *row*, owned by *pid* (None: not found)."""
    if protocol == "tcp":
        state: TcpState | None = LINUX_TCP_STATES.get(row.state, TcpState.UNKNOWN)
        listening = state is TcpState.LISTEN
    else:
        state = None
        listening = row.remote is None
    reason = None
    if pid is None:
        # Inode 0: the kernel keeps the socket (TIME_WAIT) but no process owns it.
        reason = NOT_REPORTED if row.inode == 0 else NOT_VISIBLE
    return PortHolder(
        address=row.local.host,
        port=row.local.port,
        family=row.local.family,
        protocol=protocol,
        state=state,
        listening=listening,
        remote=row.remote,
        pid=pid,
        process_name=name,
        process_path=path,
        no_owner_reason=reason,
        uid=row.uid,
    )


def socket_owners(inodes: Iterable[int], proc: str = "/proc") -> dict[int, int]:
    """For each socket inode, the PID of a process that has it open, where visible.

    Scans the ``socket:[INODE]`` links of ``/proc/PID/fd``; the directories of
    processes this user may not inspect are skipped, so their sockets are missing
    from the result. A socket several processes share (a forking server) gets the
    lowest PID, usually the one that made it.
    """
    wanted = set(inodes)
    wanted.discard(0)
    owners: dict[int, int] = {}
    if not wanted:
        return owners
    try:
        pids = sorted(int(name) for name in os.listdir(proc) if name.isdigit())
    except OSError:
        return owners
    for pid in pids:
        fd_dir = f"{proc}/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue  # another user's process, or one that just exited
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target.endswith("]"):
                inode = int(target[8:-1])
                if inode in wanted and inode not in owners:
                    owners[inode] = pid
        if len(owners) == len(wanted):
            break
    return owners


def process_identity(pid: int, proc: str = "/proc") -> tuple[str | None, str | None]:
    """The name (``comm``) and executable path of *pid*, each None when unreadable."""
    try:
        with open(f"{proc}/{pid}/comm", encoding="utf-8", errors="replace") as f:
            name: str | None = f.read().rstrip("\n") or None
    except OSError:
        name = None
    try:
        path: str | None = os.readlink(f"{proc}/{pid}/exe")
    except OSError:
        path = None  # another user's process: its exe link cannot be followed
    return name, path


def read_holders(port: int, protocol: PortProtocol) -> list[PortHolder]:
    """The sockets on *port* in this network namespace's tables, with their owners.

    Raises:
        OSError: ``/proc/net/tcp`` (or ``udp``) cannot be read.
    """
    rows: list[ProcNetRow] = []
    tables = ((AddressFamily.AF_INET, protocol), (AddressFamily.AF_INET6, protocol + "6"))
    for family, table in tables:
        try:
            with open(f"/proc/net/{table}", encoding="ascii") as f:
                text = f.read()
        except FileNotFoundError:
            if family == AddressFamily.AF_INET6:
                continue  # a kernel without IPv6 has no tcp6/udp6 table
            raise
        rows.extend(row for row in parse_proc_net(text, family) if row.local.port == port)
    owners = socket_owners(row.inode for row in rows)
    identities = {pid: process_identity(pid) for pid in set(owners.values())}
    holders = []
    for row in rows:
        pid = owners.get(row.inode)
        name, path = identities[pid] if pid is not None else (None, None)
        holders.append(to_holder(row, protocol, pid, name, path))
    return holders
