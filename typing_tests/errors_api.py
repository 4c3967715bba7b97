"""Type checks for the exceptions: mypy checks this file, nobody runs it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

from winsockx import (
    Address,
    AddressInUseError,
    OptionOrderError,
    Socket,
    SocketClosedError,
    UsageError,
    WinsockError,
    WSAError,
)
from winsockx.constants import (
    AddressFamily,
    SocketType,
    coerce_family,
    coerce_type,
    from_native_family,
)
from winsockx.errors import WinsockPermissionError, WinsockTimeoutError, error_class_for, make_error

if TYPE_CHECKING:
    from typing_extensions import assert_type


def fields(sock: Socket) -> None:
    """WinsockError's fields keep their precise types."""
    try:
        sock.bind(("0.0.0.0", 5150))
    except WinsockError as exc:
        assert_type(exc.code, Optional[WSAError])
        assert_type(exc.function, str)
        assert_type(exc.argument, Optional[str])
        assert_type(exc.address, Optional[Address])
        assert_type(exc.posix_errno, Optional[int])
        assert_type(exc.hint, Optional[str])
        assert_type(exc.diagnosis, Optional[str])
        # errno is always set, but typeshed declares OSError.errno Optional.
        assert_type(exc.errno, Optional[int])
        # typeshed: OSError.winerror exists only on Windows, as an int.
        if sys.platform == "win32":
            assert_type(exc.winerror, int)
        else:
            assert_type(exc.winerror, Optional[int])
        if exc.code is WSAError.WSAEACCES:
            assert_type(exc.code.meaning, str)


def hierarchy() -> None:
    """Subclasses are also the builtins CPython would raise."""
    err: PermissionError = WinsockPermissionError(10013, "bind")
    timeout: TimeoutError = WinsockTimeoutError(10060, "recv")
    in_use: OSError = AddressInUseError(10048, "bind")
    usage: Exception = OptionOrderError("late")
    closed: UsageError = SocketClosedError("closed")
    not_os: OSError = UsageError("x")  # type: ignore[assignment]
    assert_type(make_error(10048, "bind"), WinsockError)
    assert_type(error_class_for(10048), type[WinsockError])
    assert_type(WSAError(10048), WSAError)
    assert_type(int(WSAError.WSAEACCES), int)
    del err, timeout, in_use, usage, closed, not_os


def stdlib_numbers() -> None:
    """The stdlib's constants coerce to winsockx's enums, as errors' numbers do to ints."""
    import socket

    assert_type(coerce_family(socket.AF_INET6), AddressFamily)
    assert_type(coerce_family(23), AddressFamily)
    assert_type(coerce_type(socket.SOCK_STREAM), SocketType)
    assert_type(from_native_family(10), AddressFamily)
