"""The local HTTP/1.1 server, through the mirror app: keep-alive, pipelining,
chunked bodies, Expect: 100-continue, limits, timeouts, malformed input and
request-smuggling shapes, graceful shutdown. Raw sockets send what real
clients never would; curl sends what they do."""
import base64
import json
import re
import select
import signal
import socket
import subprocess
import time

import pytest

from conftest import HttpReader, Server

MAX_BODY = 65536
MAX_HEADER = 4096
SHORT_TIMEOUT_MS = 400


def check_clean_exit(srv):
    code, out = srv.stop()
    assert code == 0, out
    assert "Sanitizer" not in out and "runtime error" not in out, out
    return out


@pytest.fixture(scope="module")
def mirror():
    srv = Server("mirror", ["--workers", "2", "--max-body", str(MAX_BODY), "--max-header", str(MAX_HEADER)])
    yield srv
    check_clean_exit(srv)


@pytest.fixture(scope="module")
def impatient():
    """A server with short header, body and idle timeouts."""
    ms = str(SHORT_TIMEOUT_MS)
    srv = Server("mirror", ["--workers", "1", "--header-timeout", ms, "--body-timeout", ms, "--idle-timeout", ms])
    yield srv
    check_clean_exit(srv)


def get(path, headers=b"", version=b"HTTP/1.1"):
    return b"GET " + path + b" " + version + b"\r\nHost: test\r\n" + headers + b"\r\n"


def post(path, body, headers=b""):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: test\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n" + headers + b"\r\n" + body)


def chunked(*pieces):
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def closed_cleanly(reader):
    """True when the server sent nothing more and closed with a FIN (no reset)."""
    if reader.buf:
        return False
    try:
        return reader.sock.recv(65536) == b""
    except (socket.timeout, ConnectionResetError):
        return False


def exchange(srv, raw):
    """Send raw bytes on a new connection; (status, headers, body, closed): closed
    when the response announced `connection: close` and the server then did so."""
    with srv.connect() as s:
        s.sendall(raw)
        reader = HttpReader(s)
        status, headers, body = reader.response()
        closing = headers.get("connection") == ["close"]
        return status, headers, body, closing and closed_cleanly(reader)


def assert_alive(srv):
    status, _, body, _ = exchange(srv, get(b"/anything/alive", b"Connection: close\r\n"))
    assert status == 200 and json.loads(body)["path"] == "/anything/alive"


def curl(*args):
    done = subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, timeout=15)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---- normal traffic ----

def test_keep_alive_serves_several_requests_on_one_connection(mirror):
    with mirror.connect() as s:
        reader = HttpReader(s)
        workers = set()
        for i in range(3):
            s.sendall(get(b"/anything?i=%d" % i))
            status, headers, body = reader.response()
            assert status == 200 and "connection" not in headers
            assert json.loads(body)["query"] == {"i": [str(i)]}
            workers.add(headers["x-request-id"][0].rsplit("-", 1)[0])  # prefix-worker-counter
        assert len(workers) == 1


def test_pipelined_requests_are_answered_in_order(mirror):
    with mirror.connect() as s:
        s.sendall(get(b"/anything/1") + post(b"/anything/2", b"two") + get(b"/anything/3"))
        reader = HttpReader(s)
        docs = [json.loads(reader.response()[2]) for _ in range(3)]
    assert [d["path"] for d in docs] == ["/anything/1", "/anything/2", "/anything/3"]
    assert [d["method"] for d in docs] == ["GET", "POST", "GET"]
    assert docs[1]["body"] == "two"


def test_a_deep_pipeline_is_answered_completely(mirror):
    n = 50  # more than one write batch
    with mirror.connect() as s:
        s.sendall(b"".join(get(b"/anything/%d" % i) for i in range(n)))
        reader = HttpReader(s)
        paths = [json.loads(reader.response()[2])["path"] for _ in range(n)]
    assert paths == ["/anything/%d" % i for i in range(n)]


def test_request_is_mirrored_exactly(mirror):
    raw = (b"POST /anything/a%20b/?x=1&x=2&empty= HTTP/1.1\r\nHost: test\r\nX-Rep: one\r\nx-rep: two  \r\n"
           b"Cookie: a=1; b=2\r\nContent-Length: 5\r\n\r\nhello")
    status, _, body, _ = exchange(mirror, raw)
    doc = json.loads(body)
    assert status == 200
    assert doc["path"] == "/anything/a b/"
    assert doc["query"] == {"x": ["1", "2"], "empty": [""]}
    assert doc["headers"]["x-rep"] == ["one", "two"]
    assert doc["cookies"] == {"a": "1", "b": "2"}
    assert doc["body"] == "hello" and doc["body_base64"] is False and doc["source_ip"] == "127.0.0.1"
    assert (doc["source"], doc["stage"], doc["root_path"]) == ("local", None, "")


def test_binary_body_is_mirrored_as_base64(mirror):
    _, _, body, _ = exchange(mirror, post(b"/anything", b"\xff\x00bin"))
    doc = json.loads(body)
    assert doc["body_base64"] is True and base64.b64decode(doc["body"]) == b"\xff\x00bin"


def test_absolute_form_target_is_reduced_to_its_path(mirror):
    _, _, body, _ = exchange(mirror, get(b"http://example.com:8080/anything/abs?q=1"))
    doc = json.loads(body)
    assert doc["path"] == "/anything/abs" and doc["query"] == {"q": ["1"]}


def test_request_ids_are_unique(mirror):
    ids = {exchange(mirror, get(b"/anything"))[1]["x-request-id"][0] for _ in range(5)}
    assert len(ids) == 5


def test_transport_headers(mirror):
    status, headers, body, _ = exchange(mirror, get(b"/bytes/10"))
    assert status == 200 and len(body) == 10 and headers["content-type"] == ["application/octet-stream"]
    assert headers["content-length"] == ["10"] and headers["server"] == ["cgate"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", headers["date"][0])
    status, headers, _, _ = exchange(mirror, get(b"/status/204"))
    assert status == 204 and "content-length" not in headers


def test_head_sends_the_headers_of_get_without_the_body(mirror):
    with mirror.connect() as s:
        s.sendall(b"HEAD /bytes/100 HTTP/1.1\r\nHost: test\r\n\r\n" + get(b"/anything/after"))
        reader = HttpReader(s)
        status, headers, body = reader.response(head_request=True)
        assert status == 200 and headers["content-length"] == ["100"] and body == b""
        # The next response starts right after the head: no body bytes came in between.
        assert json.loads(reader.response()[2])["path"] == "/anything/after"


def test_http10_closes_unless_keep_alive_is_asked(mirror):
    status, headers, _, closed = exchange(mirror, get(b"/anything", version=b"HTTP/1.0"))
    assert status == 200 and headers["connection"] == ["close"] and closed
    with mirror.connect() as s:
        reader = HttpReader(s)
        for _ in range(2):
            s.sendall(get(b"/anything", b"Connection: keep-alive\r\n", b"HTTP/1.0"))
            status, headers, _ = reader.response()
            assert status == 200 and headers["connection"] == ["keep-alive"]


def test_connection_close_is_honoured(mirror):
    status, headers, _, closed = exchange(mirror, get(b"/anything", b"Connection: close\r\n") + get(b"/anything"))
    assert status == 200 and headers["connection"] == ["close"] and closed


def test_large_body_within_the_limit(mirror):
    payload = bytes(ord("a") + i % 26 for i in range(MAX_BODY))
    status, _, body, _ = exchange(mirror, post(b"/anything", payload))
    assert status == 200 and json.loads(body)["body"] == payload.decode()


def test_access_log_line(mirror):
    exchange(mirror, get(b"/anything/logged"))
    assert mirror.wait_for_output(rb'127\.0\.0\.1:\d+ "GET /anything/logged" 200 \d+ [\d.]+ms')


# ---- chunked bodies and Expect ----

def test_chunked_upload_is_echoed(mirror):
    with mirror.connect() as s:
        s.sendall(b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"5;name=value\r\nhello\r\n", b"1\r\n \r\n", b"5\r\nwor", b"ld\r\n", b"0\r\nX-Trailer: t\r\n\r\n"):
            s.sendall(piece)
            time.sleep(0.02)
        status, _, body = HttpReader(s).response()
    doc = json.loads(body)
    assert status == 200 and doc["body"] == "hello world"
    assert "x-trailer" not in doc["headers"]


def test_body_in_tiny_chunks(mirror):
    payload = b"0123456789" * 300
    raw = b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw += b"".join(b"1\r\n%c\r\n" % c for c in payload) + b"0\r\n\r\n"
    status, _, body, _ = exchange(mirror, raw)
    assert status == 200 and json.loads(body)["body"] == payload.decode()


def test_expect_100_continue(mirror):
    with mirror.connect() as s:
        s.sendall(b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        reader = HttpReader(s)
        assert reader.response()[0] == 100
        s.sendall(b"body")
        status, _, body = reader.response()
    assert status == 200 and json.loads(body)["body"] == "body"


def test_expect_100_continue_with_curl(mirror):
    out = curl("-H", "Expect: 100-continue", "--data-binary", "x" * 2000, "-w", "\n%{http_code}",
               mirror.url + "/anything")
    body, code = out.rsplit(b"\n", 1)
    assert code == b"200" and json.loads(body)["body"] == "x" * 2000


def test_unknown_expectation_is_417(mirror):
    status, _, _, closed = exchange(mirror, post(b"/anything", b"data", b"Expect: teapot\r\n"))
    assert status == 417 and closed
    assert_alive(mirror)


def test_oversized_body_with_expect_gets_413_without_100(mirror):
    raw = (b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
           % (MAX_BODY + 1))
    status, _, body, closed = exchange(mirror, raw)
    assert status == 413 and closed and json.loads(body) == {"detail": "Content Too Large"}


# ---- limits ----

def test_oversized_content_length_is_413(mirror):
    status, _, _, closed = exchange(mirror, b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n"
                                    % (MAX_BODY + 1))
    assert status == 413 and closed
    assert_alive(mirror)


def test_oversized_chunked_body_is_413(mirror):
    piece = b"x" * (MAX_BODY // 2)
    raw = b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(piece, piece, b"!")
    status, _, _, closed = exchange(mirror, raw)
    assert status == 413 and closed
    assert_alive(mirror)


def test_endless_chunk_framing_is_413(mirror):
    with mirror.connect() as s:
        s.sendall(b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=")
        reader = HttpReader(s)
        for _ in range(2 * MAX_BODY // 8192 + 1):
            s.sendall(b"e" * 8192)
            time.sleep(0.005)
        assert reader.response()[0] == 413


@pytest.mark.parametrize("raw, want", [
    (get(b"/anything", b"X-Big: " + b"a" * MAX_HEADER + b"\r\n"), 431),
    (get(b"/anything", b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER // 8))), 431),
    (get(b"/anything?" + b"q" * MAX_HEADER), 414),
], ids=["one-big-header", "many-headers", "long-target"])
def test_oversized_head_is_431_or_414(mirror, raw, want):
    status, _, _, closed = exchange(mirror, raw)
    assert status == want and closed
    assert_alive(mirror)


def test_head_arriving_in_pieces_is_measured_as_a_whole(mirror):
    with mirror.connect() as s:
        s.sendall(b"GET /anything HTTP/1.1\r\n")
        reader = HttpReader(s)
        for _ in range(MAX_HEADER // 512 + 1):
            s.sendall(b"X-Piece: " + b"p" * 500 + b"\r\n")
            time.sleep(0.01)
        assert reader.response()[0] == 431


# ---- malformed input and smuggling shapes ----

@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /a b HTTP/1.1\r\nHost: test\r\n\r\n",
    b"GET /anything HTTP/1.x\r\nHost: test\r\n\r\n",
    b"GET /anything HTTP/1.1\nHost: test\n\n",
    b"GET /anything HTTP/1.1\r\nNo colon here\r\n\r\n",
    b"GET /anything HTTP/1.1\r\nX-Ctl: a\x01b\r\n\r\n",
], ids=["garbage", "no-target", "space-in-target", "bad-version", "bare-lf", "no-colon", "control-char"])
def test_malformed_request_is_400_and_closed(mirror, raw):
    status, _, body, closed = exchange(mirror, raw)
    assert status == 400 and closed and json.loads(body) == {"detail": "Bad Request"}
    assert_alive(mirror)


SMUGGLED = get(b"/anything/smuggled")


@pytest.mark.parametrize("raw", [
    b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 3, 3\r\n\r\nabc",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: -3\r\n\r\nabc",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length : 3\r\n\r\nabc",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 20 + b"\r\n",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcde\r\n0\r\n\r\n",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\nabc",
    b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    b"GET /anything HTTP/1.1\r\nHost: test\r\nX-Fold: a\r\n b\r\n\r\n",
    b"GET /anything HTTP/1.1\r\nHost: test\r\nX-Fold:\r\n b\r\nX-Next: c\r\n\r\n",
    b"GET /anything HTTP/1.1\r\nHost: test\r\nX-Fold:   \r\n\tb\r\n\r\n",
    b"GET /anything HTTP/1.1\r\n Host: test\r\n\r\n",
], ids=["cl-then-te", "te-then-cl", "two-cls", "two-equal-cls", "cl-list", "negative-cl", "space-before-colon",
        "bad-chunk-size", "chunk-size-overflow", "chunk-longer-than-size", "te-not-chunked", "te-chunked-not-last",
        "obs-fold", "obs-fold-empty-value", "obs-fold-blank-value", "leading-space"])
def test_smuggling_shape_is_400_and_closed(mirror, raw):
    status, _, _, closed = exchange(mirror, raw + SMUGGLED)
    assert status == 400 and closed  # and the smuggled request was never answered
    assert_alive(mirror)


@pytest.mark.parametrize("raw", [
    b"GET /anything HTTP/1.1\r\n\r\n",
    b"GET /anything HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
], ids=["no-host", "two-hosts"])
def test_host_header_is_required_once_in_http11(mirror, raw):
    status, _, _, closed = exchange(mirror, raw)
    assert status == 400 and closed
    status, _, _, _ = exchange(mirror, b"GET /anything HTTP/1.0\r\n\r\n")
    assert status == 200


@pytest.mark.parametrize("raw", [get(b"/anything", version=b"HTTP/2.0"), b"GET /anything\r\n\r\n"],
                         ids=["http2", "http09"])
def test_other_major_versions_are_505(mirror, raw):
    status, _, _, closed = exchange(mirror, raw)
    assert status == 505 and closed


def test_upgrade_is_answered_then_closed(mirror):
    raw = get(b"/anything", b"Connection: Upgrade\r\nUpgrade: websocket\r\n") + SMUGGLED
    status, headers, _, closed = exchange(mirror, raw)
    assert status == 200 and headers["connection"] == ["close"] and closed


def test_clients_that_vanish_do_not_hurt(mirror):
    for raw in (b"GET /anything HT", b"POST /anything HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial",
                get(b"/bytes/1000000")):
        with mirror.connect() as s:
            s.sendall(raw)
    with mirror.connect() as s:  # a half-close still gets its answer
        s.sendall(get(b"/anything/half"))
        s.shutdown(socket.SHUT_WR)
        reader = HttpReader(s)
        assert json.loads(reader.response()[2])["path"] == "/anything/half"
        assert closed_cleanly(reader)
    assert_alive(mirror)


# ---- curl ----

def test_curl_sees_repeated_headers_and_cookies(mirror):
    out = curl("-D", "-", "-o", "/dev/null", mirror.url + "/cookies/set?a=1&b=2")
    assert re.findall(rb"(?im)^set-cookie: (.*?)\r$", out) == [b"a=1", b"b=2"]
    doc = json.loads(curl("-H", "X-Rep: 1", "-H", "X-Rep: 2", mirror.url + "/anything?x=1&x=2"))
    assert doc["headers"]["x-rep"] == ["1", "2"]
    assert doc["query"] == {"x": ["1", "2"]}


def test_a_repeated_cookie_keeps_its_last_value(mirror):
    """As cg_request_cookie() and Starlette's request.cookies (a dict built
    from the pairs): the name where it first came, the value it last had."""
    doc = json.loads(curl("-H", "Cookie: a=1; b=2; a=3", mirror.url + "/anything"))
    assert list(doc["cookies"].items()) == [("a", "3"), ("b", "2")]


def test_curl_big_download_and_status(mirror):
    assert len(curl(mirror.url + "/bytes/1000000")) == 1000000
    assert curl("-o", "/dev/null", "-w", "%{http_code}", mirror.url + "/status/418") == b"418"


def test_curl_chunked_upload(mirror):
    doc = json.loads(curl("-H", "Transfer-Encoding: chunked", "--data-binary", "chunked body", mirror.url + "/anything"))
    assert doc["body"] == "chunked body"


# ---- timeouts ----

def test_slow_headers_get_408(impatient):
    with impatient.connect() as s:
        s.sendall(b"GET /anything HTTP/1.1\r\nHost: test\r\n")
        start = time.monotonic()
        reader = HttpReader(s)
        status, _, _ = reader.response()
        elapsed = time.monotonic() - start
        assert status == 408 and closed_cleanly(reader)
    assert SHORT_TIMEOUT_MS / 1000 * 0.8 < elapsed < 3


def test_slowloris_is_cut_off_despite_progress(impatient):
    with impatient.connect() as s:
        s.sendall(b"GET /anything HTTP/1.1\r\n")
        start = time.monotonic()
        while time.monotonic() - start < 3 and not select.select([s], [], [], 0.05)[0]:
            s.sendall(b"X-Slow: a\r\n")
        elapsed = time.monotonic() - start
        assert HttpReader(s).response()[0] == 408
    assert elapsed < 1.5


def test_slow_body_gets_408(impatient):
    with impatient.connect() as s:
        s.sendall(b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc")
        reader = HttpReader(s)
        assert reader.response()[0] == 408 and closed_cleanly(reader)


def test_idle_keep_alive_connection_is_closed(impatient):
    with impatient.connect() as s:
        s.sendall(get(b"/anything"))
        reader = HttpReader(s)
        assert reader.response()[0] == 200
        start = time.monotonic()
        assert closed_cleanly(reader)
        assert time.monotonic() - start < 3
    with impatient.connect() as s:  # a connection that never sends a byte
        assert s.recv(1) == b""


def test_a_busy_keep_alive_connection_outlives_the_timeouts(impatient):
    """Each response restarts the clock: a connection kept busy for several
    idle and header timeouts is never cut off."""
    with impatient.connect() as s:
        reader = HttpReader(s)
        deadline = time.monotonic() + 4 * SHORT_TIMEOUT_MS / 1000
        count = 0
        while time.monotonic() < deadline:
            s.sendall(get(b"/anything"))
            assert reader.response()[0] == 200
            count += 1
            time.sleep(SHORT_TIMEOUT_MS / 4000)
        assert count > 8


# ---- start-up and shutdown ----

def test_a_port_in_use_is_refused_not_shared(mirror):
    with pytest.raises(RuntimeError, match="cannot listen on port"):
        Server("mirror", ["--port", str(mirror.port)])
    assert_alive(mirror)


def test_sigterm_lets_the_request_in_flight_finish(start_server):
    srv = start_server("mirror", ["--workers", "2"])
    idle = srv.connect()
    idle.sendall(get(b"/anything"))
    idle_reader = HttpReader(idle)
    assert idle_reader.response()[0] == 200
    busy = srv.connect()
    busy.sendall(get(b"/delay/1000"))
    time.sleep(0.3)  # the handler is sleeping now
    srv.proc.send_signal(signal.SIGTERM)
    reader = HttpReader(busy)
    status, headers, body = reader.response()
    assert status == 200 and json.loads(body) == {"delay_ms": 1000}
    assert headers["connection"] == ["close"] and closed_cleanly(reader)
    assert closed_cleanly(idle_reader)
    idle.close()
    busy.close()
    srv.proc.wait(timeout=5)  # a second signal would end it at once
    out = check_clean_exit(srv)
    assert '"GET /delay/1000" 200' in out


def test_connections_over_the_limit_get_503(start_server):
    srv = start_server("mirror", ["--workers", "1", "--max-connections", "2"])
    held = [srv.connect(), srv.connect()]
    for s in held:  # make sure the worker has accepted both
        s.sendall(get(b"/anything"))
        assert HttpReader(s).response()[0] == 200
    extra = srv.connect()
    status, headers, _ = HttpReader(extra).response()
    assert status == 503
    assert headers["connection"] == ["close"]
    for s in held:
        s.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the slots free up once the server sees the closes
        s = srv.connect()
        s.sendall(get(b"/anything"))
        status = HttpReader(s).response()[0]
        s.close()
        if status == 200:
            break
        time.sleep(0.05)
    assert status == 200
    check_clean_exit(srv)
