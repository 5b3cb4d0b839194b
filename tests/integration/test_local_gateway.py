"""cgate-local end to end: curl -> the emulated gateway -> the Runtime API ->
a real bootstrap (mirror, or echo_bootstrap.py that answers with the event it
got) -> back to curl, in every format; crashes, timeouts, `invoke`, the
CloudWatch-style log lines, and streamed responses relayed as they come."""
import base64
import json
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import BIN_DIR, Server, recv_until_closed

HERE = os.path.dirname(__file__)
CGATE_LOCAL = os.path.join(BIN_DIR, "cgate-local")
MIRROR = os.path.join(BIN_DIR, "mirror")
ECHO = os.path.join(HERE, "echo_bootstrap.py")
LAMBDA_MIRROR = os.path.join(HERE, "../../build/lambda/bin/mirror")

FORMATS = {  # format -> (extra options, mirror's "source", its "stage", the stage in the URL: the root path)
    "rest": (["--stage", "prod"], "apigw-rest", "prod", "/prod"),
    "http": ([], "apigw-http", "$default", ""),
    "function-url": ([], "function-url", "$default", ""),
    "alb": (["--multi-value"], "alb", None, ""),
    "lattice-v1": ([], "vpc-lattice", None, ""),
    "lattice-v2": ([], "vpc-lattice", None, ""),
}
REPORT = (rb"REPORT RequestId: %s\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t"
          rb"Max Memory Used: \d+ MB")


def start_gateway(fmt, bootstrap, options=(), env=None):
    command = [CGATE_LOCAL, "start-api", "--format", fmt, "--port", "0", *options, "--", *bootstrap]
    return Server("cgate-local", env=env, command=command)


def curl(*args, timeout=20):
    return subprocess.run(["curl", "-sS", "--path-as-is", "--max-time", "15", *args], capture_output=True,
                          check=True, timeout=timeout).stdout


def get(url, *args):
    """(status, {lowercased name: [values]}, body) of one request."""
    out = curl("-i", *args, url)
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body


def stop(gateway):
    code, out = gateway.stop()
    assert code == 0 and "Sanitizer" not in out and "runtime error" not in out, out
    return out


@pytest.fixture(scope="module")
def local_mirror():
    srv = Server("mirror", ["--workers", "1"])
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=list(FORMATS))
def gateway(request):
    fmt = request.param
    gw = start_gateway(fmt, [MIRROR], FORMATS[fmt][0])
    gw.format = fmt
    gw.api = gw.url + FORMATS[fmt][3]  # where the API is: under the stage, when the URL has it
    yield gw
    stop(gw)


# ---- mirror behind every format ----

def test_encoded_path_query_headers_and_cookies(gateway):
    status, headers, body = get(gateway.api + "/anything/a%20b/c%2Fd/%C3%A9?x=1&x=2&y=a%20b%2B",
                                "-H", "X-Rep: 1", "-H", "X-Rep: 2", "-b", "a=1; b=2")
    doc = json.loads(body)
    _, source, stage, root_path = FORMATS[gateway.format]
    assert status == 200 and (doc["source"], doc["stage"], doc["root_path"]) == (source, stage, root_path)
    assert doc["path"] == "/anything/a b/c/d/é"
    # Lattice 1.0 keeps the last value of a query key, joins a header's with ", " (§4.5, §5.8).
    lattice_v1 = gateway.format == "lattice-v1"
    assert doc["query"] == {"x": ["2"] if lattice_v1 else ["1", "2"], "y": ["a b+"]}
    # Payload 2.0 joins repeated headers with "," (gateway-events.md §5.2).
    joined = {"http": ["1,2"], "function-url": ["1,2"], "lattice-v1": ["1, 2"]}
    assert doc["headers"]["x-rep"] == joined.get(gateway.format, ["1", "2"])
    assert doc["cookies"] == {"a": "1", "b": "2"}
    assert doc["source_ip"] == "127.0.0.1" and doc["method"] == "GET"
    # The invocation id is the one in the log lines.
    assert gateway.wait_for_output(REPORT % headers["x-request-id"][0].encode()), gateway.output


def test_header_values_are_trimmed_as_the_local_server_trims_them(gateway, local_mirror):
    """RFC 9110 §5.5: the spaces and tabs around a field value are not part of
    it, so `Content-Type: application/json<TAB>` is JSON behind the gateway too."""
    padded = "X-Pad: \t padded \t\r\nContent-Type: application/json\t\r\n"
    mount = FORMATS[gateway.format][3]
    for srv, path in [(gateway, mount + "/anything"), (local_mirror, "/anything")]:
        doc = json.loads(raw_get(srv, path, more_headers=padded).partition(b"\r\n\r\n")[2])
        assert (doc["headers"]["x-pad"], doc["headers"]["content-type"]) == (["padded"], ["application/json"]), srv


def test_two_set_cookies_come_out(gateway):
    status, headers, _ = get(gateway.api + "/cookies/set?a=1&b=2")
    assert status == 200 and headers["set-cookie"] == ["a=1", "b=2"]


def test_binary_in_and_out(gateway, local_mirror):
    payload = bytes(range(256)) * 4
    doc = json.loads(subprocess.run(
        ["curl", "-sS", "--max-time", "15", "-H", "Content-Type: application/octet-stream", "--data-binary", "@-",
         gateway.api + "/anything"], input=payload, capture_output=True, check=True, timeout=20).stdout)
    assert doc["method"] == "POST" and doc["body_base64"] is True
    assert base64.b64decode(doc["body"]) == payload
    through_gateway = curl(gateway.api + "/bytes/1000?seed=1")
    assert len(through_gateway) == 1000 and through_gateway == curl(local_mirror.url + "/bytes/1000?seed=1")
    assert curl(gateway.api + "/bytes/1000?seed=2") != through_gateway


def test_status_and_warm_instance(gateway):
    assert curl("-o", "/dev/null", "-w", "%{http_code}", gateway.api + "/status/418") == b"418"
    # One cold start, then the instance stays warm: one Init Duration in the log.
    for _ in range(3):
        curl(gateway.api + "/anything")
    assert gateway.output.count(b"Init Duration") == 1, gateway.output


# ---- the events themselves, as the gateway built them ----

@pytest.mark.parametrize("fmt", list(FORMATS))
def test_event_shapes(fmt):
    options, mount = FORMATS[fmt][0], FORMATS[fmt][3]
    gw = start_gateway(fmt, [sys.executable, ECHO], options)
    try:
        event = json.loads(curl(gw.url + mount + "/a%20b/%C3%A9?q=1&q=2&p=x%2By", "-H", "X-Rep: 1",
                                "-H", "X-Rep: 2", "-b", "a=1; b=2"))
    finally:
        stop(gw)
    if fmt == "rest":
        assert event["path"] == "/a%20b/%C3%A9" and event["pathParameters"] == {"proxy": "a%20b/%C3%A9"}
        assert event["requestContext"]["path"] == "/prod/a%20b/%C3%A9" and event["requestContext"]["stage"] == "prod"
        assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "p": ["x+y"]}
        assert event["queryStringParameters"] == {"q": "2", "p": "x+y"}
        assert event["multiValueHeaders"]["X-Rep"] == ["1", "2"] and event["headers"]["X-Rep"] == "2"
        assert event["body"] is None and event["isBase64Encoded"] is False
    elif fmt in ("http", "function-url"):
        url = fmt == "function-url"
        assert event["version"] == "2.0" and event["rawQueryString"] == "q=1&q=2&p=x%2By"
        assert event["rawPath"] == ("/a%20b/%C3%A9" if url else "/a b/é")
        assert event["requestContext"]["http"]["path"] == "/a b/é"
        assert event["cookies"] == ["a=1", "b=2"] and event["headers"]["x-rep"] == "1,2"
        assert ("cookie" in event["headers"]) == url  # function URLs keep the header too
        assert event["queryStringParameters"] == {"q": "1,2", "p": "x+y"}
        assert (".lambda-url." in event["requestContext"]["domainName"]) == url
        assert "body" not in event
    elif fmt == "lattice-v1":
        assert event["raw_path"] == "/a%20b/%C3%A9" and event["method"] == "GET" and "requestContext" not in event
        assert event["query_string_parameters"] == {"q": "2", "p": "x%2By"}  # the last value, undecoded
        assert event["headers"]["x-rep"] == "1, 2" and event["headers"]["cookie"] == "a=1; b=2"
        assert event["body"] == "" and event["is_base64_encoded"] is False
    elif fmt == "lattice-v2":
        assert event["version"] == "2.0" and event["path"] == "/a%20b/%C3%A9" and event["method"] == "GET"
        assert event["queryStringParameters"] == {"q": ["1", "2"], "p": ["x%2By"]}
        assert event["headers"]["x-rep"] == ["1", "2"] and event["headers"]["cookie"] == ["a=1; b=2"]
        context = event["requestContext"]
        assert ":vpc-lattice:" in context["targetGroupArn"] and context["identity"]["type"] == "NONE"
        assert len(context["timeEpoch"]) == 16  # microseconds
        assert event["body"] == "" and event["isBase64Encoded"] is False
    else:
        assert event["requestContext"] == {"elb": {"targetGroupArn": event["requestContext"]["elb"]["targetGroupArn"]}}
        assert event["path"] == "/a%20b/%C3%A9"
        assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "p": ["x%2By"]}  # undecoded
        assert event["multiValueHeaders"]["x-rep"] == ["1", "2"] and "headers" not in event
        assert event["body"] == ""


# ---- stages: in the URL with --stage, as on the gateway's own URL ----

def echo_event(gw, url_path):
    status, _, body = get(gw.url + url_path)
    assert status == 200, body
    return json.loads(body)


def test_rest_stage_is_in_the_url_and_in_request_context_path():
    gw = start_gateway("rest", [sys.executable, ECHO], ["--stage", "v1_beta"])
    try:
        event = echo_event(gw, "/v1_beta/items/a%20b?x=1")
        assert (event["path"], event["requestContext"]["path"]) == ("/items/a%20b", "/v1_beta/items/a%20b")
        assert event["requestContext"]["stage"] == "v1_beta" and event["pathParameters"] == {"proxy": "items/a%20b"}
        for root in ("/v1_beta", "/v1_beta/"):  # the stage's root resource
            event = echo_event(gw, root)
            assert (event["path"], event["resource"], event["requestContext"]["path"]) == ("/", "/", root)
    finally:
        stop(gw)


def test_rest_without_stage_serves_at_the_root():
    gw = start_gateway("rest", [sys.executable, ECHO])
    try:
        event = echo_event(gw, "/items/1")
    finally:
        stop(gw)
    # As behind a custom domain mapped to the stage: nothing precedes the path.
    assert (event["path"], event["requestContext"]["path"], event["requestContext"]["stage"]) == \
        ("/items/1", "/items/1", "prod")


@pytest.mark.parametrize("fmt,status,message", [("rest", 403, "Forbidden"), ("http", 404, "Not Found")])
def test_outside_the_stage_the_gateway_answers_alone(fmt, status, message):
    gw = start_gateway(fmt, [MIRROR], ["--stage", "prod"])
    try:
        for path in ("/", "/anything", "/production/anything", "/Prod/anything"):
            answer = get(gw.url + path)
            assert (answer[0], json.loads(answer[2])) == (status, {"message": message}), path
        assert get(gw.url + "/prod/anything")[0] == 200
    finally:
        out = stop(gw)
    assert out.count("START RequestId") == 1, out  # only the request under the stage reached the function


@pytest.mark.parametrize("fmt", ["rest", "http"])
def test_mirror_sees_the_stage_as_its_root_path(fmt):
    gw = start_gateway(fmt, [MIRROR], ["--stage", "dev"])
    try:
        doc = json.loads(curl(gw.url + "/dev/items/1"))
    finally:
        stop(gw)
    assert (doc["path"], doc["root_path"], doc["stage"]) == ("/items/1", "/dev", "dev")


def test_http_api_named_stage_is_in_raw_path():
    gw = start_gateway("http", [sys.executable, ECHO], ["--stage", "dev"])
    try:
        event = echo_event(gw, "/dev/a%20b")
    finally:
        stop(gw)
    assert (event["rawPath"], event["requestContext"]["stage"]) == ("/dev/a b", "dev")


def test_http_api_default_stage_is_not_in_the_url():
    gw = start_gateway("http", [sys.executable, ECHO], ["--stage", "$default"])
    try:
        event = echo_event(gw, "/items")
    finally:
        stop(gw)
    assert (event["rawPath"], event["requestContext"]["stage"]) == ("/items", "$default")


@pytest.mark.parametrize("fmt,options,message", [
    ("function-url", ["--stage", "prod"], "--stage does not apply to --format function-url: it has no stages"),
    ("alb", ["--stage", "prod"], "--stage does not apply to --format alb: it has no stages"),
    ("lattice-v2", ["--stage", "prod"], "--stage does not apply to --format lattice-v2: it has no stages"),
    ("rest", ["--stage", "$default"], "--stage $default: a stage name has 1 to 128 letters, digits, - or _"),
    ("http", ["--stage", "a/b"], "--stage a/b: a stage name has 1 to 128 letters, digits, - or _ (or is $default)"),
    ("rest", ["--stage", "x" * 129], "a stage name has 1 to 128"),
])
def test_bad_stage_options_are_refused(fmt, options, message):
    proc = subprocess.run([CGATE_LOCAL, "start-api", "--format", fmt, "--port", "0", *options, "--", MIRROR],
                          capture_output=True, timeout=10)
    assert proc.returncode == 2 and message in proc.stderr.decode(), proc.stderr


def test_alb_single_value_mode_keeps_the_last_value():
    gw = start_gateway("alb", [MIRROR])
    try:
        doc = json.loads(curl(gw.url + "/anything?x=1&x=2", "-H", "X-Rep: 1", "-H", "X-Rep: 2"))
        status, headers, _ = get(gw.url + "/cookies/set?a=1&b=2")
    finally:
        stop(gw)
    assert doc["query"] == {"x": ["2"]} and doc["headers"]["x-rep"] == ["2"]
    assert status == 200 and headers["set-cookie"] == ["a=1", "b=2"]  # under two casings of the name


@pytest.mark.parametrize("fmt", ["lattice-v1", "lattice-v2"])
def test_lattice_two_cookie_lines_are_two_cookies(fmt):
    """Version 1 joins the two lines with ", ", which the decoder reads as the
    cookies' "; " (gateway-events.md §5.8); version 2 lists them."""
    gw = start_gateway(fmt, [MIRROR])
    try:
        doc = json.loads(curl(gw.url + "/anything", "-H", "Cookie: a=1", "-H", "Cookie: b=2"))
    finally:
        stop(gw)
    assert doc["source"] == "vpc-lattice" and doc["cookies"] == {"a": "1", "b": "2"}


# ---- faults ----

@pytest.mark.parametrize("mode", ["exit", "invalid", "error"])
def test_a_failing_function_is_a_502(mode):
    gw = start_gateway("rest", [sys.executable, ECHO], env={"ECHO_MODE": mode})
    try:
        for _ in range(2):  # and again: a fresh instance after a crash
            status, _, body = get(gw.url + "/anything")
            assert status == 502 and json.loads(body) == {"message": "Internal server error"}
    finally:
        out = stop(gw)
    if mode == "exit":
        assert out.count("Runtime exited with error: exit status 3") == 2, out
        assert out.count("Init Duration") == 2, out
    if mode == "invalid":
        assert "Malformed Lambda proxy response" in out, out


def test_a_bootstrap_that_cannot_start_is_a_502(tmp_path):
    gw = start_gateway("http", [str(tmp_path / "missing")])
    try:
        assert get(gw.url + "/")[0] == 502
    finally:
        stop(gw)


def test_a_slow_function_is_a_504_and_a_fresh_instance_follows():
    gw = start_gateway("http", [MIRROR], ["--timeout", "1"])
    try:
        status, _, body = get(gw.url + "/delay/5000")
        assert status == 504 and json.loads(body) == {"message": "Endpoint request timed out"}
        status, _, _ = get(gw.url + "/anything")
        assert status == 200
    finally:
        out = stop(gw)
    assert "Task timed out after 1.00 seconds" in out, out
    assert out.count("Init Duration") == 2, out


def test_requests_wait_their_turn():
    gw = start_gateway("http", [MIRROR])
    try:
        slow = subprocess.Popen(["curl", "-sS", "--max-time", "15", gw.url + "/delay/300"], stdout=subprocess.PIPE)
        assert json.loads(curl(gw.url + "/anything"))["path"] == "/anything"
        assert json.loads(slow.communicate(timeout=20)[0]) == {"delay_ms": 300}
    finally:
        stop(gw)


# ---- invoke ----

def v2_event(path):
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "headers": {},
            "requestContext": {"http": {"method": "GET", "path": path, "sourceIp": "203.0.113.9"},
                               "stage": "$default", "domainName": "x.execute-api.us-east-1.amazonaws.com"},
            "isBase64Encoded": False}


def run_invoke(bootstrap, event=None, tmp_path=None):
    args = [CGATE_LOCAL, "invoke"]
    if event is not None:
        path = tmp_path / "event.json"
        path.write_text(json.dumps(event))
        args += ["--event", str(path)]
    proc = subprocess.run([*args, "--", bootstrap], capture_output=True, timeout=30)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_invoke_prints_the_response(tmp_path):
    code, out, err = run_invoke(MIRROR, v2_event("/anything"), tmp_path)
    answer = json.loads(out)
    assert code == 0 and answer["statusCode"] == 200, err
    assert json.loads(answer["body"])["source_ip"] == "203.0.113.9"
    assert re.search(r"START RequestId: \S+ Version: \$LATEST", err) and "Init Duration" in err, err


def test_invoke_of_an_event_the_app_refuses(tmp_path):
    code, out, err = run_invoke(MIRROR)  # the default event, {}
    assert code == 1 and json.loads(out)["errorType"] == "Runtime.InvalidEvent", err


@pytest.mark.skipif(not os.path.exists(LAMBDA_MIRROR), reason="no lambda build (make lambda)")
def test_the_lambda_build_runs_through_the_runtime_api(tmp_path):
    code, out, err = run_invoke(LAMBDA_MIRROR, v2_event("/status/201"), tmp_path)
    assert code == 0 and json.loads(out)["statusCode"] == 201, err


# ---- streamed responses (--invoke-mode response_stream, runtime-api.md §8-9) ----

LINES = [b'{"n":%d,"of":%d}\n' % (i, 5) for i in range(5)]

# A bootstrap that streams by hand: STREAM_MODE=crash sends the prelude and
# one chunk, then exits; long-prelude sends a prelude of 20 KB; big sends
# 7 MB of body.
STREAMING_BOOTSTRAP = r'''
import os, socket, sys, time, urllib.request
api = os.environ["AWS_LAMBDA_RUNTIME_API"]
with urllib.request.urlopen(f"http://{api}/2018-06-01/runtime/invocation/next") as r:
    request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
host, port = api.split(":")
s = socket.create_connection((host, int(port)))
s.sendall(f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\nHost: {api}\r\n"
          "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
def chunk(data):
    s.sendall(b"%x\r\n%s\r\n" % (len(data), data))
if os.environ["STREAM_MODE"] == "crash":
    chunk(b'{"statusCode":200}' + b"\0" * 8)
    chunk(b"partial")
    time.sleep(0.3)
    sys.exit(3)
if os.environ["STREAM_MODE"] == "big":
    chunk(b'{"statusCode":200}' + b"\0" * 8)
    for _ in range(7):
        chunk(b"x" * (1 << 20))
else:
    chunk(b'{"statusCode":200,"headers":{"x-pad":"' + b"x" * 20000 + b'"}}' + b"\0" * 8 + b"body")
s.sendall(b"0\r\n\r\n")
s.recv(100)
'''


def start_streaming_bootstrap(tmp_path, mode, options=("--invoke-mode", "response_stream")):
    script = tmp_path / "streaming_bootstrap.py"
    script.write_text(STREAMING_BOOTSTRAP)
    return start_gateway("function-url", [sys.executable, str(script)], options, env={"STREAM_MODE": mode})


@pytest.fixture(scope="module")
def streaming():
    gw = start_gateway("function-url", [MIRROR], ["--invoke-mode", "response_stream"])
    yield gw
    stop(gw)


def raw_get(gw, path, version="1.1", more_headers=""):
    """Everything the gateway sends for one request, until it closes."""
    with gw.connect(timeout=10) as s:
        s.sendall(f"GET {path} HTTP/{version}\r\nHost: x\r\nConnection: close\r\n{more_headers}\r\n".encode())
        return recv_until_closed(s)


def report_duration_ms(gw, request_id):
    m = gw.wait_for_output(rb"REPORT RequestId: %s\tDuration: ([\d.]+) ms" % request_id.encode())
    assert m, gw.output
    return float(m.group(1))


def test_streamed_lines_arrive_apart_and_the_report_follows_the_stream(streaming, tmp_path):
    proc = subprocess.Popen(["curl", "-sSN", "--max-time", "15", "-D", str(tmp_path / "head"),
                             streaming.url + "/stream/5?delay_ms=300"], stdout=subprocess.PIPE)
    arrivals, lines = [], []
    for line in proc.stdout:
        arrivals.append(time.monotonic())
        lines.append(line)
    assert proc.wait(timeout=20) == 0 and lines == LINES
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) > 0.15, gaps
    head = (tmp_path / "head").read_text().lower()
    assert "content-type: application/x-ndjson" in head and "transfer-encoding: chunked" in head, head
    assert "content-length" not in head
    request_id = re.search(r"x-request-id: (\S+)", head).group(1)
    assert report_duration_ms(streaming, request_id) >= 1100  # measured to the end of the stream


def test_each_chunk_is_relayed_as_one_chunk(streaming):
    _, _, body = raw_get(streaming, "/stream/2?delay_ms=0").partition(b"\r\n\r\n")
    lines = [b'{"n":0,"of":2}\n', b'{"n":1,"of":2}\n']
    assert body == b"".join(b"%x\r\n%s\r\n" % (len(line), line) for line in lines) + b"0\r\n\r\n"


def test_cookies_of_the_prelude_are_set_cookie_lines(streaming):
    status, headers, _ = get(streaming.url + "/cookies/set?a=1&b=2")
    assert status == 200 and headers["set-cookie"] == ["a=1", "b=2"]
    assert headers["transfer-encoding"] == ["chunked"]


def test_a_failure_mid_stream_cuts_the_body(streaming):
    data = raw_get(streaming, "/stream/4?delay_ms=0&fail_at=2")
    assert data.endswith(b'f\r\n{"n":1,"of":4}\n\r\n'), data  # no last chunk
    proc = subprocess.run(["curl", "-sS", "--max-time", "15", streaming.url + "/stream/4?delay_ms=0&fail_at=2"],
                          capture_output=True, timeout=20)
    assert proc.returncode == 18 and proc.stdout == b'{"n":0,"of":4}\n{"n":1,"of":4}\n', proc.stderr
    assert streaming.wait_for_output(rb"RequestId: \S+ Error: failed on purpose before line 2\nFunction.StreamError\n")


def test_an_http_1_0_client_gets_the_body_until_the_close(streaming):
    head, _, body = raw_get(streaming, "/stream/2?delay_ms=0", "1.0").partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower() and b"connection: close" in head.lower()
    assert body == b'{"n":0,"of":2}\n{"n":1,"of":2}\n'


def test_a_buffered_post_is_still_answered_when_streaming():
    gw = start_gateway("function-url", [sys.executable, ECHO], ["--invoke-mode", "response_stream"])
    try:
        status, headers, body = get(gw.url + "/anything")
    finally:
        stop(gw)
    assert status == 200 and json.loads(body)["rawPath"] == "/anything" and "content-length" in headers


def test_buffered_mode_buffers_a_streamed_post():
    # The bootstrap streams (CG_INVOKE_MODE from the environment) behind a BUFFERED function URL.
    gw = start_gateway("function-url", [MIRROR], env={"CG_INVOKE_MODE": "response_stream"})
    try:
        status, headers, body = get(gw.url + "/stream/5?delay_ms=0")
        assert status == 200 and body == b"".join(LINES)
        assert headers["content-length"] == [str(len(body))] and "transfer-encoding" not in headers
        assert headers["content-type"] == ["application/x-ndjson"]
        assert get(gw.url + "/stream/5?delay_ms=0&fail_at=3")[0] == 502
    finally:
        stop(gw)


def test_buffered_mode_keeps_the_6_mb_limit(tmp_path):
    gw = start_streaming_bootstrap(tmp_path, "big", options=())
    try:
        assert get(gw.url + "/")[0] == 502
    finally:
        out = stop(gw)
    assert "Function.ResponseSizeTooLarge" in out, out


def test_rest_streams_too():
    gw = start_gateway("rest", [MIRROR], ["--stage", "prod", "--invoke-mode", "response_stream"])
    try:
        status, headers, body = get(gw.url + "/prod/stream/2?delay_ms=0")
    finally:
        stop(gw)
    assert status == 200 and headers["transfer-encoding"] == ["chunked"]
    assert body == b'{"n":0,"of":2}\n{"n":1,"of":2}\n'


@pytest.mark.parametrize("fmt", ["http", "alb"])
def test_invoke_mode_response_stream_is_refused_where_nothing_streams(fmt):
    proc = subprocess.run([CGATE_LOCAL, "start-api", "--format", fmt, "--invoke-mode", "response_stream", "--port",
                           "0", "--", MIRROR], capture_output=True, timeout=10)
    assert proc.returncode == 2, proc.stderr
    assert f"--invoke-mode response_stream does not apply to --format {fmt}" in proc.stderr.decode()


def test_the_timeout_covers_the_whole_stream():
    gw = start_gateway("function-url", [MIRROR], ["--invoke-mode", "response_stream", "--timeout", "1"])
    try:
        data = raw_get(gw, "/stream/10?delay_ms=300")  # past the timeout: the body is cut after a line
        assert data.startswith(b"HTTP/1.1 200") and re.search(rb'\{"n":\d,"of":10\}\n\r\n$', data), data
        assert get(gw.url + "/delay/3000")[0] == 504  # nothing sent yet: a status still can be
    finally:
        out = stop(gw)
    assert out.count("Task timed out after 1.00 seconds") == 2, out


def test_a_bootstrap_that_dies_mid_stream_cuts_the_body(tmp_path):
    gw = start_streaming_bootstrap(tmp_path, "crash")
    try:
        data = raw_get(gw, "/")
    finally:
        out = stop(gw)
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"7\r\npartial\r\n"), data
    assert "Runtime exited with error: exit status 3" in out, out


def test_a_prelude_past_16_kb_is_a_502(tmp_path):
    gw = start_streaming_bootstrap(tmp_path, "long-prelude")
    try:
        status, _, body = get(gw.url + "/")
    finally:
        out = stop(gw)
    assert status == 502 and json.loads(body) == {"message": "Internal server error"}
    assert "no prelude and its eight NULs within the first 16 KB" in out, out


def url_event(path, query):
    event = v2_event(path)
    event["rawQueryString"] = query
    event["requestContext"]["domainName"] = event["headers"]["host"] = "abc.lambda-url.us-east-1.on.aws"
    del event["routeKey"]
    return event


def run_streamed_invoke(tmp_path, query):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(url_event("/stream/3", query)))
    proc = subprocess.run([CGATE_LOCAL, "invoke", "--invoke-mode", "response_stream", "--event", str(path), "--",
                           MIRROR], capture_output=True, timeout=30)
    prelude, _, body = proc.stdout.partition(b"\n")
    return proc.returncode, json.loads(prelude), body, proc.stderr.decode()


def test_invoke_prints_the_prelude_then_the_body(tmp_path):
    code, prelude, body, err = run_streamed_invoke(tmp_path, "delay_ms=300")
    assert code == 0, err
    assert prelude["statusCode"] == 200 and prelude["headers"]["content-type"] == "application/x-ndjson"
    assert body == b"".join(b'{"n":%d,"of":3}\n' % i for i in range(3))
    assert float(re.search(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms", err).group(1)) >= 550, err


def test_invoke_of_a_stream_that_fails(tmp_path):
    code, prelude, body, err = run_streamed_invoke(tmp_path, "delay_ms=0&fail_at=1")
    assert code == 1 and prelude["statusCode"] == 200 and body == b'{"n":0,"of":3}\n', err
    assert "cgate-local: the stream failed: Function.StreamError: failed on purpose before line 1" in err, err
