"""Which backend is running, for reports that never pretend Wine is Windows."""

from __future__ import annotations

import functools
import platform
import sys

from . import raw
from .results import BackendInfo

__all__ = ["backend_info"]


@functools.cache
def backend_info() -> BackendInfo:
    """Describe the backend: ``ws2_32`` (and Wine's version when under Wine) or ``posix``.

    >>> import winsockx
    >>> info = winsockx.backend_info()
    >>> info.name in ("ws2_32", "posix")
    True
    """
    backend = raw.backend
    return BackendInfo(
        name=backend.name,
        platform=backend.platform(),
        wine_version=backend.wine_version(),
        python=f"{sys.implementation.name} {platform.python_version()}",
    )
