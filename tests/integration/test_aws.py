"""The AWS client (src/aws) through tests/integration/aws_tool.c: SigV4
signatures equal to botocore's, TLS verification against a local
`openssl s_server` with a CA made here, and retries against a local server
that throttles first."""
import datetime
import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import BIN_DIR

TOOL = os.path.join(BIN_DIR, "aws_tool")
WHEN = datetime.datetime(2026, 1, 1, 12, 34, 56, tzinfo=datetime.timezone.utc)
KEYS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "AWS_REGION": "us-east-1"}


def tool(*args, env=None, timeout=30):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SSL_CERT"))}
    full_env.update(env or {})
    return subprocess.run([TOOL, *args], env=full_env, capture_output=True, text=True, timeout=timeout)


# ---- SigV4 against botocore ----


def botocore_headers(spec):
    scheme = "https" if ":" not in spec["host"] else "http"
    req = AWSRequest(method=spec["method"], url=f"{scheme}://{spec['host']}{spec['path']}",
                     data=spec["body"].encode(), params=[tuple(p) for p in spec["query"]])
    for name, value in spec["headers"]:
        req.headers[name] = value  # repeated names are kept, in order
    creds = Credentials(spec["key"], spec["secret"], spec.get("token"))
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN.replace(tzinfo=None)):
        SigV4Auth(creds, spec["service"], spec["region"]).add_auth(req)
    names = ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"]
    return "".join(f"{n}: {req.headers[n]}\r\n" for n in names if n in req.headers)


def spec(**kw):
    base = {"method": "GET", "path": "/", "host": "example.amazonaws.com", "region": "us-east-1",
            "service": "service", "time": int(WHEN.timestamp()), "key": KEYS["AWS_ACCESS_KEY_ID"],
            "secret": KEYS["AWS_SECRET_ACCESS_KEY"], "query": [], "headers": [], "body": ""}
    base.update(kw)
    return base


SIGNED = {
    "get": spec(),
    "post_dynamodb_with_token": spec(
        method="POST", host="dynamodb.eu-west-1.amazonaws.com", region="eu-west-1", service="dynamodb",
        token="IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==",
        headers=[["Content-Type", "application/x-amz-json-1.0"], ["X-Amz-Target", "DynamoDB_20120810.GetItem"]],
        body='{"TableName":"Items","Key":{"pk":{"S":"item"},"id":{"N":"1"}}}'),
    "query_needing_encoding": spec(path="/path", query=[
        ["b", "x y"], ["a", "1/2+3"], ["a", "0"], ["\u00fc", "\u00e9\u20ac"], ["empty", ""], ["tilde~", "*!'()"],
        ["Zed", "upper sorts first"]]),
    "unusual_header_values": spec(headers=[
        ["X-Spaces", "  leading,   inner   and trailing  "], ["x-tab", "a\tb \t c"], ["X-Repeated", "first"],
        ["x-repeated", " second "], ["X-Colon", "a:b:c"], ["User-Agent", "not signed"], ["X-Empty", ""]]),
    "path_normalisation": spec(path="/a/./b/../c//d%20e/~f/", host="127.0.0.1:8000"),
    "post_body_and_query": spec(method="POST", path="/2015-03-31/functions/f/invocations",
                                query=[["Qualifier", "$LATEST"]], body="{}", service="lambda",
                                headers=[["Content-Type", "application/json"]]),
}


@pytest.mark.parametrize("name", SIGNED)
def test_signature_equals_botocores(name):
    s = SIGNED[name]
    out = subprocess.run([TOOL, "sign", json.dumps(s)], capture_output=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode() == botocore_headers(s)


# ---- TLS against openssl s_server ----


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """s_server on loopback with a certificate for "localhost" only, signed by a CA made here."""
    d = tmp_path_factory.mktemp("tls")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=cgate test CA", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost",
            cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    port = free_port()
    proc = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", "srv.pem",
                             "-key", "srv.key", "-www", "-quiet"], cwd=d, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, str(d / "ca.pem")
    proc.kill()
    proc.wait()


def test_tls_with_the_test_ca_connects(tls_server):
    port, ca = tls_server
    out = tool("call", f"https://localhost:{port}", "/", env={**KEYS, "SSL_CERT_FILE": ca})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("200 1 -\n")
    assert "s_server" in out.stdout  # the -www status page


def test_tls_without_the_ca_is_refused(tls_server):
    port, _ = tls_server
    out = tool("call", f"https://localhost:{port}", "/", env=KEYS)
    assert out.returncode == 1
    assert "certificate verify failed" in out.stderr


def test_tls_with_a_wrong_host_name_is_refused(tls_server):
    port, ca = tls_server
    out = tool("call", f"https://127.0.0.1:{port}", "/", env={**KEYS, "SSL_CERT_FILE": ca})
    assert out.returncode == 1
    assert "certificate verify failed" in out.stderr and "mismatch" in out.stderr


def test_unreadable_ca_bundle_is_named_at_creation(tmp_path):
    missing = tmp_path / "none.pem"
    out = tool("call", "https://localhost:9", "/", env={**KEYS, "SSL_CERT_FILE": str(missing)})
    assert out.returncode == 1
    assert f"cannot read the CA bundle {missing}" in out.stderr


def test_unparsable_ca_bundle_fails_the_first_tls_call(tls_server, tmp_path):
    port, _ = tls_server
    bundle = tmp_path / "junk.pem"
    bundle.write_text("not a certificate\n")
    out = tool("call", f"https://localhost:{port}", "/", env={**KEYS, "SSL_CERT_FILE": str(bundle)})
    assert out.returncode == 1
    assert f"cannot load the CA bundle {bundle}" in out.stderr


def test_plain_http_only_for_loopback():
    out = tool("call", "http://example.com:80", "/", env=KEYS)
    assert out.returncode == 1
    assert "loopback" in out.stderr


def test_missing_region_is_named():
    out = tool("call", "http://127.0.0.1:9", "/", env={"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})
    assert out.returncode == 1 and "AWS_REGION" in out.stderr


# ---- retries ----


class Flaky:
    """A loopback HTTP/1.1 server answering `errors` first, then 200 {}; it
    records each request's time and client port."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.requests = []
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                flaky.requests.append((time.monotonic(), self.client_address[1], self.headers))
                status, code = flaky.errors.pop(0) if flaky.errors else (200, None)
                body = json.dumps({"__type": f"com.amazonaws.test#{code}", "message": "no"} if code else {})
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def gaps(self):
        times = [r[0] for r in self.requests]
        return [b - a for a, b in zip(times, times[1:])]


@pytest.fixture
def flaky():
    servers = []

    def start(errors):
        servers.append(Flaky(errors))
        return servers[-1]

    yield start
    for s in servers:
        s.server.shutdown()
        s.server.server_close()


def test_throttling_is_retried_with_backoff_on_one_connection(flaky):
    srv = flaky([(400, "ThrottlingException"), (400, "ProvisionedThroughputExceededException")])
    out = tool("call", srv.url, "/", env=KEYS)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "200 3 -"
    assert len(srv.requests) == 3
    assert len({port for _, port, _ in srv.requests}) == 1  # the kept-alive connection is reused
    first, second = srv.gaps()  # full jitter: rand(0, 1 s), then rand(0, 2 s)
    assert first < 1.2 and second < 2.2
    assert srv.requests[0][2]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")


def test_5xx_is_retried_up_to_three_attempts(flaky):
    srv = flaky([(503, None)] * 5)
    started = time.monotonic()
    out = tool("call", srv.url, "/", env=KEYS)
    assert out.stdout.splitlines()[0] == "503 3 -"
    assert len(srv.requests) == 3
    assert time.monotonic() - started < 1.5  # transient errors: rand(0, 50 ms), then rand(0, 100 ms)


def test_max_attempts_from_the_environment(flaky):
    srv = flaky([(500, None)] * 5)
    out = tool("call", srv.url, "/", env={**KEYS, "AWS_MAX_ATTEMPTS": "1"})
    assert out.stdout.splitlines()[0] == "500 1 -"


def test_client_errors_are_not_retried(flaky):
    srv = flaky([(400, "ValidationException")])
    out = tool("call", srv.url, "/", env=KEYS)
    assert out.stdout.splitlines()[0] == "400 1 ValidationException"
    assert len(srv.requests) == 1


def test_no_listener_fails_after_the_attempts():
    out = tool("call", f"http://127.0.0.1:{free_port()}", "/", env=KEYS)
    assert out.returncode == 1
    assert "after 3 attempts" in out.stderr and "cannot connect" in out.stderr


# ---- the whole call's deadline ----


class Dripping:
    """A loopback HTTP/1.1 server that sends a response head announcing 100
    bytes, then one byte every `gap` seconds: each read comes well inside the
    read timeout, so only a deadline for the whole call ends it."""

    def __init__(self, gap):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(100):  # bounded: 100 bytes at most
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(gap)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_dripping_reply_is_cut_at_the_calls_deadline():
    srv = Dripping(gap=0.2)
    try:
        started = time.monotonic()
        out = tool("call", srv.url, "/", env={**KEYS, "CG_AWS_CALL_TIMEOUT_MS": "1000"})
        elapsed = time.monotonic() - started
        assert out.returncode == 1
        assert "no whole answer within the call's time (CG_AWS_CALL_TIMEOUT_MS)" in out.stderr
        assert elapsed < 2.5  # without the deadline: 20 s of drip, retried twice more
    finally:
        srv.close()
