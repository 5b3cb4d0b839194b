"""The items app on DynamoDB (ITEMS_STORE=dynamodb) against moto_server on a
loopback port: the same answers as on SQLite, byte for byte, on the local
server and through `items invoke` (the Lambda path); the table checked with
`aws dynamodb scan`."""
import itertools
import json
import os
import subprocess
import sys
import threading

import pytest

from conftest import BIN_DIR
from moto_server import running_moto
from test_items import HAMMER, call, call_json, create

VENV_BIN = os.path.dirname(sys.executable)
ITEMS = os.path.join(BIN_DIR, "items")
TOOL = os.path.join(BIN_DIR, "aws_tool")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "token",
               "AWS_REGION": "us-east-1"}
tables = itertools.count(1)


@pytest.fixture(scope="module")
def moto():
    """moto_server on 127.0.0.1; its URL."""
    with running_moto() as url:
        yield url


@pytest.fixture
def ddb_env(moto):
    """The environment of an items process on a new, empty table."""
    return {**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": moto, "ITEMS_STORE": "dynamodb",
            "ITEMS_TABLE": f"items-{next(tables)}", "ITEMS_CREATE_TABLE": "1"}


@pytest.fixture
def items_ddb(start_server, ddb_env):
    return start_server("items", env=ddb_env)


def aws_scan(moto, table):
    env = {**os.environ, **CREDENTIALS, "AWS_DEFAULT_REGION": CREDENTIALS["AWS_REGION"]}  # awscli v1 reads only this
    out = subprocess.run([os.path.join(VENV_BIN, "aws"), "dynamodb", "scan", "--endpoint-url", moto,
                          "--table-name", table, "--output", "json"], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    return sorted(json.loads(out.stdout)["Items"], key=lambda it: (it["pk"]["S"], int(it["id"]["N"])))


# ---- the same answers as SQLite ----


def scenario(srv):
    """A CRUD session; every answer as (status, location, body bytes)."""
    answers = []

    def record(method, path, body=None):
        status, hdrs, raw = call(srv, method, path, body)
        answers.append((method, path, status, hdrs.get("location"), raw))

    for i in range(1, 26):
        item = {"name": f"item {i}", "price": i * 1.5}
        if i % 3 == 0:
            item["description"] = f"caf\u00e9 \u2615 \"{i}\"\n"
        record("POST", "/api/items", item)
    record("POST", "/api/items", {"name": "big", "price": 1e16})
    record("POST", "/api/items", {"name": "tiny", "price": 0.1})
    for query in ["", "?limit=5&offset=20", "?limit=100", "?offset=27", "?limit=1&offset=3", "?offset=100"]:
        record("GET", "/api/items" + query)
    record("GET", "/api/items/26")
    record("PUT", "/api/items/2", {"name": "Mallet", "price": 12.25, "description": "rubber"})
    record("PUT", "/api/items/3", {"name": "No description", "price": 10})
    record("GET", "/api/items/3")
    record("DELETE", "/api/items/1")
    for method, body in [("GET", None), ("PUT", HAMMER), ("DELETE", None)]:
        record(method, "/api/items/1", body)
        record(method, "/api/items/999", body)
    record("POST", "/api/items", HAMMER)  # id 28: deleted ids are not reused
    record("GET", "/api/items?limit=3")
    return answers


def test_same_answers_as_sqlite(start_server, items_ddb, tmp_path):
    sqlite = start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db")})
    expected = scenario(sqlite)
    got = scenario(items_ddb)
    for want, have in zip(expected, got):
        assert have == want
    assert len(got) == len(expected)


def test_table_holds_the_items_and_the_counter(items_ddb, ddb_env, moto):
    create(items_ddb, HAMMER)
    create(items_ddb, {"name": "Saw", "price": 10})
    assert call(items_ddb, "DELETE", "/api/items/1")[0] == 204
    assert aws_scan(moto, ddb_env["ITEMS_TABLE"]) == [
        {"pk": {"S": "counter"}, "id": {"N": "0"}, "last_id": {"N": "2"}},
        {"pk": {"S": "item#0"}, "id": {"N": "2"}, "name": {"S": "Saw"}, "price": {"N": "10.0"}},
    ]


def test_concurrent_creates_get_distinct_ids(items_ddb):
    created, lock = [], threading.Lock()

    def post_many(worker):
        for i in range(10):
            body = create(items_ddb, {"name": f"w{worker}-{i}", "price": i + 1})
            with lock:
                created.append(body["id"])

    threads = [threading.Thread(target=post_many, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(created) == list(range(1, 41))
    listed = call_json(items_ddb, "GET", "/api/items?limit=100")[2]
    assert [it["id"] for it in listed] == list(range(1, 41))


def test_clean_shutdown(items_ddb):
    create(items_ddb, HAMMER)
    assert call(items_ddb, "GET", "/api/items")[0] == 200
    code, output = items_ddb.stop()
    assert code == 0, output
    assert "LeakSanitizer" not in output and "runtime error" not in output


# ---- through the Lambda path ----


def invoke(env, method, path, body=None):
    event = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
             "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", "content-type": "application/json"},
             "requestContext": {"http": {"method": method, "path": path, "sourceIp": "203.0.113.7"},
                                "domainName": "abc.execute-api.us-east-1.amazonaws.com", "stage": "$default",
                                "requestId": "r"},
             "isBase64Encoded": False}
    if body is not None:
        event["body"] = json.dumps(body)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ITEMS_"))}
    full_env.update(env)
    proc = subprocess.run([ITEMS, "invoke", "-"], env=full_env, input=json.dumps(event).encode(),
                          capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    answer = json.loads(proc.stdout)
    return answer["statusCode"], answer.get("body", "")


def test_crud_through_invoke(ddb_env, moto):
    assert invoke(ddb_env, "POST", "/api/items", HAMMER) == (201, json.dumps({"id": 1, **HAMMER}, separators=(",", ":")))
    assert invoke(ddb_env, "GET", "/api/items/1")[0] == 200
    status, body = invoke(ddb_env, "PUT", "/api/items/1", {"name": "Mallet", "price": 12.25})
    assert (status, json.loads(body)) == (200, {"id": 1, "name": "Mallet", "price": 12.25, "description": None})
    assert invoke(ddb_env, "GET", "/api/items") == (200, body.join("[]"))
    assert [it["name"]["S"] for it in aws_scan(moto, ddb_env["ITEMS_TABLE"]) if "name" in it] == ["Mallet"]
    assert invoke(ddb_env, "DELETE", "/api/items/1")[0] == 204
    assert invoke(ddb_env, "GET", "/api/items/1") == (404, '{"detail":"Item not found"}')


# ---- settings and errors ----


def test_missing_table_setting_is_named(start_server, ddb_env):
    del ddb_env["ITEMS_TABLE"]
    with pytest.raises(RuntimeError) as failed:
        start_server("items", env=ddb_env)
    assert "ITEMS_TABLE" in str(failed.value)


def test_missing_table_without_create_is_named(start_server, ddb_env):
    del ddb_env["ITEMS_CREATE_TABLE"]
    with pytest.raises(RuntimeError) as failed:
        start_server("items", env=ddb_env)
    assert "no such table" in str(failed.value) and "ITEMS_CREATE_TABLE=1" in str(failed.value)


def test_missing_credentials_are_named(start_server, ddb_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in ddb_env.items() if k != "AWS_ACCESS_KEY_ID"})
    with pytest.raises(RuntimeError) as failed:
        start_server("items", env={**env, "AWS_ACCESS_KEY_ID": ""})
    assert "AWS_ACCESS_KEY_ID" in str(failed.value)


def test_scan_follows_last_evaluated_key(items_ddb, ddb_env, moto):
    for i in range(7):
        create(items_ddb, {"name": f"s{i}", "price": 1})
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **ddb_env}
    out = subprocess.run([TOOL, "ddb-scan", ddb_env["ITEMS_TABLE"], "3"], env=env, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    items, pages = map(int, out.stdout.split())
    assert items == 8 and pages >= 3  # seven items and the counter


def test_errors_are_mapped(moto):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **CREDENTIALS,
           "AWS_ENDPOINT_URL": moto}
    out = subprocess.run([TOOL, "ddb-time", "no-such-table", "1"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "ResourceNotFoundException" in out.stderr and "(no such table)" in out.stderr


def test_get_item_round_trip(items_ddb, ddb_env, moto):
    """Not a benchmark: prints the figure for the record (pytest -s)."""
    create(items_ddb, HAMMER)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **ddb_env}
    out = subprocess.run([TOOL, "ddb-time", ddb_env["ITEMS_TABLE"], "50"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    print(f"GetItem round trip to moto_server on a kept-alive connection: {out.stdout.strip()} us")
