"""Request bodies cannot pin the server's memory (issue 17, finding 6).

- A request the app refuses whatever its body (no route, a method the path
  does not take, no credentials) is answered from its head, before the body
  is read, and the connection closed: nobody buffers a body nobody reads.
- Every connection's input buffer counts against one budget shared by all
  workers (--max-body-memory): past it, a body still arriving gets 503.
- A body must keep up an average rate (--min-body-rate) once its first
  --body-timeout has passed: a byte now and then no longer holds a
  connection forever."""
import resource
import socket
import time

import pytest

from conftest import HttpReader, Server, recv_until_closed
from test_http import check_clean_exit, chunked, closed_cleanly, get

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def items():
    srv = Server("items", ["--workers", "2"], env={"ITEMS_DB": ":memory:", "ITEMS_API_TOKEN": TOKEN})
    yield srv
    check_clean_exit(srv)


def head(method, path, length, extra=b""):
    return (f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n").encode() + extra + b"\r\n"


def answer_to_head_alone(srv, raw):
    """Send a head announcing a body, never the body: (status, headers, seconds)."""
    with srv.connect(timeout=3.0) as s:
        started = time.monotonic()
        s.sendall(raw)
        reader = HttpReader(s)
        status, headers, _ = reader.response()
        elapsed = time.monotonic() - started
        assert headers.get("connection") == ["close"]
        assert closed_cleanly(reader)
        return status, headers, elapsed


@pytest.mark.parametrize("raw, want", [
    (head("POST", "/nowhere", 6_000_000), 404),
    (head("PUT", "/api/health", 6_000_000), 405),
    (head("POST", "/api/items", 6_000_000), 401),
    (head("POST", "/api/items", 6_000_000, b"Authorization: Bearer wrong\r\n"), 401),
    (head("POST", "/api/items", 6_000_000, b"Expect: 100-continue\r\n"), 401),
    (b"POST /nowhere HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", 404),
])
def test_a_refused_request_is_answered_before_its_body(items, raw, want):
    status, headers, elapsed = answer_to_head_alone(items, raw)
    assert status == want
    assert elapsed < 2.0
    if want == 401:
        assert headers["www-authenticate"] == ["Bearer"]
    assert "100" not in str(status)


def test_a_wanted_body_is_still_read_across_writes(items):
    body = b'{"name":"Saw","price":12.5}'
    auth = f"Authorization: Bearer {TOKEN}\r\n".encode()
    with items.connect() as s:
        s.sendall(head("POST", "/api/items", len(body), auth + b"Expect: 100-continue\r\n"))
        reader = HttpReader(s)
        assert reader.response()[0] == 100
        s.sendall(body[:5])
        time.sleep(0.2)
        s.sendall(body[5:])
        status, _, answer = reader.response()
        assert status == 201 and b'"Saw"' in answer
        s.sendall(get(b"/api/health"))  # the connection stays open
        assert reader.response()[0] == 200


def test_a_wanted_chunked_body_is_still_read(items):
    auth = f"Authorization: Bearer {TOKEN}\r\n".encode()
    with items.connect() as s:
        s.sendall(b"POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + auth +
                  b"Transfer-Encoding: chunked\r\n\r\n")
        time.sleep(0.1)
        s.sendall(chunked(b'{"name":"Drill",', b'"price":99.5}'))
        status, _, answer = HttpReader(s).response()
        assert status == 201 and b'"Drill"' in answer


def open_unfinished_bodies(srv, count, length, sent):
    """count connections, each announcing `length` body bytes and sending
    `sent` of them; returns the sockets."""
    socks = []
    chunk = b"x" * sent
    for _ in range(count):
        s = srv.connect(timeout=5.0)
        s.sendall(head("POST", "/anything", length))
        try:
            s.sendall(chunk)
        except OSError:
            pass  # refused and closed while sending
        socks.append(s)
    return socks


def refused_with_503(s):
    """True when the server answered 503 and closed; False when it is still waiting."""
    s.settimeout(0.5)
    try:
        data = recv_until_closed(s)
    except OSError:
        return False
    return data.startswith(b"HTTP/1.1 503 ")


def test_bodies_past_the_memory_budget_get_503_and_the_budget_comes_back():
    budget = 4 << 20
    srv = Server("mirror", ["--workers", "2", "--max-body-memory", str(budget)])
    try:
        # 12 bodies of 1 MB each (2 MB of buffer each): about two fit.
        socks = open_unfinished_bodies(srv, 12, 6_000_000, 1 << 20)
        time.sleep(0.3)
        refused = [refused_with_503(s) for s in socks]
        for s in socks:
            s.close()
        assert 6 <= sum(refused) <= 11, refused
        assert srv.wait_for_output(rb"over --max-body-memory; \d+ refused with 503")
        # Small requests are always served, and once the hogs are gone a
        # body as large as the whole budget's share fits again.
        time.sleep(0.3)
        with srv.connect() as s:
            body = b"y" * (1 << 20)
            s.sendall(head("POST", "/anything", len(body)) + body)
            status, _, answer = HttpReader(s).response()
            assert status == 200 and len(answer) > len(body)
    finally:
        check_clean_exit(srv)


@pytest.fixture(scope="module")
def rate_limited():
    srv = Server("mirror", ["--workers", "1", "--body-timeout", "1000", "--min-body-rate", "1000"])
    yield srv
    check_clean_exit(srv)


def test_a_trickled_body_is_cut_off_by_the_minimum_rate(rate_limited):
    with rate_limited.connect(timeout=5.0) as s:
        s.sendall(head("POST", "/anything", 10_000))
        started = time.monotonic()
        answer = b""
        for _ in range(40):  # a byte every 0.25 s: each gap is well under the body timeout
            try:
                s.sendall(b"x")
            except OSError:
                break
            s.settimeout(0.25)
            try:
                answer += s.recv(4096)
            except socket.timeout:
                continue
            if answer:
                break
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert 0.9 < elapsed < 3.0


def test_a_steady_slow_body_is_not_cut_off(rate_limited):
    with rate_limited.connect(timeout=5.0) as s:
        s.sendall(head("POST", "/anything", 3000))
        for _ in range(10):  # 300 bytes every 0.2 s: 1500 bytes/s, two seconds in all
            s.sendall(b"z" * 300)
            time.sleep(0.2)
        status, _, answer = HttpReader(s).response()
        assert status == 200 and answer.count(b"z") == 3000


def test_a_thousand_unfinished_bodies_stay_within_the_budget():
    """1,000 connections each announce 6 MB and send 128 KB of it; with a
    64 MB budget, at most 64 MB of them are buffered, the rest get 503."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2300  # ours and the server's, which inherits them
    if hard != resource.RLIM_INFINITY and hard < want:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {want}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    budget = 64 << 20
    srv = Server("mirror", ["--workers", "2", "--max-body-memory", str(budget), "--quiet"])
    socks = []
    try:
        socks = open_unfinished_bodies(srv, 1000, 6 << 20, 128 << 10)
        time.sleep(0.5)
        refused = sum(refused_with_503(s) for s in socks)
        held = 1000 - refused
        # each held body has a 256 KB buffer (128 KB rounded up to a power of two)
        assert held * (256 << 10) <= budget + (2 << 20), (held, refused)
        assert refused >= 700
        with srv.connect() as s:
            s.sendall(get(b"/anything"))
            assert HttpReader(s).response()[0] == 200
    finally:
        for s in socks:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        check_clean_exit(srv)
