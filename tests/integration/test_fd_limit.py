"""The open-file limit (issue 17): more clients than RLIMIT_NOFILE allows, over
two workers. The server must pause accepting instead of spinning on EMFILE,
log the condition a few times instead of once per attempt, serve again as
soon as the clients leave, and obey SIGTERM throughout. At start-up it raises
its soft limit to the hard one and says when --max-connections x workers
cannot fit."""
import os
import re
import resource
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BIN_DIR, HttpReader, Server

ITEMS = os.path.join(BIN_DIR, "items")
LIMIT = 256
FLOOD = 2 * LIMIT
LIMIT_LINE = re.compile(rb"open files")
HEALTH = b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n"
KEEP_OUTPUT = 1 << 20


class LimitedServer(Server):
    """items with two workers under `prlimit --nofile=SOFT:HARD`. It keeps the
    first megabyte of output and counts the lines about the limit: a server
    that logs every failed accept writes hundreds of megabytes a second."""

    limit_lines = 0

    def __init__(self, soft, hard, args=()):
        command = ["prlimit", f"--nofile={soft}:{hard}", "--", ITEMS, "serve", "--port", "0", "--workers", "2",
                   *args]
        super().__init__("items", env={"ITEMS_DB": ":memory:"}, command=command)

    def _collect_output(self):
        for line in self.proc.stdout:
            if LIMIT_LINE.search(line):
                self.limit_lines += 1
            if len(self.output) < KEEP_OUTPUT:
                self.output += line

    def open_files_limit(self):
        """(soft, hard) RLIMIT_NOFILE of the server (prlimit execs it: same pid)."""
        with open(f"/proc/{self.proc.pid}/limits") as f:
            line = next(line for line in f if line.startswith("Max open files"))
        return tuple(int(n) for n in line.split()[3:5])

    def terminate(self, timeout=5.0):
        """SIGTERM; returns (seconds to exit, exit code), (None, None) if it did not."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None, None
        finally:
            self._reader.join(timeout=5.0)
        return time.monotonic() - start, self.proc.returncode


@pytest.fixture
def limited():
    """Factory: limited(soft, hard, args) -> LimitedServer; killed at teardown.
    The test itself needs a descriptor per client of the flood."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = FLOOD + 64
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"the open-file limit ({hard}) is too low for {FLOOD} clients")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    started = []

    def start(soft, hard, args=()):
        srv = LimitedServer(soft, hard, args)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()


class Flood:
    """n clients over a few threads, like a load generator: each sends a
    request and keeps its connection; one that the server closes is opened
    again at once. Past the server's limit they wait in the listening
    sockets' backlogs. Runs until stopped (a `with` block)."""

    THREADS = 4

    def __init__(self, srv, n=FLOOD):
        self.address = (srv.host, srv.port)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n // self.THREADS,), daemon=True)
                        for _ in range(self.THREADS)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=10.0)

    def _run(self, n):
        clients = {}  # by descriptor
        try:
            while not self.stopping.is_set():
                while len(clients) < n and not self.stopping.is_set():
                    try:
                        s = socket.create_connection(self.address, timeout=1.0)
                        s.sendall(HEALTH)
                        clients[s.fileno()] = s
                    except OSError:  # the server is gone, or its backlog is full
                        time.sleep(0.05)
                poller = select.poll()
                for fd in clients:
                    poller.register(fd, select.POLLIN)
                for fd, _ in poller.poll(50):
                    if not self._read(clients[fd]):
                        clients.pop(fd).close()
        finally:
            for s in clients.values():
                s.close()

    @staticmethod
    def _read(s):
        """Read what came; False once the server has closed the connection."""
        try:
            return bool(s.recv(65536))
        except OSError:
            return False


def health_status(srv, timeout):
    """The status of GET /api/health on a new connection, None without an answer."""
    try:
        with socket.create_connection((srv.host, srv.port), timeout=timeout) as s:
            s.sendall(HEALTH)
            return HttpReader(s).response()[0]
    except OSError:
        return None


def seconds_to_recover(srv, within):
    """Seconds until a new client is answered 200, None if not within `within`."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        if health_status(srv, timeout=0.5) == 200:
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def assert_clean(output):
    assert "Sanitizer" not in output and "runtime error" not in output, output


def test_at_the_limit_it_logs_little_and_recovers(limited):
    # The clients stay idle: the server sits at the limit until they leave.
    srv = limited(LIMIT, LIMIT, ["--idle-timeout", "60000"])
    with Flood(srv):
        before = srv.limit_lines
        time.sleep(3.0)
        logged = srv.limit_lines - before
        assert srv.proc.poll() is None, srv.output.decode(errors="replace")
    assert 0 < logged < 20, f"{logged} lines about the limit in 3 s"
    recovered = seconds_to_recover(srv, within=10.0)
    assert recovered is not None and recovered < 3.0, f"a new client served after {recovered} s"
    elapsed, code = srv.terminate()
    assert elapsed is not None and elapsed < 1.0, f"SIGTERM: exit after {elapsed} s"
    assert code == 0
    assert_clean(srv.output.decode(errors="replace"))


def test_sigterm_while_the_flood_is_open(limited):
    srv = limited(LIMIT, LIMIT, ["--idle-timeout", "60000"])
    with Flood(srv):
        time.sleep(2.0)
        elapsed, code = srv.terminate()
    assert elapsed is not None and elapsed < 1.0, f"SIGTERM: exit after {elapsed} s"
    assert code == 0
    assert_clean(srv.output.decode(errors="replace"))


def test_start_up_raises_the_soft_limit(limited):
    srv = limited(LIMIT, 4096, ["--max-connections", "100"])
    assert srv.open_files_limit() == (4096, 4096)
    assert b"open-file limit" not in srv.output
    assert health_status(srv, timeout=5.0) == 200


def test_start_up_warns_when_connections_cannot_fit(limited):
    srv = limited(LIMIT, 1024, ["--max-connections", "1000"])
    assert srv.open_files_limit() == (1024, 1024)
    # 2 x (1000 + 8 per worker) + 32 shared + 40 blocking threads x 4 = 2208 needed;
    # (1024 - 32 - 160) / 2 - 8 = 408 fit.
    warning = re.search(rb"open-file limit \(1024\) is below the 2208 descriptors that 2 workers x 1000 "
                        rb"connections need.*--max-connections 408", srv.output)
    assert warning, srv.output.decode(errors="replace")
