"""Picks the backend for this platform. A leaf: the backends never import it."""

from __future__ import annotations

import sys

from ._backend import Backend


def load_backend() -> Backend:
    """The backend for this platform: ws2_32 on Windows, libc on Linux.

    Raises:
        ImportError: any other platform; the POSIX backend's numbers (option
            levels, ioctl codes, struct layouts) are Linux's, so it refuses to
            run where they would be wrong rather than fail in odd ways later.
    """
    if sys.platform == "win32":
        from ._ws2_32_backend import Ws2Backend

        return Ws2Backend()
    if sys.platform.startswith("linux"):
        from ._posix_backend import PosixBackend

        return PosixBackend()
    raise ImportError(
        f"winsockx supports Windows (ws2_32) and Linux (libc); this is {sys.platform!r}"
    )
