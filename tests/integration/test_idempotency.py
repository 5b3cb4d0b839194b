"""Idempotency-Key on the items app (docs/idempotency.md), on both stores:
a repeat returns the first response and creates nothing; the same key with
another body is a 422; a repeat while the first runs is a 409; a key expires
after ITEMS_IDEMPOTENCY_TTL; on DynamoDB, a claim whose reply was lost is
still this request's own."""
import hashlib
import json
import os
import sqlite3
import struct
import subprocess
import threading
import time
import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BIN_DIR
from test_items import HAMMER, call, call_json
from test_items_dynamodb import CREDENTIALS, aws_scan, moto  # noqa: F401 (moto is a fixture)

ITEMS = os.path.join(BIN_DIR, "items")
KEY = '"7d1c2e9a-5f0b-4c1e-9a64-2b8f0e3d6c11"'


def post(srv, body, key=KEY, path="/api/items", method="POST"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return call_json(srv, method, path, body, headers)


def listed(srv):
    return call_json(srv, "GET", "/api/items?limit=100")[2]


def assert_replayed(first, again):
    """again is first's response replayed: the same status, body and Location."""
    assert again[0] == first[0]
    assert again[2] == first[2]
    assert again[1].get("location") == first[1].get("location")
    assert again[1]["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first[1]


# ---- the rules, on each store ----

def check_repeat(srv):
    first = post(srv, HAMMER)
    again = post(srv, HAMMER)
    assert first[0] == 201, first
    assert_replayed(first, again)
    assert post(srv, HAMMER, key=KEY.strip('"'))[2] == first[2]  # a bare key is the same key
    assert listed(srv) == [first[2]]
    # Another key, or none, creates another item.
    assert post(srv, HAMMER, key='"another"')[2]["id"] != first[2]["id"]
    assert post(srv, HAMMER, key=None)[0] == 201
    assert len(listed(srv)) == 3
    # A DELETE replayed gets its 204 again, not the 404 a second delete would.
    path = f"/api/items/{first[2]['id']}"
    assert post(srv, None, key='"del-1"', path=path, method="DELETE")[0] == 204
    status, headers, _ = post(srv, None, key='"del-1"', path=path, method="DELETE")
    assert (status, headers["idempotent-replayed"]) == (204, "true")


def check_different_body(srv):
    assert post(srv, HAMMER)[0] == 201
    status, _, body = post(srv, {**HAMMER, "price": 10})
    assert (status, body) == (422, {"detail": "This Idempotency-Key was used with a different request"})
    assert len(listed(srv)) == 1


def check_bad_key(srv):
    for key in ['""', '"caf\\u00e9"', "two words", '"' + "k" * 256 + '"']:
        status, _, body = post(srv, HAMMER, key=key)
        assert status == 400, key
        assert "Idempotency-Key" in body["detail"]
    assert listed(srv) == []


def check_expiry(srv):
    """ITEMS_IDEMPOTENCY_TTL=1: the key is free again after a second."""
    first = post(srv, HAMMER)
    time.sleep(1.2)
    later = post(srv, HAMMER)
    assert later[0] == 201 and "idempotent-replayed" not in later[1]
    assert later[2]["id"] != first[2]["id"]


CHECKS = [check_repeat, check_different_body, check_bad_key]


# ---- SQLite ----

def scope_hash(method, route, key, credential=""):
    """The record's key as the middleware computes it (docs/idempotency.md):
    SHA-256 over each part after its length (8 bytes, little-endian)."""
    h = hashlib.sha256()
    for part in (method, route, credential, key):
        data = part.encode()
        h.update(struct.pack("<Q", len(data)) + data)
    return h.hexdigest()


def fingerprint(method, path, query, body):
    h = hashlib.sha256()
    for data in (method.encode(), path.encode(), query.encode(), body):
        h.update(struct.pack("<Q", len(data)) + data)
    return h.hexdigest()


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "items.db")


@pytest.mark.parametrize("check", CHECKS)
def test_sqlite(start_server, db, check):
    check(start_server("items", env={"ITEMS_DB": db}))


def test_sqlite_expiry(start_server, db):
    check_expiry(start_server("items", env={"ITEMS_DB": db, "ITEMS_IDEMPOTENCY_TTL": "1"}))


def claim_by_hand(db, until_ms):
    """An in-progress record of KEY for POST HAMMER, as a request that is
    still running (on another instance, say) leaves it, until until_ms."""
    now = int(time.time() * 1000)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO cg_idempotency (key_hash, fingerprint, token, status, expires_ms, "
                     "in_progress_until_ms) VALUES (?, ?, 'by-hand', 0, ?, ?)",
                     (scope_hash("POST", "/api/items", KEY.strip('"')),
                      fingerprint("POST", "/api/items", "", json.dumps(HAMMER).encode()), now + 3600_000, until_ms))
    conn.close()


def test_sqlite_in_progress_is_409_until_its_claim_times_out(start_server, db):
    srv = start_server("items", env={"ITEMS_DB": db})
    post(srv, {"name": "x", "price": 1}, key='"warm-up"')  # the first claim makes the table
    claim_by_hand(db, int(time.time() * 1000) + 1500)
    status, headers, body = post(srv, HAMMER)
    assert (status, body) == (409, {"detail": "A request with this Idempotency-Key is in progress"})
    assert headers["retry-after"] in ("1", "2")
    time.sleep(1.6)  # the claim of a request that crashed frees the key
    status, headers, _ = post(srv, HAMMER)
    assert status == 201 and "idempotent-replayed" not in headers


def test_a_bad_lifetime_setting_is_named():
    env = {**os.environ, "ITEMS_IDEMPOTENCY_TTL": "1h"}
    out = subprocess.run([ITEMS, "openapi"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "ITEMS_IDEMPOTENCY_TTL=1h is not a number of seconds" in out.stderr


def test_the_document_shows_the_header_and_the_answers():
    out = subprocess.run([ITEMS, "openapi"], capture_output=True, text=True, timeout=30, check=True)
    doc = json.loads(out.stdout)
    create = doc["paths"]["/api/items"]["post"]
    assert [p["name"] for p in create["parameters"]] == ["Idempotency-Key"]
    assert {"409", "422"} <= set(create["responses"])
    assert "parameters" not in doc["paths"]["/api/items"]["get"] or all(
        p["name"] != "Idempotency-Key" for p in doc["paths"]["/api/items"]["get"]["parameters"])


# ---- DynamoDB ----

class Proxy:
    """Forwards DynamoDB calls to moto, delaying those `delay` picks by
    `delay_s`, and losing the reply to the next `lose` calls that `lost`
    picks: moto applies them, the client sees its connection closed."""

    def __init__(self, upstream):
        self.upstream = upstream.split("//", 1)[1]
        self.delay = lambda operation, body: False
        self.delay_s = 0.0
        self.lost = lambda operation, body: False
        self.lose = 0
        self.seen = []  # operations, in order
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
                    proxy.seen.append(operation)
                    lose = proxy.lose > 0 and proxy.lost(operation, body)
                    proxy.lose -= lose
                if proxy.delay(operation, body):
                    time.sleep(proxy.delay_s)
                conn = http.client.HTTPConnection(proxy.upstream, timeout=30)
                conn.request("POST", self.path, body, dict(self.headers))
                answer = conn.getresponse()
                status, reply = answer.status, answer.read()
                conn.close()
                if lose:
                    self.close_connection = True  # applied upstream; the answer never comes
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        return Handler


def is_claim(operation, body):
    return operation == "PutItem" and b'"idempotency#' in body and b'"idem_status":{"N":"0"}' in body


def is_item_write(operation, body):
    return operation == "PutItem" and b'"idempotency#' not in body


@pytest.fixture
def ddb(start_server, moto):  # noqa: F811 (moto: the fixture)
    """start(extra env) -> (items server, proxy, table), through a proxy."""
    proxy = Proxy(moto)
    tables = []

    def start(**env):
        table = f"idem-{os.getpid()}-{time.monotonic_ns()}"
        tables.append(table)
        srv = start_server("items", env={**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url,
                                         "ITEMS_STORE": "dynamodb", "ITEMS_TABLE": table, "ITEMS_CREATE_TABLE": "1",
                                         **env})
        return srv, proxy, table

    yield start
    proxy.close()


def records(moto, table):  # noqa: F811
    return [it for it in aws_scan(moto, table) if it["pk"]["S"].startswith("idempotency#")]


@pytest.mark.parametrize("check", CHECKS)
def test_dynamodb(ddb, check):
    srv, _, _ = ddb()
    check(srv)


def test_dynamodb_record_layout(ddb, moto):  # noqa: F811
    srv, _, table = ddb()
    first = post(srv, HAMMER)
    [rec] = records(moto, table)
    assert rec["id"] == {"N": "0"} and rec["idem_status"] == {"N": "1"}
    assert rec["response_status"] == {"N": "201"}
    assert json.loads(__import__("base64").b64decode(rec["response_body"]["B"])) == first[2]
    assert abs(int(rec["expires_at"]["N"]) - (time.time() + 3600)) < 60  # the TTL attribute, epoch seconds


def test_dynamodb_expiry(ddb):
    srv, _, _ = ddb(ITEMS_IDEMPOTENCY_TTL="1")
    check_expiry(srv)


def test_dynamodb_concurrent_repeat_is_409(ddb, moto):  # noqa: F811
    """The item's write is held 2 s: a repeat meanwhile finds the claim."""
    srv, proxy, table = ddb()
    proxy.delay, proxy.delay_s = is_item_write, 2.0
    first = {}
    thread = threading.Thread(target=lambda: first.setdefault("answer", post(srv, HAMMER)))
    thread.start()
    time.sleep(0.8)
    status, headers, body = post(srv, HAMMER)
    assert (status, body) == (409, {"detail": "A request with this Idempotency-Key is in progress"})
    assert 1 <= int(headers["retry-after"]) <= 60
    thread.join(timeout=30)
    proxy.delay = lambda operation, body: False
    assert first["answer"][0] == 201
    assert_replayed(first["answer"], post(srv, HAMMER))
    assert [it["name"]["S"] for it in aws_scan(moto, table) if "name" in it] == ["Hammer"]


def test_dynamodb_a_lost_claim_reply_is_still_this_requests_claim(ddb, moto):  # noqa: F811
    """moto applies the claim, its reply is lost, the client retries: the
    retry finds the request's own token and goes on. Without it, the
    request would answer 409 against itself."""
    srv, proxy, table = ddb()
    proxy.lost, proxy.lose = is_claim, 1
    first = post(srv, HAMMER)
    assert first[0] == 201, first
    assert proxy.lose == 0 and proxy.seen.count("PutItem") >= 4  # claim twice, item, completion
    assert_replayed(first, post(srv, HAMMER))
    assert [it["name"]["S"] for it in aws_scan(moto, table) if "name" in it] == ["Hammer"]
