"""The exit statuses the ``winsockx`` commands share (docs/cli.rst lists them per command)."""

from __future__ import annotations

EXIT_OK = 0
"""The command did what it was asked (or showed its help)."""
EXIT_USAGE = 1
"""Wrong arguments (count, values, options), or a command this installation lacks;
nothing was called."""
EXIT_FAILED = 2
"""The system refused a call: WSAStartup, socket or bind. The Winsock sample exits 0
after a failed bind; winsockx does not, so scripts can tell the two apart."""
EXIT_OUTPUT_CLOSED = 141
"""Standard output was closed before the command was done (``winsockx matrix | head``):
the command stops quietly. 141 is 128 + SIGPIPE, the status a POSIX shell shows for a
program that signal ended; winsockx uses it on every platform."""
