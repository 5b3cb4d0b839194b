"""The compression middleware in the mirror app, through the local server (curl
decodes gzip and brotli with its own libraries) and through `mirror invoke` on
an API Gateway HTTP API event, whose compressed body must come back base64."""
import base64
import gzip
import json
import os
import subprocess

import pytest

from conftest import BIN_DIR, Server

MIRROR = os.path.join(BIN_DIR, "mirror")
PAD = "compressible " * 400  # echoed back: a JSON answer of about 5.5 KB


@pytest.fixture(scope="module")
def mirror():
    srv = Server("mirror", ["--workers", "1"])
    yield srv
    code, out = srv.stop()
    assert code == 0 and "Sanitizer" not in out and "runtime error" not in out, out


def curl(*args):
    """(headers as {lowercase name: value}, body) of one GET."""
    done = subprocess.run(["curl", "-sS", "--max-time", "10", "-D", "-", *args], capture_output=True, timeout=15)
    assert done.returncode == 0, done.stderr
    head, body = done.stdout.split(b"\r\n\r\n", 1)
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    return headers, body


def echo_url(srv):
    return f"{srv.url}/echo?pad={PAD.replace(' ', '+')}"


def assert_echo(body, accept_encoding):
    doc = json.loads(body)
    assert doc["query"] == {"pad": [PAD]}
    assert doc["headers"]["accept-encoding"] == [accept_encoding]


def test_gzip_decompresses_to_the_echo(mirror):
    headers, body = curl("-H", "Accept-Encoding: gzip", echo_url(mirror))
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body) < len(PAD) / 10
    assert_echo(gzip.decompress(body), "gzip")


@pytest.mark.parametrize("accept_encoding,coding", [("br", "br"), ("gzip, deflate, br, zstd", "br"),
                                                     ("br;q=0.5, gzip", "gzip")])
def test_curl_decodes_what_was_negotiated(mirror, accept_encoding, coding):
    headers, body = curl("--compressed", "-H", f"Accept-Encoding: {accept_encoding}", echo_url(mirror))
    assert headers["content-encoding"] == coding
    assert int(headers["content-length"]) < len(PAD) / 10
    assert_echo(body, accept_encoding)


def test_without_accept_encoding_the_body_is_plain_and_varies(mirror):
    headers, body = curl(echo_url(mirror))
    assert "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding"
    assert json.loads(body)["query"] == {"pad": [PAD]}


@pytest.mark.parametrize("path", ["/bytes/5000", "/small"])
def test_binary_and_small_bodies_are_not_compressed(mirror, path):
    headers, body = curl("-H", "Accept-Encoding: gzip, br", f"{mirror.url}{path}")
    assert "content-encoding" not in headers and "vary" not in headers
    if path.startswith("/bytes"):
        assert len(body) == 5000


def invoke(accept_encoding):
    """`mirror invoke` on an HTTP API event for /echo?pad=...: the gateway response."""
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/echo",
        "rawQueryString": "pad=" + PAD.replace(" ", "+"),
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", "accept-encoding": accept_encoding},
        "requestContext": {
            "http": {"method": "GET", "path": "/echo", "sourceIp": "203.0.113.7"},
            "stage": "$default",
            "requestId": "abc=",
        },
        "isBase64Encoded": False,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    done = subprocess.run([MIRROR, "invoke", "-"], input=json.dumps(event).encode(), env=env,
                          capture_output=True, timeout=30)
    assert done.returncode == 0 and b"Sanitizer" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def test_on_lambda_the_compressed_body_is_base64():
    response = invoke("gzip")
    assert response["isBase64Encoded"] is True
    assert response["headers"]["content-encoding"] == "gzip"
    assert response["headers"]["vary"] == "Accept-Encoding"
    assert_echo(gzip.decompress(base64.b64decode(response["body"])), "gzip")


def test_on_lambda_a_plain_body_stays_text():
    response = invoke("identity")
    assert response["isBase64Encoded"] is False
    assert "content-encoding" not in response["headers"]
    assert_echo(response["body"], "identity")
