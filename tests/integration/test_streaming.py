"""Streamed responses: mirror's /stream/{n} and /sse/{n} on the local server
(curl and raw sockets), the buffered fallback of `APP invoke`, and the
Runtime API's streaming mode checked byte for byte in the emulator; and
work deferred until the response has left (cg_after_response), which shares
the same moment of the transports."""
import base64
import json
import os
import signal
import subprocess
import time

import pytest
from conftest import BIN_DIR, HttpReader, recv_until_closed

MIRROR = os.path.join(BIN_DIR, "mirror")


@pytest.fixture
def mirror(start_server):
    return start_server("mirror")


def send(srv, raw):
    s = srv.connect()
    s.sendall(raw)
    return s


def get(path, version="1.1"):
    return f"GET {path} HTTP/{version}\r\nHost: x\r\n\r\n".encode()


def test_curl_sees_each_chunk_before_the_end(mirror):
    """The handler waits 300 ms between lines: they must not arrive together."""
    proc = subprocess.Popen(["curl", "-sN", f"{mirror.url}/stream/5?delay_ms=300"], stdout=subprocess.PIPE)
    arrivals, lines = [], []
    for line in proc.stdout:
        arrivals.append(time.monotonic())
        lines.append(json.loads(line))
    assert proc.wait(timeout=10) == 0
    assert lines == [{"n": i, "of": 5} for i in range(5)]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) > 0.15, gaps


def test_each_write_is_one_chunk_and_the_last_chunk_ends_it(mirror):
    s = send(mirror, get("/stream/2?delay_ms=0") + get("/status/204"))
    data = b""
    while b"0\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    assert b"transfer-encoding: chunked" in head.lower()
    assert b"content-length" not in head.lower()
    assert body.startswith(b'f\r\n{"n":0,"of":2}\n\r\nf\r\n{"n":1,"of":2}\n\r\n0\r\n\r\n')
    # the pipelined request is answered after the stream, on the same connection
    reader = HttpReader(s)
    reader.buf = body[len(b'f\r\n{"n":0,"of":2}\n\r\nf\r\n{"n":1,"of":2}\n\r\n0\r\n\r\n'):]
    assert reader.response()[0] == 204
    s.close()


def test_server_sent_events(mirror):
    s = send(mirror, get("/sse/2?delay_ms=0"))
    status, headers, body = HttpReader(s).response()
    assert status == 200
    assert headers["content-type"] == ["text/event-stream"]
    assert headers["cache-control"] == ["no-cache"]
    assert body == b'event: tick\nid: 0\ndata: {"n":0}\n\nevent: tick\nid: 1\ndata: {"n":1}\n\n'


def test_http_1_0_gets_the_body_until_close(mirror):
    s = send(mirror, get("/stream/2?delay_ms=0", "1.0"))
    data = recv_until_closed(s)
    head, body = data.split(b"\r\n\r\n", 1)
    assert b"transfer-encoding" not in head.lower()
    assert b"connection: close" in head.lower()
    assert body == b'{"n":0,"of":2}\n{"n":1,"of":2}\n'


def test_head_has_the_framing_and_no_body(mirror):
    s = send(mirror, b"HEAD /stream/3 HTTP/1.1\r\nHost: x\r\n\r\n" + get("/status/204"))
    reader = HttpReader(s)
    status, headers, body = reader.response(head_request=True)
    assert (status, headers["transfer-encoding"], body) == (200, ["chunked"], b"")
    assert reader.response()[0] == 204


def test_a_failure_cuts_the_body_without_its_last_chunk(mirror):
    s = send(mirror, get("/stream/4?delay_ms=0&fail_at=2"))
    data = recv_until_closed(s)
    assert data.endswith(b'f\r\n{"n":1,"of":4}\n\r\n')
    assert mirror.wait_for_output(rb"streamed response failed: failed on purpose before line 2")


def test_a_client_that_leaves_stops_the_stream(mirror):
    s = send(mirror, get("/stream/200?delay_ms=20"))
    s.recv(100)
    s.close()
    assert mirror.wait_for_output(rb"the streamed response failed: the client went away", timeout=10)
    with mirror.connect() as again:
        again.sendall(get("/status/204"))
        assert HttpReader(again).response()[0] == 204


def test_sigterm_ends_an_endless_stream(mirror):
    s = send(mirror, get("/sse/10000?delay_ms=100"))
    s.recv(100)
    started = time.monotonic()
    code, _ = mirror.stop(signal.SIGTERM)
    assert code == 0
    assert time.monotonic() - started < 5
    s.close()


def test_invoke_buffers_the_stream(tmp_path):
    event = {
        "version": "2.0",
        "rawPath": "/stream/3",
        "rawQueryString": "delay_ms=0",
        "headers": {"host": "h"},
        "requestContext": {"http": {"method": "GET", "path": "/stream/3", "sourceIp": "1.2.3.4"}, "stage": "$default"},
    }
    out = subprocess.run([MIRROR, "invoke", "-"], input=json.dumps(event).encode(), capture_output=True, timeout=10)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["statusCode"] == 200
    assert answer["body"] == "".join(json.dumps({"n": i, "of": 3}, separators=(",", ":")) + "\n" for i in range(3))
    event["rawQueryString"] = "delay_ms=0&fail_at=1"
    out = subprocess.run([MIRROR, "invoke", "-"], input=json.dumps(event).encode(), capture_output=True, timeout=10)
    assert json.loads(out.stdout)["statusCode"] == 500


# ---- on Lambda: the Runtime API in streaming mode (runtime-api.md §8-9) ----


def url_event(path, query=""):
    """A function URL event (payload 2.0, encoded rawPath)."""
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "abc.lambda-url.us-east-1.on.aws"},
        "requestContext": {
            "domainName": "abc.lambda-url.us-east-1.on.aws",
            "http": {"method": "GET", "path": path, "sourceIp": "203.0.113.9"},
            "stage": "$default",
        },
    }


def run_mirror_runtime(api, mode="response_stream", access_log="off"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    env.update(AWS_LAMBDA_RUNTIME_API=api.endpoint, CG_INVOKE_MODE=mode, CG_ACCESS_LOG=access_log)
    return subprocess.run([MIRROR], env=env, capture_output=True, timeout=30)


def split_prelude(body):
    prelude, sep, rest = body.partition(b"\0" * 8)
    assert sep, body
    return json.loads(prelude), rest


def test_lambda_streams_chunk_by_chunk(runtime_api):
    api = runtime_api()
    api.add_event(url_event("/stream/3", "delay_ms=200"))
    api.add_event(url_event("/status/204"))
    run_mirror_runtime(api)
    first, second = api.posts_of("response")
    assert first.headers["lambda-runtime-function-response-mode"] == "streaming"
    assert first.headers["content-type"] == "application/vnd.awslambda.http-integration-response"
    assert first.headers["trailer"] == "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    prelude, body = split_prelude(first.body)
    assert prelude["statusCode"] == 200
    assert prelude["headers"]["content-type"] == "application/x-ndjson"
    assert prelude["cookies"] == []
    lines = [b'{"n":%d,"of":3}\n' % i for i in range(3)]
    assert body == b"".join(lines)
    # the wire, byte for byte: the prelude and its NULs as one chunk, then a chunk per write
    head = first.body[: len(first.body) - len(body)]
    chunks = [head, *lines]
    assert first.wire == b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    assert first.trailers == {}
    gaps = [b - a for a, b in zip(first.chunk_times[1:], first.chunk_times[2:])]
    assert min(gaps) > 0.1, gaps
    # the next invocation, on a new connection, is streamed too
    prelude, body = split_prelude(second.body)
    assert (prelude["statusCode"], body) == (204, b"")


def test_a_failure_mid_stream_reaches_the_trailers(runtime_api):
    api = runtime_api()
    api.add_event(url_event("/stream/3", "delay_ms=0&fail_at=2"))
    run_mirror_runtime(api)
    [post] = api.posts_of("response")
    _, body = split_prelude(post.body)
    assert body == b'{"n":0,"of":3}\n{"n":1,"of":3}\n'
    assert post.trailers["lambda-runtime-function-error-type"] == "Function.StreamError"
    error = json.loads(base64.b64decode(post.trailers["lambda-runtime-function-error-body"]))
    assert error == {"errorMessage": "failed on purpose before line 2", "errorType": "Function.StreamError"}


def test_http_api_events_stay_buffered_in_streaming_mode(runtime_api):
    api = runtime_api()
    event = url_event("/stream/2", "delay_ms=0")
    event["requestContext"]["domainName"] = event["headers"]["host"] = "abc.execute-api.us-east-1.amazonaws.com"
    event["routeKey"] = "$default"
    api.add_event(event)
    run_mirror_runtime(api)
    [post] = api.posts_of("response")
    assert "lambda-runtime-function-response-mode" not in post.headers
    answer = json.loads(post.body)
    assert (answer["statusCode"], answer["body"]) == (200, '{"n":0,"of":2}\n{"n":1,"of":2}\n')


def test_a_wrong_invoke_mode_is_an_init_error(runtime_api):
    api = runtime_api()
    api.add_event(url_event("/status/204"))
    proc = run_mirror_runtime(api, mode="streaming")
    assert proc.returncode != 0
    [post] = api.posts_of("init-error")
    assert b"CG_INVOKE_MODE=streaming" in post.body
    assert api.posts_of("response") == []


# ---- work after the response (cg_after_response) ----


def test_after_response_work_runs_once_the_response_has_left(mirror):
    s = send(mirror, get("/after/500") + get("/status/204"))
    reader = HttpReader(s)
    started = time.monotonic()
    status, headers, _ = reader.response()
    first = time.monotonic() - started
    assert status == 200 and first < 0.4, first
    # the pipelined request waits for the work, on the same connection
    assert reader.response()[0] == 204
    assert time.monotonic() - started >= 0.5
    request_id = headers["x-request-id"][0].encode()
    assert mirror.wait_for_output(rb"after-response work of " + request_id + rb" done")
    s.close()


def test_after_response_work_on_lambda_runs_before_the_next_event(runtime_api):
    api = runtime_api()
    first = api.add_event(url_event("/after/200"))
    second = api.add_event(url_event("/status/204"))
    proc = run_mirror_runtime(api, mode="buffered", access_log="on")  # the access lines mark each response
    assert [p.request_id for p in api.posts_of("response")] == [first, second]
    log = [json.loads(line) for line in proc.stderr.decode().splitlines() if line.startswith("{")]
    order = [(entry.get("requestId"), entry["message"].split(" ")[0]) for entry in log if entry.get("requestId")]
    done = order.index((first, "after-response"))
    assert order.index((first, "GET")) < done < order.index((second, "GET")), order
