"""The port ranges a system keeps from programs: why a free-looking port gives 10013.

Windows excludes ranges of ports from binding (Hyper-V, WSL, Docker and the
administrator reserve them; ``netsh interface ipv4 show excludedportrange``): a bind
to one fails with ``WSAEACCES`` (10013) though no socket holds it. Linux reserves
ports from automatic assignment (``ip_local_reserved_ports``) and keeps the ports
below ``ip_unprivileged_port_start`` for privileged programs.

:func:`excluded_port_ranges` reads them. When they cannot be read it raises
:class:`PortRangesUnavailableError`, so that "cannot be determined here" never reads
as "no ranges".

>>> import sys, winsockx
>>> try:
...     ranges = winsockx.excluded_port_ranges("tcp")
... except winsockx.PortRangesUnavailableError as e:
...     ranges = []  # e.g. under Wine, whose netsh has no such command
>>> all(1 <= r.start <= r.end <= 65535 for r in ranges)
True
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Sequence

from ..constants import AddressFamily
from .holders import PortProtocol, check_protocol

__all__ = [
    "NETSH_TIMEOUT",
    "PortRange",
    "PortRangesUnavailableError",
    "excluded_port_ranges",
    "parse_netsh_excluded",
    "parse_reserved_ports",
]

NETSH_TIMEOUT = 15.0
"""Seconds one ``netsh`` call may take before the ranges count as unavailable."""

SOURCE_NETSH_IPV4 = "netsh ipv4"
SOURCE_NETSH_IPV6 = "netsh ipv6"
SOURCE_RESERVED = "ip_local_reserved_ports"
SOURCE_PRIVILEGED = "privileged ports"

_PROC_RESERVED = "/proc/sys/net/ipv4/ip_local_reserved_ports"
_PROC_UNPRIVILEGED = "/proc/sys/net/ipv4/ip_unprivileged_port_start"
# Linux before 4.11 has no ip_unprivileged_port_start: the floor is then fixed at
# PROT_SOCK, 1024 (include/net/sock.h).
_PROT_SOCK = 1024

# netsh's table, in any language: a line of dashes under the column titles, then one
# row per range, "start end", with "*" after an administered one.
_DASHES = re.compile(r"^\s*-{3,}\s+-{3,}\s*$")
_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s*(\*)?\s*$")


@dataclasses.dataclass(frozen=True)
class PortRange:
    """Ports *start* to *end* (inclusive) that the system keeps from programs.

    ``port in r`` tests one port.

    >>> r = PortRange(50000, 50059, "tcp", AddressFamily.AF_INET, "netsh ipv4", True)
    >>> 50010 in r, r.describe()
    (True, 'tcp ports 50000-50059 (netsh ipv4, administered)')
    """

    start: int
    """The first port of the range."""
    end: int
    """The last port of the range (inclusive)."""
    protocol: PortProtocol
    """``"tcp"`` or ``"udp"``: the protocol asked for."""
    family: AddressFamily | None
    """``AF_INET`` or ``AF_INET6`` for netsh's per-version tables; None for Linux's
    ranges, which hold for IPv4 and IPv6 alike."""
    source: str
    """Where the range comes from:

    * ``"netsh ipv4"``, ``"netsh ipv6"``: Windows' excluded port ranges. A bind to
      one of these ports fails with ``WSAEACCES`` (10013) even for an administrator.
    * ``"ip_local_reserved_ports"``: Linux keeps these ports out of automatic
      (ephemeral) assignment, so that a service can count on them; an explicit bind
      still succeeds.
    * ``"privileged ports"``: Linux ports below ``ip_unprivileged_port_start``
      (1024 by default). Binding one fails with ``EACCES`` (10013) unless the
      process is root or has ``CAP_NET_BIND_SERVICE``; the range is listed as root
      too, since the same program started by another user would fail.
    """
    administered: bool = False
    """netsh's ``*``: an exclusion an administrator added (``netsh int ipv4 add
    excludedportrange``), rather than one a component reserved at run time. Always
    False outside netsh."""

    def __contains__(self, port: object) -> bool:
        """Whether *port* (an int) is in the range."""
        return isinstance(port, int) and self.start <= port <= self.end

    def describe(self) -> str:
        """The range in words: ``tcp ports 50000-50059 (netsh ipv4, administered)``."""
        ports = f"port {self.start}" if self.start == self.end else f"ports {self.start}-{self.end}"
        note = f"{self.source}, administered" if self.administered else self.source
        return f"{self.protocol} {ports} ({note})"

    def __str__(self) -> str:
        """:meth:`describe`."""
        return self.describe()


class PortRangesUnavailableError(OSError):
    """The excluded port ranges cannot be determined on this system.

    Not the same as "there are none": netsh is missing, failed, timed out or
    printed no table (Wine's ``netsh`` has no ``excludedportrange`` command), or
    ``/proc/sys`` cannot be read. An :class:`OSError`: the system could not answer.

    Attributes: ``reason`` (the sentence of ``str()``), ``command`` (the command run,
    or None) and ``output`` (what it printed, or None).

    >>> str(PortRangesUnavailableError("netsh printed no port exclusion table"))
    'netsh printed no port exclusion table'
    """

    reason: str
    command: tuple[str, ...] | None
    output: str | None

    def __init__(
        self,
        reason: str,
        *,
        command: Sequence[str] | None = None,
        output: str | None = None,
    ) -> None:
        """Build the error; *reason* is its message."""
        super().__init__(reason)
        self.reason = reason
        self.command = None if command is None else tuple(command)
        self.output = output

    def __str__(self) -> str:
        """The reason."""
        return self.reason


def _port_number(text: str, what: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError(f"{what} {value} is not a port number")
    return value


def parse_netsh_excluded(
    text: str, protocol: PortProtocol, family: AddressFamily
) -> list[PortRange]:
    """The ranges in the output of ``netsh interface ipv4|ipv6 show excludedportrange``.

    Reads the table whatever the display language: the rows after the line of
    dashes, two port numbers and an optional ``*`` (administered). Titles and the
    footer (``* - Administered port exclusions.``) are words and are not read.

    >>> text = '''
    ... Protocol tcp Port Exclusion Ranges
    ...
    ... Start Port    End Port
    ... ----------    --------
    ...       5357        5357
    ...      50000       50059     *
    ...
    ... * - Administered port exclusions.
    ... '''
    >>> [str(r) for r in parse_netsh_excluded(text, "tcp", AddressFamily.AF_INET)]
    ['tcp port 5357 (netsh ipv4)', 'tcp ports 50000-50059 (netsh ipv4, administered)']

    Raises:
        PortRangesUnavailableError: *text* holds no such table (no line of dashes,
            or a row that is not two port numbers): then nothing can be said.
    """
    source = SOURCE_NETSH_IPV4 if family == AddressFamily.AF_INET else SOURCE_NETSH_IPV6
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _DASHES.match(line)), None)
    if start is None:
        raise PortRangesUnavailableError(f"{source} printed no port exclusion table", output=text)
    ranges = []
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        row = _ROW.match(line)
        if row is None:
            if line.lstrip().startswith("*"):
                break  # the footer explaining "*"
            raise PortRangesUnavailableError(
                f"{source} printed a row that is not a port range: {line.strip()!r}",
                output=text,
            )
        try:
            first = _port_number(row.group(1), "start port")
            last = _port_number(row.group(2), "end port")
        except ValueError as e:
            raise PortRangesUnavailableError(f"{source}: {e}", output=text) from None
        ranges.append(PortRange(first, last, protocol, family, source, row.group(3) == "*"))
    return ranges


def parse_reserved_ports(text: str, protocol: PortProtocol) -> list[PortRange]:
    """The ranges in Linux's ``ip_local_reserved_ports``: ``8080,9000-9010``, or empty.

    >>> [str(r) for r in parse_reserved_ports("8080,9000-9010\\n", "udp")]
    ['udp port 8080 (ip_local_reserved_ports)', 'udp ports 9000-9010 (ip_local_reserved_ports)']

    Raises:
        PortRangesUnavailableError: *text* is not such a list.
    """
    ranges = []
    for item in text.strip().split(","):
        item = item.strip()
        if not item:
            continue
        first, dash, last = item.partition("-")
        try:
            start = _port_number(first, "reserved port")
            end = _port_number(last, "reserved port") if dash else start
        except ValueError:
            raise PortRangesUnavailableError(
                f"{SOURCE_RESERVED} holds {item!r}, not a port or a range", output=text
            ) from None
        ranges.append(PortRange(start, end, protocol, None, SOURCE_RESERVED))
    return ranges


def _netsh(version: str, protocol: PortProtocol) -> tuple[tuple[str, ...], str]:
    """The command ``netsh interface <version> show excludedportrange`` and its output.

    Raises:
        PortRangesUnavailableError: netsh cannot be run, times out or fails.
    """
    # Windows environment names are case-insensitive; os.environ keeps them upper-case.
    system = os.environ.get("SYSTEMROOT") or r"C:\Windows"
    # The full path: a netsh.exe in the current directory must not answer instead.
    command = (
        os.path.join(system, "System32", "netsh.exe"),
        "interface",
        version,
        "show",
        "excludedportrange",
        f"protocol={protocol}",
    )
    # CREATE_NO_WINDOW: a console program started from a GUI process would flash a
    # window. The flag exists only on Windows; getattr keeps this importable elsewhere.
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=NETSH_TIMEOUT,
            check=False,
            creationflags=flags,
        )
    except subprocess.TimeoutExpired:
        raise PortRangesUnavailableError(
            f"netsh did not answer within {NETSH_TIMEOUT:g} s", command=command
        ) from None
    except OSError as e:
        raise PortRangesUnavailableError(f"netsh cannot be run: {e}", command=command) from e
    # netsh writes in the console's OEM code page (cp437, cp850, ...), whatever its
    # output is connected to; Python names that code page "oem" on Windows.
    encoding = "oem" if sys.platform == "win32" else "ascii"
    output = done.stdout.decode(encoding, errors="replace")
    if done.returncode != 0:
        raise PortRangesUnavailableError(
            f"netsh failed with exit status {done.returncode}", command=command, output=output
        )
    return command, output


def _windows_ranges(protocol: PortProtocol) -> list[PortRange]:
    ranges: list[PortRange] = []
    for version, family in (("ipv4", AddressFamily.AF_INET), ("ipv6", AddressFamily.AF_INET6)):
        command, output = _netsh(version, protocol)
        try:
            ranges.extend(parse_netsh_excluded(output, protocol, family))
        except PortRangesUnavailableError as e:
            raise PortRangesUnavailableError(e.reason, command=command, output=output) from None
    return ranges


def _linux_ranges(protocol: PortProtocol) -> list[PortRange]:
    try:
        with open(_PROC_RESERVED, encoding="ascii") as f:
            reserved = f.read()
    except OSError as e:
        raise PortRangesUnavailableError(f"{_PROC_RESERVED} cannot be read: {e}") from e
    try:
        with open(_PROC_UNPRIVILEGED, encoding="ascii") as f:
            floor = int(f.read().strip())
    except FileNotFoundError:
        floor = _PROT_SOCK
    except (OSError, ValueError) as e:
        raise PortRangesUnavailableError(f"{_PROC_UNPRIVILEGED} cannot be read: {e}") from e
    ranges = []
    if floor > 1:
        ranges.append(PortRange(1, min(floor, 65536) - 1, protocol, None, SOURCE_PRIVILEGED))
    ranges.extend(parse_reserved_ports(reserved, protocol))
    return ranges


def excluded_port_ranges(protocol: PortProtocol = "tcp") -> list[PortRange]:
    """The port ranges this system keeps from programs, for *protocol*.

    * Windows: the excluded ranges of ``netsh interface ipv4 show
      excludedportrange protocol=tcp`` and of its ``ipv6`` twin (each with its
      family; ``administered`` for the ``*`` rows). A bind to such a port fails
      with 10013 though nothing holds it. netsh is run with a time bound
      (:data:`~winsockx.diag.excluded.NETSH_TIMEOUT`) and no window, and read
      in any display language.
    * Linux: the privileged ports (``1`` to ``ip_unprivileged_port_start - 1``;
      1-1023 by default; binding them needs root or ``CAP_NET_BIND_SERVICE``), then
      the ports of ``ip_local_reserved_ports`` (kept from ephemeral assignment
      only; explicit binds work). Both hold for TCP and UDP, IPv4 and IPv6.

    An empty list means the system answered and keeps no port.

    >>> try:
    ...     ranges = excluded_port_ranges("udp")
    ... except PortRangesUnavailableError:
    ...     ranges = []  # not known here: pick ports by binding them instead
    >>> all(r.protocol == "udp" and r.start <= r.end for r in ranges)
    True

    Raises:
        TypeError, ValueError: *protocol* is not ``"tcp"`` or ``"udp"``.
        PortRangesUnavailableError: the ranges cannot be determined here: netsh
            missing, failing, silent or too slow (under Wine 8 its ``netsh``
            prints nothing for this command, measured), ``/proc/sys`` unreadable,
            or a system that is neither Windows nor Linux.
    """
    proto = check_protocol(protocol)
    if sys.platform == "win32":
        return _windows_ranges(proto)
    if sys.platform.startswith("linux"):
        return _linux_ranges(proto)
    raise PortRangesUnavailableError(
        f"excluded port ranges are read on Windows and Linux only, not on {sys.platform}"
    )
