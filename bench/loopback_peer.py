"""The far end of the bulk benchmarks of ``bench_stdlib.py``: a process of its own.

It uses only the stdlib ``socket`` module, so both contenders of ``bench_stdlib.py``
talk to exactly the same peer. It listens on 127.0.0.1 (an ephemeral port, written as
the first line of its standard output) and serves one connection at a time. Each
connection opens with a header (:data:`HEADER`: a mode byte and a byte count):

``S`` (sink)
    read and discard *count* bytes, send ``b"K"``, then wait for end of stream.
``R`` (source)
    send *count* bytes, shut down the sending side, then wait for end of stream.
``Q`` (quit)
    exit with status 0.

Every socket has a timeout, so the process cannot hang: it exits with status 1 when no
connection comes for :data:`IDLE_TIMEOUT` seconds, and a connection stalled for
:data:`IO_TIMEOUT` seconds is dropped. Run by ``bench_stdlib.py`` as::

    python bench/loopback_peer.py CHUNK_BYTES
"""

from __future__ import annotations

import socket
import struct
import sys

HEADER = struct.Struct("!cQ")
"""Mode (``S``, ``R`` or ``Q``) and byte count, sent by the measured side."""
SINK, SOURCE, QUIT = b"S", b"R", b"Q"
ACK = b"K"
"""Sent in sink mode once every byte has arrived."""
IDLE_TIMEOUT = 120.0
"""Seconds the listener waits for the next connection before the process gives up."""
IO_TIMEOUT = 60.0
"""Seconds any one send or receive may take on a connection."""


def read_exactly(conn: socket.socket, size: int) -> bytes:
    """Read *size* bytes from *conn*; ConnectionError if the stream ends first."""
    data = b""
    while len(data) < size:
        more = conn.recv(size - len(data))
        if not more:
            raise ConnectionError(f"end of stream after {len(data)} of {size} bytes")
        data += more
    return data


def wait_for_eof(conn: socket.socket, buffer: memoryview) -> None:
    """Discard what still comes until the other side's end of stream."""
    while conn.recv_into(buffer):
        pass


def sink(conn: socket.socket, count: int, buffer: memoryview) -> None:
    """Read and discard *count* bytes, acknowledge them, then wait for end of stream."""
    left = count
    while left:
        got = conn.recv_into(buffer, min(left, len(buffer)))
        if not got:
            raise ConnectionError(f"end of stream after {count - left} of {count} bytes")
        left -= got
    conn.sendall(ACK)
    wait_for_eof(conn, buffer)


def source(conn: socket.socket, count: int, buffer: memoryview) -> None:
    """Send *count* bytes, shut down the sending side, then wait for end of stream."""
    full, rest = divmod(count, len(buffer))
    for _ in range(full):
        conn.sendall(buffer)
    if rest:
        conn.sendall(buffer[:rest])
    conn.shutdown(socket.SHUT_WR)
    wait_for_eof(conn, buffer)


def serve(listener: socket.socket, chunk: int) -> int:
    """Serve connections until a quit header (0) or an idle listener (1)."""
    buffer = memoryview(bytearray(chunk))
    while True:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            print(f"loopback_peer: no connection for {IDLE_TIMEOUT:g} s", file=sys.stderr)
            return 1
        with conn:
            conn.settimeout(IO_TIMEOUT)
            try:
                mode, count = HEADER.unpack(read_exactly(conn, HEADER.size))
                if mode == QUIT:
                    return 0
                if mode == SINK:
                    sink(conn, count, buffer)
                elif mode == SOURCE:
                    source(conn, count, buffer)
                else:
                    raise ValueError(f"unknown mode {mode!r}")
            except (OSError, ValueError) as exc:
                # The measured side sees the connection end early and reports it.
                print(f"loopback_peer: {type(exc).__name__}: {exc}", file=sys.stderr)


def main(argv: list[str]) -> int:
    """Listen on 127.0.0.1, print the port, serve; the exit status of :func:`serve`."""
    chunk = int(argv[0]) if argv else 256 * 1024
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(IDLE_TIMEOUT)
        print(listener.getsockname()[1], flush=True)
        return serve(listener, chunk)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
