"""iphlpapi.dll and kernel32.dll's process functions loaded through cffi, typed.

What :func:`winsockx.who_holds` reads on Windows: the TCP and UDP tables with each
socket's owning process, and that process's image name.

Unlike :mod:`winsockx._ws2_32`, importing this module elsewhere is harmless (the
doctest collector imports every module of the package); the DLLs are only loaded,
and :data:`iphlpapi` and :data:`kernel32` only defined, on Windows.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol, cast

from ._iphlpapi_ffi import ffi

if TYPE_CHECKING:
    from cffi import FFI

    CData = FFI.CData

NO_ERROR = 0
# winerror.h. GetExtendedTcpTable/GetExtendedUdpTable return it with the size they
# need in *pdwSize; QueryFullProcessImageNameW sets it for a buffer too small.
ERROR_INSUFFICIENT_BUFFER = 122
# ws2def.h: the ulAf argument of the table functions takes Windows' family numbers.
AF_INET = 2
AF_INET6 = 23
# TCP_TABLE_CLASS and UDP_TABLE_CLASS (iprtrmib.h): every socket, with its owner's PID.
TCP_TABLE_OWNER_PID_ALL = 5
UDP_TABLE_OWNER_PID = 1
# winnt.h. Enough to read a process's image name, and granted for most processes of
# other users too (PROCESS_QUERY_INFORMATION is not; OpenProcess page).
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000


class Iphlpapi(Protocol):
    """The functions of iphlpapi.dll that winsockx declares (see tools/build_ffi.py)."""

    def GetExtendedTcpTable(
        self,
        pTcpTable: CData,
        pdwSize: CData,
        bOrder: int,
        ulAf: int,
        TableClass: int,
        Reserved: int,
    ) -> int: ...
    def GetExtendedUdpTable(
        self,
        pUdpTable: CData,
        pdwSize: CData,
        bOrder: int,
        ulAf: int,
        TableClass: int,
        Reserved: int,
    ) -> int: ...


class Kernel32Process(Protocol):
    """The process functions of kernel32.dll that winsockx declares."""

    def OpenProcess(self, dwDesiredAccess: int, bInheritHandle: int, dwProcessId: int) -> CData: ...
    def QueryFullProcessImageNameW(
        self, hProcess: CData, dwFlags: int, lpExeName: CData, lpdwSize: CData
    ) -> int: ...
    def CloseHandle(self, hObject: CData) -> int: ...
    def GetLastError(self) -> int: ...


if sys.platform == "win32":
    iphlpapi = cast(Iphlpapi, ffi.dlopen("iphlpapi.dll"))
    kernel32 = cast(Kernel32Process, ffi.dlopen("kernel32.dll"))
