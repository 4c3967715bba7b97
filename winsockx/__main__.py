"""``python -m winsockx``: the ``winsockx`` command (see :mod:`winsockx.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
