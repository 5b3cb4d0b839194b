"""A slow store must not slow what does not use it (issue 18): the items
app's store routes are declared blocking, so on the local server they run on
the blocking pool and /api/health keeps answering at once while SQLite is
locked by another process or DynamoDB (moto) is paused; a full pool answers
503 with Retry-After at once; on Lambda an AWS call ends before the
invocation's deadline. Every server runs with --workers 2, as in the
finding."""
import http.client
import json
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import BIN_DIR
from moto_server import moto_process
from test_faults import BUSY_TIMEOUT_S, hold_lock, item
from test_items import call, create
from test_items_dynamodb import CREDENTIALS
from test_lambda import v2_event

HEALTH_P99_MS = 50
CALL_TIMEOUT_MS = 3000  # CG_AWS_CALL_TIMEOUT_MS of the paused-DynamoDB test
MARGIN_S = 1.0          # what a store call may take past its own bound: a loaded 2-core runner


def p99(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def probe_health(srv, stop, interval=0.015):
    """GET /api/health on a fresh connection (so both workers are sampled)
    until `stop` is set; the latencies in ms."""
    latencies = []
    while not stop.is_set():
        start = time.monotonic()
        status, _, _ = call(srv, "GET", "/api/health")
        latencies.append((time.monotonic() - start) * 1000)
        assert status == 200
        time.sleep(interval)
    return latencies


def timed(srv, method, path, body=None):
    """(status, headers, seconds, monotonic time at the end); the exception's
    name as the status when there was no answer."""
    start = time.monotonic()
    try:
        status, headers, _ = call(srv, method, path, body)
    except (OSError, http.client.HTTPException) as e:
        status, headers = type(e).__name__, {}
    end = time.monotonic()
    return status, headers, end - start, end


def store_load(srv, method, path, body, stop, clients=6):
    """`clients` threads calling a store route in a loop until `stop` is set;
    returns (threads, results: a list of timed(...) tuples)."""
    results = []

    def client():
        while not stop.is_set():
            results.append(timed(srv, method, path, body))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    return threads, results


def during(srv, fault_seconds, method, path, body=None):
    """Store calls from several clients and a health probe for
    `fault_seconds` (the fault is on); (health latencies, store results)."""
    stop = threading.Event()
    threads, results = store_load(srv, method, path, body, stop)
    health = []
    prober = threading.Thread(target=lambda: health.extend(probe_health(srv, stop)))
    prober.start()
    time.sleep(fault_seconds)
    stop.set()
    for t in threads + [prober]:
        t.join(timeout=30)
        assert not t.is_alive(), "a client hung"
    return health, results


def report(name, health, results):
    statuses = sorted({str(r[0]) for r in results})
    print(f"\n{name}: /api/health p99 {p99(health):.1f} ms over {len(health)} requests; "
          f"store calls {len(results)}, statuses {statuses}, longest {max(r[2] for r in results):.2f} s")


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "items.db")


def test_health_stays_fast_while_sqlite_is_locked(start_server, db):
    srv = start_server("items", args=["--workers", "2", "--quiet"], env={"ITEMS_DB": db})
    create(srv, item(0))
    holder = hold_lock(db, 6.0)
    unlocked = time.monotonic() + 6.0
    health, results = during(srv, 6.0, "POST", "/api/items", item(1))
    holder.wait(timeout=10)
    report("SQLite locked 6 s", health, results)
    assert len(health) >= 200
    assert p99(health) < HEALTH_P99_MS
    assert {r[0] for r in results} <= {201, 503}
    # Each waited SQLite's busy timeout at most, or until the lock was gone.
    assert all(seconds < BUSY_TIMEOUT_S + MARGIN_S or end < unlocked + MARGIN_S
               for _, _, seconds, end in results), results
    assert call(srv, "POST", "/api/items", item(2))[0] == 201


def test_health_stays_fast_while_dynamodb_is_paused(start_server):
    with moto_process() as (url, moto):
        env = {**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": url, "ITEMS_STORE": "dynamodb",
               "ITEMS_TABLE": "items-paused", "ITEMS_CREATE_TABLE": "1",
               "CG_AWS_CALL_TIMEOUT_MS": str(CALL_TIMEOUT_MS)}
        srv = start_server("items", args=["--workers", "2", "--quiet"], env=env)
        first = create(srv, item(0))
        moto.send_signal(signal.SIGSTOP)
        try:
            health, results = during(srv, 8.0, "GET", f"/api/items/{first['id']}")
        finally:
            moto.send_signal(signal.SIGCONT)
        report("DynamoDB paused 8 s", health, results)
        assert len(health) >= 200
        assert p99(health) < HEALTH_P99_MS
        assert {r[0] for r in results} <= {200, 500, 503}
        assert max(r[2] for r in results) < CALL_TIMEOUT_MS / 1000 + MARGIN_S
        assert srv.wait_for_output(rb"within the call's time \(CG_AWS_CALL_TIMEOUT_MS\)")
        assert call(srv, "GET", f"/api/items/{first['id']}")[0] == 200


def test_a_full_pool_answers_503_at_once(start_server, db):
    """One thread, one place in the queue: a third write while the first
    waits for the lock and the second waits for the thread is refused."""
    srv = start_server("items", args=["--workers", "2", "--blocking-threads", "1", "--blocking-queue", "1"],
                       env={"ITEMS_DB": db})
    create(srv, item(0))
    holder = hold_lock(db, 3.0)
    admitted = []
    threads = [threading.Thread(target=lambda n=n: admitted.append(timed(srv, "POST", "/api/items", item(n))))
               for n in (1, 2)]
    for t in threads:
        t.start()
        time.sleep(0.2)  # in this order: the first runs, the second waits
    extra = [timed(srv, "POST", "/api/items", item(n)) for n in range(3, 8)]
    for t in threads:
        t.join(timeout=30)
    holder.wait(timeout=10)
    print(f"\nfull pool: extra requests {[(r[0], round(r[2] * 1000, 1)) for r in extra]}; "
          f"admitted {[(r[0], round(r[2], 2)) for r in admitted]}")
    for status, headers, seconds, _ in extra:
        assert (status, headers.get("retry-after")) == (503, "1")
        assert seconds < 0.1
    assert sorted(r[0] for r in admitted) == [201, 201]
    assert srv.wait_for_output(rb"the blocking pool is full \(--blocking-threads 1, --blocking-queue 1\); "
                               rb"\d+ requests refused with 503")


def test_on_lambda_a_paused_dynamodb_is_given_up_before_the_deadline(runtime_api):
    """The invocation has 2 s; the AWS call alone would be allowed 30 s. The
    answer is posted before the deadline, and the log says why."""
    timeout_ms = 2000
    api = runtime_api(timeout_ms=timeout_ms)
    api.add_event(v2_event(path="/api/items/1"))
    with moto_process() as (url, moto):
        moto.send_signal(signal.SIGSTOP)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
        env.update(CREDENTIALS, AWS_LAMBDA_RUNTIME_API=api.endpoint, AWS_ENDPOINT_URL_DYNAMODB=url,
                   ITEMS_STORE="dynamodb", ITEMS_TABLE="items-lambda", CG_AWS_CALL_TIMEOUT_MS="30000")
        start = time.monotonic()
        proc = subprocess.Popen([os.path.join(BIN_DIR, "items")], env=env, stderr=subprocess.PIPE)
        while not api.posts and proc.poll() is None and time.monotonic() - start < 15:
            time.sleep(0.01)
        answered = time.monotonic() - start
        try:
            _, err = proc.communicate(timeout=15)
        finally:
            proc.kill()
    print(f"\nLambda, DynamoDB paused: answered after {answered * 1000:.0f} ms of a {timeout_ms} ms deadline")
    [post] = api.posts
    assert post.kind == "response"
    assert json.loads(post.body)["statusCode"] in (500, 503)  # the store's error, or busy: a 5xx in time
    # From the process's start, which comes before the deadline's: the
    # answer came before the deadline, and not long before it.
    assert timeout_ms / 1000 - 0.6 < answered < timeout_ms / 1000
    assert b"no whole answer before the request's deadline (Lambda: the invocation's" in err, err
