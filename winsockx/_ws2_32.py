"""ws2_32.dll, kernel32.dll and ntdll.dll loaded through cffi, typed. Windows only."""

from __future__ import annotations

import sys

# Windows only: this assert also tells type checkers to skip the module elsewhere.
assert sys.platform == "win32"

from typing import TYPE_CHECKING, Protocol, cast  # noqa: E402

from ._ws2_32_ffi import ffi  # noqa: E402

if TYPE_CHECKING:
    from cffi import FFI

    CData = FFI.CData

# (SOCKET)~0; SOCKET is declared signed (see tools/build_ffi.py), so it reads as -1.
INVALID_SOCKET = -1
SOCKET_ERROR = -1
# FIONBIO is _IOW('f', 126, u_long) = 0x8004667E; ioctlsocket takes a (32-bit) long.
FIONBIO = 0x8004667E - (1 << 32)
WSADATA_TYPE = "WSADATA64 *" if ffi.sizeof("void *") == 8 else "WSADATA32 *"
# WSASocketW dwFlags (winsock2.h). NO_HANDLE_INHERIT: child processes never get the
# socket (Windows 7 SP1 and later, every Windows that runs Python 3.9+).
WSA_FLAG_OVERLAPPED = 0x01
WSA_FLAG_NO_HANDLE_INHERIT = 0x80
# GetHandleInformation/SetHandleInformation flag (winbase.h).
HANDLE_FLAG_INHERIT = 0x00000001
# GetLastError after a handle function was given something that is not a handle.
ERROR_INVALID_HANDLE = 6


class Ws2_32(Protocol):
    """The functions of ws2_32.dll that winsockx declares (see tools/build_ffi.py)."""

    def WSAStartup(self, wVersionRequested: int, lpWSAData: CData) -> int: ...
    def WSACleanup(self) -> int: ...
    def WSAGetLastError(self) -> int: ...
    def WSASetLastError(self, iError: int) -> None: ...
    def socket(self, af: int, type: int, protocol: int) -> int: ...
    def WSASocketW(
        self, af: int, type: int, protocol: int, lpProtocolInfo: CData, g: int, dwFlags: int
    ) -> int: ...
    def closesocket(self, s: int) -> int: ...
    def setsockopt(
        self, s: int, level: int, optname: int, optval: CData | bytes, optlen: int
    ) -> int: ...
    def getsockopt(self, s: int, level: int, optname: int, optval: CData, optlen: CData) -> int: ...
    def bind(self, s: int, name: CData, namelen: int) -> int: ...
    def listen(self, s: int, backlog: int) -> int: ...
    def accept(self, s: int, addr: CData, addrlen: CData) -> int: ...
    def connect(self, s: int, name: CData, namelen: int) -> int: ...
    def send(self, s: int, buf: CData, len: int, flags: int) -> int: ...
    def recv(self, s: int, buf: CData, len: int, flags: int) -> int: ...
    def sendto(self, s: int, buf: CData, len: int, flags: int, to: CData, tolen: int) -> int: ...
    def recvfrom(
        self, s: int, buf: CData, len: int, flags: int, from_: CData, fromlen: CData
    ) -> int: ...
    def shutdown(self, s: int, how: int) -> int: ...
    def getsockname(self, s: int, name: CData, namelen: CData) -> int: ...
    def getpeername(self, s: int, name: CData, namelen: CData) -> int: ...
    def ioctlsocket(self, s: int, cmd: int, argp: CData) -> int: ...
    def WSAIoctl(
        self,
        s: int,
        dwIoControlCode: int,
        lpvInBuffer: CData,
        cbInBuffer: int,
        lpvOutBuffer: CData,
        cbOutBuffer: int,
        lpcbBytesReturned: CData,
        lpOverlapped: CData,
        lpCompletionRoutine: CData,
    ) -> int: ...
    def select(
        self, nfds: int, readfds: CData, writefds: CData, exceptfds: CData, timeout: CData
    ) -> int: ...
    def WSAPoll(self, fdArray: CData, fds: int, timeout: int) -> int: ...
    def inet_pton(self, Family: int, pszAddrString: bytes, pAddrBuf: CData) -> int: ...
    def inet_ntop(
        self, Family: int, pAddr: CData, pStringBuf: CData, StringBufSize: int
    ) -> CData: ...
    def GetAddrInfoW(
        self, pNodeName: CData | str, pServiceName: CData | str, pHints: CData, ppResult: CData
    ) -> int: ...
    def FreeAddrInfoW(self, pAddrInfo: CData) -> None: ...


class Kernel32(Protocol):
    """The handle functions of kernel32.dll that winsockx declares (a SOCKET is a handle)."""

    def GetHandleInformation(self, hObject: int, lpdwFlags: CData) -> int: ...
    def SetHandleInformation(self, hObject: int, dwMask: int, dwFlags: int) -> int: ...
    def GetLastError(self) -> int: ...


class Ntdll(Protocol):
    """ntdll.dll; ``wine_get_version`` exists only under Wine."""

    def wine_get_version(self) -> CData: ...


ws2_32 = cast(Ws2_32, ffi.dlopen("ws2_32.dll"))
kernel32 = cast(Kernel32, ffi.dlopen("kernel32.dll"))
ntdll = cast(Ntdll, ffi.dlopen("ntdll.dll"))
