"""Translation of libc errno values to their Winsock equivalents.

The POSIX backend uses this so that a failed ``bind`` reports
``WSAEADDRINUSE`` (10048) on Linux just as it does on Windows.  The native
errno is kept on the exception as ``posix_errno``.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from winsockx.errors import WSAError

__all__ = ["ERRNO_TO_WSA", "wsa_code_for_errno"]

# (errno name, Winsock code).  Names are looked up at import time because the
# set of errno constants differs between operating systems.  Where two names
# share a number (EAGAIN/EWOULDBLOCK, EOPNOTSUPP/ENOTSUP on Linux) both point
# at the same code, so the order only matters for readability.
_PAIRS: Final[tuple[tuple[str, WSAError], ...]] = (
    ("EINTR", WSAError.WSAEINTR),
    # Winsock reports a closed or bogus handle as "not a socket", never
    # WSAEBADF, so code written against Winsock expects 10038 here.
    ("EBADF", WSAError.WSAENOTSOCK),
    ("ENOTSOCK", WSAError.WSAENOTSOCK),
    ("EACCES", WSAError.WSAEACCES),
    # Linux returns EPERM where Winsock says WSAEACCES, e.g. a packet dropped
    # by the firewall or a raw socket without privilege.
    ("EPERM", WSAError.WSAEACCES),
    ("EFAULT", WSAError.WSAEFAULT),
    ("EINVAL", WSAError.WSAEINVAL),
    ("EMFILE", WSAError.WSAEMFILE),
    # Winsock has no system-wide table limit code; the process limit is the
    # nearest match.
    ("ENFILE", WSAError.WSAEMFILE),
    ("EAGAIN", WSAError.WSAEWOULDBLOCK),
    ("EWOULDBLOCK", WSAError.WSAEWOULDBLOCK),
    # A non-blocking connect that has not finished: EINPROGRESS in libc,
    # WSAEWOULDBLOCK (10035) in Winsock (connect documentation).  Winsock's
    # WSAEINPROGRESS means a Winsock 1.1 blocking call is under way, which
    # no libc call reports.
    ("EINPROGRESS", WSAError.WSAEWOULDBLOCK),
    ("EALREADY", WSAError.WSAEALREADY),
    ("EDESTADDRREQ", WSAError.WSAEDESTADDRREQ),
    ("EMSGSIZE", WSAError.WSAEMSGSIZE),
    ("EPROTOTYPE", WSAError.WSAEPROTOTYPE),
    ("ENOPROTOOPT", WSAError.WSAENOPROTOOPT),
    ("EPROTONOSUPPORT", WSAError.WSAEPROTONOSUPPORT),
    ("ESOCKTNOSUPPORT", WSAError.WSAESOCKTNOSUPPORT),
    ("EOPNOTSUPP", WSAError.WSAEOPNOTSUPP),
    # Same number as EOPNOTSUPP on Linux, distinct on the BSDs.
    ("ENOTSUP", WSAError.WSAEOPNOTSUPP),
    ("EPFNOSUPPORT", WSAError.WSAEPFNOSUPPORT),
    ("EAFNOSUPPORT", WSAError.WSAEAFNOSUPPORT),
    ("EADDRINUSE", WSAError.WSAEADDRINUSE),
    ("EADDRNOTAVAIL", WSAError.WSAEADDRNOTAVAIL),
    ("ENETDOWN", WSAError.WSAENETDOWN),
    ("ENETUNREACH", WSAError.WSAENETUNREACH),
    ("ENETRESET", WSAError.WSAENETRESET),
    ("ECONNABORTED", WSAError.WSAECONNABORTED),
    ("ECONNRESET", WSAError.WSAECONNRESET),
    ("ENOBUFS", WSAError.WSAENOBUFS),
    # Winsock reports kernel memory exhaustion in socket calls as WSAENOBUFS.
    ("ENOMEM", WSAError.WSAENOBUFS),
    ("EISCONN", WSAError.WSAEISCONN),
    ("ENOTCONN", WSAError.WSAENOTCONN),
    ("ESHUTDOWN", WSAError.WSAESHUTDOWN),
    # libc gives EPIPE for a send after shutdown(SHUT_WR); Winsock gives
    # WSAESHUTDOWN (10058) for the same call.  Linux also says EPIPE for a send
    # on a TCP socket that never connected, where Winsock says WSAENOTCONN;
    # the errno alone cannot tell the two apart.
    ("EPIPE", WSAError.WSAESHUTDOWN),
    ("ETOOMANYREFS", WSAError.WSAETOOMANYREFS),
    ("ETIMEDOUT", WSAError.WSAETIMEDOUT),
    ("ECONNREFUSED", WSAError.WSAECONNREFUSED),
    ("ELOOP", WSAError.WSAELOOP),
    ("ENAMETOOLONG", WSAError.WSAENAMETOOLONG),
    ("EHOSTDOWN", WSAError.WSAEHOSTDOWN),
    ("EHOSTUNREACH", WSAError.WSAEHOSTUNREACH),
    ("ENOTEMPTY", WSAError.WSAENOTEMPTY),
    # BSD and macOS only; absent on Linux.
    ("EPROCLIM", WSAError.WSAEPROCLIM),
    ("EUSERS", WSAError.WSAEUSERS),
    ("EDQUOT", WSAError.WSAEDQUOT),
    ("ESTALE", WSAError.WSAESTALE),
    ("EREMOTE", WSAError.WSAEREMOTE),
)


def _build() -> dict[int, WSAError]:
    table: dict[int, WSAError] = {}
    for name, code in _PAIRS:
        value = getattr(errno, name, None)
        if isinstance(value, int):
            table.setdefault(value, code)
    return table


# Read-only so no caller can change how every later error is translated.
ERRNO_TO_WSA: Final[Mapping[int, WSAError]] = MappingProxyType(_build())
"""errno value -> :class:`~winsockx.errors.WSAError`, for the running OS.

Only errno constants that exist on the running platform are keys.

Example::

    >>> ERRNO_TO_WSA[errno.EADDRINUSE]
    <WSAError.WSAEADDRINUSE: 10048>
"""


def wsa_code_for_errno(err: int) -> int | None:
    """Return the Winsock code equivalent to a libc errno, or ``None``.

    Example::

        >>> wsa_code_for_errno(errno.ECONNREFUSED)
        <WSAError.WSAECONNREFUSED: 10061>
        >>> wsa_code_for_errno(0) is None
        True
    """
    return ERRNO_TO_WSA.get(err)
