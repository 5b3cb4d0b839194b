"""Cursor pages of GET /api/items on both stores (issue 18, item 5): walking
the Link headers returns every item once, in id order, while items come and
go between pages; a page from a cursor on DynamoDB reads O(limit) items
(counted in moto's Query answers through a proxy), and a run of emptied
buckets costs a bounded number of Queries per page; bad cursors are 422s;
the Link carries the root path on Lambda."""
import json
import os
import re
import subprocess
import sys
import time

import botocore.session
import pytest

from conftest import BIN_DIR
from test_faults import ThrottlingProxy
from test_items import call, call_json, errors
from test_items_dynamodb import CREDENTIALS, moto  # noqa: F401 (moto is a fixture)
from test_lambda import v2_event

ITEMS = os.path.join(BIN_DIR, "items")
KEY = "5e" * 32
OTHER_KEY = "a7" * 32
LINK = re.compile(r'^<(/[^>]*)>; rel="next"$')
BUCKET = 100  # ids per DynamoDB partition key (store_dynamodb.c)


def next_page(headers):
    """The path of the Link rel="next", or None on the last page."""
    link = headers.get("link")
    if link is None:
        return None
    m = LINK.match(link)
    assert m, link
    return m.group(1)


def create_many(srv, n):
    return [call_json(srv, "POST", "/api/items", {"name": f"item {i}", "price": i + 0.5})[2]["id"]
            for i in range(n)]


def walk(srv, path, between=lambda pages: None, max_pages=50):
    """Follow Links from `path`: the ids of every page, in order."""
    pages = []
    while path:
        assert len(pages) < max_pages, f"still a Link after {max_pages} pages: {path}"
        status, headers, body = call_json(srv, "GET", path)
        assert status == 200, body
        pages.append([it["id"] for it in body])
        between(pages)
        path = next_page(headers)
    return pages


def walk_while_changing(srv, ids, limit):
    """Walk every page while a new item is created and an item not yet
    reached is deleted between pages; what the walk must return: each item
    that lived through it, once, in order, and the new ones past the start."""
    deleted, created = set(), []

    def change(pages):
        ahead = max([0, *(i for page in pages for i in page)]) + 5
        if ahead in ids and ahead not in deleted:
            assert call(srv, "DELETE", f"/api/items/{ahead}")[0] == 204
            deleted.add(ahead)
        created.extend(create_many(srv, 1))

    pages = walk(srv, f"/api/items?limit={limit}", change)
    seen = [i for page in pages for i in page]
    assert seen == sorted(set(seen)), "in order, each once"
    assert seen == sorted((set(ids) - deleted) | set(created[:-1])), "all but the one made after the last page"
    return pages


# ---- SQLite ----


@pytest.fixture
def items(start_server, tmp_path):
    return start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db"), "ITEMS_CURSOR_KEY": KEY})


def test_links_walk_every_item_once_in_order(items):
    pages = walk_while_changing(items, create_many(items, 45), 10)
    assert all(len(page) == 10 for page in pages[:-1])


def test_a_full_last_page_has_no_link(items):
    create_many(items, 4)
    status, headers, body = call_json(items, "GET", "/api/items?limit=2")
    assert [it["id"] for it in body] == [1, 2] and next_page(headers).startswith("/api/items?limit=2&cursor=")
    status, headers, body = call_json(items, "GET", next_page(headers))
    assert [it["id"] for it in body] == [3, 4] and "link" not in headers


def test_an_offset_page_links_to_a_cursor(items):
    create_many(items, 5)
    status, headers, body = call_json(items, "GET", "/api/items?limit=2&offset=1")
    assert [it["id"] for it in body] == [2, 3]
    assert [it["id"] for it in call_json(items, "GET", next_page(headers))[2]] == [4, 5]


def value_error(msg, cursor):
    return [{"type": "value_error", "loc": ["query", "cursor"], "msg": "Value error, " + msg, "input": cursor,
             "ctx": {"error": {}}}]


def test_bad_cursors_are_422s(items, start_server, tmp_path):
    create_many(items, 3)
    cursor = next_page(call(items, "GET", "/api/items?limit=1")[1]).split("cursor=")[1]
    altered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    other = start_server("items", env={"ITEMS_DB": str(tmp_path / "other.db"), "ITEMS_CURSOR_KEY": OTHER_KEY})
    create_many(other, 3)
    foreign = next_page(call(other, "GET", "/api/items?limit=1")[1]).split("cursor=")[1]
    not_one = "not a cursor: a cursor is the 34 characters given in the Link header of the previous page"
    for bad, msg in [
        (altered, "a cursor this API did not give out: altered, or signed with another key"),
        (foreign, "a cursor this API did not give out: altered, or signed with another key"),
        (cursor[:-1], not_one), (cursor + "A", not_one), ("", not_one), ("%FF" * 12, not_one),
        ("1", not_one), ("=" * 34, not_one),
    ]:
        got = errors(items, "GET", "/api/items?cursor=" + bad)
        assert got[0]["msg"] == "Value error, " + msg, bad
        assert got[0]["loc"] == ["query", "cursor"] and len(got) == 1
    assert errors(items, "GET", f"/api/items?cursor={cursor}&offset=0") == value_error(
        "cursor and offset cannot be used together: the cursor says where the page starts", cursor)
    assert call(items, "GET", f"/api/items?cursor={cursor}")[0] == 200, "the good one still works"


def test_cursors_cross_processes_with_the_same_key(items, start_server, tmp_path):
    create_many(items, 3)
    path = next_page(call(items, "GET", "/api/items?limit=1")[1])
    items.stop()
    again = start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db"), "ITEMS_CURSOR_KEY": KEY})
    assert [it["id"] for it in call_json(again, "GET", path)[2]] == [2]


@pytest.mark.parametrize("key, reason", [
    ("abc", "3 characters: a key is 64 to 128 hex digits"),
    ("zz" * 32, "not hex at character 1"),
])
def test_a_bad_key_stops_start_up_naming_it(start_server, key, reason):
    with pytest.raises(RuntimeError) as failed:
        start_server("items", env={"ITEMS_DB": ":memory:", "ITEMS_CURSOR_KEY": key})
    assert "ITEMS_CURSOR_KEY: " + reason in str(failed.value)


def test_without_a_key_cursors_work_within_the_process(start_server):
    srv = start_server("items", env={"ITEMS_DB": ":memory:", "ITEMS_CURSOR_KEY": ""})
    assert srv.wait_for_output(rb"ITEMS_CURSOR_KEY is not set")
    create_many(srv, 3)
    assert walk(srv, "/api/items?limit=2") == [[1, 2], [3]]


def test_browsers_may_read_the_link(start_server):
    srv = start_server("items", env={"ITEMS_DB": ":memory:", "CORS_ALLOW_ORIGINS": "https://app.example"})
    headers = call(srv, "GET", "/api/items", headers={"Origin": "https://app.example"})[1]
    assert headers["access-control-expose-headers"].lower() == "link"


def test_the_document_describes_the_cursor(items):
    doc = call_json(items, "GET", "/openapi.json")[2]
    op = doc["paths"]["/api/items"]["get"]
    cursor = next(p for p in op["parameters"] if p["name"] == "cursor")
    assert cursor["in"] == "query" and {"type": "string"} in cursor["schema"]["anyOf"] and not cursor["required"]
    assert 'rel="next"' in op["description"]
    assert op["responses"]["200"]["headers"]["Link"]["schema"] == {"type": "string"}


# ---- the Lambda path: the Link carries the stage ----


def invoke(env, path, query):
    event = v2_event("GET", "/dev" + path, rawQueryString=query)
    event["requestContext"]["stage"] = "dev"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ITEMS_"))}
    proc = subprocess.run([ITEMS, "invoke", "-"], env={**full_env, **env}, input=json.dumps(event).encode(),
                          capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    answer = json.loads(proc.stdout)
    return answer["statusCode"], answer.get("headers", {}), json.loads(answer["body"])


def test_the_link_carries_the_root_path_on_lambda(items, tmp_path):
    create_many(items, 3)
    env = {"ITEMS_DB": str(tmp_path / "items.db"), "ITEMS_CURSOR_KEY": KEY}
    status, headers, body = invoke(env, "/api/items", "limit=2")
    assert [it["id"] for it in body] == [1, 2]
    link = LINK.match(headers["link"]).group(1)
    assert link.startswith("/dev/api/items?limit=2&cursor=")
    path, query = link[len("/dev"):].split("?")
    status, headers, body = invoke(env, path, query)  # another process: the key is shared
    assert (status, [it["id"] for it in body], "link" in headers) == (200, [3], False)


# ---- DynamoDB: buckets of 100 ids ----


@pytest.fixture
def ddb(start_server, moto):  # noqa: F811 (moto: the fixture)
    """items on a new table behind a proxy that keeps moto's answers."""
    proxy = ThrottlingProxy(moto)
    table = f"pages-{os.getpid()}-{time.monotonic_ns()}"
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url, "ITEMS_STORE": "dynamodb", "ITEMS_TABLE": table,
           "ITEMS_CREATE_TABLE": "1", "ITEMS_CURSOR_KEY": KEY, "LOG_LEVEL": "debug"}
    yield start_server("items", env=env), proxy, table
    proxy.close()


def client(moto):  # noqa: F811
    return botocore.session.get_session().create_client(
        "dynamodb", endpoint_url=moto, region_name=CREDENTIALS["AWS_REGION"],
        aws_access_key_id="testing", aws_secret_access_key="testing")


def queries_since(proxy, mark):
    """The Query answers after proxy.replies[mark]: [(items read, LastEvaluatedKey?)]."""
    answers = [json.loads(body) for op, body in proxy.replies[mark:] if op == "Query"]
    return [(a["ScannedCount"], "LastEvaluatedKey" in a) for a in answers]


def seed(moto, table, count):  # noqa: F811
    """Items 1 .. count written straight into the table in the bucket
    layout (creates through the app take 0.1 s each on moto under ASan)."""
    ddb_client = client(moto)
    items = [{"pk": {"S": f"item#{i // BUCKET}"}, "id": {"N": str(i)}, "name": {"S": f"item {i}"},
              "price": {"N": f"{i}.5"}} for i in range(1, count + 1)]
    for first in range(0, count, 25):
        ddb_client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": it}} for it in items[first:first + 25]]})
    set_last_id(moto, table, count)
    return list(range(1, count + 1))


def set_last_id(moto, table, last_id):  # noqa: F811
    client(moto).update_item(TableName=table, Key={"pk": {"S": "counter"}, "id": {"N": "0"}},
                             UpdateExpression="SET last_id = :n", ExpressionAttributeValues={":n": {"N": str(last_id)}})


def test_dynamodb_links_walk_every_item_once_across_buckets(ddb, moto):  # noqa: F811
    srv, proxy, table = ddb
    pages = walk_while_changing(srv, seed(moto, table, 250), 30)  # buckets 0, 1, 2
    assert max(i for page in pages for i in page) >= 2 * BUCKET


def test_dynamodb_layout_spreads_items_over_buckets(ddb, moto):  # noqa: F811
    srv, proxy, table = ddb
    create_many(srv, 3)
    set_last_id(moto, table, 198)
    create_many(srv, 2)  # ids 199 and 200
    keys = sorted((it["pk"]["S"], int(it["id"]["N"])) for it in client(moto).scan(TableName=table)["Items"])
    assert keys == [("counter", 0), ("item#0", 1), ("item#0", 2), ("item#0", 3), ("item#1", 199), ("item#2", 200)]
    for i in (1, 199, 200):
        assert call_json(srv, "GET", f"/api/items/{i}")[0] == 200
    assert call(srv, "PUT", f"/api/items/199", {"name": "x", "price": 1})[0] == 200
    assert call(srv, "DELETE", f"/api/items/200")[0] == 204


def test_a_deep_page_from_a_cursor_reads_only_its_items(ddb, moto):  # noqa: F811
    srv, proxy, table = ddb
    seed(moto, table, 230)
    status, headers, _ = call_json(srv, "GET", "/api/items?limit=10&offset=200")
    mark = len(proxy.replies)
    status, headers, body = call_json(srv, "GET", next_page(headers))
    assert [it["id"] for it in body] == list(range(211, 221))
    assert queries_since(proxy, mark) == [(11, True)], "one Query of limit + 1 items, not 221"
    mark = len(proxy.replies)
    call_json(srv, "GET", "/api/items?limit=10&offset=200")
    assert sum(n for n, _ in queries_since(proxy, mark)) >= 211, "an offset reads what it skips"
    assert srv.wait_for_output(rb"Query item#2 above id 210: 11 items, [0-9.]+ read units")


def test_emptied_buckets_cost_a_bounded_number_of_queries(ddb, moto):  # noqa: F811
    """Ids 4 .. 5003 never written (as if deleted): buckets 1 to 49 empty.
    A page reads at most 16 buckets and ends early, with a Link."""
    srv, proxy, table = ddb
    create_many(srv, 3)
    set_last_id(moto, table, 5003)
    create_many(srv, 2)  # 5004, 5005
    path, pages, per_page = "/api/items?limit=5", [], []
    while path and len(pages) < 10:
        mark = len(proxy.replies)
        status, headers, body = call_json(srv, "GET", path)
        pages.append([it["id"] for it in body])
        per_page.append(len(queries_since(proxy, mark)))
        path = next_page(headers)
    assert (pages, per_page) == ([[1, 2, 3], [], [], [5004, 5005]], [16, 16, 16, 3])


def test_the_migration_moves_old_items_into_buckets(ddb, moto):  # noqa: F811
    """Items of the single-partition layout (pk "item"), moved by
    tools/items-migrate-buckets.py, twice (a second run finds nothing)."""
    srv, proxy, table = ddb
    old = [{"pk": {"S": "item"}, "id": {"N": str(i)}, "name": {"S": f"old {i}"}, "price": {"N": "1.5"}}
           for i in (1, 2, 150)]
    for it in old:
        client(moto).put_item(TableName=table, Item=it)
    set_last_id(moto, table, 150)
    assert call_json(srv, "GET", "/api/items")[2] == []
    script = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "items-migrate-buckets.py")
    env = {**os.environ, **CREDENTIALS}
    for moved in (3, 0):
        out = subprocess.run([sys.executable, script, table, "--endpoint-url", moto], env=env, capture_output=True,
                             text=True, timeout=60, check=True).stdout
        assert out == f"{table}: {moved} items moved into buckets of 100 ids\n"
    assert walk(srv, "/api/items?limit=2") == [[1, 2], [150]]
    keys = sorted((it["pk"]["S"], int(it["id"]["N"])) for it in client(moto).scan(TableName=table)["Items"])
    assert keys == [("counter", 0), ("item#0", 1), ("item#0", 2), ("item#1", 150)]
