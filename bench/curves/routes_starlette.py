"""Starlette's side of the routing curve (bench/curves/routes.py): its Router,
the one FastAPI routes with, driven as routes_bench.c drives cgate's.

    routes_starlette.py static|param ROUNDS_A ROUNDS_B ROUTES [ROUTES ...]

For each table size: builds a Router of ROUTES routes, all static
(/r/0017/items) or all parameterised (/r/0017/items/{id:int}), then runs
ROUNDS_A rounds of four requests (first route, middle, last, and a miss
that ends in 404) in one new thread and ROUNDS_B rounds in another: thread
2 + 2k and 3 + 2k for the k-th size. Run under callgrind with
--separate-threads=yes, the two threads' totals differ by the lookups
alone; Python's start-up (7 s under callgrind) is paid once, not once per
run as the C and Rust programs' (a fraction of a second) are.
Each answer is checked; exit status 1 on a wrong one. Prints nothing.

The ASGI call is driven by hand (coroutine.send): with an async endpoint
nothing in it suspends, so no event loop runs and none is counted."""
import os
import sys
import threading

from starlette.responses import PlainTextResponse
from starlette.routing import Route, Router

MISS = 9999  # routes are numbered 0000 to 9998


async def ok(request):
    return PlainTextResponse("ok")


def make_router(param, n):
    suffix = "/items/{id:int}" if param else "/items"
    return Router([Route(f"/r/{i:04d}{suffix}", ok, methods=["GET"]) for i in range(n)])


def lookup(router, path):
    """One request through the router: (status, body)."""
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": [], "scheme": "http", "server": ("127.0.0.1", 80)}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    try:
        router(scope, receive, send).send(None)
    except StopIteration:
        return sent[0]["status"], sent[1]["body"]
    fail(f"GET {path} suspended")


def fail(why):
    """End the process from any thread (sys.exit would end the thread alone,
    and the main thread would wait for it forever)."""
    print(f"routes_starlette.py: {why}", file=sys.stderr, flush=True)
    os._exit(1)


def run(router, paths, rounds):
    for _ in range(rounds):
        for k, path in enumerate(paths):
            answer = lookup(router, path)
            if answer != ((404, b"Not Found") if k == 3 else (200, b"ok")):
                fail(f"GET {path} answered {answer}")


class Runs:
    """Each run in a thread of its own that lives until all have run:
    valgrind reuses an ended thread's number, and callgrind would add the
    next thread's counts to the same total."""

    def __init__(self):
        self.done = threading.Event()
        self.threads = []

    def run(self, *args):
        finished = threading.Event()

        def body():
            try:
                run(*args)
            except Exception as e:  # noqa: BLE001 (whatever it is, the run is void)
                fail(f"{type(e).__name__}: {e}")
            finished.set()
            self.done.wait()

        self.threads.append(threading.Thread(target=body, daemon=True))
        self.threads[-1].start()
        finished.wait()

    def end(self):
        self.done.set()
        for thread in self.threads:
            thread.join()


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[0] not in ("static", "param") or not all(a.isdigit() for a in args[1:]):
        sys.exit(__doc__)
    param = args[0] == "param"
    rounds_a, rounds_b = int(args[1]), int(args[2])
    sizes = [int(a) for a in args[3:]]
    if not all(1 <= n < MISS for n in sizes):
        sys.exit(f"routes_starlette.py: ROUTES must be between 1 and {MISS - 1}")
    runs = Runs()
    for n in sizes:
        router = make_router(param, n)
        suffix = "/items/42" if param else "/items"
        paths = [f"/r/{t:04d}{suffix}" for t in (0, n // 2, n - 1, MISS)]
        runs.run(router, paths, rounds_a)
        runs.run(router, paths, rounds_b)
    runs.end()


if __name__ == "__main__":
    main()
