"""Writes that survive every fault between items and DynamoDB (issue 18): a
seeded mix of lost replies, dropped connections, delays, drips and
throttling on a share of all the calls, under creates, replaces and deletes
from a few clients at once. Then, through a clean path (the table read
straight from moto), what each client was told must be what happened:

  - every acknowledged write (2xx) is what the table shows, unless a later
    write of the same client changed it; a create is there exactly once;
  - a write answered 500 or 503 was not applied;
  - a write answered 504 says that its outcome is unknown, and may be there
    or not (for a create, once at most);
  - no item is there twice, and none that no client sent.

The fault proxy is test_faults.ThrottlingProxy; the figures of a run are
printed (pytest -s) and recorded in RELIABILITY.md."""
import collections
import http.client
import json
import os
import random
import threading
import time

import pytest

from test_faults import ThrottlingProxy, assert_clean
from test_items import call_json
from test_items_dynamodb import CREDENTIALS, aws_scan, moto  # noqa: F401 (moto is a fixture)

SEED = 18
CLIENTS = 4
WRITES = 150  # in all, shared by the clients
CALL_TIMEOUT_MS = 2000  # CG_AWS_CALL_TIMEOUT_MS: some drips outlast it
UNKNOWN = {"detail": "The item store did not answer: whether the write was applied is unknown"}
ABSENT = None  # an item's state when the table does not hold it
NOT_APPLIED = (500, 503)


def fault_plan(rng):
    """A fault for about a third of the calls, each kind in its share."""
    def plan(operation):
        if operation in ("DescribeTable", "CreateTable"):
            return None
        r = rng.random()
        return ("lost" if r < 0.08 else "drop" if r < 0.14 else ("delay", rng.uniform(0.05, 0.5)) if r < 0.20
                else ("drip", rng.uniform(0.5, 3.0)) if r < 0.25 else "throttle" if r < 0.32 else None)
    return plan


class Client:
    """One client's writes, in order, with what it was told. `states` maps
    each id it created to the states the table may show for it now: the
    last acknowledged one and those of writes of unknown outcome since."""

    def __init__(self, number, srv, writes):
        self.number, self.srv, self.writes = number, srv, writes
        self.rng = random.Random(SEED * 100 + number)
        self.states = {}
        self.unknown_creates, self.failed_creates = [], []
        self.answers = collections.Counter()
        self.error = None

    def run(self):
        try:
            for n in range(self.writes):
                self.write(n)
        except Exception as e:  # noqa: BLE001 (reported by the test)
            self.error = e

    def call(self, method, path, body=None):
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port, timeout=60)
        try:
            conn.request(method, path, json.dumps(body) if body else None, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def write(self, n):
        live = [i for i, states in self.states.items() if states != {ABSENT}]
        kind = self.rng.choice(["create"] * 5 + (["replace"] * 3 + ["delete"] * 2 if live else []))
        sent = {"name": f"client {self.number} write {n}", "price": round(self.rng.uniform(0.01, 1000), 2),
                "description": self.rng.choice([None, f"written by {kind}"])}
        state = (sent["name"], sent["price"], sent["description"])
        if kind == "create":
            self.create(sent, state)
        else:
            self.change(kind, self.rng.choice(live), sent, state if kind == "replace" else ABSENT)

    def create(self, sent, state):
        status, body = self.call("POST", "/api/items", sent)
        self.answers[("create", status)] += 1
        if status == 201:
            assert body == {"id": body["id"], **sent}
            self.states[body["id"]] = {state}
        elif self.maybe_applied(status, body):
            self.unknown_creates.append(state)
        else:
            self.failed_creates.append(state)

    def change(self, kind, item_id, sent, state):
        """A replace (`state`: what it writes) or a delete (`state`: ABSENT)."""
        path = f"/api/items/{item_id}"
        status, body = self.call("PUT", path, sent) if kind == "replace" else self.call("DELETE", path)
        self.answers[(kind, status)] += 1
        states = self.states[item_id]
        if status in (200, 204):
            states.clear()
            states.add(state)
        elif status == 404:  # only after a delete of unknown outcome
            assert ABSENT in states, (kind, item_id, states)
            states.intersection_update({ABSENT})
        elif self.maybe_applied(status, body):
            states.add(state)

    @staticmethod
    def maybe_applied(status, body):
        """A refused write: 504, which must say its outcome is unknown, or
        500 or 503, which say it was not applied."""
        assert (status, body) == (504, UNKNOWN) or status in NOT_APPLIED, (status, body)
        return status == 504


def table_items(url, table):
    """{id: (name, price, description)} of the items in the table."""
    return {int(it["id"]["N"]): (it["name"]["S"], float(it["price"]["N"]), it.get("description", {}).get("S"))
            for it in aws_scan(url, table) if "name" in it}


@pytest.fixture
def faulty_items(start_server, moto):  # noqa: F811 (moto: the fixture)
    proxy = ThrottlingProxy(moto)
    table = f"faults-{os.getpid()}-{time.monotonic_ns()}"
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url, "ITEMS_STORE": "dynamodb", "ITEMS_TABLE": table,
           "ITEMS_CREATE_TABLE": "1", "CG_AWS_CALL_TIMEOUT_MS": str(CALL_TIMEOUT_MS)}
    yield start_server("items", args=["--workers", str(CLIENTS)], env=env), proxy, table
    proxy.close()


def test_every_answer_is_what_happened_under_mixed_faults(faulty_items, moto):  # noqa: F811
    srv, proxy, table = faulty_items
    clients = [Client(c, srv, WRITES // CLIENTS + (c < WRITES % CLIENTS)) for c in range(CLIENTS)]
    # The counter item, made before the run: moto, unlike DynamoDB, may give
    # the same id to two "ADD last_id 1" that both find no counter.
    status, warm_up = clients[0].call("POST", "/api/items", {"name": "warm-up", "price": 1})
    assert status == 201 and clients[0].call("DELETE", f"/api/items/{warm_up['id']}")[0] == 204
    proxy.plan = fault_plan(random.Random(SEED))
    threads = [threading.Thread(target=c.run) for c in clients]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    seconds = time.monotonic() - start
    proxy.plan = None
    assert not any(t.is_alive() for t in threads), "a client hung"
    for c in clients:
        assert c.error is None, repr(c.error)

    stored = table_items(moto, table)
    names = collections.Counter(name for name, _, _ in stored.values())
    assert max(names.values(), default=1) == 1, "an item is there twice"
    known = {item_id: states for c in clients for item_id, states in c.states.items()}
    for item_id, states in known.items():
        assert stored.get(item_id, ABSENT) in states, (item_id, stored.get(item_id), states)
    unknown = {state for c in clients for state in c.unknown_creates}
    strays = {state for item_id, state in stored.items() if item_id not in known}
    assert strays <= unknown, "an item no acknowledged or unknown create made"
    failed = {state for c in clients for state in c.failed_creates}
    assert not failed & set(stored.values()), "a create answered 500 or 503 was applied"

    faults = collections.Counter(f if isinstance(f, str) else f[0] for _, f in proxy.faults)
    answers = sum((c.answers for c in clients), collections.Counter())
    print(f"mixed faults: {len(proxy.seen)} DynamoDB calls, faults {dict(faults)}; {WRITES} writes in {seconds:.1f} s, "
          f"answers {dict(sorted(answers.items()))}; creates of unknown outcome {len(unknown)}, "
          f"{len(strays)} of them applied (pytest -s)")
    assert all(faults[kind] >= 3 for kind in ("lost", "drop", "delay", "drip", "throttle")), faults
    code, out = srv.stop()
    assert code == 0, out[-2000:]
    assert_clean(out)


def answer_under(srv, proxy, faults, method, path, body=None):
    """One request while every call of the operations in `faults` meets its fault."""
    proxy.plan = faults.get
    try:
        status, _, answer = call_json(srv, method, path, body)
        return status, answer
    finally:
        proxy.plan = None


def test_writes_that_never_get_an_answer(faulty_items, moto):  # noqa: F811
    """Every attempt unanswered: the item read back says what happened, and
    when it cannot, the answer says that the outcome is unknown."""
    srv, proxy, table = faulty_items
    lost, unread = {"PutItem": "lost"}, {"PutItem": "lost", "GetItem": "lost"}
    status, item = answer_under(srv, proxy, lost, "POST", "/api/items", {"name": "read back", "price": 1})
    assert status == 201 and item["name"] == "read back"
    failed = {"PutItem": "fail"}  # a 5xx: as unknown an outcome as none
    status, other = answer_under(srv, proxy, failed, "POST", "/api/items", {"name": "failed", "price": 5})
    assert status == 201 and answer_under(srv, proxy, {}, "DELETE", f"/api/items/{other['id']}") == (204, None)
    assert answer_under(srv, proxy, unread, "POST", "/api/items", {"name": "applied", "price": 2}) == (504, UNKNOWN)
    dropped = {"PutItem": "drop"}
    not_applied = {"name": "not applied", "price": 3}
    assert answer_under(srv, proxy, dropped, "POST", "/api/items", not_applied) == (504, UNKNOWN)
    path = f"/api/items/{item['id']}"
    assert answer_under(srv, proxy, unread, "PUT", path, {"name": "replaced", "price": 4}) == (504, UNKNOWN)
    assert answer_under(srv, proxy, {"DeleteItem": "lost"}, "DELETE", path) == (204, None)
    assert sorted(name for name, _, _ in table_items(moto, table).values()) == ["applied"]
    assert srv.wait_for_output(rb"WARN .*item store: .*read back failed: the outcome is unknown")
