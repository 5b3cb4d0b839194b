"""Growth curves of `make bench`: list latency against the table's size, on
both stores of the items app and on the FastAPI peer.

    build/venv/bin/python bench/curves/table_size.py MEDIAN.json P99.json

Tables of 100, 1,000, 10,000 and 100,000 items on SQLite, read by items
(`items serve --workers 2 --quiet`, release build) and by FastAPI + Uvicorn
(bench/fastapi_app.py, one worker) from the same file; 100, 1,000 and 10,000
on DynamoDB, items against moto_server (build/venv). Each table grows in
place from one size to the next: through the API (POST /api/items) for the
first 1,000 items on SQLite and the first 100 on DynamoDB, then in bulk, in
the app's own layout: one transaction of INSERTs into the schema items made
(examples/items/store_sqlite.c), or BatchWriteItem of the items under their
bucket keys and the counter item set to the last id (docs/aws.md,
examples/items/store_dynamodb.c).

At each size, one client sends sequential keep-alive requests (http.client),
CURVE_REQUESTS of each (default 200, fewer when a series' point takes longer
than CURVE_POINT_SECONDS, default 10) after 5 unmeasured ones, of:
  - the first page, GET /api/items?limit=100;
  - the middle page, the 100 items after id N/2: for items the cursor page a
    client reaches by following `Link: rel="next"` from the first page
    (limit=100 pages; limit=50 on a table of 100), for both servers also
    GET /api/items?offset=N/2&limit=100.
Each answer's first one is checked (which ids, how many). Writes MEDIAN.json
and P99.json (ms, bench/curves/plot.py's format); one line per point on
stderr; server logs and the SQLite file in <MEDIAN.json's directory>/table_size/.
About 2 minutes. DynamoDB is skipped, with a line saying so, without
build/venv/bin/moto_server.

Settings (environment): CURVE_SQLITE_SIZES="100 1000 10000 100000",
CURVE_DYNAMODB_SIZES="100 1000 10000", CURVE_REQUESTS, CURVE_POINT_SECONDS,
CURVE_FILL_SECONDS=300 (the most one table's filling may take),
BENCH_ITEMS=build/bin/items."""
import contextlib
import http.client
import json
import math
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from moto_server import VENV_BIN, running_moto  # noqa: E402

SQLITE_SIZES = [int(n) for n in os.environ.get("CURVE_SQLITE_SIZES", "100 1000 10000 100000").split()]
DYNAMODB_SIZES = [int(n) for n in os.environ.get("CURVE_DYNAMODB_SIZES", "100 1000 10000").split()]
REQUESTS = int(os.environ.get("CURVE_REQUESTS", "200"))
POINT_SECONDS = float(os.environ.get("CURVE_POINT_SECONDS", "10"))
FILL_SECONDS = float(os.environ.get("CURVE_FILL_SECONDS", "300"))
ITEMS = os.path.join(ROOT, os.environ.get("BENCH_ITEMS", "build/bin/items"))
PAGE = 100  # the largest limit, the page every request asks for
WARMUP_REQUESTS = 5
REQUEST_TIMEOUT = 30  # seconds
IDLE_SECONDS = 1  # a connection idle longer is replaced (Client.send)
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
TABLE = "items-curve"


def progress(text):
    print(f"table_size: {text}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection; every answer must be a 2xx."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.last_used = time.monotonic()

    def send(self, method, path, body=None):
        # Both servers close a connection idle for 5 s (while a table fills):
        # start a new one rather than race that.
        if time.monotonic() - self.last_used > IDLE_SECONDS:
            self.conn.close()  # http.client opens a new one for this request
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        self.last_used = time.monotonic()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return response, data

    def get(self, path):
        return self.send("GET", path)


def wait_ready(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return Client(port).get("/api/health")
        except (OSError, http.client.HTTPException):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{proc.args[0]} did not answer on port {port}")
            time.sleep(0.1)


@contextlib.contextmanager
def server(log_path, argv, env, port):
    """A server started with `argv`, stopped on leaving; yields a Client."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc)
        yield Client(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def items_server(out, name, env):
    port = free_port()
    argv = [ITEMS, "serve", "--port", str(port), "--workers", "2", "--quiet"]
    return server(os.path.join(out, name + ".log"), argv, env, port)


def uvicorn_server(out, db):
    port = free_port()
    argv = [os.path.join(VENV_BIN, "python"), "-m", "uvicorn", "fastapi_app:app", "--app-dir",
            os.path.join(ROOT, "bench"), "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--no-access-log", "--log-level", "warning"]
    return server(os.path.join(out, "uvicorn.log"), argv, {"ITEMS_DB": db}, port)


def item(i):
    """The i-th item of every table, however it is inserted."""
    return {"name": f"item {i}", "price": i + 0.5, "description": "seeded"}


def grow(client, have, want, api_most, bulk_insert):
    """Fill a table of `have` items (ids 1..have) up to `want`: through the
    API while it holds fewer than api_most, the rest by bulk_insert(first, last)."""
    deadline = time.monotonic() + FILL_SECONDS
    for i in range(have + 1, min(want, api_most) + 1):
        _, data = client.send("POST", "/api/items", json.dumps(item(i)))
        if json.loads(data)["id"] != i:
            raise RuntimeError(f"the {i}th item got id {json.loads(data)['id']}: the table was not empty")
        if time.monotonic() > deadline:
            raise RuntimeError(f"filling the table took more than {FILL_SECONDS} s")
    first = max(have, api_most) + 1
    if first <= want:
        bulk_insert(first, want)


def sqlite_bulk_insert(db):
    """Inserts into the schema items created, in one transaction, as a
    store_sqlite.c create does (AUTOINCREMENT gives the ids)."""
    def insert(first, last):
        conn = sqlite3.connect(db, timeout=10)
        try:
            with conn:
                conn.executemany("INSERT INTO items (name, price, description) VALUES (?, ?, ?)",
                                 ((it["name"], it["price"], it["description"])
                                  for it in map(item, range(first, last + 1))))
            if conn.execute("SELECT max(id) FROM items").fetchone()[0] != last:
                raise RuntimeError("the bulk insert did not end at the id it should")
        finally:
            conn.close()
    return insert


def ddb_bulk_insert(moto_url):
    """BatchWriteItem of the items in store_dynamodb.c's layout (partition key
    item#<id / 100>, prices in Python's repr digits), then the counter item,
    which says where the ids end, set to the last one."""
    import botocore.session  # with moto, which is needed only here

    ddb = botocore.session.get_session().create_client(
        "dynamodb", endpoint_url=moto_url, region_name=AWS["AWS_REGION"],
        aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"])

    def attributes(i):
        it = item(i)
        return {"pk": {"S": f"item#{i // 100}"}, "id": {"N": str(i)}, "name": {"S": it["name"]},
                "price": {"N": repr(float(it["price"]))}, "description": {"S": it["description"]}}

    def insert(first, last):
        deadline = time.monotonic() + FILL_SECONDS
        for start in range(first, last + 1, 25):  # 25 items is BatchWriteItem's most
            if time.monotonic() > deadline:
                raise RuntimeError(f"filling the table took more than {FILL_SECONDS} s")
            batch = {TABLE: [{"PutRequest": {"Item": attributes(i)}}
                             for i in range(start, min(start + 25, last + 1))]}
            for _ in range(5):
                batch = ddb.batch_write_item(RequestItems=batch)["UnprocessedItems"]
                if not batch:
                    break
            else:
                raise RuntimeError("BatchWriteItem left items unprocessed five times")
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "counter"}, "id": {"N": "0"},
                                            "last_id": {"N": str(last)}})
    return insert


def percentile(sorted_ms, p):
    """Nearest rank."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def check_page(data, first_id, count, what):
    ids = [it["id"] for it in json.loads(data)]
    if len(ids) != count or (ids and ids[0] != first_id):
        raise RuntimeError(f"{what}: {len(ids)} items from id {ids[:1]}, not {count} from {first_id}")


def time_requests(client, path):
    """Latencies in ms of sequential GETs of path, after the warm-up."""
    times = []
    deadline = time.monotonic() + POINT_SECONDS
    while len(times) < REQUESTS and time.monotonic() < deadline:
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def next_link(response):
    match = re.search(r'<([^>]*)>;\s*rel="next"', response.getheader("Link") or "")
    if not match:
        raise RuntimeError("a page that should have a next one has no Link")
    return match.group(1)


def middle_cursor_path(client, size):
    """The page after id size / 2, found as a client finds it: following the
    Link of each page from the first one, then asking for PAGE items."""
    step = min(PAGE, size // 2)
    path = f"/api/items?limit={step}"
    for _ in range(size // 2 // step):
        response, _ = client.get(path)
        path = next_link(response)
    url = urllib.parse.urlsplit(path)
    query = dict(urllib.parse.parse_qsl(url.query), limit=str(PAGE))
    return f"{url.path}?{urllib.parse.urlencode(query)}"


class Curves:
    """Median and p99 per series and table size; the points' request counts."""

    def __init__(self):
        self.points = {}  # series name -> [(size, median, p99)]
        self.counts = []
        self.store_reads = []  # what the DynamoDB store read for one page, as text
        self.load = os.getloadavg()[0]  # others' work on the machine, at the start

    def measure(self, series, client, size, path, first_id):
        count = max(0, min(PAGE, size - first_id + 1))
        for i in range(WARMUP_REQUESTS):
            _, data = client.get(path)
            if i == 0:
                check_page(data, first_id, count, f"{series}, {size} items")
        ms = time_requests(client, path)
        self.points.setdefault(series, []).append((size, statistics.median(ms), percentile(ms, 99)))
        self.counts.append(len(ms))
        progress(f"{series}, {size} items: median {statistics.median(ms):.3f} ms, "
                 f"p99 {percentile(ms, 99):.3f} ms, {len(ms)} requests")

    def series(self, column):
        return [{"name": name, "points": [[p[0], round(p[column], 4)] for p in points]}
                for name, points in self.points.items()]


def middle_offset_path(size):
    return f"/api/items?offset={size // 2}&limit={PAGE}"


def sqlite_curves(out, curves):
    db = os.path.join(out, "items.db")
    with items_server(out, "items-sqlite", {"ITEMS_DB": db}) as items, uvicorn_server(out, db) as fastapi:
        have = 0
        for size in SQLITE_SIZES:
            grow(items, have, size, 1000, sqlite_bulk_insert(db))
            have = size
            middle = size // 2 + 1
            curves.measure("items, SQLite, first page", items, size, f"/api/items?limit={PAGE}", 1)
            curves.measure("items, SQLite, middle page by cursor", items, size, middle_cursor_path(items, size), middle)
            curves.measure("items, SQLite, middle page by offset", items, size, middle_offset_path(size), middle)
            curves.measure("FastAPI, SQLite, first page", fastapi, size, f"/api/items?limit={PAGE}", 1)
            curves.measure("FastAPI, SQLite, middle page by offset", fastapi, size, middle_offset_path(size), middle)


def dynamodb_curves(out, curves):
    if not os.path.exists(os.path.join(VENV_BIN, "moto_server")):
        progress(f"DynamoDB skipped: no moto_server in {VENV_BIN} (pip install -r requirements-bench.txt)")
        return
    with running_moto() as moto_url:
        env = {**AWS, "AWS_ENDPOINT_URL_DYNAMODB": moto_url, "ITEMS_STORE": "dynamodb", "ITEMS_TABLE": TABLE,
               "ITEMS_CREATE_TABLE": "1"}
        log = os.path.join(out, "items-dynamodb.log")
        # LOG_LEVEL=debug: the store logs each Query and the items it read.
        with items_server(out, "items-dynamodb", {**env, "LOG_LEVEL": "debug"}) as items:
            have = 0
            for size in DYNAMODB_SIZES:
                grow(items, have, size, 100, ddb_bulk_insert(moto_url))
                have = size
                pages = {"first page": (f"/api/items?limit={PAGE}", 1),
                         "middle page by cursor": (middle_cursor_path(items, size), size // 2 + 1)}
                for what, (path, first_id) in pages.items():
                    curves.measure(f"items, DynamoDB (moto), {what}", items, size, path, first_id)
                    queries, read = store_reads(items, path, log)
                    curves.store_reads.append(f"{what} of {size:,}: {queries} Queries, {read} items")


def store_reads(client, path, log_path):
    """The Queries one GET of path makes and the items they read, from the
    debug lines of the DynamoDB store that it adds to the server's log."""
    start = os.path.getsize(log_path)
    client.get(path)
    with open(log_path) as log:
        log.seek(start)
        found = [int(n) for n in re.findall(r"items store: Query .*?: (\d+) items", log.read())]
    return len(found), sum(found)


SETUP = """Each point: {requests} sequential GETs on one keep-alive connection (Python's http.client, \
after {warmup} unmeasured ones; {fewest} at the least, when a point passed {seconds:g} s), \
the first page `GET /api/items?limit=100` and the page of the 100 items after id N/2 \
(items: the cursor of the `Link` reached from the first page; both servers: `offset=N/2&limit=100`; \
on a table of 100 that page holds 50 items). items: `serve --workers 2 --quiet` (release build); \
FastAPI + Uvicorn: bench/fastapi_app.py, one worker, on the same SQLite file; DynamoDB: moto_server \
from build/venv on loopback. Tables grow \
in place: SQLite through `POST /api/items` up to 1,000 items, then one transaction of INSERTs into \
the app's schema; DynamoDB through the API up to 100, then BatchWriteItem in the app's layout \
(docs/aws.md) with the counter item set to the last id. The 1-minute load average before the run, \
others' work included: {load:.2f}."""

WHY = """On SQLite the first page and the cursor page are flat (slopes near 0): a cursor page starts \
with a seek in the primary key's b-tree, so it reads limit + 1 rows wherever it starts. The offset pages \
grow linearly with the table, in items as in FastAPI: SQLite steps over the N/2 rows of the offset one \
by one, as the b-tree gives no count of rows to skip. The slope, per item of the table, is half the cost \
of a skipped row; it is small enough that a page's own cost hides it below about 10,000 items. FastAPI's \
pages cost several times items' at every size (Pydantic validation and JSON encoding of 100 items, in \
Python), and its offset curve rides on that constant. On a busy machine the p99 curves are mostly the \
machine's: with other jobs on its 2 CPUs (the load average above), a request that waits for a CPU takes \
a few ms more, whichever the server, and their slopes mean little.

On DynamoDB the curves measure moto, not the store: moto spends tens of milliseconds on every Query \
(Python: parsing, then serialising up to 101 items) and, as it answers a Query by looking at every item \
of the table (moto/dynamodb/models/table.py: `for item in self.all_items()`), more as the table grows: \
about 50 ms per Query at 1,000 items and 150 ms at 10,000, measured apart on this machine. That is not \
flat, and noisy (each point is few requests, a tenth of a second each). What items asks of the store \
does not grow (counted from the store's debug lines, LOG_LEVEL=debug): {store_reads}; DynamoDB serves \
and bills a Query by what it reads, so on AWS these pages cost the same at any size."""


def write_curve(path, name, title, what, column, curves):
    curve = {"name": name, "title": title,
             "x": {"label": "items in the table", "log": True},
             "y": {"label": f"{what} latency (ms)", "log": True},
             "fit": "linear", "slope_unit": "ms per item in the table", "series": curves.series(column),
             "command": "build/venv/bin/python bench/curves/table_size.py MEDIAN.json P99.json",
             "notes": SETUP.format(requests=REQUESTS, warmup=WARMUP_REQUESTS, fewest=min(curves.counts),
                                   seconds=POINT_SECONDS, load=curves.load)
             + "\n\n" + WHY.format(store_reads="; ".join(curves.store_reads) or "not measured")}
    with open(path, "w") as f:
        json.dump(curve, f, indent=1)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    median_json, p99_json = sys.argv[1:]
    if not os.access(ITEMS, os.X_OK):
        sys.exit(f"table_size: {ITEMS} is missing (make build)")
    out = os.path.join(os.path.dirname(os.path.abspath(median_json)), "table_size")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    curves = Curves()
    sqlite_curves(out, curves)
    dynamodb_curves(out, curves)
    write_curve(median_json, "table-size-median", "List latency against the table's size, median", "median",
                1, curves)
    write_curve(p99_json, "table-size-p99", "List latency against the table's size, p99", "p99", 2, curves)
    progress(f"wrote {median_json} and {p99_json}")


if __name__ == "__main__":
    main()
