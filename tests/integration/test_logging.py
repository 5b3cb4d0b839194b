"""Logging of the real items binary: JSON lines on Lambda (through the Runtime
API emulator), a readable line locally, coloured only on a terminal, and
credentials that never reach the log whatever carries them."""
import datetime
import json
import os
import pty
import re
import select
import socket
import subprocess
import time

from conftest import BIN_DIR
from test_lambda import run_runtime, v2_event

ITEMS = os.path.join(BIN_DIR, "items")
SECRET = "s3cr3t"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ACCESS_KEYS = {"timestamp", "level", "requestId", "traceId", "message", "method", "path", "status", "duration",
               "bytes", "sourceIp"}


def json_lines(stderr):
    """Every stderr line as JSON; fails on a line that is not."""
    lines = []
    for line in stderr.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    return lines


def access_lines(stderr):
    return [line for line in json_lines(stderr) if "status" in line]


# Access lines are off on Lambda by default; these tests turn them on.
ACCESS_ON = {"CG_ACCESS_LOG": "on"}


def secret_event(path="/api/health"):
    """A request carrying the secret in every place a client puts one."""
    event = v2_event(path=path, rawQueryString=f"token={SECRET}&api_key={SECRET}",
                     queryStringParameters={"token": SECRET, "api_key": SECRET}, cookies=[f"session={SECRET}"])
    event["headers"].update({"authorization": f"Bearer {SECRET}", "x-api-key": SECRET,
                             "cookie": f"session={SECRET}"})
    return event


# ---- Lambda ----

def test_lambda_access_line_has_every_field(runtime_api):
    api = runtime_api()
    rid = api.add_event(v2_event(path="/api/health", rawQueryString="verbose=1"))
    _, _, err = run_runtime(api, env=ACCESS_ON)
    [line] = access_lines(err)
    assert set(line) == ACCESS_KEYS, line
    assert ISO_MS.match(line["timestamp"]), line
    # cgate computes the UTC date itself (no gmtime_r): it must be today's.
    logged = datetime.datetime.strptime(line["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert abs(logged - now) < datetime.timedelta(seconds=30), line
    assert line["level"] == "INFO" and line["requestId"] == rid
    # The emulator's header is Root=1-5bef4de7-<id>;Parent=...;Sampled=1: the Root part names the trace.
    assert line["traceId"] == f"1-5bef4de7-{rid[:24]}"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/health", 200)
    assert line["bytes"] == len('{"status":"healthy"}')
    assert isinstance(line["duration"], float) and 0 <= line["duration"] < 3000
    assert line["sourceIp"] == "203.0.113.7"
    assert line["message"].startswith("GET /api/health 200 ")


def test_every_lambda_line_is_json_with_the_request_id(runtime_api):
    api = runtime_api()
    bad = api.add_event('{"version": "2.0", "rawPath": ')
    good = api.add_event(v2_event(path="/missing"))
    _, _, err = run_runtime(api, env=ACCESS_ON)
    lines = json_lines(err)
    failure = [line for line in lines if line["level"] == "ERROR" and "cannot handle this event" in line["message"]]
    assert [line["requestId"] for line in failure] == [bad], lines
    assert [(line["requestId"], line["status"]) for line in access_lines(err)] == [(good, 404)]
    # The loop's last word, outside any invocation, has no request id.
    assert "requestId" not in lines[-1] and "answered 410" in lines[-1]["message"]


def test_lambda_writes_no_access_line_by_default(runtime_api):
    api = runtime_api()
    api.add_event(v2_event(path="/api/health"))
    api.add_event(v2_event(path="/missing"))
    _, _, err = run_runtime(api)
    assert len(api.posts_of("response")) == 2
    assert access_lines(err) == [], err


def test_lambda_log_level_comes_from_advanced_logging_controls(runtime_api):
    """AWS_LAMBDA_LOG_LEVEL (Lambda's ApplicationLogLevel) sets the threshold; LOG_LEVEL overrides it."""
    def run(env):
        api = runtime_api()
        api.add_event('{"version": "2.0", "rawPath": ')  # an ERROR line
        api.add_event(v2_event(path="/api/health"))  # an INFO access line
        return {line["level"] for line in json_lines(run_runtime(api, env={**ACCESS_ON, **env})[2])}
    assert run({"AWS_LAMBDA_LOG_LEVEL": "ERROR"}) == {"ERROR"}
    assert "INFO" in run({"AWS_LAMBDA_LOG_LEVEL": "FATAL", "LOG_LEVEL": "info"})
    assert "INFO" in run({"AWS_LAMBDA_LOG_LEVEL": "TRACE"})


def test_wrong_access_log_setting_is_named(runtime_api):
    api = runtime_api()
    api.add_event(v2_event(path="/api/health"))
    _, _, err = run_runtime(api, env={"CG_ACCESS_LOG": "maybe"})
    assert "CG_ACCESS_LOG=maybe is not on or off" in err, err
    assert access_lines(err) == [] and len(api.posts_of("response")) == 1


def test_cold_start_then_warm(runtime_api):
    api = runtime_api()
    for _ in range(2):
        api.add_event(v2_event(path="/api/aws-info"))
    _, _, err = run_runtime(api, env={"AWS_LAMBDA_FUNCTION_NAME": "items-fn", "AWS_REGION": "eu-west-1",
                                      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"})
    first, second = (json.loads(json.loads(p.body)["body"]) for p in api.posts_of("response"))
    assert (first["cold_start"], second["cold_start"]) == (True, False), err
    assert first["environment"] == "lambda" and first["function_name"] == "items-fn"
    assert first["region"] == "eu-west-1" and first["memory_size_mb"] == 256
    assert first["architecture"] in ("x86_64", "arm64")
    assert 0 < first["init_duration_ms"] == second["init_duration_ms"] < 10000
    # The emulator gives each invocation 3 s.
    assert 0 < first["remaining_time_ms"] <= 3000


def test_secrets_stay_out_of_the_lambda_log(runtime_api):
    api = runtime_api()
    api.add_event(secret_event())
    api.add_event(secret_event(path="/api/items/oops"))  # 422
    api.add_event(secret_event(path="/missing"))  # 404
    api.add_event('{"version": "2.0", "headers": {"authorization": "Bearer ' + SECRET + '"}, "rawPath": ')
    _, _, err = run_runtime(api, env={"LOG_LEVEL": "debug", **ACCESS_ON})
    assert len(access_lines(err)) == 3, err
    assert SECRET not in err, err


# ---- locally ----

def test_secrets_stay_out_of_the_local_log(start_server, tmp_path):
    srv = start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db"), "LOG_LEVEL": "debug"})
    requests = [
        f"GET /api/health?token={SECRET} HTTP/1.1",
        f"GET /api/items?limit={SECRET}&token={SECRET} HTTP/1.1",  # 422
        f"POST /api/items?token={SECRET} HTTP/1.1",  # invalid body or refused: either way logged
    ]
    for request_line in requests:
        with srv.connect() as s:
            s.sendall((f"{request_line}\r\nHost: x\r\nAuthorization: Bearer {SECRET}\r\nx-api-key: {SECRET}\r\n"
                       f"Cookie: session={SECRET}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").encode())
            s.recv(65536)
    with srv.connect() as s:  # refused by the parser: 400
        s.sendall(f"GET /{SECRET} HTTP/1.1\r\nAuthorization: Bearer {SECRET}\r\nBad Header\r\n\r\n".encode())
        s.recv(65536)
    assert srv.wait_for_output(rb'" 400 ')
    _, out = srv.stop()
    assert len(re.findall(r'"(GET|POST|-) [^"]*" \d{3} ', out)) == 4, out
    assert SECRET not in out, out


def test_local_access_line_is_plain_text_off_a_terminal(start_server, tmp_path):
    srv = start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db")})
    with srv.connect() as s:
        s.sendall(b"GET /api/health?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        s.recv(65536)
    m = srv.wait_for_output(rb'\n(\S+) INFO  127\.0\.0\.1:\d+ "GET /api/health" 200 20 [0-9.]+ms\n')
    assert m and ISO_MS.match(m.group(1).decode()), srv.output
    assert b"\033" not in srv.output


def test_local_access_lines_can_be_switched_off(start_server, tmp_path):
    srv = start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db"), "CG_ACCESS_LOG": "off"})
    with srv.connect() as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert b" 200 OK" in s.recv(65536)
    _, out = srv.stop()
    assert "/api/health" not in out, out


def serve_on_a_terminal(env):
    """Start items with stdout and stderr on a pseudo-terminal; (process, master fd, port)."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_") and k != "NO_COLOR"}
    full_env.update(env)
    proc = subprocess.Popen([ITEMS, "serve", "--port", "0", "--workers", "1"], stdout=slave, stderr=slave,
                            stdin=subprocess.DEVNULL, env=full_env)
    os.close(slave)
    out = read_terminal(master, rb"listening on http://127\.0\.0\.1:(\d+)")
    m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", out)
    if not m:
        proc.kill()
        proc.wait()
        raise AssertionError(out)
    return proc, master, int(m.group(1))


def read_terminal(fd, pattern, timeout=5.0):
    """What the terminal shows until pattern appears (or the time is up)."""
    out = b""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, out) and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def status_on_a_terminal(env, path):
    """The access line's status as the terminal shows it, escapes included."""
    proc, master, port = serve_on_a_terminal(env)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            s.recv(65536)
        out = read_terminal(master, rb'" \S*\d{3}\S* \d+ ')
        m = re.search(rb'"GET [^"]*" (\S*\d{3}\S*) \d+ ', out)
        assert m, out
        return m.group(1)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def test_local_status_is_coloured_by_class_on_a_terminal():
    assert status_on_a_terminal({"ITEMS_DB": ":memory:"}, "/api/health") == b"\033[32m200\033[0m"
    assert status_on_a_terminal({"ITEMS_DB": ":memory:"}, "/missing") == b"\033[33m404\033[0m"


def test_no_color_switches_colour_off():
    assert status_on_a_terminal({"ITEMS_DB": ":memory:", "NO_COLOR": "1"}, "/api/health") == b"200"
