"""The Lambda custom runtime of a real app binary (items) against the Runtime
API emulator in runtime_api.py, and `APP invoke`. The emulator answers 410 to
/next once its events are used up, so every run ends by itself."""
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import BIN_DIR
from runtime_api import NO_ANSWER

ITEMS = os.path.join(BIN_DIR, "items")
API = "/2018-06-01/runtime"


def v2_event(method="GET", path="/api/health", **extra):
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"},
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "203.0.113.7"},
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
            "stage": "$default",
            "requestId": "abc=",
        },
        "isBase64Encoded": False,
    }
    event.update(extra)
    return event


def run_items(env=None, args=(), stdin=None, timeout=30):
    """Run items to completion: (exit code, stdout, stderr)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    full_env.update({"ITEMS_DB": ":memory:"}, **(env or {}))
    proc = subprocess.run([ITEMS, *args], env=full_env, input=stdin, capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def run_runtime(api, env=None, timeout=30):
    return run_items(env={"AWS_LAMBDA_RUNTIME_API": api.endpoint, **(env or {})}, timeout=timeout)


def gateway_response(post):
    assert post.headers["content-type"] == "application/json"
    return json.loads(post.body)


def test_v2_health_event_is_answered(runtime_api):
    api = runtime_api()
    rid = api.add_event(v2_event())
    code, _, err = run_runtime(api)
    assert code != 0 and "answered 410 to /invocation/next" in err, err
    [post] = api.posts
    assert (post.kind, post.request_id) == ("response", rid)
    assert gateway_response(post) == {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "cookies": [],
        "body": '{"status":"healthy"}',
        "isBase64Encoded": False,
    }


def test_every_source_through_the_runtime(runtime_api):
    api = runtime_api()
    rest = {"httpMethod": "GET", "path": "/api/health", "requestContext": {"stage": "prod"},
            "multiValueHeaders": {"Host": ["x"]}}
    alb = {"httpMethod": "GET", "path": "/api/health", "requestContext": {"elb": {"targetGroupArn": "arn"}},
           "headers": {"host": "x"}, "body": None, "isBase64Encoded": False}
    furl = v2_event()
    furl["requestContext"]["domainName"] = "abc.lambda-url.us-east-1.on.aws"
    ids = [api.add_event(e) for e in (rest, alb, furl, v2_event("POST"))]
    run_runtime(api)
    answers = {p.request_id: gateway_response(p) for p in api.posts_of("response")}
    assert [answers[i]["statusCode"] for i in ids] == [200, 200, 200, 405]
    assert answers[ids[0]]["multiValueHeaders"] == {}
    assert answers[ids[1]]["statusDescription"] == "200 OK"
    assert answers[ids[3]]["headers"]["allow"] == "GET, HEAD"


def test_vpc_lattice_through_the_runtime_is_never_streamed(runtime_api):
    """Lattice takes only buffered answers (gateway-events.md §7.7), even when the
    function's invoke mode streams those of the front doors that can."""
    api = runtime_api()
    v1 = {"raw_path": "/api/items", "method": "POST", "headers": {"content-type": "application/json",
          "cookie": "a=1, b=2"}, "query_string_parameters": {}, "body": '{"name":"Hammer","price":9.5}',
          "is_base64_encoded": False}
    v2 = {"version": "2.0", "path": "/api/items", "method": "GET", "headers": {"x-forwarded-for": ["192.0.2.1"]},
          "queryStringParameters": {"limit": ["1"]}, "body": None, "isBase64Encoded": False,
          "requestContext": {"targetGroupArn": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0"}}
    ids = [api.add_event(v1), api.add_event(v2)]
    run_runtime(api, env={"CG_INVOKE_MODE": "response_stream"})
    answers = {p.request_id: gateway_response(p) for p in api.posts_of("response")}
    assert [answers[i]["statusDescription"] for i in ids] == ["201 Created", "200 OK"]
    assert json.loads(answers[ids[1]]["body"])[0]["name"] == "Hammer"


def test_malformed_event_posts_error_then_serves_the_next(runtime_api):
    api = runtime_api()
    bad = api.add_event('{"version": "2.0", "rawPath": ')
    websocket = api.add_event({"requestContext": {"eventType": "CONNECT", "connectionId": "x"}})
    good = api.add_event(v2_event())
    code, _, err = run_runtime(api)
    errors = api.posts_of("error")
    assert [p.request_id for p in errors] == [bad, websocket]
    for post in errors:
        assert post.headers["lambda-runtime-function-error-type"] == "Runtime.InvalidEvent"
        body = json.loads(post.body)
        assert body["errorType"] == "Runtime.InvalidEvent" and body["stackTrace"] == []
    assert "not valid JSON" in json.loads(errors[0].body)["errorMessage"]
    assert "WebSocket" in json.loads(errors[1].body)["errorMessage"]
    [response] = api.posts_of("response")
    assert response.request_id == good and gateway_response(response)["statusCode"] == 200
    # The failure is logged with the invocation's request id.
    assert any(bad in line and "cannot handle this event" in line for line in err.splitlines()), err


def test_rejected_responses_are_logged_and_the_loop_goes_on(runtime_api):
    api = runtime_api(response_statuses=(413, 500))
    ids = [api.add_event(v2_event()) for _ in range(3)]
    code, _, err = run_runtime(api)
    assert [p.request_id for p in api.posts_of("response")] == ids
    assert "answered 413 to /2018-06-01/runtime/invocation/" + ids[0] in err, err
    assert "answered 500 to /2018-06-01/runtime/invocation/" + ids[1] in err, err


def test_concurrent_pollers_each_have_a_connection(runtime_api):
    api = runtime_api()
    ids = {api.add_event(v2_event()) for _ in range(12)}
    code, _, err = run_runtime(api, env={"AWS_LAMBDA_MAX_CONCURRENCY": "3"})
    assert code != 0
    assert {p.request_id for p in api.posts_of("response")} == ids
    assert len({client for client in api.next_clients}) == 3, api.next_clients


def test_runtime_api_unreachable_at_start():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    code, _, err = run_items(env={"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}"}, timeout=10)
    assert code != 0
    assert f"cannot connect to the Lambda Runtime API at 127.0.0.1:{port}" in err, err


def test_runtime_api_must_be_numeric():
    code, _, err = run_items(env={"AWS_LAMBDA_RUNTIME_API": "localhost:9001"}, timeout=10)
    assert code != 0 and "is not a numeric address and port" in err, err


@pytest.mark.parametrize("env, cause", [
    ({"ITEMS_DB": "/nonexistent/dir/x.db"}, "cannot open the item store ITEMS_DB=/nonexistent/dir/x.db: "),
    ({"ITEMS_STORE": "postgres"}, 'ITEMS_STORE=postgres is not supported ("sqlite" or "dynamodb")'),
], ids=["unopenable-db", "unknown-store"])
def test_start_up_failure_posts_init_error_with_its_cause(runtime_api, env, cause):
    api = runtime_api()
    code, _, err = run_items(env={"AWS_LAMBDA_RUNTIME_API": api.endpoint, **env})
    assert code != 0
    [post] = api.posts
    assert post.kind == "init-error"
    assert post.headers["lambda-runtime-function-error-type"] == "Runtime.InitError"
    body = json.loads(post.body)
    assert body["errorType"] == "Runtime.InitError"
    # the first error of start-up, not the generic lines logged after it
    assert body["errorMessage"].startswith(cause), body


# ---- request ids of any length, and a Runtime API that never answers ----

# Lambda's ids are UUIDs; nothing in the Runtime API bounds them.
LONG_ID = ("8476a536-e9f4-11e8-9739-2dfe598c3fcd." * 5)[:150]


def test_a_long_request_id_is_answered_at_its_exact_id(runtime_api):
    api = runtime_api()
    good = api.add_event(v2_event(), request_id=LONG_ID)
    bad = api.add_event("not an event", request_id=LONG_ID[::-1])
    code, _, err = run_runtime(api, env={"CG_ACCESS_LOG": "on"})
    assert [(p.kind, p.request_id) for p in api.posts] == [("response", good), ("error", bad)]
    # and the log lines carry it whole
    lines = [json.loads(line) for line in err.splitlines()]
    assert [line["requestId"] for line in lines if line.get("status") == 200] == [good], err
    assert [line["requestId"] for line in lines if "cannot handle" in line["message"]] == [bad], err


def test_a_request_id_past_the_header_limit_is_refused(runtime_api):
    """Past the 1 KB the response reader keeps of a header value the id
    cannot be read whole: nothing is posted to a cut one."""
    api = runtime_api()
    api.add_event(v2_event(), request_id="a" * 2000)
    code, _, err = run_runtime(api)
    assert code != 0 and api.posts == []
    assert "Lambda-Runtime-Aws-Request-Id over 1023 bytes" in err, err


TIMEOUT_MS = 500
MARGIN_S = 1.0  # runtime_client.c: RAPI_MARGIN_MS


def function_url_event():
    event = v2_event()
    event["requestContext"]["domainName"] = "abc.lambda-url.us-east-1.on.aws"
    return event


@pytest.mark.parametrize("statuses, first_event, mode", [
    ({"response_statuses": (NO_ANSWER,)}, v2_event(), "buffered"),
    ({"response_statuses": (NO_ANSWER,)}, function_url_event(), "response_stream"),
    ({"error_statuses": (NO_ANSWER,)}, "not an event", "buffered"),
], ids=["response", "streamed-response", "error"])
def test_an_unanswered_post_is_given_up_after_the_deadline(runtime_api, statuses, first_event, mode):
    """The runtime waits for the answer until the invocation's deadline and
    a margin, then goes on to the next event on a new connection."""
    api = runtime_api(timeout_ms=TIMEOUT_MS, **statuses)
    ids = [api.add_event(first_event), api.add_event(v2_event())]
    started = time.monotonic()
    code, _, err = run_runtime(api, env={"CG_INVOKE_MODE": mode}, timeout=15)
    elapsed = time.monotonic() - started
    assert [p.request_id for p in api.posts] == ids
    assert f"no answer from the Runtime API to POST {API}/invocation/{ids[0]}/" in err, err
    assert "answered 410 to /invocation/next" in err, err
    assert TIMEOUT_MS / 1000 + MARGIN_S - 0.2 < elapsed < TIMEOUT_MS / 1000 + MARGIN_S + 3, elapsed
    assert len(set(api.next_clients)) == 2  # the connection left waiting is closed


def test_an_unanswered_init_error_does_not_keep_the_runtime(runtime_api):
    api = runtime_api(init_error_statuses=(NO_ANSWER,))
    started = time.monotonic()
    code, _, err = run_items(env={"AWS_LAMBDA_RUNTIME_API": api.endpoint, "ITEMS_STORE": "postgres"}, timeout=15)
    assert code != 0 and [p.kind for p in api.posts] == ["init-error"]
    assert time.monotonic() - started < MARGIN_S + 3
    assert f"no answer from the Runtime API to POST {API}/init/error" in err, err


def test_invoke_prints_the_response(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps(v2_event(path="/api/items/42")))
    code, out, _ = run_items(args=["invoke", str(event)])
    assert code == 0
    assert json.loads(out) == {
        "statusCode": 404,
        "headers": {"content-type": "application/json"},
        "cookies": [],
        "body": '{"detail":"Item not found"}',
        "isBase64Encoded": False,
    }


LATTICE_FIXTURES = os.path.join(os.path.dirname(__file__), "../fixtures/events/lattice")


@pytest.mark.parametrize("fixture, status", [
    ("lattice-v1-get-query-cookies.json", 200), ("lattice-v1-post-json.json", 201),
    ("lattice-v1-base64-body.json", 404), ("lattice-v2-get-query-cookies.json", 200),
    ("lattice-v2-post-json.json", 201), ("lattice-v2-base64-body.json", 404),
])
def test_invoke_answers_vpc_lattice_events(fixture, status):
    """Both event versions get the one answer Lattice reads (gateway-events.md §7.7)."""
    code, out, err = run_items(args=["invoke", os.path.join(LATTICE_FIXTURES, fixture)])
    assert code == 0, err
    answer = json.loads(out)
    assert sorted(answer) == ["body", "headers", "isBase64Encoded", "statusCode", "statusDescription"]
    assert answer["statusCode"] == status and answer["statusDescription"].startswith(f"{status} ")
    assert answer["headers"]["content-type"] == "application/json" and answer["isBase64Encoded"] is False
    assert all(isinstance(value, str) for value in answer["headers"].values())


def test_invoke_reads_stdin():
    code, out, _ = run_items(args=["invoke", "-"], stdin=json.dumps(v2_event()).encode())
    assert code == 0 and json.loads(out)["body"] == '{"status":"healthy"}'


@pytest.mark.parametrize("event, message", [
    ('{"Records": []}', "not an API Gateway, function URL, ALB or VPC Lattice HTTP event"),
    ("{oops", "not valid JSON"),
])
def test_invoke_refuses_what_it_cannot_handle(tmp_path, event, message):
    path = tmp_path / "event.json"
    path.write_text(event)
    code, out, err = run_items(args=["invoke", str(path)])
    assert code != 0 and out == ""
    assert message in err, err


def test_invoke_missing_file(tmp_path):
    code, _, err = run_items(args=["invoke", str(tmp_path / "nope.json")])
    assert code != 0 and "cannot open the event file" in err, err
