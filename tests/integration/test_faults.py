"""Faults around the items app (issue 9): a Runtime API that is slow, drops
connections or refuses posts; SQLite locked by another process or out of
disk; DynamoDB throttling; SIGTERM under load. After each, every write that
was acknowledged (a 201 that reached the client) is read back."""
import http.client
import itertools
import json
import os
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BIN_DIR, Server
from test_items import call, call_json
from test_items_dynamodb import CREDENTIALS, aws_scan, moto  # noqa: F401 (moto is a fixture)
from test_lambda import run_items, v2_event

ITEMS = os.path.abspath(os.path.join(BIN_DIR, "items"))
API = "/2018-06-01/runtime"


def item(n):
    return {"name": f"item {n}", "price": n + 0.5}


def assert_clean(output):
    assert "Sanitizer" not in output and "runtime error" not in output, output


# ---- the Lambda Runtime API misbehaving ----

class FaultyRuntimeAPI:
    """A Runtime API on raw sockets that misbehaves on cue. faults maps
    (kind, n) to an action for the n-th call (from 1) of that kind ("next",
    "response", "error"):
        ("sleep", s)  answer normally after s seconds
        "drop"        close the connection without a byte of answer
        "cut"         send the status line and headers (Content-Length 64), then close
        status (int)  answer with that status
    /next answers 410 once the events are used up, which ends the runtime."""

    def __init__(self, events, faults=None):
        self.events = [(f"req-{i:04d}", json.dumps(e).encode()) for i, e in enumerate(events, 1)]
        self.faults = faults or {}
        self.calls = []  # (kind, n, request id, connection number)
        self.lock = threading.Lock()
        self.counts = {"next": 0, "response": 0, "error": 0}
        self.handed = 0  # events handed out
        self.connections = itertools.count(1)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return "127.0.0.1:%d" % self.listener.getsockname()[1]

    @property
    def request_ids(self):
        return [rid for rid, _ in self.events]

    def posted(self, kind="response"):
        return [rid for k, _, rid, _ in self.calls if k == kind]

    def close(self):
        self.listener.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, next(self.connections)), daemon=True).start()

    def _serve(self, conn, number):
        with conn, conn.makefile("rb") as rfile:
            while self._one_request(conn, rfile, number):
                pass

    def _one_request(self, conn, rfile, number):
        line = rfile.readline()
        if not line:
            return False
        method, path, _ = line.decode().split(" ", 2)
        length = 0
        while (header := rfile.readline()) not in (b"\r\n", b""):
            name, value = header.decode().split(":", 1)
            if name.lower() == "content-length":
                length = int(value)
        rfile.read(length)
        kind, rid = ("next", None) if method == "GET" else (path.rsplit("/", 1)[1], path.split("/")[-2])
        event = None
        with self.lock:
            self.counts[kind] += 1
            action = self.faults.get((kind, self.counts[kind]), "ok")
            if kind == "next" and (action == "ok" or isinstance(action, tuple)) and self.handed < len(self.events):
                rid, event = self.events[self.handed]
                self.handed += 1
            self.calls.append((kind, self.counts[kind], rid, number))
        if isinstance(action, tuple):
            time.sleep(action[1])
        if action == "drop":
            return False
        if action == "cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\nContent-Type: application/json\r\n\r\n")
            return False
        if isinstance(action, int):
            return self._answer(conn, action, b'{"errorMessage":"refused on cue"}')
        if kind != "next":
            return self._answer(conn, 202, b'{"status":"OK"}')
        if event is None:
            return self._answer(conn, 410, b'{"errorMessage":"no more events"}')
        deadline = int(time.time() * 1000) + 30000
        return self._answer(conn, 200, event, f"Lambda-Runtime-Aws-Request-Id: {rid}\r\n"
                                              f"Lambda-Runtime-Deadline-Ms: {deadline}\r\n")

    @staticmethod
    def _answer(conn, status, body, headers=""):
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{headers}"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return True


@pytest.fixture
def faulty_api():
    started = []

    def start(events, faults=None):
        api = FaultyRuntimeAPI(events, faults)
        started.append(api)
        return api

    yield start
    for api in started:
        api.close()


def run_against(api):
    code, _, err = run_items(env={"AWS_LAMBDA_RUNTIME_API": api.endpoint}, timeout=60)
    assert_clean(err)
    return code, err


def test_a_slow_runtime_api_is_waited_for(faulty_api):
    api = faulty_api([v2_event()] * 2, {("next", 1): ("sleep", 2.0), ("response", 1): ("sleep", 1.0)})
    start = time.monotonic()
    code, err = run_against(api)
    assert time.monotonic() - start >= 3.0
    assert api.posted() == api.request_ids
    assert code != 0 and "answered 410 to /invocation/next" in err, err


def test_next_dropped_on_a_kept_alive_connection_is_retried_once(faulty_api):
    """The runtime reconnects when a reused connection closes before any
    answer (runtime_client.c): the Runtime API may close an idle connection."""
    api = faulty_api([v2_event()] * 2, {("next", 2): "drop"})
    code, err = run_against(api)
    assert api.posted() == api.request_ids
    nexts = [(n, conn) for kind, n, _, conn in api.calls if kind == "next"]
    assert nexts[1][1] == nexts[0][1] and nexts[2][1] != nexts[1][1]  # dropped on the reused one, then a new one
    assert "answered 410 to /invocation/next" in err, err


@pytest.mark.parametrize("faults,reason", [
    ({("next", 1): "drop"}, "connection closed before a whole response came from the Runtime API at"),
    ({("next", 2): "cut"}, "connection closed before a whole response came from the Runtime API at"),
    ({("next", 2): 500}, "the Runtime API answered 500 to /invocation/next"),
], ids=["dropped-on-a-new-connection", "cut-after-the-head", "answered-500"])
def test_a_next_that_cannot_be_trusted_stops_the_runtime(faulty_api, faults, reason):
    """Not retried: on a new connection the Runtime API is gone, and once
    part of an answer came the event may have been handed out."""
    api = faulty_api([v2_event()] * 3, faults)
    code, err = run_against(api)
    assert code != 0 and reason in err, err
    assert len([c for c in api.calls if c[0] == "next"]) == (1 if ("next", 1) in faults else 2)
    assert api.posted() == ([] if ("next", 1) in faults else api.request_ids[:1])


@pytest.mark.parametrize("fault,posted", [
    ("drop", [1, 1, 2, 3]),  # no answer on the reused connection: posted again
    ("cut", [1, 2, 3]),      # half an answer: logged, not posted again
    (500, [1, 2, 3]),
], ids=["dropped", "cut-after-the-head", "answered-500"])
def test_a_failed_response_post_is_logged_and_the_loop_goes_on(faulty_api, fault, posted):
    api = faulty_api([v2_event()] * 3, {("response", 1): fault})
    code, err = run_against(api)
    assert api.posted() == [api.request_ids[i - 1] for i in posted]
    if fault == "cut":
        assert "connection closed before a whole response came from the Runtime API" in err, err
    if fault == 500:
        assert f"answered 500 to {API}/invocation/{api.request_ids[0]}/response" in err, err
    assert "answered 410 to /invocation/next" in err, err


def test_a_refused_error_post_is_logged_and_the_loop_goes_on(faulty_api):
    api = faulty_api(["not an HTTP event", v2_event()], {("error", 1): 500})
    code, err = run_against(api)
    assert api.posted("error") == api.request_ids[:1] and api.posted() == api.request_ids[1:]
    assert f"answered 500 to {API}/invocation/{api.request_ids[0]}/error" in err, err


# ---- the next /next asked with the response (HTTP/1.1 pipelining) ----


def read_request(conn, data):
    """One request from conn, data being bytes already read: (head, rest)."""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "the runtime closed the connection"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(rest) < length:
        rest += conn.recv(65536)
    return head, rest[length:]


def next_with_response(command, event, env):
    """Hands one event to the bootstrap on a raw socket, reads its POST
    /response, then waits 0.5 s without answering: returns whether the GET
    /next had come by then (it can only have come with the POST)."""
    listener = socket.create_server(("127.0.0.1", 0))
    body = json.dumps(event).encode()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    full_env.update(env, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % listener.getsockname()[1], ITEMS_DB=":memory:")
    proc = subprocess.Popen([command], env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        conn, _ = listener.accept()
        with conn:
            head, rest = read_request(conn, b"")
            assert head.startswith(b"GET " + API.encode() + b"/invocation/next "), head
            conn.sendall(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-1\r\n"
                         b"Lambda-Runtime-Deadline-Ms: %d\r\nContent-Length: %d\r\n\r\n%s"
                         % (int(time.time() * 1000) + 30000, len(body), body))
            head, rest = read_request(conn, rest)
            assert head.startswith(b"POST " + API.encode() + b"/invocation/req-1/response "), head
            time.sleep(0.5)
            conn.setblocking(False)
            try:
                rest += conn.recv(65536)
            except BlockingIOError:
                pass
            conn.setblocking(True)
            came = rest.startswith(b"GET " + API.encode() + b"/invocation/next ")
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
            head, _ = read_request(conn, rest)
            assert head.startswith(b"GET " + API.encode() + b"/invocation/next "), head
            conn.sendall(b"HTTP/1.1 410 Gone\r\nContent-Length: 2\r\n\r\n{}")
        _, err = proc.communicate(timeout=30)
        assert_clean(err.decode())
        return came
    finally:
        proc.kill()
        listener.close()


def test_the_next_event_is_asked_with_the_response():
    """One send carries the POST /response and the GET /next: a system call
    and a round trip fewer per invocation (runtime-api.md §15)."""
    assert next_with_response(ITEMS, v2_event(), {"CG_ACCESS_LOG": "off"})


@pytest.mark.parametrize("command,path,access_log", [
    (ITEMS, "/api/health", "on"),
    (os.path.join(BIN_DIR, "mirror"), "/after/200", "off"),
], ids=["access-line-after-the-response", "deferred-work"])
def test_the_next_event_waits_for_work_after_the_response(command, path, access_log):
    """Lambda may freeze the sandbox once /next is asked: what runs after
    the response (an access line, cg_after_response work) comes first."""
    assert not next_with_response(command, v2_event(path=path), {"CG_ACCESS_LOG": access_log})


# ---- SQLite locked by another process ----

BUSY_TIMEOUT_S = 5.0  # store_sqlite.c: BUSY_TIMEOUT_MS

LOCK_HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def hold_lock(db, seconds):
    """Another process holding the write lock of db for `seconds`."""
    proc = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, db, str(seconds)], stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"locked\n"
    return proc


def post_all(srv, numbers):
    """POST item(n) for each n at once; {n: (status, body, seconds)}."""
    results = {}

    def post(n):
        start = time.monotonic()
        try:
            status, _, body = call_json(srv, "POST", "/api/items", item(n))
        except (OSError, http.client.HTTPException) as e:
            status, body = type(e).__name__, None
        results[n] = (status, body, time.monotonic() - start)

    threads = [threading.Thread(target=post, args=(n,)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def assert_readable(srv, acknowledged):
    for body in acknowledged:
        assert call_json(srv, "GET", f"/api/items/{body['id']}")[::2] == (200, body)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "items.db")


def test_writes_wait_out_a_short_lock(start_server, db):
    srv = start_server("items", env={"ITEMS_DB": db})
    first = post_all(srv, [0])[0][1]
    holder = hold_lock(db, 2.0)
    start = time.monotonic()
    status, _, _ = call(srv, "GET", f"/api/items/{first['id']}")  # WAL: readers do not wait
    assert status == 200 and time.monotonic() - start < 1.0
    results = post_all(srv, range(1, 5))
    holder.wait(timeout=10)
    assert [s for s, _, _ in results.values()] == [201] * 4
    assert max(t for _, _, t in results.values()) >= 1.0
    assert_readable(srv, [first] + [b for _, b, _ in results.values()])


def test_a_lock_held_past_the_busy_timeout_fails_the_write_then_writes_resume(start_server, db):
    """SQLite gives up after its busy timeout: the write is answered 503 with
    Retry-After and the store's reason logged, nothing half-written; once the
    lock is gone writes succeed. One write
    only: a second one on the same worker would queue behind the first and
    outlive the lock."""
    srv = start_server("items", env={"ITEMS_DB": db})
    holder = hold_lock(db, BUSY_TIMEOUT_S + 2)
    [(status, body, seconds)] = post_all(srv, [1]).values()
    assert (status, body) == (503, {"detail": "Service Unavailable"})
    assert BUSY_TIMEOUT_S * 0.9 < seconds < BUSY_TIMEOUT_S + 2
    assert srv.wait_for_output(rb"item store busy: insert item: database is locked")
    holder.wait(timeout=10)
    after = post_all(srv, [2, 3])
    assert [s for s, _, _ in after.values()] == [201, 201]
    listed = call_json(srv, "GET", "/api/items")[2]
    assert sorted(listed, key=lambda b: b["id"]) == sorted((b for _, b, _ in after.values()), key=lambda b: b["id"])


# ---- SQLite out of disk ----

@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs in a private mount namespace, kept by a holder process:
    (its directory as the holder sees it, the same through /proc for this
    process, the holder's pid)."""
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) to mount a small tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               f"mount -t tmpfs -o size=1m tmpfs {mount} && echo mounted && exec sleep 600"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if holder.stdout.readline() != b"mounted\n":
        holder.kill()
        pytest.skip("cannot mount a tmpfs here: " + holder.stderr.read().decode(errors="replace"))
    yield str(mount), f"/proc/{holder.pid}/root{mount}", holder.pid
    holder.kill()
    holder.wait()


def items_in_namespace(pid, db):
    return Server("items", env={"ITEMS_DB": db},
                  command=["nsenter", "-t", str(pid), "-m", ITEMS, "serve", "--port", "0", "--workers", "2"])


def fill(path):
    """Write zeros to `path` until the file system is full."""
    with open(path, "wb", buffering=0) as f:
        for _ in range(1024):
            try:
                f.write(b"\0" * 4096)
            except OSError:
                return
    raise AssertionError("the small disk never filled")


def test_a_full_disk_fails_writes_cleanly_and_keeps_what_was_acknowledged(small_disk):
    mount, seen_from_here, pid = small_disk
    db = os.path.join(mount, "items.db")
    srv = items_in_namespace(pid, db)
    try:
        acknowledged = [b for s, b, _ in post_all(srv, range(20)).values() if s == 201]
        assert len(acknowledged) == 20
        fill(os.path.join(seen_from_here, "filler"))
        failed = None
        for n in range(20, 520):  # until the WAL cannot grow
            status, _, body = call_json(srv, "POST", "/api/items", item(n) | {"description": "d" * 1000})
            if status != 201:
                failed = (status, body)
                break
            acknowledged.append(body)
        print(f"full disk: {len(acknowledged)} writes acknowledged before the first refusal (pytest -s)")
        assert failed == (503, {"detail": "Service Unavailable"})
        assert srv.wait_for_output(rb"item store busy: [a-z ]+: database or disk is full")
        assert call(srv, "GET", "/api/health")[0] == 200
        os.remove(os.path.join(seen_from_here, "filler"))
        status, _, body = call_json(srv, "POST", "/api/items", item(999))
        assert status == 201
        acknowledged.append(body)
        code, out = srv.stop()
        assert code == 0, out
        assert_clean(out)
        again = items_in_namespace(pid, db)
        assert_readable(again, acknowledged)
        code, out = again.stop()
        assert code == 0 and "database disk image is malformed" not in out, out
    finally:
        srv.stop(signal.SIGKILL)


# ---- DynamoDB throttling ----

class ThrottlingProxy:
    """Forwards DynamoDB calls to moto, answering the next `throttle` writes
    (PutItem, UpdateItem, DeleteItem) with ProvisionedThroughputExceededException,
    and losing the reply to the next `lose[operation]` calls of an operation:
    moto applies them, the client sees its connection closed without an answer.

    For the other calls, `plan(operation)`, when set, may name a fault:
        "throttle"      400 ThrottlingException, not forwarded
        "drop"          the connection closed before forwarding: nothing applied
        "lost"          forwarded (applied), then closed without an answer
        "fail"          forwarded (applied), then answered 500 InternalServerError
        ("delay", s)    forwarded after s seconds, unless the client gave up by then
        ("drip", s)     forwarded, and the answer sent a byte at a time over s seconds
    Each fault is recorded in `faults` as (operation, fault)."""

    THROTTLED = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                            "message": "The level of configured provisioned throughput for the table was exceeded."
                            }).encode()
    FAILED = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                         "message": "Internal server error"}).encode()
    THROTTLING = json.dumps({"__type": "com.amazon.coral.availability#ThrottlingException",
                             "message": "Rate of requests exceeds the allowed throughput."}).encode()

    def __init__(self, upstream):
        self.upstream = upstream.split("//", 1)[1]
        self.throttle = 0
        self.lose = {}
        self.seen = []  # (operation, throttled)
        self.replies = []  # (operation, body) of every answer moto gave
        self.plan = None
        self.faults = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(proxy):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                with proxy.lock:
                    throttled = operation in ("PutItem", "UpdateItem", "DeleteItem") and proxy.throttle > 0
                    proxy.throttle -= throttled
                    proxy.seen.append((operation, throttled))
                    fault = proxy.plan(operation) if proxy.plan and not throttled else None
                    if fault:
                        proxy.faults.append((operation, fault))
                kind, seconds = fault if isinstance(fault, tuple) else (fault, 0)
                if throttled or kind == "throttle":
                    return self._send(400, proxy.THROTTLED if throttled else proxy.THROTTLING)
                if kind == "drop":
                    self.close_connection = True
                    return
                time.sleep(seconds if kind == "delay" else 0)
                if kind == "delay" and self._client_left():
                    # Forwarded now, a write could land after a later one
                    # of the same client (RELIABILITY.md: held writes).
                    self.close_connection = True
                    return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=30)
                conn.request("POST", self.path, body, dict(self.headers))
                answer = conn.getresponse()
                status, reply = answer.status, answer.read()
                conn.close()
                with proxy.lock:
                    proxy.replies.append((operation, reply))
                    counted = proxy.lose.get(operation, 0) > 0
                    proxy.lose[operation] = proxy.lose.get(operation, 0) - counted
                if counted or kind == "lost":
                    self.close_connection = True  # applied upstream; the answer never comes
                    return
                if kind == "fail":
                    return self._send(500, proxy.FAILED)
                self._send(status, reply, seconds if kind == "drip" else 0)

            def _client_left(self):
                readable, _, _ = select.select([self.connection], [], [], 0)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""

            def _send(self, status, body, drip=0):
                """The answer; with drip, a byte at a time over `drip` seconds."""
                raw = (f"HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                chunks = [raw[i:i + 1] for i in range(len(raw))] if drip else [raw]
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        time.sleep(drip / len(chunks))
                except OSError:  # the client gave up on a drip
                    self.close_connection = True

        return Handler


@pytest.fixture
def throttled_items(start_server, moto):  # noqa: F811 (moto: the fixture)
    proxy = ThrottlingProxy(moto)
    table = f"throttled-{os.getpid()}-{time.monotonic_ns()}"
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url, "ITEMS_STORE": "dynamodb", "ITEMS_TABLE": table,
           "ITEMS_CREATE_TABLE": "1"}
    yield start_server("items", env=env), proxy, table
    proxy.close()


def test_throttled_writes_are_retried_until_they_succeed(throttled_items, moto):  # noqa: F811
    srv, proxy, table = throttled_items
    proxy.throttle = 2
    start = time.monotonic()
    status, _, body = call_json(srv, "POST", "/api/items", item(1))
    assert status == 201 and time.monotonic() - start < 4  # two back-offs: rand * 1 s, rand * 2 s
    assert sum(throttled for _, throttled in proxy.seen) == 2
    assert [it["name"]["S"] for it in aws_scan(moto, table) if "name" in it] == ["item 1"]


def test_throttling_past_the_retries_fails_the_write_and_loses_nothing(throttled_items, moto):  # noqa: F811
    srv, proxy, table = throttled_items
    acknowledged = [call_json(srv, "POST", "/api/items", item(1))[2]]
    proxy.throttle = 1000
    before = len(proxy.seen)
    status, headers, body = call_json(srv, "POST", "/api/items", item(2))
    assert (status, body, headers["retry-after"]) == (503, {"detail": "Service Unavailable"}, "1")
    assert [op for op, _ in proxy.seen[before:]] == ["UpdateItem"] * 3  # three attempts, the counter never moved
    assert srv.wait_for_output(rb"ProvisionedThroughputExceededException|throttled")
    proxy.throttle = 0
    status, _, body = call_json(srv, "POST", "/api/items", item(3))
    assert status == 201
    acknowledged.append(body)
    stored = {int(it["id"]["N"]): it["name"]["S"] for it in aws_scan(moto, table) if "name" in it}
    assert stored == {b["id"]: b["name"] for b in acknowledged}


def test_a_write_whose_reply_is_lost_is_answered_as_it_happened(throttled_items, moto):  # noqa: F811
    """The reply to a PutItem or a DeleteItem lost after moto applied it: the
    client's retry meets its own earlier write (the id taken, the item gone)
    and the app answers what happened, not 500 or 404."""
    srv, proxy, table = throttled_items
    proxy.lose = {"PutItem": 1}
    status, _, created = call_json(srv, "POST", "/api/items", item(1))
    assert status == 201, created
    assert proxy.lose["PutItem"] == 0
    stored = {int(it["id"]["N"]): it["name"]["S"] for it in aws_scan(moto, table) if "name" in it}
    assert stored == {created["id"]: "item 1"}  # once, at the id answered
    proxy.lose = {"DeleteItem": 1}
    status, _, _ = call_json(srv, "DELETE", f"/api/items/{created['id']}")
    assert status == 204
    assert proxy.lose["DeleteItem"] == 0
    assert [it for it in aws_scan(moto, table) if "name" in it] == []
    status, _, _ = call_json(srv, "DELETE", f"/api/items/{created['id']}")
    assert status == 404  # answered, nothing lost: a missing item is still a 404


# ---- SIGTERM under load ----

def test_sigterm_under_load_loses_no_acknowledged_write(start_server, db):
    srv = start_server("items", env={"ITEMS_DB": db})
    acknowledged, outcomes, lock = [], [], threading.Lock()
    enough = threading.Event()

    def writer(w):
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        for i in range(400):
            try:
                conn.request("POST", "/api/items", json.dumps(item(w * 1000 + i)),
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                status, raw = resp.status, resp.read()
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    outcomes.append(type(e).__name__)  # judged below: a half answer would be IncompleteRead
                conn.close()
                conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
                if srv.proc.poll() is not None:
                    return
                continue
            with lock:
                outcomes.append(status)
                if status == 201:
                    acknowledged.append(json.loads(raw))
                if len(acknowledged) >= 200:
                    enough.set()
            if resp.getheader("connection") == "close":
                conn.close()
                conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        conn.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    assert enough.wait(timeout=60)
    srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(timeout=20)  # before stop(): a second signal would end it at once
    code, out = srv.stop()
    for t in threads:
        t.join(timeout=60)
    assert code == 0, out[-2000:]
    assert_clean(out)
    # No answer at all (refused, reset, closed before a byte, a closed
    # keep-alive connection written to) is clean; a partial one is not.
    clean = {201, 503, "RemoteDisconnected", "ConnectionResetError", "ConnectionRefusedError", "BrokenPipeError"}
    assert set(outcomes) <= clean, set(outcomes)
    print(f"SIGTERM under load: {len(acknowledged)} writes acknowledged, outcomes "
          f"{ {o: outcomes.count(o) for o in set(outcomes)} } (pytest -s)")
    with sqlite3.connect(db) as check:
        rows = {r[0]: r[1:] for r in check.execute("SELECT id, name, price, description FROM items")}
    for body in acknowledged:
        assert rows.get(body["id"]) == (body["name"], body["price"], body["description"])
