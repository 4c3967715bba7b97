"""The failure a backend raises: the OS error code, captured with the failing call.

A leaf module (it imports only :mod:`winsockx.errors`), so the backends, the
backend selector and the layers above can all import it without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import WinsockError, make_error

if TYPE_CHECKING:
    from .address import Address


class OsFailure(Exception):
    """A backend call failed with ``winerror`` (and ``posix_errno`` on POSIX).

    The backend reads the code in the same statement as the failing C call and
    restores the thread's saved error afterwards, so a signal handler or a
    finaliser that runs in between (and itself makes a failing winsockx call)
    cannot replace it.
    """

    __slots__ = ("function", "posix_errno", "winerror")

    def __init__(
        self, winerror: int | None, posix_errno: int | None = None, function: str | None = None
    ) -> None:
        super().__init__(winerror, posix_errno)
        self.winerror = winerror
        self.posix_errno = posix_errno
        # Set when the failing C call is not the one the backend method is named
        # after (socket(exclusive=True) failing in its setsockopt).
        self.function = function

    def error(
        self,
        function: str,
        *,
        argument: str | None = None,
        address: Address | None = None,
        hint: str | None = None,
    ) -> WinsockError:
        """The public exception for this failure in *function*."""
        return make_error(
            self.winerror,
            function,
            argument=argument,
            address=address,
            hint=hint,
            posix_errno=self.posix_errno,
        )
