"""Bad input through the real items and mirror servers and through `items
invoke` (issue 9): each case gets a definite answer, the connection is
closed cleanly when the framing can no longer be trusted, and a new
connection is served right after. test_http.py holds the request-smuggling
shapes, obs-fold, the head limits and the timeouts; this file adds NUL bytes,
bare CR, percent-encoding, dot segments, JSON depth, huge numbers, invalid
UTF-8, header injection from a handler, pipelining without reading, what the
server does not implement (transfer codings, methods, versions) and bad Host
values, and the Lambda path.

What the answers follow: framing errors (the bytes of a request line or a
header cannot be trusted) are 400 and close the connection; anything that
parsed as HTTP goes to the app, which answers as FastAPI would (404 for no
route, 422 for values that do not validate) on a connection that stays open.
Percent-encoding that is not a %XX triplet is kept as it is and bytes that are
not UTF-8 become U+FFFD, as Python's urllib.parse.unquote does for Starlette;
dot segments are not resolved (uvicorn passes them on), so they can only fail
to match a route."""
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import BIN_DIR, HttpReader, Server
from test_http import check_clean_exit, chunked, closed_cleanly, get, post

ITEMS = os.path.join(BIN_DIR, "items")
MAX_BODY = 65536
MAX_HEADER = 4096


@pytest.fixture(scope="module")
def mirror():
    srv = Server("mirror", ["--workers", "1", "--max-body", str(MAX_BODY), "--max-header", str(MAX_HEADER)])
    yield srv
    check_clean_exit(srv)


@pytest.fixture(scope="module")
def items():
    srv = Server("items", ["--workers", "1", "--max-body", str(MAX_BODY), "--max-header", str(MAX_HEADER)],
                 env={"ITEMS_DB": ":memory:"})
    yield srv
    check_clean_exit(srv)


def send(srv, raw):
    """Raw bytes on a new connection: (status, headers, body, head bytes, still open).
    still open: the server neither closed nor announced a close."""
    with srv.connect() as s:
        s.sendall(raw)
        reader = HttpReader(s)
        status, headers, body = reader.response()
        if headers.get("connection") == ["close"]:
            assert closed_cleanly(reader), "the server announced a close but did not close cleanly"
            return status, headers, body, False
        s.sendall(get(b"/api/health"))  # mirror echoes it, items answers it: either way a 200
        return status, headers, body, reader.response()[0] == 200


def assert_serving(srv):
    status, _, _, _ = send(srv, get(b"/api/health", b"Connection: close\r\n"))
    assert status == 200


def json_post(path, body):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


def int_parsing(where, name, text):
    return {"detail": [{"type": "int_parsing", "loc": [where, name],
                        "msg": "Input should be a valid integer, unable to parse string as an integer",
                        "input": text}]}


def int_too_big(where, name, text):
    return {"detail": [{"type": "int_parsing_size", "loc": [where, name],
                        "msg": "Unable to parse input string as an integer, exceeded maximum size", "input": text}]}


def json_invalid_detail(body):
    [err] = json.loads(body)["detail"]
    assert (err["type"], err["msg"], err["loc"][0]) == ("json_invalid", "JSON decode error", "body")
    return err["loc"][1], err["ctx"]["error"]


# ---- framing: 400 and a clean close ----

FRAMING = [
    ("nul-in-target", b"GET /any\x00thing HTTP/1.1\r\nHost: test\r\n\r\n"),
    ("nul-in-method", b"GE\x00T /anything HTTP/1.1\r\nHost: test\r\n\r\n"),
    ("nul-in-header-name", b"GET /anything HTTP/1.1\r\nHost: test\r\nX-N\x00ul: v\r\n\r\n"),
    ("nul-in-header-value", b"GET /anything HTTP/1.1\r\nHost: test\r\nX-Nul: a\x00b\r\n\r\n"),
    ("nul-in-chunk-size", b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\x00\r\nabc\r\n0\r\n\r\n"),
    ("bare-cr-line-ends", b"GET /anything HTTP/1.1\rHost: test\r\r"),
    ("bare-cr-in-value", b"GET /anything HTTP/1.1\r\nHost: test\r\nX-Cr: a\rb\r\n\r\n"),
    ("bare-lf-after-header", b"GET /anything HTTP/1.1\r\nHost: test\nX-Lf: a\r\n\r\n"),
    ("bare-cr-in-target", b"GET /any\rthing HTTP/1.1\r\nHost: test\r\n\r\n"),
    ("tab-obs-fold-on-items", b"GET /api/health HTTP/1.1\r\nHost: test\r\nX-Fold: a\r\n\tb\r\n\r\n"),
    ("chunk-size-2^64", b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"10000000000000000\r\nabc"),
    ("content-length-2^64", b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 18446744073709551616\r\n\r\n"),
    ("content-length-23-digits", b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: " + b"9" * 23 + b"\r\n\r\n"),
]


@pytest.mark.parametrize("app", ["mirror", "items"])
@pytest.mark.parametrize("raw", [raw for _, raw in FRAMING], ids=[name for name, _ in FRAMING])
def test_broken_framing_is_400_and_closed(request, app, raw):
    srv = request.getfixturevalue(app)
    status, _, body, open_after = send(srv, raw)
    assert (status, json.loads(body), open_after) == (400, {"detail": "Bad Request"}, False)
    assert_serving(srv)


# ---- what the server does not implement, and the Host (issue 17) ----
#
# Each refusal closes the connection: the request pipelined behind the
# refused one is never answered (its bytes might be part of a body framed
# otherwise). Each status follows the RFC section given with its cases.

PIPELINED = get(b"/anything/pipelined")


def refused(srv, raw):
    """(status, closed) for raw bytes with a request pipelined behind them;
    closed: the server announced the close, then closed cleanly without
    answering anything more."""
    with srv.connect() as s:
        s.sendall(raw + PIPELINED)
        reader = HttpReader(s)
        status, headers, _ = reader.response()
        return status, headers.get("connection") == ["close"] and closed_cleanly(reader)


def chunked_post(te_lines, version=b"HTTP/1.1"):
    return b"POST /anything " + version + b"\r\nHost: test\r\n" + te_lines + b"\r\n" + chunked(b"abc")


def with_host(host):
    return b"GET /anything HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"


def request_line(line):
    return line + b"\r\nHost: test\r\n\r\n"


REFUSED = [
    # RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing.
    ("te-in-http10", chunked_post(b"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n", b"HTTP/1.0"), 400),
    # RFC 9112 §6.1: a transfer coding the server does not implement (chunked is the only one).
    ("te-gzip-chunked", chunked_post(b"Transfer-Encoding: gzip, chunked\r\n"), 501),
    ("te-gzip-line-chunked-line", chunked_post(b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), 501),
    # RFC 9112 §6.3: chunked not the final coding (or no coding at all): the length is unknown.
    ("te-empty", chunked_post(b"Transfer-Encoding:\r\n"), 400),
    ("te-identity", chunked_post(b"Transfer-Encoding: identity\r\n"), 400),
    ("te-chunked-gzip", chunked_post(b"Transfer-Encoding: chunked, gzip\r\n"), 400),
    # RFC 9112 §6.1: chunked at most once.
    ("te-chunked-twice", chunked_post(b"Transfer-Encoding: chunked, chunked\r\n"), 400),
    ("te-chunked-lines-twice", chunked_post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400),
    # RFC 9112 §3.2: Host is uri-host [":" port] (RFC 3986 §3.2.2, §3.2.3).
    ("host-space-slash-at", with_host(b"a b/c@d"), 400),
    ("host-slash", with_host(b"a/b"), 400),
    ("host-userinfo", with_host(b"user@a"), 400),
    ("host-port-not-digits", with_host(b"a:b"), 400),
    ("host-two-ports", with_host(b"a:80:80"), 400),
    ("host-bare-ipv6", with_host(b"::1"), 400),
    ("host-unclosed-bracket", with_host(b"[::1"), 400),
    ("host-after-bracket", with_host(b"[::1]x"), 400),
    ("host-not-ipv6", with_host(b"[fe80::zz]"), 400),
    ("host-bad-percent", with_host(b"a%zz"), 400),
    ("host-backslash", with_host(b"a\\b"), 400),
    ("host-ipvfuture", with_host(b"[v1.fe:80]"), 400),  # RFC 3986 §3.2.2 syntax, but no such version exists
    # RFC 9110 §9.1: a method the server does not implement (methods are case-sensitive).
    ("method-foo", request_line(b"FOO /anything HTTP/1.1"), 501),
    ("method-query", request_line(b"QUERY /anything HTTP/1.1"), 501),
    ("method-lowercase", request_line(b"get /anything HTTP/1.1"), 501),
    ("method-longer-than-known", request_line(b"GETX /anything HTTP/1.1"), 501),
    ("method-not-a-token", request_line(b"G@T /anything HTTP/1.1"), 400),
    ("method-empty", request_line(b" /anything HTTP/1.1"), 400),
    # RFC 9110 §15.6.6: another major version.
    ("http-3", request_line(b"GET /anything HTTP/3.0"), 505),
    ("http-4.5", request_line(b"GET /anything HTTP/4.5"), 505),
    ("http-1.x", request_line(b"GET /anything HTTP/1.x"), 400),
    # RFC 9112 §3.2.4: the asterisk form is for OPTIONS only.
    ("asterisk-get", request_line(b"GET * HTTP/1.1"), 400),
    ("asterisk-post", b"POST * HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n", 400),
]


@pytest.mark.parametrize("raw,want", [(raw, want) for _, raw, want in REFUSED], ids=[name for name, _, _ in REFUSED])
def test_unimplemented_and_invalid_heads_are_refused_and_closed(mirror, raw, want):
    assert refused(mirror, raw) == (want, True)
    assert_serving(mirror)


def test_chunked_is_understood_in_any_case_and_with_blanks(mirror):
    status, _, body, open_after = send(mirror, chunked_post(b"Transfer-Encoding:  Chunked \r\n"))
    assert (status, json.loads(body)["body"], open_after) == (200, "abc", True)


HOSTS = [
    (b"example.com:8000", "example.com"),
    (b"EXAMPLE.com", "EXAMPLE.com"),
    (b"127.0.0.1:80", "127.0.0.1"),
    (b"[::1]:8000", "[::1]"),
    (b"[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]"),
    (b"host:", "host"),  # an empty port (RFC 3986 §3.2.3)
    (b"a-b_c~d.%41!$&'()*+,;=", "a-b_c~d.%41!$&'()*+,;="),
    (b"", ""),  # RFC 9112 §3.2: empty when the target has no authority
]


@pytest.mark.parametrize("host,domain", HOSTS, ids=[h.decode() or "empty" for h, _ in HOSTS])
def test_a_valid_host_is_served_and_gives_the_domain(mirror, host, domain):
    status, _, body, open_after = send(mirror, with_host(host))
    assert (status, json.loads(body)["domain"], open_after) == (200, domain, True)


def test_http10_without_host_has_no_domain(mirror):
    status, _, body, _ = send(mirror, b"GET /anything HTTP/1.0\r\n\r\n")
    assert (status, json.loads(body)["domain"]) == (200, None)


@pytest.mark.parametrize("minor", [b"2", b"9"])
def test_a_higher_http1_minor_version_is_served_as_http11(mirror, minor):
    """RFC 9110 §2.6: answered with the highest version the server has,
    with HTTP/1.1's rules (the connection stays open)."""
    with mirror.connect() as s:
        s.sendall(get(b"/anything", version=b"HTTP/1." + minor) + PIPELINED)
        reader = HttpReader(s)
        status, headers, _ = reader.response()
        assert (status, "connection" in headers) == (200, False)
        status, _, body = reader.response()
        assert (status, json.loads(body)["path"]) == (200, "/anything/pipelined")


def test_options_asterisk_is_answered_by_the_server(mirror):
    """RFC 9110 §9.3.7: OPTIONS * asks about the server, not a resource: a
    200 without content, and the connection stays open."""
    status, headers, body, open_after = send(mirror, request_line(b"OPTIONS * HTTP/1.1"))
    assert (status, headers["content-length"], body, open_after) == (200, ["0"], b"", True)


# ---- sizes ----

SIZES = [
    # A chunk size that fits 64 bits but not the body limit is a size error, not a framing one.
    ("chunk-size-2^64-1", b"POST /anything HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"ffffffffffffffff\r\nabc", 413),
    ("content-length-2^64-1", b"POST /anything HTTP/1.1\r\nHost: test\r\nContent-Length: 18446744073709551615\r\n\r\n",
     413),
    ("content-length-over-limit", b"POST /api/items HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: %d\r\n\r\n{}" % (MAX_BODY + 1), 413),
    ("chunked-over-limit", b"POST /api/items HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                           + chunked(b" " * (MAX_BODY // 2), b" " * (MAX_BODY // 2), b"{}"), 413),
    ("one-header-over-limit", get(b"/api/health", b"X-Big: " + b"v" * MAX_HEADER + b"\r\n"), 431),
    ("many-small-headers", get(b"/api/health", b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER // 6))), 431),
]


@pytest.mark.parametrize("raw,want", [(raw, want) for _, raw, want in SIZES], ids=[name for name, _, _ in SIZES])
def test_oversized_input_gets_its_status_and_a_close(items, raw, want):
    status, _, _, open_after = send(items, raw)
    assert (status, open_after) == (want, False)
    assert_serving(items)


def test_overlong_request_target_is_414(items):
    status, _, _, open_after = send(items, get(b"/api/items?q=" + b"q" * MAX_HEADER))
    assert (status, open_after) == (414, False)


def test_a_pipeline_the_client_never_reads_does_not_grow_the_server(mirror):
    """4000 pipelined requests for 100 kB each (400 MB of answers) on a
    connection that reads nothing: the server stops reading once its writes
    back up, so its memory stays flat, and it serves others meanwhile."""
    def rss_kb():
        with open(f"/proc/{mirror.proc.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

    before = rss_kb()
    request = get(b"/bytes/100000")
    with mirror.connect() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        sent, deadline = 0, time.monotonic() + 3
        while sent < 4000 and time.monotonic() < deadline:
            try:
                s.send(request)
                sent += 1
            except BlockingIOError:
                time.sleep(0.01)
        time.sleep(0.5)
        assert_serving(mirror)
        grown = rss_kb() - before
    assert grown < 32 * 1024, f"{grown} kB more after {sent} unread requests"
    assert_serving(mirror)


def test_a_long_pipeline_is_answered_in_bounded_batches(items):
    n = 1000
    with items.connect() as s:
        s.sendall(get(b"/api/health") * n)
        reader = HttpReader(s)
        statuses = [reader.response()[0] for _ in range(n)]
    assert statuses == [200] * n


# ---- the request line as the app sees it ----

MIRRORED_PATHS = [
    (b"/anything/%", "/anything/%"),
    (b"/anything/%zz", "/anything/%zz"),
    (b"/anything/%2", "/anything/%2"),
    (b"/anything/%%41", "/anything/%A"),
    (b"/anything/%C0%AF", "/anything/\ufffd\ufffd"),  # overlong '/': two bad bytes, never a slash
    (b"/anything/%FF", "/anything/\ufffd"),
    (b"/anything/%00", "/anything/\x00"),
    (b"/a/%2e%2e/b", "/a/../b"),
    (b"/../etc/passwd", "/../etc/passwd"),
    (b"/a/./b", "/a/./b"),
]


@pytest.mark.parametrize("target,path", MIRRORED_PATHS, ids=[t.decode() for t, _ in MIRRORED_PATHS])
def test_the_path_reaches_the_app_decoded_but_not_normalised(mirror, target, path):
    status, _, body, open_after = send(mirror, get(target))
    assert (status, json.loads(body)["path"], open_after) == (200, path, True)


def test_the_query_is_decoded_like_parse_qsl(mirror):
    status, _, body, _ = send(mirror, get(b"/anything?a=%FF&b=%C0%AF&c=%&d=%zz&e=%00&f=1+2&%FF=k"))
    assert status == 200
    assert json.loads(body)["query"] == {"a": ["\ufffd"], "b": ["\ufffd\ufffd"], "c": ["%"], "d": ["%zz"],
                                         "e": ["\x00"], "f": ["1 2"], "\ufffd": ["k"]}


def test_a_header_value_that_is_not_utf8_is_passed_on(mirror):
    status, _, body, open_after = send(mirror, get(b"/anything", b"X-Bytes: \xff\xfe ok\r\n"))
    assert (status, open_after) == (200, True)
    assert json.loads(body)["headers"]["x-bytes"] == ["\ufffd\ufffd ok"]


ROUTED = [
    # Dot segments and encoded slashes cannot reach another route or a file.
    (b"/api/../api/health", 404, {"detail": "Not Found"}),
    (b"/api/./health", 404, {"detail": "Not Found"}),
    (b"/api/items/..%2f..%2fapi%2fhealth", 404, {"detail": "Not Found"}),
    (b"/docs/static/..%2f..%2fetc%2fpasswd", 404, {"detail": "Not Found"}),
    (b"/docs/static/../../etc/passwd", 404, {"detail": "Not Found"}),
    (b"/docs/static/%2e%2e", 404, {"detail": "Not Found"}),
    (b"/docs/static/swagger-ui.css%00.png", 404, {"detail": "Not Found"}),
    (b"/api%C0%AFhealth", 404, {"detail": "Not Found"}),
    (b"/api/items/%", 422, int_parsing("path", "item_id", "%")),
    (b"/api/items/1%00", 422, int_parsing("path", "item_id", "1\x00")),
    (b"/api/items/%FF", 422, int_parsing("path", "item_id", "\ufffd")),
    (b"/api/items/1" + b"0" * 100, 422, int_too_big("path", "item_id", "1" + "0" * 100)),
    (b"/api/items?limit=%FF", 422, int_parsing("query", "limit", "\ufffd")),
    (b"/api/items?limit=1e400", 422, int_parsing("query", "limit", "1e400")),
    (b"/api/items?limit=1" + b"0" * 100, 422, int_too_big("query", "limit", "1" + "0" * 100)),
    (b"/api/items?offset=9223372036854775808", 422, int_too_big("query", "offset", "9223372036854775808")),
    (b"/api/items?limit=-0", 422, {"detail": [{"type": "greater_than_equal", "loc": ["query", "limit"],
                                               "msg": "Input should be greater than or equal to 1", "input": "-0",
                                               "ctx": {"ge": 1}}]}),
]


@pytest.mark.parametrize("target,want_status,want_body", ROUTED, ids=[t.decode() for t, _, _ in ROUTED])
def test_routing_and_parameters_see_the_decoded_path(items, target, want_status, want_body):
    status, _, body, open_after = send(items, get(target))
    assert (status, json.loads(body), open_after) == (want_status, want_body, True)


def test_the_static_route_still_serves_its_own_files(items):
    status, headers, body, _ = send(items, get(b"/docs/static/swagger-ui.css"))
    assert status == 200 and headers["content-type"][0].startswith("text/css") and len(body) > 1000


# ---- bodies ----

def test_nul_escape_in_a_string_round_trips(items):
    status, headers, body, _ = send(items, json_post(b"/api/items", b'{"name":"a\\u0000b","price":1}'))
    assert status == 201 and json.loads(body)["name"] == "a\x00b"
    status, _, body, _ = send(items, get(headers["location"][0].encode()))
    assert (status, json.loads(body)["name"]) == (200, "a\x00b")


BAD_BODIES = [
    ("raw-nul-in-string", b'{"name":"a\x00b","price":1}', "control character in a string"),
    ("raw-nul-after-document", b'{"name":"a","price":1}\x00', "trailing data"),
    ("invalid-utf8", b'{"name":"\xff\xfe","price":1}', "invalid UTF-8"),
    ("overlong-utf8-slash", b'{"name":"\xc0\xaf","price":1}', "invalid UTF-8"),
    ("utf8-encoded-surrogate", b'{"name":"\xed\xa0\x80","price":1}', "invalid UTF-8"),
    ("invalid-utf8-key", b'{"\xff":1,"name":"a","price":1}', "invalid UTF-8"),
    ("lone-low-surrogate-escape", b'{"name":"\\udc00","price":1}', "lone surrogate in a \\u escape"),
    ("10k-arrays", b"[" * 10000 + b"]" * 10000, "nesting too deep"),
    ("10k-objects", b'{"a":' * 10000 + b"1" + b"}" * 10000, "nesting too deep"),
    ("10k-unclosed", b"[" * 10000, "nesting too deep"),
    ("nan", b'{"name":"a","price":NaN}', "expected a value"),
]


@pytest.mark.parametrize("body,reason", [(b, r) for _, b, r in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES])
def test_bad_json_is_422_json_invalid(items, body, reason):
    status, _, answer, open_after = send(items, json_post(b"/api/items", body))
    assert (status, open_after) == (422, True)
    assert json_invalid_detail(answer)[1] == reason


def test_nesting_is_refused_at_the_first_level_past_64(items):
    status, _, answer, _ = send(items, json_post(b"/api/items", b"[" * 10000 + b"]" * 10000))
    assert status == 422 and json_invalid_detail(answer) == (64, "nesting too deep")  # the 65th '['
    status, _, answer, _ = send(items, json_post(b"/api/items", b"[" * 64 + b"]" * 64))
    assert status == 422 and json.loads(answer)["detail"][0]["type"] == "model_attributes_type"


def price_error(kind, msg, value, ctx=None):
    err = {"type": kind, "loc": ["body", "price"], "msg": msg, "input": value}
    if ctx:
        err["ctx"] = ctx
    return {"detail": [err]}


TOO_LOW = "Input should be greater than or equal to 0." + "0" * 129 + "1"  # the items app's price range
NUMBERS = [
    (b"1e400", 422, price_error("finite_number", "Input should be a finite number", float("inf"))),
    (b'"1e400"', 422, price_error("finite_number", "Input should be a finite number", "1e400")),
    (b"-1e400", 422, price_error("finite_number", "Input should be a finite number", float("-inf"))),
    (b"1e-400", 422, price_error("greater_than_equal", TOO_LOW, 0.0, {"ge": 1e-130})),
    (b"-0", 422, price_error("greater_than_equal", TOO_LOW, 0, {"ge": 1e-130})),
    (b"1" + b"0" * 100, 201, 1e100),
    (b"4.9e-324", 422, price_error("greater_than_equal", TOO_LOW, 5e-324, {"ge": 1e-130})),
    (b"1e308", 422, price_error("less_than", "Input should be less than 1" + "0" * 126, 1e308, {"lt": 1e126})),
    (b"0.0000000001e-120", 201, 1e-130),
]


@pytest.mark.parametrize("number,want_status,want", NUMBERS, ids=[n.decode()[:12] for n, _, _ in NUMBERS])
def test_huge_and_tiny_numbers(items, number, want_status, want):
    status, _, answer, open_after = send(items, json_post(b"/api/items", b'{"name":"n","price":' + number + b"}"))
    assert (status, open_after) == (want_status, True)
    doc = json.loads(answer)  # Python reads 1e400 as inf, as the echoed input is
    assert (doc["price"] if status == 201 else doc) == want


# Python keeps these as they are, but UTF-8 has no form for them: refused at the escape.
@pytest.mark.parametrize("text", [b"\\ud800", b"\\ud800x", b"\\ud800\\u0041", b"\\udc00"])
def test_a_lone_surrogate_escape_is_refused(items, text):
    status, _, answer, _ = send(items, json_post(b"/api/items", b'{"name":"' + text + b'","price":1}'))
    assert status == 422 and json_invalid_detail(answer) == (9, "lone surrogate in a \\u escape")


# ---- headers written by a handler ----

@pytest.mark.parametrize("query", [b"a=1%0d%0aX-Injected:%20yes", b"a=1%0aX-Injected:yes", b"a=1%0dX-Injected:yes",
                                   b"a%0d%0aX-Injected:yes=1"])
def test_a_line_break_in_a_handler_header_is_refused(mirror, query):
    """The handler's 400, with no Set-Cookie at all, and the same connection
    goes on: the response was not split."""
    with mirror.connect() as s:
        s.sendall(get(b"/cookies/set?" + query) + get(b"/anything/next"))
        reader = HttpReader(s)
        status, headers, body = reader.response()
        assert (status, json.loads(body)) == (400, {"detail": "A cookie cannot hold a control character"})
        assert "set-cookie" not in headers and "x-injected" not in headers
        status, _, body = reader.response()
        assert (status, json.loads(body)["path"]) == (200, "/anything/next")
    assert mirror.wait_for_output(rb"refused response header set-cookie")


def test_a_nul_never_reaches_a_response_head(mirror):
    with mirror.connect() as s:
        s.sendall(get(b"/cookies/set?a=1%00b", b"Connection: close\r\n"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(65536)
            assert chunk, head
            head += chunk
    assert head.startswith(b"HTTP/1.1 400 ")  # the handler's refusal, not a cut cookie
    assert b"\x00" not in head.split(b"\r\n\r\n")[0]
    assert_serving(mirror)


# ---- the Lambda path: `items invoke` ----

def v2_event(method="GET", path="/api/health", **extra):
    event = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
             "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", "content-type": "application/json"},
             "requestContext": {"http": {"method": method, "path": path, "sourceIp": "203.0.113.7"},
                                "domainName": "abc.execute-api.us-east-1.amazonaws.com", "stage": "$default",
                                "requestId": "r"},
             "isBase64Encoded": False}
    event.update(extra)
    return event


def invoke(event):
    """(exit code, gateway response or None, stderr)."""
    data = event if isinstance(event, bytes) else json.dumps(event).encode()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ITEMS_"))}
    done = subprocess.run([ITEMS, "invoke", "-"], input=data, capture_output=True, timeout=60,
                          env={**env, "ITEMS_DB": ":memory:"})
    err = done.stderr.decode(errors="replace")
    assert "Sanitizer" not in err and "runtime error" not in err, err
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else None, err


# Deep enough to overflow any recursive reader. (yajl grows its stack 128
# bytes at a time: under ASan, whose realloc always copies, 3 million levels
# take a minute; 0.2 s in the release build.)
DEEP = 300_000

REFUSED_EVENTS = [
    ("array", b"[]", "the event is not a JSON object"),
    ("string", b'"event"', "the event is not a JSON object"),
    ("number", b"42", "the event is not a JSON object"),
    ("null", b"null", "the event is not a JSON object"),
    ("empty", b"", "the event is not valid JSON"),
    ("not-utf8", b"\xff\xfe{}", "the event is not valid JSON"),
    ("300k-deep-array", b"[" * DEEP + b"]" * DEEP, "the event is not a JSON object"),
    ("300k-unclosed", b"[" * DEEP, "the event is not valid JSON"),
    ("bad-base64", json.dumps(v2_event("POST", "/api/items", body="!!not base64!!", isBase64Encoded=True)).encode(),
     "the body is marked isBase64Encoded but is not base64"),
]


@pytest.mark.parametrize("event,message", [(e, m) for _, e, m in REFUSED_EVENTS], ids=[n for n, _, _ in REFUSED_EVENTS])
def test_invoke_refuses_events_it_cannot_read(event, message):
    code, _, err = invoke(event)
    assert code == 1 and f"cannot handle this event: {message}" in err, err


def test_deep_json_inside_an_event_is_skipped():
    event = json.dumps(v2_event())[:-1].encode() + b', "extra": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    code, answer, _ = invoke(event)
    assert code == 0 and answer["statusCode"] == 200


ANSWERED_EVENTS = [
    ("nul-in-path", v2_event(path="/api/items/1\x00"), 422, int_parsing("path", "item_id", "1\x00")),
    ("nul-in-route", v2_event(path="/api/he\x00alth"), 404, {"detail": "Not Found"}),
    ("dot-segments", v2_event(path="/api/../api/health"), 404, {"detail": "Not Found"}),
    ("static-escape", v2_event(path="/docs/static/../../etc/passwd"), 404, {"detail": "Not Found"}),
    ("bad-query", v2_event(path="/api/items", rawQueryString="limit=%FF"), 422, int_parsing("query", "limit", "\ufffd")),
    ("deep-body", v2_event("POST", "/api/items", body="[" * 10000 + "]" * 10000), 422, None),
    ("not-utf8-body", v2_event("POST", "/api/items", body="/w==", isBase64Encoded=True), 422, None),
    ("huge-number", v2_event("POST", "/api/items", body='{"name":"n","price":1e400}'), 422,
     price_error("finite_number", "Input should be a finite number", float("inf"))),
    ("crlf-in-header", v2_event(headers={"host": "h", "x-bad": "a\r\nb"}), 200, {"status": "healthy"}),
]


@pytest.mark.parametrize("event,want_status,want_body", [(e, s, b) for _, e, s, b in ANSWERED_EVENTS],
                         ids=[n for n, _, _, _ in ANSWERED_EVENTS])
def test_invoke_answers_bad_requests_like_the_server(event, want_status, want_body):
    code, answer, err = invoke(event)
    assert code == 0, err
    assert answer["statusCode"] == want_status
    body = json.loads(answer["body"])
    if want_body is None:
        assert body["detail"][0]["type"] == "json_invalid"
    else:
        assert body == want_body


def test_invoke_of_a_7mb_body_answers_without_crashing():
    """Lambda refuses requests over 6 MB before the function runs; `invoke`
    still reads it, and the 422 that would echo 7 MB is over the response
    limit: a logged 500."""
    code, answer, err = invoke(v2_event("POST", "/api/items", body=json.dumps({"name": "x" * (7 << 20), "price": 1})))
    assert code == 0 and answer["statusCode"] == 500
    assert "over Lambda's 6291456-byte limit" in err, err[-500:]
