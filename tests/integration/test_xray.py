"""X-Ray: the items bootstrap on DynamoDB (moto, through a proxy that
records each call's X-Amzn-Trace-Id) behind the Runtime API emulator, with
a UDP listener on loopback as the X-Ray daemon. Sampled invocations send a
handler subsegment and one per DynamoDB call beneath it; unsampled ones
send nothing; every AWS call carries the trace header."""
import json
import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from moto_server import running_moto
from test_items_dynamodb import CREDENTIALS
from test_lambda import run_runtime, v2_event

ROOT = "1-5bef4de7-0123456789abcdef01234567"
PARENT = "9a9197af755a6419"


class TraceRecordingProxy:
    """Forwards every call to moto; records (X-Amz-Target, X-Amzn-Trace-Id)."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.calls = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.calls.append((self.headers.get("X-Amz-Target", ""), self.headers.get("X-Amzn-Trace-Id")))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        status, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
                except urllib.error.HTTPError as e:
                    status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def proxy():
    with running_moto() as url:
        p = TraceRecordingProxy(url)
        yield p
        p.close()


@pytest.fixture
def daemon():
    """A UDP socket standing for the X-Ray daemon; yields (address, receive)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)

    def receive():
        docs = []
        while True:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return docs
            header, _, body = data.partition(b"\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            docs.append(json.loads(body))

    yield "127.0.0.1:%d" % sock.getsockname()[1], receive
    sock.close()


def trace(sampled, parent=PARENT):
    return f"Root={ROOT};Parent={parent};Sampled={sampled}"


def run(api, proxy, address, table, extra=None):
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url, "ITEMS_STORE": "dynamodb", "ITEMS_TABLE": table,
           "ITEMS_CREATE_TABLE": "1", "AWS_XRAY_DAEMON_ADDRESS": address, "ITEMS_METRICS": "off", **(extra or {})}
    return run_runtime(api, env=env)


def post_item(name):
    return v2_event("POST", "/api/items", body=json.dumps({"name": name, "price": 2.5}),
                    headers={"content-type": "application/json"})


def test_sampled_invocations_send_the_handler_and_each_dynamodb_call(runtime_api, proxy, daemon):
    address, receive = daemon
    api = runtime_api()
    api.add_event(post_item("traced"), trace=trace(1))
    before = len(proxy.calls)
    run(api, proxy, address, "xray-1")
    assert json.loads(api.posts[0].body)["statusCode"] == 201
    docs = receive()
    handlers = [d for d in docs if d["name"].startswith("## ")]
    calls = [d for d in docs if d.get("namespace") == "aws"]
    assert [h["name"] for h in handlers] == ["## create_item"]
    handler = handlers[0]
    assert handler["parent_id"] == PARENT and handler["trace_id"] == ROOT
    assert handler["annotations"] == {"route": "POST /api/items", "ColdStart": True}
    assert handler["http"]["response"]["status"] == 201
    assert {c["aws"]["operation"] for c in calls} >= {"UpdateItem", "PutItem"}
    ids = set()
    for d in docs:
        assert d["type"] == "subsegment" and len(d["id"]) == 16 and d["id"] not in ids
        ids.add(d["id"])
        assert d["start_time"] <= d["end_time"]
    for c in calls:
        assert c["name"] == "DynamoDB" and c["parent_id"] == handler["id"] and c["trace_id"] == ROOT
        assert c["aws"]["region"] == "us-east-1" and c["http"]["response"]["status"] == 200
        assert handler["start_time"] <= c["start_time"] <= c["end_time"] <= handler["end_time"]
    # each call of the invocation carried its own subsegment as the parent
    during = [t for op, t in proxy.calls[before:] if op.endswith(("PutItem", "UpdateItem"))]
    call_ids = {c["id"] for c in calls}
    assert during and all(t.startswith(f"Root={ROOT};Parent=") and t.endswith(";Sampled=1") for t in during)
    assert {t.split("Parent=")[1].split(";")[0] for t in during} <= call_ids


def test_unsampled_invocations_send_nothing_but_pass_the_header_on(runtime_api, proxy, daemon):
    address, receive = daemon
    api = runtime_api()
    api.add_event(post_item("untraced"), trace=trace(0))
    before = len(proxy.calls)
    run(api, proxy, address, "xray-2")
    assert json.loads(api.posts[0].body)["statusCode"] == 201
    assert receive() == []
    during = [t for op, t in proxy.calls[before:] if op.endswith("PutItem")]
    assert during == [trace(0)]


def test_tracing_off_still_propagates_the_header(runtime_api, proxy, daemon):
    address, receive = daemon
    api = runtime_api()
    api.add_event(post_item("off"), trace=trace(1))
    before = len(proxy.calls)
    run(api, proxy, address, "xray-3", {"ITEMS_TRACING": "off"})
    assert receive() == []
    during = [t for op, t in proxy.calls[before:] if op.endswith("PutItem")]
    assert during == [trace(1)]


def test_a_daemon_that_is_not_there_costs_nothing(runtime_api, proxy):
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    closed.bind(("127.0.0.1", 0))
    address = "udp:127.0.0.1:%d tcp:127.0.0.1:2000" % closed.getsockname()[1]
    closed.close()
    api = runtime_api()
    for i in range(3):
        api.add_event(post_item(f"n{i}"), trace=trace(1))
    run(api, proxy, address, "xray-4")
    assert [json.loads(p.body)["statusCode"] for p in api.posts] == [201, 201, 201]


def test_a_bad_daemon_address_stops_the_start_naming_it(runtime_api, proxy):
    api = runtime_api()
    api.add_event(v2_event())
    code, _, err = run(api, proxy, "localhost:2000", "xray-5")
    assert code == 1 and "AWS_XRAY_DAEMON_ADDRESS=localhost:2000" in err, err
