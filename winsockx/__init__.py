"""winsockx: typed, exact access to Winsock (ws2_32) through cffi.

A socket that cannot be configured in the wrong order or closed in a way that
loses data, errors that carry the exact ``WSAGetLastError`` code and the call that
failed, and the thin one-to-one layer :mod:`winsockx.raw` underneath.

>>> import winsockx
>>> with winsockx.Socket(winsockx.AF_INET, winsockx.SOCK_STREAM,
...                      winsockx.IPPROTO_TCP, exclusive=True) as s:
...     s.bind(("127.0.0.1", 0))
...     s.listen()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import raw
from .address import Address, IPv4Address, IPv6Address, make_address
from .bridge import bind_exclusive, create_server, graceful_close
from .constants import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    IPPROTO_IP,
    IPPROTO_IPV6,
    IPPROTO_TCP,
    IPPROTO_UDP,
    SOCK_DGRAM,
    SOCK_RAW,
    SOCK_STREAM,
    SOL_SOCKET,
    AddressFamily,
    OptionKind,
    OptionRule,
    Protocol,
    ShutdownHow,
    SocketOption,
    SocketType,
)
from .errors import (
    AddressInUseError,
    OptionOrderError,
    SocketClosedError,
    UsageError,
    WinsockError,
    WSAError,
)
from .info import backend_info
from .resolve import AddrInfo, getaddrinfo
from .results import BackendInfo, CloseReason, CloseReport, WSAData
from .session import Winsock
from .sockets import Socket

if TYPE_CHECKING:
    from .aio import create_datagram_endpoint, start_server
    from .diag.audit import AuditReport, Probe, ProbeOutcome, Verdict, audit
    from .diag.diagnose import explain_bind_failure, set_bind_diagnosis
    from .diag.excluded import PortRange, PortRangesUnavailableError, excluded_port_ranges
    from .diag.holders import PortHolder, TcpState, who_holds
    from .diag.picker import NoFreePortError, pick_port
    from .servers import (
        ExclusiveHTTPServer,
        ExclusiveTCPServer,
        ExclusiveThreadingHTTPServer,
        ExclusiveThreadingTCPServer,
        ExclusiveThreadingUDPServer,
        ExclusiveUDPServer,
    )

__version__ = "0.1.0"

# Imported on first use: asyncio, socketserver and http.server are not needed by the
# socket core, and importing them costs start-up time in every program.
_LAZY = {
    "create_datagram_endpoint": ".aio",
    "start_server": ".aio",
    "ExclusiveHTTPServer": ".servers",
    "ExclusiveTCPServer": ".servers",
    "ExclusiveThreadingHTTPServer": ".servers",
    "ExclusiveThreadingTCPServer": ".servers",
    "ExclusiveThreadingUDPServer": ".servers",
    "ExclusiveUDPServer": ".servers",
    # The diagnostics read system tables and run netsh: nothing a socket needs.
    "AuditReport": ".diag.audit",
    "NoFreePortError": ".diag.picker",
    "PortHolder": ".diag.holders",
    "PortRange": ".diag.excluded",
    "PortRangesUnavailableError": ".diag.excluded",
    "Probe": ".diag.audit",
    "ProbeOutcome": ".diag.audit",
    "TcpState": ".diag.holders",
    "Verdict": ".diag.audit",
    "audit": ".diag.audit",
    "explain_bind_failure": ".diag.diagnose",
    "set_bind_diagnosis": ".diag.diagnose",
    "excluded_port_ranges": ".diag.excluded",
    "pick_port": ".diag.picker",
    "who_holds": ".diag.holders",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'winsockx' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AF_INET",
    "AF_INET6",
    "AF_UNSPEC",
    "IPPROTO_IP",
    "IPPROTO_IPV6",
    "IPPROTO_TCP",
    "IPPROTO_UDP",
    "SOCK_DGRAM",
    "SOCK_RAW",
    "SOCK_STREAM",
    "SOL_SOCKET",
    "AddrInfo",
    "Address",
    "AddressFamily",
    "AddressInUseError",
    "AuditReport",
    "BackendInfo",
    "CloseReason",
    "CloseReport",
    "ExclusiveHTTPServer",
    "ExclusiveTCPServer",
    "ExclusiveThreadingHTTPServer",
    "ExclusiveThreadingTCPServer",
    "ExclusiveThreadingUDPServer",
    "ExclusiveUDPServer",
    "IPv4Address",
    "IPv6Address",
    "NoFreePortError",
    "OptionKind",
    "OptionOrderError",
    "OptionRule",
    "PortHolder",
    "PortRange",
    "PortRangesUnavailableError",
    "Probe",
    "ProbeOutcome",
    "Protocol",
    "ShutdownHow",
    "Socket",
    "SocketClosedError",
    "SocketOption",
    "SocketType",
    "TcpState",
    "UsageError",
    "Verdict",
    "WSAData",
    "WSAError",
    "Winsock",
    "WinsockError",
    "audit",
    "backend_info",
    "bind_exclusive",
    "create_datagram_endpoint",
    "create_server",
    "excluded_port_ranges",
    "explain_bind_failure",
    "getaddrinfo",
    "graceful_close",
    "make_address",
    "pick_port",
    "raw",
    "set_bind_diagnosis",
    "start_server",
    "who_holds",
]
