"""The CORS table (tests/unit/data/cors_cases.json, recorded from Starlette by
tests/cors_cases.py) through the local server and through `cors_app invoke`
with API Gateway HTTP API (v2) events.

Only the headers the case is about are compared: those Starlette sent
(content-length aside) plus any access-control-* or vary header; the
transports add their own (date, content-length, x-request-id)."""
import http.client
import json
import os
import subprocess

import pytest

from conftest import BIN_DIR, Server

CASES_FILE = os.path.join(os.path.dirname(__file__), "../unit/data/cors_cases.json")
TABLE = json.load(open(CASES_FILE))
# Not the configs cgate refuses at start-up (tests/unit/test_cors.c checks the refusals).
CASES = [case for case in TABLE["cases"] if case["config"] not in TABLE["cgate_refuses"]]
CORS_APP = os.path.join(BIN_DIR, "cors_app")
ENV = {"CORS_CASES": CASES_FILE}


def compared(headers, expected):
    """(name, value) pairs in lower case that the case is about; grouped by
    name (stable) unless in_order."""
    names = {n for n, _ in expected["headers"]}
    kept = [(n.lower(), v) for n, v in headers]
    kept = [(n, v) for n, v in kept if n in names or n.startswith("access-control-") or n == "vary"]
    return kept if expected["preflight"] else sorted(kept, key=lambda h: h[0])


def starlette_headers(expected):
    headers = [(n, v) for n, v in expected["headers"]]
    return headers if expected["preflight"] else sorted(headers, key=lambda h: h[0])


@pytest.fixture(scope="module")
def servers():
    """One server per config of the table, started on first use."""
    started = {}

    def get(config):
        if config not in started:
            started[config] = Server("cors_app", env={**ENV, "CORS_CONFIG": config})
        return started[config]

    yield get
    stopped = [srv.stop() for srv in started.values()]
    for code, output in stopped:
        assert code == 0 and "runtime error" not in output and "Sanitizer" not in output, output


def case_id(case):
    return case["name"]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_local_server(servers, case):
    srv = servers(case["config"])
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    try:
        conn.putrequest(case["method"], case["path"], skip_accept_encoding=True)
        for name, value in case["headers"]:
            conn.putheader(name, value.encode("latin-1"))
        conn.endheaders()
        response = conn.getresponse()
        body = response.read().decode("latin-1")
    finally:
        conn.close()
    expected = case["expect"]
    assert (response.status, body) == (expected["status"], expected["body"])
    assert compared(response.getheaders(), expected) == starlette_headers(expected)


def v2_event(case):
    path, _, query = case["path"].partition("?")
    names = [n.lower() for n, _ in case["headers"]]
    assert len(names) == len(set(names)), "v2 events carry one value per header name"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com",
                    **{n.lower(): v for n, v in case["headers"]}},
        "requestContext": {
            "http": {"method": case["method"], "path": path, "sourceIp": "203.0.113.7"},
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
            "stage": "$default",
            "requestId": "cors=",
        },
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_invoke(case):
    proc = subprocess.run([CORS_APP, "invoke", "-"], input=json.dumps(v2_event(case)).encode(),
                          env={**os.environ, **ENV, "CORS_CONFIG": case["config"]}, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    reply = json.loads(proc.stdout)
    expected = case["expect"]
    assert (reply["statusCode"], reply["body"]) == (expected["status"], expected["body"])
    assert compared(reply["headers"].items(), expected) == starlette_headers(expected)
