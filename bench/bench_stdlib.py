"""winsockx against the stdlib ``socket`` module, both timed in the same process.

Five benchmarks, all on 127.0.0.1:

1. bind cycle: create a TCP socket, exclusive (winsockx ``exclusive=True``; the stdlib
   sets SO_EXCLUSIVEADDRUSE on Windows and nothing elsewhere, where it has no
   equivalent), bind 127.0.0.1 port 0, close.
2. ``get_option(SocketOption.TYPE)`` against ``getsockopt(SOL_SOCKET, SO_TYPE)``.
3. bulk transfer with a peer in another process (``loopback_peer.py``, stdlib only):
   ``sendall`` of ``--bulk-mib`` MiB in ``--chunk-kib`` KiB pieces to a peer that
   discards them (timed until it acknowledges the last byte), and as many bytes read
   with ``recv_into`` into one reusable ``--chunk-kib`` KiB buffer from a peer that
   sends them.
4. graceful close of a connected pair: winsockx ``close()`` (shutdown SD_SEND, drain
   to end of stream, closesocket) against the stdlib doing the same
   (``shutdown(SHUT_WR)``, ``recv`` until ``b""``, ``close``); the peer, a stdlib
   socket in a thread, closes when it sees end of stream.
5. the server side of accept, 100-byte request, 100-byte response, close; the client
   (stdlib, the same for both) has connected, sent its request and shut down its
   sending side beforehand. The stdlib server closes as in 4; a plain ``close()`` is
   shown too, for information.

Each benchmark runs in paired rounds: every round runs the stdlib, then winsockx, so
drift affects both alike, and the medians of the rounds are compared. Ratios:

* time ratio = winsockx time / stdlib time: lower is better, 2.00 means twice the
  stdlib's time;
* throughput ratio = stdlib time / winsockx time (= winsockx throughput / stdlib
  throughput): higher is better, 0.95 means 95% of the stdlib's speed.

Only the measured part of each operation is timed (not the set-up of connections or
the peers' work afterwards). At the default scale, benchmarks 4 and 5 open about 5,000
and 7,500 loopback connections, most left in TIME_WAIT for a while; ``--scale 0.2``
opens a fifth of them. A summary compares the ratios with the targets tracked on
Linux. It is information only: the exit status is 0 whatever the ratios, and non-zero
only when an operation fails::

    python bench/bench_stdlib.py [--rounds 5] [--bulk-mib 1024] [--chunk-kib 256]
                                 [--scale 1.0] [--only bind,option,send,recv,close,accept]
    tools/run-wine.sh bench/bench_stdlib.py --bulk-mib 64 --scale 0.2
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import pathlib
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Callable, Protocol

HERE = pathlib.Path(__file__).resolve().parent
# Time the checkout's sources when run as a script from anywhere (as bench_matrix.py).
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import loopback_peer  # noqa: E402

import winsockx  # noqa: E402
from winsockx import raw  # noqa: E402

LOCAL = ("127.0.0.1", 0)
REQUEST_SIZE = 100
DRAIN_CHUNK = 65536
"""The stdlib's ``recv`` size while draining, as winsockx's close drains."""
PEER_TIMEOUT = 10.0
"""Socket timeout of the in-process peers (benchmarks 4 and 5)."""
STARTUP_TIMEOUT = 120.0
"""Seconds the bulk peer process may take to start (Windows CPython under Wine is slow)."""
STOP_TIMEOUT = 30.0
"""Seconds the peer process has to exit once asked to."""
JOIN_TIMEOUT = 15.0
"""Seconds to wait for a thread of this script to end."""

Sample = Callable[[int], float]
"""Runs *n* operations and returns the seconds the measured part took."""


class BenchError(RuntimeError):
    """An operation under measurement did not do what it should have."""


# -- 1. bind cycle ------------------------------------------------------------------


def stdlib_bind(cycles: int) -> float:
    """*cycles* bind cycles with the stdlib socket module."""
    new, family, kind, addr = socket.socket, socket.AF_INET, socket.SOCK_STREAM, LOCAL
    proto = socket.IPPROTO_TCP
    if sys.platform == "win32":
        level, exclusive = socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE
        start = time.perf_counter()
        for _ in range(cycles):
            s = new(family, kind, proto)
            s.setsockopt(level, exclusive, 1)
            s.bind(addr)
            s.close()
        return time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(cycles):
        s = new(family, kind, proto)
        s.bind(addr)
        s.close()
    return time.perf_counter() - start


def winsockx_bind(cycles: int) -> float:
    """*cycles* bind cycles with ``winsockx.Socket(..., exclusive=True)``."""
    new, family, kind, proto, addr = (
        winsockx.Socket,
        winsockx.AF_INET,
        winsockx.SOCK_STREAM,
        winsockx.IPPROTO_TCP,
        LOCAL,
    )
    start = time.perf_counter()
    for _ in range(cycles):
        s = new(family, kind, proto, exclusive=True)
        s.bind(addr)
        s.close()
    return time.perf_counter() - start


def raw_bind(cycles: int) -> float:
    """*cycles* bind cycles with ``winsockx.raw`` (no Socket object)."""
    level = winsockx.SOL_SOCKET
    exclusive = winsockx.SocketOption.EXCLUSIVEADDRUSE.optname
    start = time.perf_counter()
    for _ in range(cycles):
        h = raw.socket(2, 1, 6)
        raw.setsockopt(h, level, exclusive, 1)
        raw.bind(h, LOCAL)
        raw.closesocket(h)
    return time.perf_counter() - start


# -- 2. get_option ------------------------------------------------------------------


def stdlib_option(calls: int) -> float:
    """*calls* ``getsockopt(SOL_SOCKET, SO_TYPE)`` on one open stdlib socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as s:
        level, name = socket.SOL_SOCKET, socket.SO_TYPE
        if s.getsockopt(level, name) != socket.SOCK_STREAM:
            raise BenchError("stdlib getsockopt(SO_TYPE) is not SOCK_STREAM")
        start = time.perf_counter()
        for _ in range(calls):
            s.getsockopt(level, name)
        return time.perf_counter() - start


def winsockx_option(calls: int) -> float:
    """*calls* ``get_option(SocketOption.TYPE)`` on one open winsockx socket."""
    with winsockx.Socket(winsockx.AF_INET, winsockx.SOCK_STREAM, winsockx.IPPROTO_TCP) as s:
        option = winsockx.SocketOption.TYPE
        if s.get_option(option) != winsockx.SOCK_STREAM:
            raise BenchError("winsockx get_option(TYPE) is not SOCK_STREAM")
        start = time.perf_counter()
        for _ in range(calls):
            s.get_option(option)
        return time.perf_counter() - start


# -- 3. bulk transfer with a peer process -------------------------------------------


class PeerProcess:
    """``loopback_peer.py`` run by this interpreter, with a watchdog for every transfer."""

    def __init__(self, chunk: int) -> None:
        """Start the peer and read the port it listens on."""
        script = HERE / "loopback_peer.py"
        self.address = ("127.0.0.1", 0)
        """Where the peer listens (port 0 until it has said)."""
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(chunk)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        try:
            with self.watch(STARTUP_TIMEOUT, "starting the peer process"):
                assert self.proc.stdout is not None
                line = self.proc.stdout.readline()
            if not line.strip().isdigit():
                raise BenchError(f"the peer process did not report its port: {line!r}")
            self.address = ("127.0.0.1", int(line))
        except BaseException:
            self.stop()
            raise

    @contextlib.contextmanager
    def watch(self, seconds: float, what: str) -> Iterator[None]:
        """Kill the peer if the block takes over *seconds*: that ends any blocked call."""
        fired = threading.Event()

        def fire() -> None:
            fired.set()
            self.proc.kill()

        timer = threading.Timer(seconds, fire)
        timer.daemon = True
        timer.start()
        try:
            yield
        except (OSError, BenchError) as exc:
            if fired.is_set():
                raise BenchError(f"{what}: stopped the peer after {seconds:g} s") from exc
            raise
        finally:
            timer.cancel()
            timer.join(JOIN_TIMEOUT)
        if fired.is_set():
            raise BenchError(f"{what}: stopped the peer after {seconds:g} s")

    def stop(self) -> None:
        """Ask the peer to quit; kill it if it cannot be asked or has not exited in time."""
        asked = False
        if self.proc.poll() is None and self.address[1]:
            request = loopback_peer.HEADER.pack(loopback_peer.QUIT, 0)
            try:
                with socket.create_connection(self.address, timeout=STOP_TIMEOUT) as s:
                    s.sendall(request)
                asked = True
            except OSError:
                pass  # killed below
        try:
            self.proc.wait(STOP_TIMEOUT if asked else 0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.proc.returncode not in (0, None):
            print(f"  (the peer process exited with status {self.proc.returncode})")


@dataclasses.dataclass
class Bulk:
    """What the bulk samples share: the peer, the data to send and the receive buffer."""

    peer: PeerProcess
    chunk: int

    def __post_init__(self) -> None:
        """Allocate the send data and the reusable receive buffer once."""
        self.data = bytes(self.chunk)
        self.buffer = memoryview(bytearray(self.chunk))

    def bound(self, nbytes: int) -> float:
        """Seconds one transfer of *nbytes* may take (at least 8 MiB/s) before the watchdog."""
        return 60.0 + nbytes / (8 << 20)

    def stdlib_send(self, nbytes: int) -> float:
        """``sendall`` *nbytes* with the stdlib; until the peer has acknowledged them all."""
        return self._send(nbytes, "stdlib", _stdlib_stream)

    def winsockx_send(self, nbytes: int) -> float:
        """``sendall`` *nbytes* with winsockx; until the peer has acknowledged them all."""
        return self._send(nbytes, "winsockx", _winsockx_stream)

    def stdlib_recv(self, nbytes: int) -> float:
        """``recv_into`` *nbytes* with the stdlib, from the request to the last byte."""
        return self._recv(nbytes, "stdlib", _stdlib_stream)

    def winsockx_recv(self, nbytes: int) -> float:
        """``recv_into`` *nbytes* with winsockx, from the request to the last byte."""
        return self._recv(nbytes, "winsockx", _winsockx_stream)

    def _send(self, nbytes: int, name: str, make: Callable[[], StreamSocket]) -> float:
        """One contender's timed ``sendall`` of *nbytes* on a socket from *make*."""
        data, full, rest = self.data, *divmod(nbytes, self.chunk)
        with self.peer.watch(self.bound(nbytes), f"{name} sendall"):
            s = make()
            try:
                s.connect(self.peer.address)
                start = time.perf_counter()
                s.sendall(loopback_peer.HEADER.pack(loopback_peer.SINK, nbytes))
                for _ in range(full):
                    s.sendall(data)
                if rest:
                    s.sendall(data[:rest])
                ack = s.recv(1)
                elapsed = time.perf_counter() - start
            finally:
                s.close()
        if ack != loopback_peer.ACK:
            raise BenchError(f"{name} sendall: the peer did not acknowledge {nbytes} bytes")
        return elapsed

    def _recv(self, nbytes: int, name: str, make: Callable[[], StreamSocket]) -> float:
        """One contender's timed ``recv_into`` of *nbytes* on a socket from *make*."""
        view = self.buffer
        with self.peer.watch(self.bound(nbytes), f"{name} recv_into"):
            s = make()
            try:
                s.connect(self.peer.address)
                start = time.perf_counter()
                s.sendall(loopback_peer.HEADER.pack(loopback_peer.SOURCE, nbytes))
                got = 0
                while got < nbytes:
                    n = s.recv_into(view)
                    if not n:
                        raise BenchError(f"{name} recv_into: end of stream at {got} bytes")
                    got += n
                elapsed = time.perf_counter() - start
            finally:
                s.close()
        return elapsed


def _read_request(conn: StreamSocket, size: int, name: str) -> None:
    """Read the *size*-byte request off *conn* (the same work for both contenders)."""
    data = conn.recv(size)
    while len(data) < size:
        more = conn.recv(size - len(data))
        if not more:
            raise BenchError(f"{name} server: the request ended early")
        data += more


class StreamSocket(Protocol):
    """What the bulk benchmarks use of a socket: the same calls on both contenders."""

    def connect(self, address: tuple[str, int], /) -> None:
        """Connect to *address*."""

    def sendall(self, data: bytes, /) -> None:
        """Send all of *data*."""

    def recv(self, size: int, /) -> bytes:
        """Receive up to *size* bytes."""

    def recv_into(self, buffer: memoryview, /) -> int:
        """Receive into *buffer*."""

    def close(self) -> object:
        """Close the socket."""


def _stdlib_stream() -> StreamSocket:
    """A stdlib TCP socket, blocking, as the bulk benchmarks measure it."""
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)


def _winsockx_stream() -> StreamSocket:
    """A winsockx TCP socket, no timeout, as the bulk benchmarks measure it."""
    return winsockx.Socket(winsockx.AF_INET, winsockx.SOCK_STREAM, winsockx.IPPROTO_TCP)


# -- 4. graceful close --------------------------------------------------------------


class ClosingPeer:
    """A stdlib listener and a thread that reads each handed-over connection to its end
    of stream, then closes it: the far end of the graceful-close benchmark."""

    def __init__(self) -> None:
        """Listen on 127.0.0.1 and start the thread."""
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.listener.bind(LOCAL)
        self.listener.listen(8)
        self.listener.settimeout(PEER_TIMEOUT)
        self.address: tuple[str, int] = self.listener.getsockname()
        self.errors: list[BaseException] = []
        self._queue: queue.Queue[socket.socket | None] = queue.Queue()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="closing-peer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        """Close each connection once its end of stream arrives; stop on None or idleness."""
        while True:
            try:
                conn = self._queue.get(timeout=120.0)
            except queue.Empty:
                return
            if conn is None:
                return
            try:
                conn.settimeout(PEER_TIMEOUT)
                self._ready.set()
                while conn.recv(DRAIN_CHUNK):
                    pass
            except OSError as exc:
                self.errors.append(exc)
            finally:
                conn.close()

    def accept(self) -> socket.socket:
        """The peer's end of the connection just made to :attr:`address`."""
        conn, _ = self.listener.accept()
        return conn

    def hand(self, conn: socket.socket) -> None:
        """Give *conn* to the thread, which closes it after the end of stream.

        Returns once the thread is about to read, so the hand-over is not timed.
        """
        self._ready.clear()
        self._queue.put(conn)
        if not self._ready.wait(PEER_TIMEOUT):
            raise BenchError("the closing peer thread did not take the connection")

    def stop(self) -> None:
        """End the thread and close the listener."""
        self._queue.put(None)
        self._thread.join(JOIN_TIMEOUT)
        self.listener.close()
        if self._thread.is_alive():
            raise BenchError("the closing peer thread did not stop")

    def check(self) -> None:
        """Raise if the thread met an error."""
        if self.errors:
            raise BenchError(f"closing peer: {self.errors[0]!r}")

    def stdlib_close(self, cycles: int) -> float:
        """*cycles* stdlib graceful closes: shutdown(SHUT_WR), recv until b"", close."""
        total = 0.0
        for _ in range(cycles):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            try:
                s.connect(self.address)
                self.hand(self.accept())
                start = time.perf_counter()
                s.shutdown(socket.SHUT_WR)
                while s.recv(DRAIN_CHUNK):
                    pass
                s.close()
                total += time.perf_counter() - start
            finally:
                s.close()
        self.check()
        return total

    def winsockx_close(self, cycles: int) -> float:
        """*cycles* winsockx ``close()`` calls, each on a fresh connected socket."""
        total = 0.0
        for _ in range(cycles):
            s = winsockx.Socket(winsockx.AF_INET, winsockx.SOCK_STREAM, winsockx.IPPROTO_TCP)
            try:
                s.connect(self.address)
                self.hand(self.accept())
                start = time.perf_counter()
                report = s.close()
                total += time.perf_counter() - start
            finally:
                s.close()
            if not report.graceful:
                raise BenchError(f"winsockx close was not graceful: {report}")
        self.check()
        return total


# -- 5. accept, request, response, close --------------------------------------------


@dataclasses.dataclass
class Server:
    """Listeners of both kinds and the stdlib client that both serve alike."""

    stdlib_listener: socket.socket
    winsockx_listener: winsockx.Socket
    request: bytes = b"q" * REQUEST_SIZE
    response: bytes = b"r" * REQUEST_SIZE

    @classmethod
    def open(cls) -> Server:
        """Both listeners, on 127.0.0.1 ephemeral ports."""
        stdlib_listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        winsockx_listener = winsockx.Socket(
            winsockx.AF_INET, winsockx.SOCK_STREAM, winsockx.IPPROTO_TCP
        )
        for listener in (stdlib_listener, winsockx_listener):
            listener.bind(LOCAL)
            listener.listen(8)
        return cls(stdlib_listener, winsockx_listener)

    def close(self) -> None:
        """Close both listeners."""
        self.stdlib_listener.close()
        self.winsockx_listener.close()

    def client(self, port: int) -> socket.socket:
        """A stdlib client that has connected, sent the request and shut down sending."""
        c = socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT)
        try:
            c.sendall(self.request)
            c.shutdown(socket.SHUT_WR)
        except BaseException:
            c.close()
            raise
        return c

    def finish(self, c: socket.socket) -> None:
        """Read the whole response on the client side, check it and close the client."""
        with c:
            data = b""
            while True:
                more = c.recv(DRAIN_CHUNK)
                if not more:
                    break
                data += more
        if data != self.response:
            raise BenchError(f"the client got {len(data)} bytes, not the 100-byte response")

    def stdlib_serve(self, cycles: int, graceful: bool = True) -> float:
        """*cycles* requests served with the stdlib; graceful close unless told otherwise."""
        listener, size, response = self.stdlib_listener, REQUEST_SIZE, self.response
        port = listener.getsockname()[1]
        total = 0.0
        for _ in range(cycles):
            c = self.client(port)
            try:
                start = time.perf_counter()
                conn, _ = listener.accept()
                _read_request(conn, size, "stdlib")
                conn.sendall(response)
                if graceful:
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(DRAIN_CHUNK):
                        pass
                conn.close()
                total += time.perf_counter() - start
            finally:
                self.finish(c)
        return total

    def stdlib_serve_plain(self, cycles: int) -> float:
        """As :meth:`stdlib_serve`, closing with a plain ``close()``."""
        return self.stdlib_serve(cycles, graceful=False)

    def winsockx_serve(self, cycles: int) -> float:
        """*cycles* requests served with winsockx, closed with ``close()``."""
        listener, size, response = self.winsockx_listener, REQUEST_SIZE, self.response
        port = listener.getsockname().port
        total = 0.0
        for _ in range(cycles):
            c = self.client(port)
            try:
                start = time.perf_counter()
                conn, _ = listener.accept()
                _read_request(conn, size, "winsockx")
                conn.sendall(response)
                report = conn.close()
                total += time.perf_counter() - start
            finally:
                self.finish(c)
            if not report.graceful:
                raise BenchError(f"winsockx server close was not graceful: {report}")
        return total


# -- running and reporting ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    """A ratio the project tracks on Linux: ``<=`` for time, ``>=`` for throughput."""

    op: str
    value: float

    def met(self, ratio: float) -> bool:
        """True when *ratio* is within the target."""
        return ratio <= self.value if self.op == "<=" else ratio >= self.value


@dataclasses.dataclass
class Outcome:
    """The medians of one benchmark and its ratio."""

    key: str
    title: str
    throughput: bool
    ratio: float
    target: Target | None


@dataclasses.dataclass
class Benchmark:
    """One benchmark: its contenders (stdlib first, winsockx second, then extras)."""

    key: str
    title: str
    detail: str
    count: int
    unit: str
    contenders: Sequence[tuple[str, Sample]]
    throughput: bool = False
    target: Target | None = None


def run(bench: Benchmark, rounds: int) -> Outcome:
    """Warm up, run *rounds* paired rounds, print the medians, return the ratio."""
    print(f"\n{bench.title}: {bench.detail}", flush=True)
    warm = max(1, bench.count // 10)
    for _, sample in bench.contenders:
        sample(warm)
    times: dict[str, list[float]] = {name: [] for name, _ in bench.contenders}
    for _ in range(rounds):
        for name, sample in bench.contenders:
            times[name].append(sample(bench.count))
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    (base_name, base), (_, main) = list(medians.items())[:2]
    for index, (name, med) in enumerate(medians.items()):
        spread = f"(rounds {min(times[name]) / med:.2f}-{max(times[name]) / med:.2f} x median)"
        if bench.throughput:
            mib_s = bench.count / (1 << 20) / med
            value = f"{med:8.3f} s  {mib_s:8.0f} MiB/s"
            ratio = f"throughput ratio {base / med:5.2f}"
        else:
            value = f"{med / bench.count * 1e6:8.2f} {bench.unit}"
            ratio = f"time ratio {med / base:5.2f}"
        if name == base_name:
            ratio = " " * len(ratio)
        extra = "" if index < 2 else "  (for information)"
        print(f"  {name:24} {value}  {ratio}  {spread}{extra}", flush=True)
    result = base / main if bench.throughput else main / base
    return Outcome(bench.key, bench.title, bench.throughput, result, bench.target)


def summary(outcomes: Sequence[Outcome], rounds: int) -> None:
    """Print the ratios against the targets tracked on Linux."""
    print(f"\nsummary: median of {rounds} paired rounds; the targets are the ones tracked on Linux")
    if sys.platform != "linux":
        print("(on this platform the Linux targets are shown for comparison only)")
    print(f"  {'benchmark':30} {'ratio':>6}  {'meaning':40} {'target':>8}  verdict")
    for o in outcomes:
        meaning = (
            "winsockx/stdlib throughput, higher better"
            if o.throughput
            else "winsockx/stdlib time, lower better"
        )
        if o.target is None:
            target, verdict = "none", "-"
        else:
            target = f"{o.target.op} {o.target.value:.2f}"
            verdict = "ok" if o.target.met(o.ratio) else "over"
        print(f"  {o.title:30} {o.ratio:6.2f}  {meaning:40} {target:>8}  {verdict}")
    print("(information only: the exit status does not depend on these ratios)")


KEYS = ("bind", "option", "send", "recv", "close", "accept")


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Time winsockx against the stdlib socket module (ratios).",
    )
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument(
        "--bulk-mib", type=int, default=1024, help="MiB per bulk transfer (default 1024)"
    )
    parser.add_argument(
        "--chunk-kib", type=int, default=256, help="KiB per sendall / recv_into (default 256)"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies the operations per round of benchmarks 1, 2, 4 and 5 (default 1)",
    )
    parser.add_argument(
        "--only", default=",".join(KEYS), help=f"comma-separated subset of {','.join(KEYS)}"
    )
    args = parser.parse_args(argv)
    args.only = [key.strip() for key in args.only.split(",") if key.strip()]
    unknown = sorted(set(args.only) - set(KEYS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(KEYS)}")
    if args.rounds < 1 or args.bulk_mib < 1 or args.chunk_kib < 1 or args.scale <= 0:
        parser.error("--rounds, --bulk-mib, --chunk-kib and --scale must be positive")
    return args


def main(argv: Sequence[str]) -> int:
    """Run the chosen benchmarks and print each, then the summary; 0 unless one failed."""
    args = parse(argv)
    info = winsockx.backend_info()

    factor = float(args.scale)

    def scale(n: int) -> int:
        """*n* operations per round, times --scale."""
        return max(1, round(n * factor))

    nbytes, chunk = args.bulk_mib << 20, args.chunk_kib << 10
    print(f"winsockx against the stdlib socket module: {info.label}, {info.python}")
    print(f"median of {args.rounds} paired rounds, each running the stdlib then winsockx")
    print("time ratio       = winsockx time / stdlib time (lower is better; 2.00 = twice as slow)")
    print(
        "throughput ratio = stdlib time / winsockx time = winsockx throughput / stdlib"
        " throughput (higher is better; 0.95 = 95% of the stdlib's speed)"
    )
    winsockx_bind(1)  # starts Winsock once, as the first Socket of a process would
    outcomes: list[Outcome] = []
    chosen = set(args.only)

    if "bind" in chosen:
        bench = Benchmark(
            "bind",
            "1. bind cycle",
            "TCP socket (exclusive), bind 127.0.0.1:0, close",
            scale(2000),
            "us/cycle",
            [
                ("stdlib", stdlib_bind),
                ("winsockx.Socket", winsockx_bind),
                ("winsockx.raw", raw_bind),
            ],
            target=Target("<=", 2.0),
        )
        outcomes.append(run(bench, args.rounds))
    if "option" in chosen:
        bench = Benchmark(
            "option",
            "2. get_option(TYPE)",
            "get_option(SocketOption.TYPE) vs getsockopt(SOL_SOCKET, SO_TYPE)",
            scale(20000),
            "us/call",
            [("stdlib", stdlib_option), ("winsockx", winsockx_option)],
            target=Target("<=", 4.0),
        )
        outcomes.append(run(bench, args.rounds))
    if chosen & {"send", "recv"}:
        peer = PeerProcess(chunk)
        try:
            bulk = Bulk(peer, chunk)
            detail = f"{args.bulk_mib} MiB in {args.chunk_kib} KiB pieces, peer in another process"
            if "send" in chosen:
                bench = Benchmark(
                    "send",
                    "3a. bulk sendall",
                    f"{detail} that discards",
                    nbytes,
                    "",
                    [("stdlib", bulk.stdlib_send), ("winsockx", bulk.winsockx_send)],
                    throughput=True,
                    target=Target(">=", 0.95),
                )
                outcomes.append(run(bench, args.rounds))
            if "recv" in chosen:
                bench = Benchmark(
                    "recv",
                    "3b. bulk recv_into",
                    f"{detail} that sends",
                    nbytes,
                    "",
                    [("stdlib", bulk.stdlib_recv), ("winsockx", bulk.winsockx_recv)],
                    throughput=True,
                    target=Target(">=", 0.95),
                )
                outcomes.append(run(bench, args.rounds))
        finally:
            peer.stop()
    if "close" in chosen:
        closing = ClosingPeer()
        try:
            bench = Benchmark(
                "close",
                "4. graceful close",
                "shutdown(send), drain to end of stream, close; peer closes on end of stream",
                scale(500),
                "us/close",
                [("stdlib", closing.stdlib_close), ("winsockx", closing.winsockx_close)],
            )
            outcomes.append(run(bench, args.rounds))
        finally:
            closing.stop()
    if "accept" in chosen:
        server = Server.open()
        try:
            bench = Benchmark(
                "accept",
                "5. accept+request+close",
                "server side of accept, recv 100, send 100, graceful close",
                scale(500),
                "us/request",
                [
                    ("stdlib", server.stdlib_serve),
                    ("winsockx", server.winsockx_serve),
                    ("stdlib, plain close()", server.stdlib_serve_plain),
                ],
            )
            outcomes.append(run(bench, args.rounds))
        finally:
            server.close()
    summary(outcomes, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
