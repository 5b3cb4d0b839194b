"""Misuse of the handler API and statuses no response may have
(tests/integration/misuse_app.c): the same 500 and the same log line
through the local server and through `misuse_app invoke`."""
import http.client
import json
import os
import re
import subprocess

import pytest

from conftest import BIN_DIR, Server

MISUSE_APP = os.path.join(BIN_DIR, "misuse_app")

# (path, what the log line says after "GET <path> failed (request <id>): ")
CASES = [
    ("/body", "route /body (body_without_model): cg_body() on a route without a body (.body)"),
    ("/params", "route /params (params_without_table): cg_params() on a route without typed parameters "
                "(CG_PARAMS_OF)"),
    ("/typo", 'route /typo (getter_typo): cg_param_int("nmae"): the route declares no such parameter'),
    ("/kind", 'route /kind (getter_of_another_kind): cg_param_bool("n"): the parameter is declared CG_INT'),
    ("/item?tag=a", 'route /item (item_past_the_end): cg_param_str_at("tag", 1): the list has 1 items'),
    ("/streamed", "route /streamed (streamed_after_misuse): cg_body() on a route without a body (.body)"),
    ("/status/42", "status 42 is not a final HTTP status (200 to 599)"),
    ("/status/100", "status 100 is not a final HTTP status (200 to 599)"),
    ("/middleware/1000", "status 1000 is not a final HTTP status (200 to 599)"),
]
IDS = [path for path, _ in CASES]
INTERNAL_ERROR = '{"detail":"Internal Server Error"}'


def log_line(path, message):
    """The error line, whatever the request id."""
    return re.compile(re.escape(f"GET {path.split('?')[0]} failed (request ") + r"[^)]*" + re.escape(f"): {message}"))


@pytest.fixture(scope="module")
def server():
    srv = Server("misuse_app")
    yield srv
    code, output = srv.stop()
    assert code == 0 and "runtime error" not in output and "Sanitizer" not in output, output


@pytest.mark.parametrize("path,message", CASES, ids=IDS)
def test_local_server(server, path, message):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode()
    finally:
        conn.close()
    assert (response.status, body) == (500, INTERNAL_ERROR)
    assert response.getheader("x-handler") is None
    assert server.wait_for_output(log_line(path, message).pattern.encode()), server.output.decode()


def v2_event(path):
    raw_path, _, query = path.partition("?")
    return {"version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": query,
            "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com"},
            "requestContext": {"http": {"method": "GET", "path": raw_path, "sourceIp": "203.0.113.7"},
                               "domainName": "abc.execute-api.us-east-1.amazonaws.com", "stage": "$default",
                               "requestId": "r"},
            "isBase64Encoded": False}


@pytest.mark.parametrize("path,message", CASES, ids=IDS)
def test_invoke(path, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run([MISUSE_APP, "invoke", "-"], input=json.dumps(v2_event(path)).encode(),
                          capture_output=True, timeout=60, env=env)
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 0 and "Sanitizer" not in err and "runtime error" not in err, err
    answer = json.loads(done.stdout)
    assert (answer["statusCode"], answer["body"]) == (500, INTERNAL_ERROR)
    assert "x-handler" not in answer.get("headers", {})
    assert log_line(path, message).search(err), err
