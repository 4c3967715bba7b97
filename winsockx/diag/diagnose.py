"""Why a bind failed: the diagnosis a failed ``bind`` (10048, 10013) carries.

Computed only when a bind fails with ``WSAEADDRINUSE`` or ``WSAEACCES``, within a
time bound, and never in place of the code: it is added to the error as
``diagnosis`` and shown in its message, e.g.
``bind(0.0.0.0:5150) failed: WSAEACCES (10013): held exclusively by PID 4242
(server.exe) on 0.0.0.0:5150 ...``. Turn it off with
:func:`set_bind_diagnosis` or the environment variable ``WINSOCKX_DIAGNOSIS=0``.

>>> from winsockx.diag.diagnose import bind_diagnosis_enabled
>>> isinstance(bind_diagnosis_enabled(), bool)
True
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from .._checks import check_seconds
from ..address import Address
from ..errors import WSAError
from .holders import PortProtocol, check_protocol

__all__ = [
    "DEFAULT_DIAGNOSIS_TIMEOUT",
    "bind_diagnosis_enabled",
    "explain_bind_failure",
    "set_bind_diagnosis",
]

DEFAULT_DIAGNOSIS_TIMEOUT = 1.0
"""Seconds a failed bind may spend finding out why, by default."""

# (enabled, timeout), replaced whole so that both change together.
_SETTINGS: list[tuple[bool, float]] = [
    (os.environ.get("WINSOCKX_DIAGNOSIS", "1") != "0", DEFAULT_DIAGNOSIS_TIMEOUT)
]
_WSAEACCES = int(WSAError.WSAEACCES)
_WSAEADDRINUSE = int(WSAError.WSAEADDRINUSE)


def set_bind_diagnosis(enabled: bool, *, timeout: float = DEFAULT_DIAGNOSIS_TIMEOUT) -> None:
    """Turn the diagnosis of failed binds on or off for this process, and bound its time.

    Off, the ``diagnosis`` of a failed bind stays None and its message shows the
    code alone, without a look at the system's tables.

    >>> set_bind_diagnosis(True, timeout=0.5)
    >>> bind_diagnosis_enabled()
    True

    Raises:
        TypeError, ValueError: *enabled* not a bool, or a bad *timeout*.
    """
    if enabled is not True and enabled is not False:
        raise TypeError(f"enabled must be a bool, not {type(enabled).__name__}")
    _SETTINGS[0] = (enabled, check_seconds(timeout, "timeout"))


def bind_diagnosis_enabled() -> bool:
    """Whether failed binds are diagnosed (see :func:`set_bind_diagnosis`)."""
    return _SETTINGS[0][0]


def explain_bind_failure(
    code: int, address: Address, protocol: str, *, timeout: float | None = None
) -> str | None:
    """One sentence on why binding *address* failed with *code*, or None.

    Looks, within *timeout* seconds (the configured bound by default), for: the
    sockets holding the port (:func:`winsockx.who_holds`), connections of an
    earlier socket lingering in TIME_WAIT, an excluded port range (Windows) and the
    privileged-port floor (Linux). Says "nothing found" when it found nothing, and
    None when it ran out of time or is turned off. A failure while looking is
    never raised: the error being explained stays what it is.

    >>> from winsockx import IPv4Address
    >>> explain_bind_failure(10022, IPv4Address("127.0.0.1", 1), "tcp") is None
    True

    Raises:
        TypeError, ValueError: a *timeout* that is not a number of seconds >= 0.
    """
    enabled, limit = _SETTINGS[0]
    if timeout is not None:
        limit = check_seconds(timeout, "timeout")
    if code not in (_WSAEACCES, _WSAEADDRINUSE) or not enabled:
        return None
    answer: list[str] = []

    def work() -> None:
        # A diagnosis must never replace the error it explains.
        with contextlib.suppress(Exception):
            answer.append(_explain(code, address, check_protocol(protocol)))

    # A thread, so that the bound holds even where a system call is slow (process
    # tables, a subprocess for the excluded ranges); it is a daemon, and if it runs
    # late its answer is dropped.
    thread = threading.Thread(target=work, name="winsockx-diagnosis", daemon=True)
    thread.start()
    thread.join(limit)
    return answer[0] if answer else None


def _explain(code: int, address: Address, protocol: PortProtocol) -> str:
    from .excluded import PortRangesUnavailableError, excluded_port_ranges
    from .holders import who_holds

    port = address.port
    # Only the sockets in the way of this bind: the same address, or a wildcard over it.
    holders = who_holds(port, protocol=protocol, address=address.host)
    owners = [h for h in holders if h.listening or protocol == "udp"]
    if owners:
        verb = (
            "held exclusively by" if code == _WSAEACCES and sys.platform == "win32" else "held by"
        )
        return f"{verb} {'; '.join(h.held_by() for h in owners)}"
    waiting = [h for h in holders if str(h.state) == "TIME_WAIT"]
    if waiting:
        return (
            f"{len(waiting)} connection(s) of an earlier socket on port {port} linger in"
            " TIME_WAIT (a restarted service that closed without a graceful shutdown)"
        )
    if holders:
        return f"in use by {'; '.join(h.held_by() for h in holders)}"
    if code == _WSAEACCES:
        # Excluded ranges (Windows) and the privileged floor (Linux) refuse with
        # WSAEACCES; Linux's ip_local_reserved_ports only keeps automatic choices
        # away, so it explains nothing here.
        try:
            ranges = excluded_port_ranges(protocol)
        except PortRangesUnavailableError:
            ranges = []
        for r in ranges:
            if port not in r or r.source == "ip_local_reserved_ports" or _privileged(r.source):
                continue
            if r.source == "privileged ports":
                return f"port {port} is below the privileged port floor ({r.end + 1})"
            who = (
                "an administrator's exclusion"
                if r.administered
                else "reserved at run time, e.g. by Hyper-V/WinNAT"
            )
            return f"port {port} is inside excluded range {r.start}-{r.end} ({r.source}: {who})"
    if protocol == "tcp":
        return f"nothing found holding port {port} {_NOT_LISTED}"
    return f"nothing found holding port {port}"


# Neither Windows' tables nor Linux's /proc/net list a TCP socket that is bound but
# neither listening nor connected, so "nothing found" must not read as "nobody".
_NOT_LISTED = "(a socket that is only bound, not listening or connected, is not listed)"


def _privileged(source: str) -> bool:
    """A privileged-ports range does not bind a process that has the privilege (root)."""
    geteuid = getattr(os, "geteuid", None)
    return source == "privileged ports" and geteuid is not None and geteuid() == 0
