"""Generate winsockx's cffi modules (ABI mode, out-of-line).

Run ``python tools/build_ffi.py`` after changing a declaration below; the
generated modules are committed and ``nox -s gen_check`` fails when they differ
from what this script produces. ABI mode needs no compiler, so the wheel stays
pure Python: the declarations must match the platform ABI exactly, which is why
every struct here is spelled out field by field.
"""

from __future__ import annotations

import pathlib
import sys

import cffi

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "winsockx"

# Winsock 2 (ws2_32.dll). Addresses travel as byte buffers
# (the sockaddr_in/sockaddr_in6 layouts are packed in winsockx._sockaddr), so the
# calls take ``void *`` where the headers say ``struct sockaddr *``.
WS2_32_CDEF = """
/* SOCKET is UINT_PTR in winsock2.h. It is declared signed here (same size, same
   passing) so that -1, which POSIX code passes for "no socket", reaches Winsock as
   INVALID_SOCKET and fails with WSAENOTSOCK as it does in C, instead of cffi
   refusing it; real handles are small, so no handle reads differently. */
typedef intptr_t SOCKET;
typedef unsigned short WORD;

/* WSADATA differs between 64-bit and 32-bit Windows (winsock2.h, _WIN64). */
typedef struct {
    WORD wVersion;
    WORD wHighVersion;
    unsigned short iMaxSockets;
    unsigned short iMaxUdpDg;
    char *lpVendorInfo;
    char szDescription[257];
    char szSystemStatus[129];
} WSADATA64;
typedef struct {
    WORD wVersion;
    WORD wHighVersion;
    char szDescription[257];
    char szSystemStatus[129];
    unsigned short iMaxSockets;
    unsigned short iMaxUdpDg;
    char *lpVendorInfo;
} WSADATA32;

/* select() reads fd_count entries of fd_array: FD_SETSIZE (64) only sizes the
   headers' default struct, so the array is declared open-ended and each call
   allocates as many entries as it passes (Winsock "select" and "fd_set" pages). */
typedef struct {
    unsigned int fd_count;
    SOCKET fd_array[];
} fd_set;

struct timeval {
    long tv_sec;
    long tv_usec;
};

typedef struct {
    SOCKET fd;
    short events;
    short revents;
} WSAPOLLFD;

/* ADDRINFOW (ws2def.h), field by field: note ai_canonname before ai_addr, the
   reverse of glibc's struct addrinfo, and a size_t ai_addrlen. */
typedef struct addrinfoW {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    size_t ai_addrlen;
    wchar_t *ai_canonname;
    void *ai_addr;
    struct addrinfoW *ai_next;
} ADDRINFOW;

int __stdcall WSAStartup(WORD wVersionRequested, void *lpWSAData);
int __stdcall WSACleanup(void);
int __stdcall WSAGetLastError(void);
void __stdcall WSASetLastError(int iError);
SOCKET __stdcall socket(int af, int type, int protocol);
/* lpProtocolInfo is a WSAPROTOCOL_INFOW *; winsockx always passes NULL. GROUP is an
   unsigned int, DWORD an unsigned long (32 bits on Windows). */
SOCKET __stdcall WSASocketW(int af, int type, int protocol, void *lpProtocolInfo,
                            unsigned int g, unsigned long dwFlags);
int __stdcall closesocket(SOCKET s);
int __stdcall setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen);
int __stdcall getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen);
int __stdcall bind(SOCKET s, const void *name, int namelen);
int __stdcall listen(SOCKET s, int backlog);
SOCKET __stdcall accept(SOCKET s, void *addr, int *addrlen);
int __stdcall connect(SOCKET s, const void *name, int namelen);
int __stdcall send(SOCKET s, const char *buf, int len, int flags);
int __stdcall recv(SOCKET s, char *buf, int len, int flags);
int __stdcall sendto(SOCKET s, const char *buf, int len, int flags, const void *to,
                     int tolen);
int __stdcall recvfrom(SOCKET s, char *buf, int len, int flags, void *from, int *fromlen);
int __stdcall shutdown(SOCKET s, int how);
int __stdcall getsockname(SOCKET s, void *name, int *namelen);
int __stdcall getpeername(SOCKET s, void *name, int *namelen);
int __stdcall ioctlsocket(SOCKET s, long cmd, unsigned long *argp);
/* lpOverlapped is a WSAOVERLAPPED *, lpCompletionRoutine a completion callback;
   winsockx always passes NULL for both (a blocking call). DWORD is unsigned long. */
int __stdcall WSAIoctl(SOCKET s, unsigned long dwIoControlCode, void *lpvInBuffer,
                       unsigned long cbInBuffer, void *lpvOutBuffer,
                       unsigned long cbOutBuffer, unsigned long *lpcbBytesReturned,
                       void *lpOverlapped, void *lpCompletionRoutine);
int __stdcall select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                     const struct timeval *timeout);
int __stdcall WSAPoll(WSAPOLLFD *fdArray, unsigned long fds, int timeout);
int __stdcall inet_pton(int Family, const char *pszAddrString, void *pAddrBuf);
const char * __stdcall inet_ntop(int Family, const void *pAddr, char *pStringBuf,
                                 size_t StringBufSize);
/* Returns the WSA error code itself (0 on success). */
int __stdcall GetAddrInfoW(const wchar_t *pNodeName, const wchar_t *pServiceName,
                           const ADDRINFOW *pHints, ADDRINFOW **ppResult);
void __stdcall FreeAddrInfoW(ADDRINFOW *pAddrInfo);
"""

# ntdll.dll: Wine exports wine_get_version; real Windows does not, which is how
# winsockx.backend_info() tells the two apart.
NTDLL_CDEF = """
const char *wine_get_version(void);
"""

# kernel32.dll: a SOCKET is a kernel handle, so its inheritance flag is read and set
# with the handle functions. hObject is a HANDLE (void *) in the headers; it is declared
# here as SOCKET, an integer of the same size passed the same way, so a socket number
# goes in without a cast.
KERNEL32_CDEF = """
typedef unsigned long DWORD;
typedef int BOOL;
BOOL __stdcall GetHandleInformation(SOCKET hObject, DWORD *lpdwFlags);
BOOL __stdcall SetHandleInformation(SOCKET hObject, DWORD dwMask, DWORD dwFlags);
DWORD __stdcall GetLastError(void);
"""

# iphlpapi.dll: which process holds a port (winsockx.who_holds). The row layouts are
# those of tcpmib.h/udpmib.h, field by field; ports are DWORDs whose low 16 bits hold
# the port in network byte order, IPv4 addresses DWORDs in network byte order.
# ``table[]`` is ANY_SIZE (1) in the headers: dwNumEntries rows follow the count.
IPHLPAPI_CDEF = """
typedef unsigned long DWORD;
typedef int BOOL;
typedef unsigned char UCHAR;

typedef struct {
    DWORD dwState;
    DWORD dwLocalAddr;
    DWORD dwLocalPort;
    DWORD dwRemoteAddr;
    DWORD dwRemotePort;
    DWORD dwOwningPid;
} MIB_TCPROW_OWNER_PID;
typedef struct {
    DWORD dwNumEntries;
    MIB_TCPROW_OWNER_PID table[];
} MIB_TCPTABLE_OWNER_PID;

typedef struct {
    UCHAR ucLocalAddr[16];
    DWORD dwLocalScopeId;
    DWORD dwLocalPort;
    UCHAR ucRemoteAddr[16];
    DWORD dwRemoteScopeId;
    DWORD dwRemotePort;
    DWORD dwState;
    DWORD dwOwningPid;
} MIB_TCP6ROW_OWNER_PID;
typedef struct {
    DWORD dwNumEntries;
    MIB_TCP6ROW_OWNER_PID table[];
} MIB_TCP6TABLE_OWNER_PID;

typedef struct {
    DWORD dwLocalAddr;
    DWORD dwLocalPort;
    DWORD dwOwningPid;
} MIB_UDPROW_OWNER_PID;
typedef struct {
    DWORD dwNumEntries;
    MIB_UDPROW_OWNER_PID table[];
} MIB_UDPTABLE_OWNER_PID;

typedef struct {
    UCHAR ucLocalAddr[16];
    DWORD dwLocalScopeId;
    DWORD dwLocalPort;
    DWORD dwOwningPid;
} MIB_UDP6ROW_OWNER_PID;
typedef struct {
    DWORD dwNumEntries;
    MIB_UDP6ROW_OWNER_PID table[];
} MIB_UDP6TABLE_OWNER_PID;

/* TableClass is a TCP_TABLE_CLASS / UDP_TABLE_CLASS enum (an int); ulAf and
   Reserved are ULONGs. Both return a Windows system error code (0: NO_ERROR). */
DWORD __stdcall GetExtendedTcpTable(void *pTcpTable, DWORD *pdwSize, BOOL bOrder,
                                    unsigned long ulAf, int TableClass,
                                    unsigned long Reserved);
DWORD __stdcall GetExtendedUdpTable(void *pUdpTable, DWORD *pdwSize, BOOL bOrder,
                                    unsigned long ulAf, int TableClass,
                                    unsigned long Reserved);
"""

# kernel32.dll: the name and image path of a port's owning process. HANDLE is void *.
KERNEL32_PROCESS_CDEF = """
void * __stdcall OpenProcess(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwProcessId);
BOOL __stdcall QueryFullProcessImageNameW(void *hProcess, DWORD dwFlags, wchar_t *lpExeName,
                                          DWORD *lpdwSize);
BOOL __stdcall CloseHandle(void *hObject);
DWORD __stdcall GetLastError(void);
"""

# libc (Linux/glibc, other POSIX systems with the same layouts) for the POSIX backend.
LIBC_CDEF = """
typedef unsigned int socklen_t;
struct pollfd {
    int fd;
    short events;
    short revents;
};
/* glibc's struct addrinfo (netdb.h): ai_addr comes before ai_canonname, the reverse
   of Windows' ADDRINFOW, and ai_addrlen is a socklen_t. */
struct addrinfo {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    socklen_t ai_addrlen;
    void *ai_addr;
    char *ai_canonname;
    struct addrinfo *ai_next;
};
int socket(int domain, int type, int protocol);
int close(int fd);
int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);
int bind(int sockfd, const void *addr, socklen_t addrlen);
int listen(int sockfd, int backlog);
int accept(int sockfd, void *addr, socklen_t *addrlen);
int accept4(int sockfd, void *addr, socklen_t *addrlen, int flags);
int connect(int sockfd, const void *addr, socklen_t addrlen);
long send(int sockfd, const void *buf, size_t len, int flags);
long recv(int sockfd, void *buf, size_t len, int flags);
long sendto(int sockfd, const void *buf, size_t len, int flags, const void *dest_addr,
            socklen_t addrlen);
long recvfrom(int sockfd, void *buf, size_t len, int flags, void *src_addr,
              socklen_t *addrlen);
int shutdown(int sockfd, int how);
int getsockname(int sockfd, void *addr, socklen_t *addrlen);
int getpeername(int sockfd, void *addr, socklen_t *addrlen);
int ioctl(int fd, unsigned long request, int *argp);
int poll(struct pollfd *fds, unsigned long nfds, int timeout);
int inet_pton(int af, const char *src, void *dst);
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);
/* Returns 0 or an EAI_* code (EAI_SYSTEM: see errno). */
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res);
void freeaddrinfo(struct addrinfo *res);
const char *gai_strerror(int errcode);
"""


MODULES = {
    "_ws2_32_ffi": WS2_32_CDEF + NTDLL_CDEF + KERNEL32_CDEF,
    "_libc_ffi": LIBC_CDEF,
    "_iphlpapi_ffi": IPHLPAPI_CDEF + KERNEL32_PROCESS_CDEF,
}


def build(target_dir: pathlib.Path) -> list[pathlib.Path]:
    """Write every generated module into *target_dir* and return their paths."""
    written = []
    for name, cdef in MODULES.items():
        ffibuilder = cffi.FFI()
        ffibuilder.cdef(cdef)
        ffibuilder.set_source(f"winsockx.{name}", None)
        path = target_dir / f"{name}.py"
        ffibuilder.emit_python_code(str(path))
        text = path.read_text()
        header = (
            "# Generated by tools/build_ffi.py; do not edit. Regenerate with\n"
            "# `python tools/build_ffi.py` (`nox -s gen_check` verifies it).\n"
        )
        path.write_text(header + text)
        written.append(path)
    return written


if __name__ == "__main__":
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE
    for p in build(target):
        print(p)
