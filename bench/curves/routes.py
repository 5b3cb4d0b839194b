"""The routing curve of `make bench`: instructions per request against the
number of routes in the table.

    build/venv/bin/python bench/curves/routes.py OUT.json

Tables of 10, 30, 100, 300 and 1,000 routes, all static (GET /r/0017/items)
or all parameterised (GET /r/0017/items/{id}, id an integer), each looked up
in rounds of four requests: the first route, the middle one, the last one,
and a path no route takes (404). The figure is user-space instructions per
request, averaged over the four, counted by callgrind as the difference
between two runs (start-up and the table's construction cancel out); it
covers the whole in-process dispatch (routing, the id's conversion, a
handler answering "ok", the response), no I/O.
  - cgate: bench/curves/routes_bench.c, cg_app_handle ($CURVES_ROUTES_BENCH,
    default build/lambda/bench/routes_bench: the lambda preset's flags);
  - axum 0.8 (matchit) with tower's oneshot: bench/peers/rust/src/bin/routes.rs
    ($CURVES_RUST_ROUTES, default build/bench-rust/release/routes);
  - Starlette's Router, the one FastAPI uses: bench/curves/routes_starlette.py
    under $CURVES_PYTHON (default build/venv/bin/python), both runs in one
    process (its threads), as Python's start-up is slow under callgrind.
A peer whose program is missing is skipped with a line saying so. One line of
progress per point on stderr."""
import glob
import json
import os
import subprocess
import sys
import tempfile

SIZES = [10, 30, 100, 300, 1000]
SHAPES = ["static", "param"]
ROUNDS = (2, 12)  # two runs; the difference is 10 rounds of 4 requests
LOOKUPS = (ROUNDS[1] - ROUNDS[0]) * 4
HERE = os.path.dirname(os.path.abspath(__file__))
CGATE = os.environ.get("CURVES_ROUTES_BENCH", "build/lambda/bench/routes_bench")
RUST = os.environ.get("CURVES_RUST_ROUTES", "build/bench-rust/release/routes")
PYTHON = os.environ.get("CURVES_PYTHON", "build/venv/bin/python")
SHAPE_NAMES = {"static": "static", "param": "parameterised"}


def progress(line):
    print(f"routes: {line}", file=sys.stderr, flush=True)


def callgrind(command, out, threads=False):
    """Run command under callgrind; its total instructions (per thread with
    threads=True, in thread order)."""
    extra = ["--separate-threads=yes"] if threads else []
    result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *extra, *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    if result.returncode != 0:
        sys.exit(f"routes: {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    files = sorted(glob.glob(out + "-*")) if threads else [out]
    totals = []
    for name in files:
        with open(name) as f:
            totals.append(int(next(line for line in f if line.startswith("summary:")).split()[1]))
    return totals


def per_process(program, label, tmp):
    """A series per shape from a program run twice per point (cgate, axum)."""
    series = []
    for shape in SHAPES:
        points = []
        for n in SIZES:
            a, b = (callgrind([program, shape, str(n), str(r)], os.path.join(tmp, "out"))[0] for r in ROUNDS)
            points.append([n, (b - a) / LOOKUPS])
            progress(f"{label} {shape} {n} routes: {points[-1][1]:.0f} instructions per request")
        series.append({"name": f"{label}, {SHAPE_NAMES[shape]}", "points": points})
    return series


def starlette(tmp):
    """A series per shape from one process per shape (its threads)."""
    series = []
    for shape in SHAPES:
        out = os.path.join(tmp, f"starlette-{shape}")
        script = os.path.join(HERE, "routes_starlette.py")
        totals = callgrind([PYTHON, script, shape, *map(str, ROUNDS), *map(str, SIZES)], out, threads=True)
        runs = totals[1:]  # thread 1 is the main thread: start-up, tables
        points = [[n, (runs[2 * k + 1] - runs[2 * k]) / LOOKUPS] for k, n in enumerate(SIZES)]
        for n, y in points:
            progress(f"starlette {shape} {n} routes: {y:.0f} instructions per request")
        series.append({"name": f"Starlette (FastAPI's router), {SHAPE_NAMES[shape]}", "points": points})
    return series


def missing(what, path):
    if os.access(path, os.X_OK):
        return False
    progress(f"{what} skipped: {path} not built (make bench builds it)")
    return True


def starlette_missing():
    if missing("Starlette", PYTHON):
        return True
    if subprocess.run([PYTHON, "-c", "import starlette"], stderr=subprocess.DEVNULL).returncode == 0:
        return False
    progress(f"Starlette skipped: {PYTHON} cannot import it (make bench installs it)")
    return True


NOTES = """\
Instructions per request (user space, callgrind: the difference between runs of 2 and 12 rounds, over
the 40 requests between them), each round four requests: the table's first route, its middle one,
its last one, and a path no route takes (404). Tables of 10 to 1,000 routes, all static
(`GET /r/0017/items`) or all parameterised (`GET /r/0017/items/{id}`, the id converted to an integer).
The whole in-process dispatch is counted: routing, the id's conversion, a handler answering `ok`, the
response; no I/O. cgate: `cg_app_handle` (bench/curves/routes_bench.c, lambda preset flags). axum 0.8
(matchit): the Router through tower's `oneshot` on a current_thread runtime
(bench/peers/rust/src/bin/routes.rs). Starlette's Router (FastAPI's) called as an ASGI app
(bench/curves/routes_starlette.py).

axum's line is flat: matchit is a radix tree, so a lookup walks the path's characters, whatever the
number of routes. cgate's is nearly flat too: the table is indexed by its path segments (by the
app's second request: src/core/route_index.c, a trie whose literal children are found by binary
search; both runs' first rounds build it, so the difference leaves it out), and a request
tries only the routes its path can match, in declaration order (FastAPI's rule: the first declared
wins), so what grows is the binary search, about 50 instructions each time the table doubles.
Starlette's grows linearly: it tries the routes in declaration order until one matches, a compiled
regular expression per route in Python, and a miss tries them all twice, the second time for the path
with its trailing slash toggled (`redirect_slashes`)."""


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    series = []
    with tempfile.TemporaryDirectory() as tmp:
        if not missing("cgate", CGATE):
            series += per_process(CGATE, "cgate", tmp)
        if not missing("axum", RUST):
            series += per_process(RUST, "axum (matchit)", tmp)
        if not starlette_missing():
            series += starlette(tmp)
    curve = {"name": "routes", "title": "Cost per request against the number of routes",
             "x": {"label": "routes in the table", "log": True},
             "y": {"label": "instructions per request", "log": True},
             "fit": "linear", "slope_unit": "instructions per route", "series": series,
             "command": "build/venv/bin/python bench/curves/routes.py OUT.json", "notes": NOTES}
    with open(sys.argv[1], "w") as f:
        json.dump(curve, f, indent=1)


if __name__ == "__main__":
    main()
