"""The items reference app, through its real binary on a loopback port."""
import http.client
import json
import os
import signal
import subprocess
import threading
from urllib.parse import urlsplit

import pytest
from conftest import BIN_DIR

HAMMER = {"name": "Hammer", "price": 9.5, "description": "Claw hammer"}


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "items.db")


@pytest.fixture
def items(start_server, db):
    return start_server("items", env={"ITEMS_DB": db})


def call(srv, method, path, body=None, headers=None):
    """One request on a fresh connection: (status, headers, body bytes).
    A dict or list body is sent as JSON; bytes and str are sent as they are."""
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def call_json(srv, method, path, body=None, headers=None):
    status, hdrs, raw = call(srv, method, path, body, headers)
    return status, hdrs, json.loads(raw) if raw else None


def create(srv, item):
    status, hdrs, body = call_json(srv, "POST", "/api/items", item)
    assert status == 201, body
    return body


def errors(srv, method, path, body=None, headers=None):
    """The `detail` list of a 422 answer."""
    status, hdrs, body = call_json(srv, method, path, body, headers)
    assert status == 422, body
    assert hdrs["content-type"] == "application/json"
    return body["detail"]


# ---- the fixed endpoints ----


def test_health_is_exact(items):
    status, hdrs, raw = call(items, "GET", "/api/health")
    assert (status, raw) == (200, b'{"status":"healthy"}')
    assert hdrs["content-type"] == "application/json"
    assert hdrs["content-length"] == str(len(raw))


def test_welcome(items):
    status, _, raw = call(items, "GET", "/")
    assert status == 200
    assert raw == b'{"name":"Items API","version":"1.0.0","docs":"/docs","redoc":"/redoc"}'


AWS_KEYS = {"environment", "function_name", "function_version", "region", "memory_size_mb",
            "log_group", "log_stream", "architecture", "cold_start", "init_duration_ms", "remaining_time_ms"}


def test_aws_info_locally(items):
    status, _, body = call_json(items, "GET", "/api/aws-info")
    assert status == 200
    assert set(body) == AWS_KEYS
    if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        assert body["environment"] == "local"
        assert body["function_name"] is None


def test_aws_info_with_lambda_environment(start_server, db):
    env = {
        "ITEMS_DB": db,
        "AWS_LAMBDA_FUNCTION_NAME": "items-fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/items-fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]abc",
    }
    srv = start_server("items", env=env)
    status, _, body = call_json(srv, "GET", "/api/aws-info")
    assert status == 200
    assert body.pop("architecture") in ("x86_64", "arm64")
    # the server is no Runtime API loop: no invocation to describe
    assert body == {
        "cold_start": None,
        "init_duration_ms": None,
        "remaining_time_ms": None,
        "environment": "lambda",
        "function_name": "items-fn",
        "function_version": "$LATEST",
        "region": "eu-west-1",
        "memory_size_mb": 128,
        "log_group": "/aws/lambda/items-fn",
        "log_stream": "2024/01/01/[$LATEST]abc",
    }


# ---- CRUD ----


def test_create_answers_201_with_location_and_exact_body(items):
    status, hdrs, raw = call(items, "POST", "/api/items", {"name": "Hammer", "price": 9.5})
    assert status == 201
    assert hdrs["location"] == "/api/items/1"
    assert hdrs["content-type"] == "application/json"
    assert raw == b'{"id":1,"name":"Hammer","price":9.5,"description":null}'


def test_whole_number_price_is_sent_as_a_float(items):
    create(items, {"name": "Saw", "price": 10})
    status, _, raw = call(items, "GET", "/api/items/1")
    assert (status, raw) == (200, b'{"id":1,"name":"Saw","price":10.0,"description":null}')


def test_unicode_round_trips_as_raw_utf8(items):
    item = {"name": "Café ☕", "price": 3.5, "description": "naïve \"quoted\"\n"}
    create(items, item)
    status, _, raw = call(items, "GET", "/api/items/1")
    assert status == 200
    want = {"id": 1, **item}
    assert raw == json.dumps(want, ensure_ascii=False, separators=(",", ":")).encode()


def test_crud_cycle(items):
    created = create(items, HAMMER)
    assert created == {"id": 1, **HAMMER}
    path = "/api/items/1"

    assert call_json(items, "GET", path)[::2] == (200, created)

    replacement = {"name": "Mallet", "price": 12.25}
    status, _, body = call_json(items, "PUT", path, replacement)
    assert (status, body) == (200, {"id": 1, "name": "Mallet", "price": 12.25, "description": None})
    assert call_json(items, "GET", path)[2] == body

    status, hdrs, raw = call(items, "DELETE", path)
    assert (status, raw) == (204, b"")
    assert "content-type" not in hdrs

    status, _, raw = call(items, "GET", path)
    assert (status, raw) == (404, b'{"detail":"Item not found"}')


@pytest.mark.parametrize("method,body", [("GET", None), ("PUT", HAMMER), ("DELETE", None)])
def test_unknown_id_is_404(items, method, body):
    status, hdrs, raw = call(items, method, "/api/items/42", body)
    assert (status, raw) == (404, b'{"detail":"Item not found"}')
    assert hdrs["content-type"] == "application/json"


def test_deleted_ids_are_not_reused(items):
    create(items, HAMMER)
    assert call(items, "DELETE", "/api/items/1")[0] == 204
    assert create(items, HAMMER)["id"] == 2


def test_list_pages_by_limit_and_offset(items):
    for i in range(1, 26):
        create(items, {"name": f"item {i}", "price": i})

    def ids(query):
        status, _, body = call_json(items, "GET", "/api/items" + query)
        assert status == 200
        return [it["id"] for it in body]

    assert ids("") == list(range(1, 21))
    assert ids("?limit=5&offset=20") == [21, 22, 23, 24, 25]
    assert ids("?limit=100") == list(range(1, 26))
    assert ids("?offset=25") == []
    status, _, body = call_json(items, "GET", "/api/items?limit=1&offset=3")
    assert body == [{"id": 4, "name": "item 4", "price": 4.0, "description": None}]


def test_empty_list_is_an_empty_array(items):
    status, _, raw = call(items, "GET", "/api/items")
    assert (status, raw) == (200, b"[]")


# ---- routing errors ----


def test_post_to_an_item_is_405_with_allow(items):
    status, hdrs, raw = call(items, "POST", "/api/items/1", HAMMER)
    assert (status, raw) == (405, b'{"detail":"Method Not Allowed"}')
    allowed = {m.strip() for m in hdrs["allow"].split(",")}
    assert {"GET", "PUT", "PATCH", "DELETE"} <= allowed
    assert "POST" not in allowed


def test_trailing_slash_redirects(items):
    status, hdrs, _ = call(items, "GET", "/api/items/")
    assert status == 307
    assert urlsplit(hdrs["location"]).path == "/api/items"


def test_unknown_path_is_404(items):
    status, _, raw = call(items, "GET", "/api/nothing")
    assert (status, raw) == (404, b'{"detail":"Not Found"}')


# ---- validation (422), as FastAPI words it ----


def test_limit_below_one_exact_bytes(items):
    status, _, raw = call(items, "GET", "/api/items?limit=0")
    assert status == 422
    assert raw == (b'{"detail":[{"type":"greater_than_equal","loc":["query","limit"],'
                   b'"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}')


def test_limit_above_100(items):
    assert errors(items, "GET", "/api/items?limit=101") == [
        {"type": "less_than_equal", "loc": ["query", "limit"],
         "msg": "Input should be less than or equal to 100", "input": "101", "ctx": {"le": 100}}]


def test_negative_offset_and_bad_limit_together(items):
    assert errors(items, "GET", "/api/items?limit=abc&offset=-1") == [
        {"type": "int_parsing", "loc": ["query", "limit"],
         "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "abc"},
        {"type": "greater_than_equal", "loc": ["query", "offset"],
         "msg": "Input should be greater than or equal to 0", "input": "-1", "ctx": {"ge": 0}}]


def test_item_id_not_an_integer(items):
    assert errors(items, "GET", "/api/items/abc") == [
        {"type": "int_parsing", "loc": ["path", "item_id"],
         "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "abc"}]


def test_item_id_below_one(items):
    assert errors(items, "DELETE", "/api/items/0") == [
        {"type": "greater_than_equal", "loc": ["path", "item_id"],
         "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}}]


def test_missing_name_reports_the_body_as_input(items):
    assert errors(items, "POST", "/api/items", {"price": 1.5}) == [
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {"price": 1.5}}]


# The prices both stores hold (app.c: PRICE_RANGE), in pydantic's words:
# the bound as Rust prints a float in msg, as Python's repr in ctx.
PRICE_TOO_LOW = {"type": "greater_than_equal", "loc": ["body", "price"],
                 "msg": "Input should be greater than or equal to 0." + "0" * 129 + "1", "ctx": {"ge": 1e-130}}
PRICE_TOO_HIGH = {"type": "less_than", "loc": ["body", "price"],
                  "msg": "Input should be less than 1" + "0" * 126, "ctx": {"lt": 1e126}}


@pytest.mark.parametrize("price,want", [(0, PRICE_TOO_LOW), (-1, PRICE_TOO_LOW), (1e-131, PRICE_TOO_LOW),
                                        (1e126, PRICE_TOO_HIGH), (6.368e+307, PRICE_TOO_HIGH)])
def test_price_outside_what_both_stores_hold(items, price, want):
    status, _, raw = call(items, "POST", "/api/items", {"name": "Free", "price": price})
    assert (status, json.loads(raw)) == (422, {"detail": [{**want, "input": price}]})


@pytest.mark.parametrize("price", [1e-130, 9.999999999999998e+125])
def test_price_at_the_ends_of_the_range(items, price):
    assert create(items, {"name": "Edge", "price": price})["price"] == price


def test_name_length_bounds(items):
    assert errors(items, "POST", "/api/items", {"name": "", "price": 1}) == [
        {"type": "string_too_short", "loc": ["body", "name"],
         "msg": "String should have at least 1 character", "input": "", "ctx": {"min_length": 1}}]
    long_name = "x" * 201
    assert errors(items, "POST", "/api/items", {"name": long_name, "price": 1}) == [
        {"type": "string_too_long", "loc": ["body", "name"],
         "msg": "String should have at most 200 characters", "input": long_name, "ctx": {"max_length": 200}}]


def test_description_too_long(items):
    text = "d" * 1001
    assert errors(items, "POST", "/api/items", {"name": "n", "price": 1, "description": text}) == [
        {"type": "string_too_long", "loc": ["body", "description"],
         "msg": "String should have at most 1000 characters", "input": text, "ctx": {"max_length": 1000}}]


def test_every_body_error_in_field_order(items):
    body = {"price": -1, "description": 5}
    assert errors(items, "POST", "/api/items", body) == [
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": body},
        {**PRICE_TOO_LOW, "input": -1},
        {"type": "string_type", "loc": ["body", "description"], "msg": "Input should be a valid string",
         "input": 5}]


def test_path_errors_come_before_body_errors(items):
    assert errors(items, "PUT", "/api/items/0", {"price": 1}) == [
        {"type": "greater_than_equal", "loc": ["path", "item_id"],
         "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}},
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {"price": 1}}]


def test_invalid_json(items):
    detail = errors(items, "POST", "/api/items", '{"name": "x", "price": }',
                    {"Content-Type": "application/json"})
    assert len(detail) == 1
    err = detail[0]
    assert (err["type"], err["msg"], err["input"]) == ("json_invalid", "JSON decode error", {})
    assert err["loc"][0] == "body" and isinstance(err["loc"][1], int)
    assert set(err["ctx"]) == {"error"}


def test_missing_body(items):
    assert errors(items, "POST", "/api/items") == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


def test_body_that_is_not_an_object(items):
    assert errors(items, "POST", "/api/items", [1, 2]) == [
        {"type": "model_attributes_type", "loc": ["body"],
         "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1, 2]}]


# ---- start-up and the store ----


def test_bad_items_db_fails_start_up(start_server, tmp_path):
    with pytest.raises(RuntimeError) as failed:
        start_server("items", env={"ITEMS_DB": str(tmp_path / "no-such-dir" / "items.db")})
    assert "ITEMS_DB" in str(failed.value)


def test_unknown_store_fails_start_up(start_server, db):
    with pytest.raises(RuntimeError) as failed:
        start_server("items", env={"ITEMS_DB": db, "ITEMS_STORE": "nosuchstore"})
    assert "ITEMS_STORE" in str(failed.value)


def test_memory_database_is_shared_by_all_workers(start_server):
    srv = start_server("items", env={"ITEMS_DB": ":memory:"})
    for i in range(1, 21):
        create(srv, {"name": f"m{i}", "price": i})
    # Each request comes on a new connection, which may land on any worker.
    for i in range(1, 21):
        assert call_json(srv, "GET", f"/api/items/{i}")[0] == 200
    assert len(call_json(srv, "GET", "/api/items?limit=100")[2]) == 20


def test_concurrent_writers(items):
    created, lock = [], threading.Lock()

    def post_many(worker):
        for i in range(25):
            body = create(items, {"name": f"w{worker}-{i}", "price": i + 1})
            with lock:
                created.append(body)

    threads = [threading.Thread(target=post_many, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len({it["id"] for it in created}) == 100
    listed = call_json(items, "GET", "/api/items?limit=100")[2]
    assert sorted(listed, key=lambda it: it["id"]) == sorted(created, key=lambda it: it["id"])


def test_every_acknowledged_item_survives_kill_9(start_server, db):
    """Writers run until the server is killed; every item answered 201 must
    be there after a restart on the same file."""
    srv = start_server("items", env={"ITEMS_DB": db})
    acknowledged, lock = [], threading.Lock()
    enough = threading.Event()

    def post_until_killed(worker):
        for i in range(500):
            try:
                status, _, body = call_json(srv, "POST", "/api/items",
                                            {"name": f"w{worker}-{i}", "price": i + 1})
            except (OSError, http.client.HTTPException, ValueError):
                return
            if status != 201:
                return
            with lock:
                acknowledged.append(body)
                if len(acknowledged) >= 150:
                    enough.set()

    threads = [threading.Thread(target=post_until_killed, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    enough.wait(timeout=30)
    srv.stop(signal.SIGKILL)
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) >= 150

    again = start_server("items", env={"ITEMS_DB": db})
    for item in acknowledged:
        status, _, body = call_json(again, "GET", f"/api/items/{item['id']}")
        assert (status, body) == (200, item)


def test_clean_shutdown_after_use(items):
    """Every worker's connection is closed at shutdown: under the sanitizers
    of the dev build a leak would show in the output and the exit code."""
    for i in range(1, 11):
        create(items, {"name": f"s{i}", "price": i})
        assert call(items, "GET", f"/api/items/{i}")[0] == 200
    assert call(items, "GET", "/api/items")[0] == 200
    code, output = items.stop()
    assert code == 0, output
    assert "LeakSanitizer" not in output and "runtime error" not in output


def test_lambda_invoke_puts_the_stage_in_location(tmp_path):
    """Through the Lambda path (`items invoke`), behind an HTTP API stage."""
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": "/prod/api/items", "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "abc.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc", "domainName": "abc.execute-api.eu-west-1.amazonaws.com",
            "http": {"method": "POST", "path": "/prod/api/items", "protocol": "HTTP/1.1",
                     "sourceIp": "192.0.2.1", "userAgent": "pytest"},
            "requestId": "req-1", "routeKey": "$default", "stage": "prod",
            "time": "24/Nov/2026:06:00:00 +0000", "timeEpoch": 1795500000000},
        "body": json.dumps({"name": "Hammer", "price": 9.5}), "isBase64Encoded": False,
    }
    env = dict(os.environ, ITEMS_DB=str(tmp_path / "items.db"))
    done = subprocess.run([os.path.join(BIN_DIR, "items"), "invoke", "-"], input=json.dumps(event).encode(),
                          capture_output=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    answer = json.loads(done.stdout)
    assert answer["statusCode"] == 201
    assert {k.lower(): v for k, v in answer["headers"].items()}["location"] == "/prod/api/items/1"
    assert json.loads(answer["body"]) == {"id": 1, "name": "Hammer", "price": 9.5, "description": None}


# ---- PATCH: the fields sent, the others kept (pydantic's exclude_unset) ----

def test_patch_changes_only_the_fields_sent(items):
    item = create(items, HAMMER)
    path = f"/api/items/{item['id']}"
    status, _, body = call_json(items, "PATCH", path, {"price": 12.0})
    assert status == 200
    assert body == dict(HAMMER, id=item["id"], price=12.0)
    status, _, body = call_json(items, "PATCH", path, {"description": None, "name": "Mallet"})
    assert status == 200
    assert body == {"id": item["id"], "name": "Mallet", "price": 12.0, "description": None}
    assert call_json(items, "GET", path)[2] == body
    assert call_json(items, "PATCH", path, {})[2] == body


@pytest.mark.parametrize("field,want", [
    ("name", {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string",
              "input": None}),
    ("price", {"type": "float_type", "loc": ["body", "price"], "msg": "Input should be a valid number",
               "input": None}),
])
def test_patch_refuses_null_for_a_field_an_item_always_has(items, field, want):
    item = create(items, HAMMER)
    assert errors(items, "PATCH", f"/api/items/{item['id']}", {field: None}) == [want]


def test_patch_validates_what_it_is_sent_and_finds_no_ghosts(items):
    item = create(items, HAMMER)
    assert errors(items, "PATCH", f"/api/items/{item['id']}", {"price": 0})[0]["type"] == "greater_than_equal"
    status, _, body = call_json(items, "PATCH", "/api/items/999", {"price": 1.0})
    assert (status, body) == (404, {"detail": "Item not found"})
