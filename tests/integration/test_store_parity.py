"""Both item stores accept exactly the same data (issue 18, item 4): one
generated corpus of requests, sent to items on SQLite and to items on
DynamoDB (moto), gets the same status, headers and body bytes from both.

The corpus: prices at both ends of the range both stores hold (1e-130 <=
price < 1e126, examples/items/app.c), just inside and just outside it,
subnormals, 17-digit values and integers written as floats; names of 1 and
200 characters in every UTF-8 length, escapes, NUL and surrogate pairs;
descriptions up to 1000 characters; then seeded random creates, replaces,
patches, reads, lists and deletes. Both stores start empty, so ids match
only if no refused request burns one."""
import json
import math
import random

import pytest

from test_items import call
from test_items_dynamodb import ddb_env, moto  # noqa: F401 (fixtures)

SEED = 18
LEFT_OUT = object()  # a field the body does not have
PRICE_MIN, PRICE_LIMIT = 1e-130, 1e126  # app.c: PRICE_RANGE, CG_GE(1e-130), CG_LT(1e126)

# JSON texts, as a client may write them.
EDGE_PRICES = [
    repr(PRICE_MIN), "1E-130", "1.00000000000000000000001e-130", repr(math.nextafter(PRICE_MIN, 1)),
    repr(math.nextafter(PRICE_MIN, 0)), "1e-131", "5e-324", "2.2250738585072014e-308", "1e-400",
    repr(math.nextafter(PRICE_LIMIT, 0)), "1e126", "1e+126", "9.999999999999999e+125",
    repr(math.nextafter(PRICE_LIMIT, math.inf)), "6.368e+307", "1.7976931348623157e+308", "1e400", "-1e400",
    "0", "-0", "-0.0", "-1", "-1e-130", "1.0", "1", "1e16", "1e15", "9007199254740993", "123456789012345678",
    "0.1", "0.30000000000000004", "1.2345678901234567", "19.99", "1e-5", "0.0001", '"12.5"', '"1e-131"', "true",
    "null", '"abc"',
]

# One code point of each UTF-8 length, characters JSON must escape, and
# ones that are easy to mangle (line separator, BOM, the last code point).
ALPHABET = ["a", "Z", " ", "~", "\u00e9", "\u00df", "\u4e2d", "\u20ac", "\U0001f600", "\U0001f1eb", "\U0010ffff",
            "\u0000", "\u001f", '"', "\\", "/", "\n", "\t", "\u2028", "\ufeff", "\u007f"]


def text(rng, length):
    """`length` characters (code points) drawn from ALPHABET."""
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def encode(value, ascii_only):
    """JSON text: raw UTF-8, or every non-ASCII character as \\u escapes
    (surrogate pairs for the astral ones)."""
    return json.dumps(value, ensure_ascii=ascii_only)


def item_body(name, price_text, description=LEFT_OUT, ascii_only=False):
    """A body with the price written exactly as given."""
    fields = [f'"name":{encode(name, ascii_only)}', f'"price":{price_text}']
    if description is not LEFT_OUT:
        fields.append(f'"description":{encode(description, ascii_only)}')
    return "{" + ",".join(fields) + "}"


def random_price(rng):
    """Mostly in range, over its whole span of exponents; sometimes just out."""
    return repr(rng.uniform(1, 10) * 10.0 ** rng.randint(-140, 135))


def random_body(rng):
    name = text(rng, rng.choice([1, 2, 17, 199, 200, 200, 201]))
    description = rng.choice([LEFT_OUT, None, "", text(rng, rng.randint(0, 1000)), text(rng, 1000), text(rng, 1001)])
    return item_body(name, random_price(rng), description, ascii_only=rng.random() < 0.5)


def fixed_creates():
    yield from (item_body("edge", price) for price in EDGE_PRICES)
    for ch in ALPHABET:
        yield item_body(ch, "1.5")
        yield item_body(ch * 200, "2.5", ch * 1000, ascii_only=True)
    yield item_body("x" * 201, "1")
    yield item_body("", "1")
    yield item_body("n", "1", "d" * 1001)
    yield '{"name":"\\ud83d\\ude00 pair","price":3}'  # a surrogate pair, escaped
    yield '{"name":"\\ud800 lone","price":3}'  # a lone surrogate: no UTF-8 for it
    yield '{"name":"nul \\u0000 in","price":3,"description":"\\u0000"}'
    yield '{"name":"a","price":1,"extra":true}'


def corpus(rng):
    """(method, path, body text or None, headers) in order."""
    for body in fixed_creates():
        yield "POST", "/api/items", body, {}
    for _ in range(60):
        yield "POST", "/api/items", random_body(rng), {}
    last = 120  # past the last id the creates above can reach
    for _ in range(110):
        item_id = rng.choice([rng.randint(1, last), rng.randint(1, last), last + 5])
        path = f"/api/items/{item_id}"
        kind = rng.choice(["GET", "PUT", "PATCH", "PATCH", "DELETE"])
        if kind == "PUT":
            yield kind, path, random_body(rng), {}
        elif kind == "PATCH":
            patch = rng.choice([{"name": text(rng, rng.randint(1, 200))}, {"price": random_price(rng)},
                                {"description": None}, {"description": text(rng, 1000)}, {"price": "null"}, {}])
            fields = [f'"{k}":{v if k == "price" else encode(v, rng.random() < 0.5)}' for k, v in patch.items()]
            yield kind, path, "{" + ",".join(fields) + "}", {}
        else:
            yield kind, path, None, {}
    pages = [(20, 0), (100, 0), (100, 100), (1, 0), (7, 13), (100, 1000), (100, 2**63 - 1), (0, 0), (101, 0), (5, -1)]
    for limit, offset in pages:
        yield "GET", f"/api/items?limit={limit}&offset={offset}", None, {}
    yield "GET", "/api/items?limit=100", None, {"Accept-Encoding": "gzip"}
    for item_id in ["0", "-1", "9223372036854775807", "9223372036854775808", str(2**65), "1e3", "abc"]:
        yield "GET", f"/api/items/{item_id}", None, {}
        yield "DELETE", f"/api/items/{item_id}", None, {}


def answer(srv, method, path, body, headers):
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    status, hdrs, raw = call(srv, method, path, body.encode() if body is not None else None, headers)
    return status, sorted((k.lower(), v) for k, v in hdrs.items() if k.lower() != "date"), raw


@pytest.fixture
def both_stores(start_server, ddb_env):  # noqa: F811 (ddb_env: the fixture)
    key = {"ITEMS_CURSOR_KEY": "18" * 32}  # the same page cursors from both
    return (start_server("items", env={**key, "ITEMS_DB": ":memory:"}),
            start_server("items", env={**key, **ddb_env}))


def test_both_stores_answer_the_same_bytes(both_stores):
    sqlite, dynamodb = both_stores
    statuses = {}
    for method, path, body, headers in corpus(random.Random(SEED)):
        want = answer(sqlite, method, path, body, headers)
        got = answer(dynamodb, method, path, body, headers)
        assert got == want, f"{method} {path} {body!r:.300}"
        assert want[0] < 500, f"{method} {path} {body!r:.300}: {want}"
        statuses[want[0]] = statuses.get(want[0], 0) + 1
    print(f"store parity: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))} (pytest -s)")
    assert statuses[201] > 60 and statuses[422] > 30 and statuses[200] > 40 and statuses[404] > 5
