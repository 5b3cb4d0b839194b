#!/bin/sh
# `make bench`: the items app against nginx (a fixed response), axum (hyper),
# Go's net/http and FastAPI + Uvicorn, side by side in one run with the same
# wrk settings, then the items app's memory after 100k and 1M requests.
# Writes BENCHMARKS.md, then runs the Lambda benchmark (bench/lambda/run.sh)
# and the growth curves (bench/curves/run.sh), which add their sections and
# also run alone.
#
# The servers run at once (idle while another is measured) and are measured
# in turn, for several rounds; the report gives each median, since on a small
# shared machine one run can be off by a factor of two, and the goals against
# axum and Go the median of the ratios within each round. The Rust and Go
# peers (bench/peers/) are skipped, with a row saying so, when not built.
#
# Settings (environment):
#   BENCH_THREADS=2 BENCH_CONNECTIONS=64 BENCH_DURATION=10s   every wrk run
#   BENCH_WARMUP=2s     a wrk run before each measured one
#   BENCH_ROUNDS=5      measured runs per endpoint (the goals are medians over them)
#   BENCH_WORKERS=$(nproc)   items and axum threads, nginx and uvicorn processes, Go's GOMAXPROCS
#   BENCH_RSS_FIRST=100000 BENCH_RSS_TOTAL=1000000   the memory probe
#   BENCH_ITEMS=build/bin/items   the items binary (make build builds it)
#   BENCH_OUT=build/bench         raw output and logs
# A quick run: BENCH_DURATION=2s BENCH_WARMUP=1s BENCH_ROUNDS=1 BENCH_RSS_FIRST=10000 BENCH_RSS_TOTAL=100000
set -eu
cd "$(dirname "$0")/.."

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
ROUNDS=${BENCH_ROUNDS:-5}
WORKERS=${BENCH_WORKERS:-$(nproc)}
RSS_FIRST=${BENCH_RSS_FIRST:-100000}
RSS_TOTAL=${BENCH_RSS_TOTAL:-1000000}

ITEMS=${BENCH_ITEMS:-build/bin/items}
PYTHON=build/venv/bin/python
OUT=${BENCH_OUT:-build/bench}
WRK="wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
RESULTS=$OUT/results.txt # per measured run: name req/s requests cpu-µs/request errors
export BENCH_OUT=$OUT # bench/lambda/run.sh's output goes under it
. bench/peers/peers.sh
. bench/servers.sh # free_port, wait_ready, nginx_conf; the servers in $started stopped at exit
RUST_SKIPPED=$(peer_skipped rust)
GO_SKIPPED=$(peer_skipped go)


# launch LOG COMMAND...: start a server in the background; its pid in $pid.
launch() {
    log=$1
    shift
    "$@" >"$OUT/$log.log" 2>&1 &
    pid=$!
    started="$started $pid"
}

stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# A process and its children (nginx and uvicorn workers).
family() {
    echo "$1" $(pgrep -P "$1" || true)
}

# utime + stime of the processes, in clock ticks.
cpu_ticks() {
    total=0
    for p in "$@"; do
        t=$(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')
        total=$((total + t))
    done
    echo "$total"
}

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# measure NAME URL PID: warm up, then one timed wrk run; appends to RESULTS.
measure() {
    name=$1 url=$2
    $WRK -d"$WARMUP" "$url" >/dev/null
    pids=$(family "$3")
    before=$(cpu_ticks $pids)
    $WRK "$url" | tee -a "$OUT/$name.wrk" >"$OUT/last.wrk"
    after=$(cpu_ticks $pids)
    awk -v name="$name" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
        / requests in / { requests = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx/ { errors += $NF }
        /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
        END {
            if (requests == 0) { print name ": wrk made no request" > "/dev/stderr"; exit 1 }
            printf "%s %.0f %d %.2f %d\n", name, rps, requests, ticks / hz * 1e6 / requests, errors
        }' "$OUT/last.wrk" >>"$RESULTS"
    tail -n 1 "$RESULTS"
}

seed_items() {
    python3 - "$1" <<'EOF'
import json, sys, urllib.request
for i in range(1, 101):
    body = json.dumps({"name": f"item {i}", "price": i + 0.5, "description": "seeded"}).encode()
    req = urllib.request.Request(sys.argv[1], body, {"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5)
EOF
}

start_items() {
    port=$(free_port)
    launch "$1" env ITEMS_DB="$OUT/items.db" "$ITEMS" serve --port "$port" --workers "$WORKERS" --quiet
    items_pid=$pid
    items_url=http://127.0.0.1:$port
    wait_ready "$items_url/api/health"
}

start_nginx() {
    port=$(free_port)
    tmp=$(pwd)/$OUT/nginx-tmp
    mkdir -p "$tmp"
    nginx_conf "$port" "$tmp" "$WORKERS" >"$OUT/nginx.conf"
    launch nginx nginx -p "$tmp" -c "$(pwd)/$OUT/nginx.conf"
    nginx_pid=$pid
    nginx_url=http://127.0.0.1:$port
    wait_ready "$nginx_url/api/health"
}

# The same answer from every server: {"status":"healthy"} as application/json.
check_health() {
    python3 - "$1" <<'EOF'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    body, ctype = json.load(r), r.headers.get("Content-Type")
if body != {"status": "healthy"} or ctype != "application/json":
    sys.exit(f"{sys.argv[1]}: {ctype} {body}")
EOF
}

start_axum() {
    port=$(free_port)
    launch axum "$RUST_PEERS/server" "$port" "$WORKERS"
    axum_pid=$pid
    axum_url=http://127.0.0.1:$port
    wait_ready "$axum_url/api/health"
}

start_go() {
    port=$(free_port)
    launch go "$GO_PEER" serve "$port" "$WORKERS"
    go_pid=$pid
    go_url=http://127.0.0.1:$port
    wait_ready "$go_url/api/health"
}

start_uvicorn() {
    port=$(free_port)
    launch uvicorn env ITEMS_DB="$OUT/items.db" "$PYTHON" -m uvicorn fastapi_app:app --app-dir bench \
        --host 127.0.0.1 --port "$port" --workers "$WORKERS" --no-access-log --log-level warning
    uvicorn_pid=$pid
    uvicorn_url=http://127.0.0.1:$port
    wait_ready "$uvicorn_url/api/items/1"
}

run_throughput() {
    start_items items
    seed_items "$items_url/api/items"
    start_nginx
    [ -n "$RUST_SKIPPED" ] || start_axum
    [ -n "$GO_SKIPPED" ] || start_go
    start_uvicorn
    for url in "$items_url" "$nginx_url" ${axum_url:-} ${go_url:-} "$uvicorn_url"; do
        check_health "$url/api/health"
    done
    round=1
    while [ "$round" -le "$ROUNDS" ]; do
        measure items_health "$items_url/api/health" "$items_pid"
        measure nginx_health "$nginx_url/api/health" "$nginx_pid"
        [ -n "$RUST_SKIPPED" ] || measure axum_health "$axum_url/api/health" "$axum_pid"
        [ -n "$GO_SKIPPED" ] || measure go_health "$go_url/api/health" "$go_pid"
        measure uvicorn_health "$uvicorn_url/api/health" "$uvicorn_pid"
        measure items_item "$items_url/api/items/1" "$items_pid"
        measure uvicorn_item "$uvicorn_url/api/items/1" "$uvicorn_pid"
        round=$((round + 1))
    done
    stop "$items_pid"
    stop "$nginx_pid"
    [ -n "$RUST_SKIPPED" ] || stop "$axum_pid"
    [ -n "$GO_SKIPPED" ] || stop "$go_pid"
    stop "$uvicorn_pid"
}

# median NAME COLUMN: over the rounds of one run name.
median() {
    awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Send about N requests of URL, in wrk runs whose threads stop after their
# share (bench/stop_after.lua; wrk still waits out -d, sized from RATE).
# Prints how many were completed.
send_requests() {
    url=$1 want=$2 rate=$3 sent=0 tries=0
    while [ "$sent" -lt "$want" ] && [ "$tries" -lt 5 ]; do
        left=$((want - sent))
        secs=$(awk -v n="$left" -v r="$rate" 'BEGIN { printf "%d", n / r * 1.5 + 2 }')
        n=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" -s bench/stop_after.lua "$url" \
            -- $(((left + THREADS - 1) / THREADS)) | awk '/ requests in / { print $1 }')
        sent=$((sent + n))
        tries=$((tries + 1))
    done
    echo "$sent"
}

# A fresh items process: VmRSS after RSS_FIRST, then after RSS_TOTAL requests
# of GET /api/items/1.
run_memory() {
    start_items items-memory
    url=$items_url/api/items/1
    rate=$(median items_item 2)
    first=$(send_requests "$url" "$RSS_FIRST" "$rate")
    rss_first=$(rss_kb "$items_pid")
    rest=$(send_requests "$url" $((RSS_TOTAL - first)) "$rate")
    rss_total=$(rss_kb "$items_pid")
    echo "memory $rss_first $rss_total $first $((first + rest))" >>"$RESULTS"
    tail -n 1 "$RESULTS"
    stop "$items_pid"
}

memory() { # memory COLUMN
    awk -v c="$1" '$1 == "memory" { print $c }' "$RESULTS"
}

# goal LABEL A B OP GOAL: a row of the goals table for the ratio A / B,
# judged on the exact ratio (OP is >= or <=; GOAL empty: none).
goal() {
    awk -v label="$1" -v a="$2" -v b="$3" -v op="${4:-}" -v g="${5:-}" 'BEGIN {
        r = a / b
        if (g == "") { printf "| %s | %.3f× | (none) | |\n", label, r; exit }
        ok = op == ">=" ? r >= g : r <= g
        printf "| %s | %.3f× | %s %s× | %s |\n", label, r, op == ">=" ? "≥" : "≤", g, ok ? "yes" : "**no**"
    }'
}

# paired_goal LABEL A B COLUMN OP GOAL SKIPPED: a goals row for A's figure
# in COLUMN of the results (2: requests/s, 4: CPU µs per request) over B's,
# the median of the ratios within each round (both met the same load from
# the neighbours), judged as goal() does; SKIPPED: why B has no figure.
paired_goal() {
    if [ -n "$7" ]; then
        printf '| %s | %s | | |\n' "$1" "$7"
        return
    fi
    ratios=$(awk -v a="$2" -v b="$3" -v c="$4" '$1 == a { x[++na] = $c } $1 == b { y[++nb] = $c }
        END { for (i = 1; i <= na; i++) print x[i] / y[i] }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    goal "$1" "$ratios" 1 "$5" "$6"
}

# A table row: medians, every round's requests/s, and the errors of all rounds.
row() { # row NAME LABEL
    rounds=$(awk -v n="$1" '$1 == n { printf "%s%s", sep, $2; sep = ", " }' "$RESULTS")
    errors=$(awk -v n="$1" '$1 == n { e += $5 } END { print e + 0 }' "$RESULTS")
    printf '| %s | %s | %s | %s | %s |\n' "$2" "$(median "$1" 2)" "$rounds" "$(median "$1" 4)" "$errors"
}

peer_row() { # peer_row NAME LABEL SKIPPED: a row, or why there is none
    if [ -n "$3" ]; then
        printf '| %s | %s | | | |\n' "$2" "$3"
    else
        row "$1" "$2"
    fi
}

# What the servers section says of the Rust and Go peers.
peer_versions() {
    if [ -z "$RUST_SKIPPED" ]; then
        printf '%s\n' "  axum $(crate_version axum) (hyper $(crate_version hyper), tokio $(crate_version tokio), $WORKERS worker threads): bench/peers/rust, $(rustc --version | cut -d' ' -f1-2);"
    else
        printf '%s\n' "  axum (bench/peers/rust): $RUST_SKIPPED;"
    fi
    if [ -z "$GO_SKIPPED" ]; then
        printf '%s\n' "  Go net/http (GOMAXPROCS=$WORKERS): bench/peers/go, $(go version "$GO_PEER" | cut -d' ' -f2);"
    else
        printf '%s\n' "  Go net/http (bench/peers/go): $GO_SKIPPED;"
    fi
}

version_of() {
    "$PYTHON" -c "import $1; print($1.__version__)"
}

write_report() {
    growth=$(($(memory 3) - $(memory 2)))
    met=$([ "$growth" -le 1024 ] && echo yes || echo '**no**')
    cat >BENCHMARKS.md <<EOF
# Benchmarks

Figures of the latest \`make bench\` (bench/run.sh): every one from the same run, on the same
machine, over loopback. Benchmarks are not tests: CI does not time anything.

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r);
  wrk runs on the same CPUs as the servers
- load: \`$WRK URL\`, each measured run after a $WARMUP warm-up with the same settings; $ROUNDS rounds,
  the servers taken in turn within each round; the tables give medians
- servers, $WORKERS workers each:
  items: \`items serve --workers $WORKERS --quiet\`, release build, SQLite in WAL mode;
  nginx: $(nginx -v 2>&1 | sed 's/.*: //') with \`return 200 '{"status":"healthy"}'\`, access log off;
$(peer_versions)
  Uvicorn $(version_of uvicorn) (uvloop, httptools) + FastAPI $(version_of fastapi): bench/fastapi_app.py, the same endpoints on the same SQLite file
- server CPU per request: utime + stime of the server's processes (workers included, from
  /proc/PID/stat) over the measured run, divided by the requests wrk completed
- every server's \`/api/health\` is checked first to answer \`{"status":"healthy"}\` as application/json

| run | requests/s | requests/s per round | server CPU µs/request | errors (non-2xx, socket) |
|---|---:|---|---:|---:|
$(row items_health 'items GET /api/health')
$(row nginx_health 'nginx GET /api/health (fixed response)')
$(peer_row axum_health 'axum GET /api/health' "$RUST_SKIPPED")
$(peer_row go_health 'Go net/http GET /api/health' "$GO_SKIPPED")
$(row uvicorn_health 'FastAPI + Uvicorn GET /api/health')
$(row items_item 'items GET /api/items/1')
$(row uvicorn_item 'FastAPI + Uvicorn GET /api/items/1')

## Goals

| measure | value | goal | met |
|---|---:|---|---|
$(paired_goal 'items / nginx, requests/s on /api/health (median of the rounds)' items_health nginx_health 2 '>=' 1.0 '')
$(paired_goal 'items / nginx, CPU per request on /api/health (median of the rounds)' items_health nginx_health 4 '<=' 1.0 '')
$(paired_goal 'items / axum, requests/s on /api/health (median of the rounds)' items_health axum_health 2 '>=' 1.0 "$RUST_SKIPPED")
$(paired_goal 'items / Go net/http, requests/s on /api/health (median of the rounds)' items_health go_health 2 '' '' "$GO_SKIPPED")
$(goal 'items / Uvicorn, requests/s on /api/health' "$(median items_health 2)" "$(median uvicorn_health 2)" '>=' 4)
$(goal 'items / Uvicorn, requests/s on /api/items/1' "$(median items_item 2)" "$(median uvicorn_item 2)")
| items VmRSS growth, GET /api/items/1 | $(memory 2) kB after $(memory 4) requests, $(memory 3) kB after $(memory 5): +$growth kB | ≤ 1024 kB | $met |

The memory probe uses a fresh items process, loaded by wrk runs whose threads stop after their
share of the requests (bench/stop_after.lua). Raw wrk output and server logs: $OUT/.
EOF
    echo "wrote BENCHMARKS.md"
}

for tool in wrk nginx pgrep python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (tools/deps.sh bench)" >&2; exit 1; }
done
[ -x "$ITEMS" ] || { echo "bench: $ITEMS is missing (make build)" >&2; exit 1; }
[ -x "$PYTHON" ] || { echo "bench: $PYTHON is missing (make bench creates it)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
: >"$RESULTS"
run_throughput
run_memory
write_report
bench/lambda/run.sh
bench/curves/run.sh
