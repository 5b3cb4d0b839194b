"""Shared fixtures: start a real app binary on an ephemeral loopback port."""
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

BIN_DIR = os.environ.get("CGATE_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/dev/bin"))
LISTENING = re.compile(rb"listening on http://([0-9.]+):(\d+)")


class Server:
    """One running app process; `port` is the port it reported."""

    def __init__(self, app, args=(), env=None, timeout=10.0, command=None):
        """command: the whole command line, for programs other than `APP serve`."""
        full_env = dict(os.environ)
        full_env.update(env or {})
        cmd = command or [os.path.join(BIN_DIR, app), "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=full_env)
        self.output = b""
        # Read from the start on a thread, so that a quiet server cannot block
        # the wait below and a chatty one never blocks on a full pipe.
        self._reader = threading.Thread(target=self._collect_output, daemon=True)
        self._reader.start()
        m = self.wait_for_output(LISTENING, timeout)
        if m:
            self.host, self.port = m.group(1).decode(), int(m.group(2))
            return
        self.proc.kill()
        self._reader.join(timeout=5.0)
        raise RuntimeError(f"{app} did not start: {self.output.decode(errors='replace')}")

    def _collect_output(self):
        for line in self.proc.stdout:
            self.output += line

    def wait_for_output(self, pattern, timeout=5.0):
        """Wait until the server's output matches a regex (bytes); return the match or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.output)
            if m or (self.proc.poll() is not None and not self._reader.is_alive()):
                return m
            time.sleep(0.02)
        return None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def connect(self, timeout=5.0):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        return s

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal the process, wait for it and return (exit code, rest of its output)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5.0)
        return self.proc.returncode, self.output.decode(errors="replace")


@pytest.fixture
def start_server():
    """Factory: start_server("items", args=[...], env={...}) -> Server; all stopped at teardown."""
    started = []

    def start(app, args=(), env=None):
        srv = Server(app, args, env)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        if srv.proc.poll() is None:
            srv.stop(signal.SIGKILL)


def recv_until_closed(sock, limit=1 << 22):
    """Read everything until the peer closes (or the socket times out)."""
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


class HttpReader:
    """Reads HTTP/1.1 responses one by one from a socket, keeping bytes that
    belong to the next (pipelined) response."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed; unread: {self.buf!r}")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def response(self, head_request=False):
        """(status, {lowercased name: [values]}, body)."""
        status_line = self._line().decode("latin-1")
        status = int(status_line.split(" ")[1])
        headers = {}
        while True:
            line = self._line().decode("latin-1")
            if not line:
                break
            name, value = line.split(":", 1)
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        if head_request or status in (204, 304) or 100 <= status < 200:
            return status, headers, b""
        if "chunked" in headers.get("transfer-encoding", [""])[0]:
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    return status, headers, body
                body += self._take(size)
                self._take(2)
        return status, headers, self._take(int(headers.get("content-length", ["0"])[0]))


def read_response(sock):
    """One response from a socket that carries no pipelined bytes after it."""
    return HttpReader(sock).response()


@pytest.fixture
def runtime_api():
    """Factory: runtime_api(response_statuses=(...)) -> a Lambda Runtime API
    emulator on a loopback port (runtime_api.py); all closed at teardown."""
    from runtime_api import RuntimeAPI

    started = []

    def start(**kwargs):
        api = RuntimeAPI(**kwargs)
        started.append(api)
        return api

    yield start
    for api in started:
        api.close()
