#!/bin/sh
# The Lambda part of `make bench` (bench/run.sh calls it last; it also runs
# alone once `make bench` has built everything). The items bootstrap, the
# floor (bench/lambda/floor.c: the least a C bootstrap can do) and the
# peers (FastAPI + Mangum, fastify + @fastify/aws-lambda, express +
# serverless-http; Rust lambda_http + axum on tokio's multi-thread and
# current_thread runtimes, Go aws-lambda-go + aws-lambda-go-api-proxy, from
# bench/peers/ and skipped with a row saying so when not built), on the same
# event (events/health-v2.json):
#   - cold start through runtime_bench, the Runtime API emulator: from the
#     bootstrap's spawn to its first response, every bootstrap once in each
#     round, in an order drawn for the round;
#   - µs per event in process (event_bench for items, the Python and Node.js
#     peers' own `inprocess` mode);
#   - warm invocations/s through runtime_bench, and the bootstrap's peak RSS;
#   - instructions per warm invocation (instructions.py, callgrind) of every
#     bootstrap; items also with and without its metrics and tracing, and as
#     deployed on the REST API's event (events/health-v1.json).
# runtime_bench and the bootstrap share one CPU (taskset), as in a 1-vCPU
# Lambda sandbox: on a virtual machine, a ping-pong between two CPUs mostly
# measures how long an idle vCPU takes to wake up (5 to 25 thousand
# round trips/s here, depending on what else runs).
# Writes the "## Lambda" section of BENCHMARKS.md (replacing an older one).
#
# Settings (environment):
#   BENCH_LAMBDA_COLD_RUNS=80     rounds of cold starts (every bootstrap once in each)
#   BENCH_LAMBDA_CPU=$(($(nproc) - 1))   the CPU of runtime_bench and the bootstraps
#   BENCH_LAMBDA_ROUNDS=7         warm runs per bootstrap (the table gives the median)
#   BENCH_LAMBDA_WARM_COUNT=50000 BENCH_LAMBDA_WARM_SECONDS=3   each warm run, after 500 warm-up invocations
#   BENCH_LAMBDA_EVENTS=220000 BENCH_LAMBDA_PEER_EVENTS=22000   in-process events, items and each peer
#   BENCH_LAMBDA_INSTRUCTION_EVENTS=1000   warm invocations counted by callgrind (after one)
#   BENCH_RELEASE_BUILD=build/release BENCH_LAMBDA_BUILD=build/lambda BENCH_PYTHON=build/venv/bin/python
#   BENCH_NODE_DIR=build/bench-node   where the programs come from (make bench builds these)
#   BENCH_OUT=build/bench   raw output and logs go to its lambda/
# A quick run: BENCH_LAMBDA_COLD_RUNS=3 BENCH_LAMBDA_ROUNDS=1 BENCH_LAMBDA_WARM_SECONDS=1 BENCH_LAMBDA_PEER_EVENTS=2200
#   BENCH_LAMBDA_INSTRUCTION_EVENTS=100
set -eu
cd "$(dirname "$0")/../.."

COLD_RUNS=${BENCH_LAMBDA_COLD_RUNS:-80}
CPU=${BENCH_LAMBDA_CPU:-$(($(nproc) - 1))}
ROUNDS=${BENCH_LAMBDA_ROUNDS:-7}
WARM_COUNT=${BENCH_LAMBDA_WARM_COUNT:-50000}
WARM_SECONDS=${BENCH_LAMBDA_WARM_SECONDS:-3}
EVENTS=${BENCH_LAMBDA_EVENTS:-220000}
PEER_EVENTS=${BENCH_LAMBDA_PEER_EVENTS:-22000}
INSTRUCTION_EVENTS=${BENCH_LAMBDA_INSTRUCTION_EVENTS:-1000}

EVENT=bench/lambda/events/health-v2.json
EVENT_V1=bench/lambda/events/health-v1.json # the same request through a REST API (payload 1.0)
RELEASE=${BENCH_RELEASE_BUILD:-build/release}
LAMBDA=${BENCH_LAMBDA_BUILD:-build/lambda}
RUNTIME_BENCH=$RELEASE/bench/runtime_bench
EVENT_BENCH=$RELEASE/bench/event_bench
ITEMS=$LAMBDA/bin/items
FLOOR=$LAMBDA/bench/floor
PYTHON=${BENCH_PYTHON:-build/venv/bin/python}
BENCH_NODE_DIR=$(realpath "${BENCH_NODE_DIR:-build/bench-node}")
OUT=${BENCH_OUT:-build/bench}/lambda
# items as deployed (deploy/examples/items): with the key of its page cursors,
# without which it logs a warning at every cold start.
export ITEMS_CURSOR_KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RESULTS=$OUT/results.txt # cold NAME ms | inprocess NAME µs | warm NAME per-second vmhwm-kB
export BENCH_NODE_DIR
. bench/peers/peers.sh
. bench/sections.sh
RUST_SKIPPED=$(peer_skipped rust)
GO_SKIPPED=$(peer_skipped go)

peer() { # the peer's program; it takes `runtime` or `inprocess EVENT N`
    case $1 in
    mangum) echo "$PYTHON bench/lambda/peer_mangum.py" ;;
    fastify) echo "node bench/lambda/peer_fastify.mjs" ;;
    express) echo "node bench/lambda/peer_express.mjs" ;;
    esac
}

# The bootstraps, by name. The items app is configured as deployed, on a
# DynamoDB table that /api/health never reads (set through runtime_bench's
# environment: a wrapper such as env(1) would add an exec to its cold start).
bootstrap() {
    case $1 in
    items | items-log | items-plain) echo "$ITEMS" ;;
    floor) echo "$FLOOR" ;;
    floor-pipelined) echo "$FLOOR --pipelined" ;;
    axum) echo "$RUST_PEERS/lambda" ;;
    axum-ct) echo "$RUST_PEERS/lambda_current_thread" ;;
    go) echo "$GO_PEER lambda" ;;
    *) echo "$(peer "$1") runtime" ;;
    esac
}
PEERS="mangum fastify express" # with an in-process mode
COMPILED_PEERS=""              # the Rust and Go ones that are built
[ -n "$RUST_SKIPPED" ] || COMPILED_PEERS="axum axum-ct"
[ -n "$GO_SKIPPED" ] || COMPILED_PEERS="$COMPILED_PEERS go"
BOOTSTRAPS="items items-plain items-log floor floor-pipelined $PEERS $COMPILED_PEERS"

# What a bootstrap's name adds to its environment: items-log is items with
# its access lines on, as CG_ACCESS_LOG=on turns them on in a deployment;
# items-plain is items without its metrics line and X-Ray.
bootstrap_env() {
    case $1 in
    items-log) echo CG_ACCESS_LOG=on ;;
    items-plain) echo CG_ACCESS_LOG= ITEMS_METRICS=off ITEMS_TRACING=off ;;
    *) echo CG_ACCESS_LOG= ;;
    esac
}

# emulate NAME MODE ARGS... -- BOOTSTRAP: runtime_bench's report in
# $OUT/last.out, the bootstrap's output in the log; any failure stops the
# benchmark.
emulate() {
    name=$1
    shift
    # shellcheck disable=SC2046 # bootstrap_env's words are assignments
    if ! env ITEMS_TABLE=bench-items $(bootstrap_env "$name") taskset -c "$CPU" "$RUNTIME_BENCH" "$@" >"$OUT/last.out" 2>>"$OUT/$name.log"; then
        echo "bench: runtime_bench $* failed; see $OUT/$name.log" >&2
        exit 1
    fi
}

# The bootstraps in an order drawn afresh for each round (seeded by the
# round's number: the same orders every run). A cold start that follows a
# heavy one runs slower: on this machine, 1 to 6.5 % slower right after the
# Go peer than right after the floor or items (items and the floor each,
# two runs of 60 and 120 rounds). In a fixed order items always came right
# after the Go peer, and the floor after items-log.
shuffled_bootstraps() {
    # shellcheck disable=SC2086 # a word per bootstrap
    printf '%s\n' $BOOTSTRAPS | awk -v seed="$1" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -n | cut -f2
}

run_cold() {
    run=1
    while [ "$run" -le "$COLD_RUNS" ]; do
        for name in $(shuffled_bootstraps "$run"); do
            emulate "$name" cold "$EVENT" 1 -- $(bootstrap "$name")
            awk -v n="$name" '$1 == "cold_ms" { print "cold", n, $2 }' "$OUT/last.out" >>"$RESULTS"
        done
        run=$((run + 1))
    done
}

run_warm() {
    round=1
    while [ "$round" -le "$ROUNDS" ]; do
        for name in $BOOTSTRAPS; do
            emulate "$name" warm "$EVENT" "$WARM_COUNT" "$WARM_SECONDS" -- $(bootstrap "$name")
            awk -v n="$name" '$1 == "warm" { print "warm", n, $7, $9; print "cpu", n, $13 }' "$OUT/last.out" >>"$RESULTS"
            tail -n 2 "$RESULTS"
        done
        round=$((round + 1))
    done
}

# inprocess NAME COMMAND...: the command prints "events N median_us X".
inprocess() {
    name=$1
    shift
    if ! "$@" >"$OUT/$name.inprocess" 2>>"$OUT/$name.log"; then
        echo "bench: $* failed; see $OUT/$name.log" >&2
        exit 1
    fi
    awk -v n="$name" '$1 == "events" { print "inprocess", n, $4 }' "$OUT/$name.inprocess" >>"$RESULTS"
    tail -n 1 "$RESULTS"
}

run_inprocess() {
    inprocess items "$EVENT_BENCH" "$EVENT" "$EVENTS"
    for name in $PEERS; do
        inprocess "$name" $(peer "$name") inprocess "$EVENT" "$PEER_EVENTS"
    done
}

# Instructions per warm invocation (bench/lambda/instructions.py: callgrind,
# user space, runs of 1 and 1 + INSTRUCTION_EVENTS invocations): items as
# deployed (EMF metrics and X-Ray on, the invocations unsampled as most are
# on Lambda), then on the REST API's event, with one or both off, with every
# invocation sampled, with its access lines, the floor and every peer.
INSTRUCTION_RUNS="items items-v1 items-metrics items-tracing items-plain items-sampled items-log floor $PEERS $COMPILED_PEERS"

instruction_event() {
    case $1 in
    items-v1) echo "$EVENT_V1" ;;
    *) echo "$EVENT" ;;
    esac
}

instruction_env() {
    case $1 in
    items-log) echo CG_ACCESS_LOG=on ;;
    items-metrics) echo ITEMS_TRACING=off ;;
    items-tracing) echo ITEMS_METRICS=off ;;
    items-plain) echo ITEMS_METRICS=off ITEMS_TRACING=off ;;
    # callgrind aborts on the signals of Go's asynchronous preemption
    go) echo GODEBUG=asyncpreemptoff=1 ;;
    esac
}

run_instructions() {
    for name in $INSTRUCTION_RUNS; do
        sampled=
        [ "$name" = items-sampled ] && sampled=--sampled
        case $name in
        items*) command=$ITEMS ;;
        *) command=$(bootstrap "$name") ;;
        esac
        # lambda_http's runtime requires the function's name, memory and version.
        # shellcheck disable=SC2046 # instruction_env's words are assignments
        if ! env ITEMS_TABLE=bench-items AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench \
            AWS_LAMBDA_FUNCTION_NAME=bench AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
            CG_ACCESS_LOG= $(instruction_env "$name") "$PYTHON" bench/lambda/instructions.py $sampled \
            "$(instruction_event "$name")" "$INSTRUCTION_EVENTS" -- $command >"$OUT/last.out" 2>>"$OUT/$name.log"; then
            echo "bench: instructions.py for $name failed; see $OUT/$name.log" >&2
            exit 1
        fi
        awk -v n="$name" '$1 == "instructions" { print "instructions", n, $2 }' "$OUT/last.out" >>"$RESULTS"
        tail -n 1 "$RESULTS"
    done
}

# What items' cold start costs beyond the floor's, part by part, in counts
# (bench/lambda/coldstart.py: callgrind, /proc, strace, LD_DEBUG).
run_coldstart() {
    if ! env ITEMS_TABLE=bench-items AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench \
        CG_ACCESS_LOG= "$PYTHON" bench/lambda/coldstart.py "$EVENT" "$FLOOR" -- "$ITEMS" >"$OUT/coldstart.md" 2>>"$OUT/items.log"; then
        echo "bench: coldstart.py failed; see $OUT/items.log" >&2
        exit 1
    fi
    cat "$OUT/coldstart.md"
}

instruction_row() { # NAME LABEL: instructions, and their ratio to items-plain's
    v=$(median instructions "$1")
    printf '| %s | %s | %s |\n' "$2" "$(fmt %.0f "$v")" "$(fmt %.3f× "$(ratio "$v" "$(median instructions items-plain)")")"
}

# compiled_row NAME LABEL SKIPPED and compiled_instruction_row: the rows of a
# Rust or Go peer, or why there are none.
compiled_row() {
    if [ -n "$3" ]; then printf '| %s | %s | | | | | |\n' "$2" "$3"; else row "$1" "$2"; fi
}

compiled_instruction_row() {
    if [ -n "$3" ]; then printf '| %s | %s | |\n' "$2" "$3"; else instruction_row "$1" "$2"; fi
}

values() { # values KIND NAME [COLUMN]: one per line, sorted
    awk -v k="$1" -v n="$2" -v c="${3:-3}" '$1 == k && $2 == n { print $c }' "$RESULTS" | sort -g
}

median_of_lines() { # the median of the numbers on stdin
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'
}

median() {
    values "$@" | median_of_lines
}

p90() { # nearest rank
    values "$@" | awk '{ v[NR] = $1 } END { r = int(NR * 0.9); if (r < NR * 0.9) r++; if (NR) print v[r] }'
}

max_of() {
    values "$@" | tail -n 1
}

fmt() { # fmt FORMAT VALUE: "—" when there is none
    if [ -n "$2" ]; then printf "$1" "$2"; else printf '—'; fi
}

row() { # row NAME LABEL
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$(fmt %.1f "$(median cold "$1")")" \
        "$(fmt %.1f "$(p90 cold "$1")")" "$(fmt %.2f "$(median inprocess "$1")")" \
        "$(fmt %.0f "$(median warm "$1")")" "$(fmt %.2f "$(median cpu "$1")")" \
        "$(fmt %.1f "$(max_of warm "$1" 4 | awk '{ print $1 / 1024 }')")"
}

# goal LABEL VALUE OP GOAL UNIT: a row of the goals table.
goal() {
    awk -v label="$1" -v v="$2" -v op="$3" -v g="$4" -v unit="$5" 'BEGIN {
        ok = op == ">=" ? v >= g : op == "<=" ? v <= g : v < g
        sign = op == ">=" ? "≥" : op == "<=" ? "≤" : "<"
        shown = v >= 1000 ? sprintf("%.0f", v) : sprintf("%.2f", v)
        printf "| %s | %s%s | %s %s%s | %s |\n", label, shown, unit, sign, g, unit, ok ? "yes" : "**no**"
    }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

# paired_ratio KIND A B: the median over the rounds of A's warm rate (KIND
# warm), CPU per invocation (cpu) or cold start (cold) over B's in the same
# round. The two run
# seconds apart, so a neighbour's load on this shared machine weighs on both
# alike, which the ratio of two medians taken from different rounds would
# not ensure.
by_round() { # KIND NAME: its values, in round order
    awk -v k="$1" -v n="$2" '$1 == k && $2 == n { print $3 }' "$RESULTS"
}

paired_ratio() {
    by_round "$1" "$2" >"$OUT/paired.a"
    by_round "$1" "$3" >"$OUT/paired.b"
    paste "$OUT/paired.a" "$OUT/paired.b" | awk '{ print $1 / $2 }' | median_of_lines
}

fastest_peer() { # the peer with the lowest in-process µs: NAME VALUE
    for name in $PEERS; do
        echo "$name $(median inprocess "$name")"
    done | sort -g -k2 | head -n 1
}

fastest_cold_peer() { # the peer with the lowest median cold start: NAME VALUE
    for name in $PEERS $COMPILED_PEERS; do
        echo "$name $(median cold "$name")"
    done | sort -g -k2 | head -n 1
}

# What the section says of the Rust and Go peers.
compiled_peer_versions() {
    if [ -z "$RUST_SKIPPED" ]; then
        echo "  lambda_http $(crate_version lambda_http) (lambda_runtime $(crate_version lambda_runtime)) + axum $(crate_version axum) on tokio $(crate_version tokio), $(rustc --version | cut -d' ' -f1-2), release profile with LTO:"
        echo "  \`#[tokio::main]\` as in lambda_http's example, and \`flavor = \"current_thread\"\` (bench/peers/rust);"
    else
        echo "  the Rust peers (bench/peers/rust): $RUST_SKIPPED;"
    fi
    if [ -z "$GO_SKIPPED" ]; then
        echo "  aws-lambda-go $(go_module_version github.com/aws/aws-lambda-go) + aws-lambda-go-api-proxy $(go_module_version github.com/awslabs/aws-lambda-go-api-proxy) (httpadapter, net/http), $(go version "$GO_PEER" | cut -d' ' -f2) (bench/peers/go);"
    else
        echo "  the Go peer (bench/peers/go): $GO_SKIPPED;"
    fi
}

python_version() {
    "$PYTHON" -c 'import platform; print(platform.python_version())'
}

python_version_of() {
    "$PYTHON" -c "import importlib.metadata as m; print(m.version('$1'))"
}

node_version_of() {
    node -p "require('$BENCH_NODE_DIR/node_modules/$1/package.json').version"
}

section() {
    fastest=$(fastest_peer)
    peer_name=${fastest% *}
    peer_us=${fastest#* }
    fastest_cold=$(fastest_cold_peer)
    cat <<EOF
## Lambda

The items app as a Lambda bootstrap, against the floor (bench/lambda/floor.c: a C bootstrap that
only answers each event with a fixed response), the systems users migrate from and the compiled
ones they would pick for speed, in one run (bench/lambda/run.sh, part of \`make bench\`).

- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine as above
- event: \`$EVENT\`, an HTTP API (payload 2.0) \`GET /api/health\`; every bootstrap and every
  in-process run gets these same bytes, and every answer is checked to be a 200 gateway response
- Runtime API: \`runtime_bench\` (bench/lambda/runtime_bench.c), a C emulator on 127.0.0.1
  (one thread, blocking sockets, keep-alive); each bootstrap gets Lambda's environment, and its
  stdout and stderr go to a file. The emulator and the bootstrap share CPU $CPU (a 1-vCPU sandbox);
  across two vCPUs, the round trips would mostly time this virtual machine's wake-ups
- bootstraps: items: \`$ITEMS\` (lambda preset: -O2 and LTO, gc-sections, stripped, glibc dynamic, its
  other libraries static, no brotli, no SQLite), on DynamoDB (\`ITEMS_TABLE=bench-items\`, which
  \`/api/health\` does not read), its access lines off as on Lambda by default, and on in the
  second items row; floor: \`$FLOOR\`, the same preset and flags, the goals' reference; items sends
  each \`GET /next\` in the same system call as the \`POST\` before it (docs/design/runtime-api.md §15),
  which the floor does too in the \`floor --pipelined\` row, shown for comparison;
  FastAPI $(python_version_of fastapi) + Mangum $(python_version_of mangum) (\`lifespan="off"\`) on Python $(python_version);
  fastify $(node_version_of fastify) + @fastify/aws-lambda $(node_version_of @fastify/aws-lambda) and
  express $(node_version_of express) + serverless-http $(node_version_of serverless-http) on Node.js $(node --version),
  each with a small Runtime API loop of its language's standard HTTP client (bench/lambda/peer_*);
$(compiled_peer_versions)
- cold start: from just before runtime_bench spawns the bootstrap (CLOCK_MONOTONIC, posix_spawn)
  until the body of its first \`POST /response\` has been read; $COLD_RUNS rounds, every bootstrap once
  in each, in an order drawn for the round (what runs just before weighs on a cold start: 1 to 6.5 %
  more right after the Go peer than right after the floor); median and p90 (nearest rank)
- in process: the event's bytes parsed, routed, handled and the response serialised, in a loop;
  items through \`cg_lambda_handle()\` (release build, arena reset per event), the peers through their
  adapter's handler plus the JSON parse and serialisation their runtime loop does (not measured for
  the Rust and Go peers, whose runtime loop is their library's own); the median of ten
  timed batches after a warm-up batch ($EVENTS events for items, $PEER_EVENTS for each peer)
- warm: one bootstrap answers 500 warm-up invocations, then $WARM_COUNT more or ${WARM_SECONDS} s,
  whichever ends first; $ROUNDS rounds, every bootstrap in turn in each; the table gives the
  median rate, the goal the median over the rounds of items' rate over the floor's in the same
  round (paired: both met the same load from this shared machine's neighbours). CPU: the
  bootstrap's own time on the CPU (user and system, every thread: the scheduler's nanosecond
  counts in /proc/PID/task/*/schedstat) over the measured invocations, divided by them; the
  goal is the median over the rounds of items' over the floor's. Peak RSS: the
  bootstrap's VmHWM at the end of the run (the highest of the runs)

| bootstrap | cold start, median ms | cold start, p90 ms | in process, µs/event | warm invocations/s | CPU µs / warm invocation | peak RSS, MB |
|---|---:|---:|---:|---:|---:|---:|
$(row items 'items (cgate), as deployed: EMF metrics and X-Ray on')
$(row items-plain 'items without metrics and X-Ray (ITEMS_METRICS=off ITEMS_TRACING=off)')
$(row items-log 'items with access lines (CG_ACCESS_LOG=on)')
$(row floor 'floor (C, fixed response)')
$(row floor-pipelined 'floor --pipelined: its GET /next sent with its POST /response, as items sends them')
$(row mangum 'FastAPI + Mangum')
$(row fastify 'fastify + @fastify/aws-lambda')
$(row express 'express + serverless-http')
$(compiled_row axum 'Rust lambda_http + axum, multi-thread runtime' "$RUST_SKIPPED")
$(compiled_row axum-ct 'Rust lambda_http + axum, current_thread runtime' "$RUST_SKIPPED")
$(compiled_row go 'Go aws-lambda-go + api-proxy (net/http)' "$GO_SKIPPED")

### Instructions per warm invocation

User-space instructions of one warm invocation of the same event through the Runtime API (the
bootstrap's runtime loop, HTTP client and JSON included), counted by callgrind: the difference
between runs of 1 and $((INSTRUCTION_EVENTS + 1)) invocations, over $INSTRUCTION_EVENTS (bench/lambda/instructions.py, with the
tests' Runtime API emulator). Each invocation carries a trace header, \`Sampled=0\` as most do on Lambda,
except in the sampled row. The REST API row gets \`$EVENT_V1\`, the same request as a REST API
sends it (payload 1.0: \`multiValueHeaders\`, a stage). The Go peer runs with
\`GODEBUG=asyncpreemptoff=1\` there (callgrind aborts on its preemption signals). A count, not a
time: the one figure this shared machine cannot blur.

| bootstrap | instructions per invocation | vs items without metrics and tracing |
|---|---:|---:|
$(instruction_row items 'items as deployed (EMF metrics and X-Ray on)')
$(instruction_row items-v1 'items, REST API (v1) event, as deployed')
$(instruction_row items-metrics 'items, metrics on, X-Ray off (ITEMS_TRACING=off)')
$(instruction_row items-tracing 'items, X-Ray on, metrics off (ITEMS_METRICS=off)')
$(instruction_row items-plain 'items, both off')
$(instruction_row items-sampled 'items as deployed, every invocation sampled by X-Ray (3 subsegments sent)')
$(instruction_row items-log 'items with access lines (CG_ACCESS_LOG=on)')
$(instruction_row floor 'floor (C, fixed response)')
$(instruction_row mangum 'FastAPI + Mangum')
$(instruction_row fastify 'fastify + @fastify/aws-lambda')
$(instruction_row express 'express + serverless-http')
$(compiled_instruction_row axum 'Rust lambda_http + axum, multi-thread runtime' "$RUST_SKIPPED")
$(compiled_instruction_row axum-ct 'Rust lambda_http + axum, current_thread runtime' "$RUST_SKIPPED")
$(compiled_instruction_row go 'Go aws-lambda-go + api-proxy (net/http)' "$GO_SKIPPED")

### Cold start, part by part

What items' cold start adds to the floor's, counted rather than timed (bench/lambda/coldstart.py):
one invocation of the same event through the tests' Runtime API emulator; instructions by
callgrind, cut where the bootstrap first calls \`connect()\` (the Runtime API connection); page
faults and touched memory from /proc when the first response arrives; system calls by
\`strace -f -c\`; symbols bound by the loader from \`LD_DEBUG=bindings\`. Not counted here: CPUID
instructions, each a trap to the hypervisor on a virtual machine (8.5 µs on this one), which
glibc's loader runs for both; what they cost, and what each row costs in time, is in
[docs/lambda.md](docs/lambda.md#cold-start).

$(cat "$OUT/coldstart.md")

### Lambda goals

| measure | value | goal | met |
|---|---:|---|---|
$(goal 'items / floor, cold start (median of the rounds)' "$(paired_ratio cold items floor)" '<=' 1.3 ×)
$(goal "items / fastest peer (${fastest_cold% *}), cold start (median)" "$(ratio "$(median cold items)" "${fastest_cold#* }")" '<' 1 ×)
$(goal "fastest peer ($peer_name) / items, µs per event in process" "$(ratio "$peer_us" "$(median inprocess items)")" '>=' 20 ×)
$(goal 'items / floor, warm invocations/s (median of the rounds)' "$(paired_ratio warm items floor)" '>=' 0.9 ×)
$(goal 'items / floor, CPU per warm invocation, pinned (median of the rounds)' "$(paired_ratio cpu items floor)" '<=' 1.1 ×)
$(goal 'items without metrics and X-Ray / floor, CPU per warm invocation, pinned' "$(paired_ratio cpu items-plain floor)" '<=' 1.1 ×)
| items / floor --pipelined, CPU per warm invocation, pinned (median of the rounds) | $(fmt %.2f "$(paired_ratio cpu items floor-pipelined)")× | (none: the floor doing what items does) | |
$(goal 'items as deployed, instructions per warm invocation, HTTP API (v2) event' "$(median instructions items)" '<' 25000 '')
$(goal 'items as deployed, instructions per warm invocation, REST API (v1) event' "$(median instructions items-v1)" '<' 25000 '')
$(goal 'items peak RSS (warm run)' "$(max_of warm items 4 | awk '{ print $1 / 1024 }')" '<' 8 ' MB')
$(goal 'items as deployed / without metrics and tracing, instructions per invocation' "$(ratio "$(median instructions items)" "$(median instructions items-plain)")" '<' 1.05 ×)

Command: \`make bench\` (this section alone, once built: \`bench/lambda/run.sh\`). Raw output and the
bootstraps' logs: $OUT/.
EOF
}

# Replace the Lambda section of BENCHMARKS.md, or append it.
write_section() {
    section >"$OUT/section.md"
    replace_section '## Lambda' "$OUT/section.md"
    echo "wrote the Lambda section of BENCHMARKS.md"
}

command -v taskset >/dev/null || { echo "bench: taskset is missing (util-linux)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench: valgrind is missing (tools/deps.sh bench installs it)" >&2; exit 1; }
command -v strace >/dev/null || { echo "bench: strace is missing (tools/deps.sh bench installs it)" >&2; exit 1; }
for f in "$RUNTIME_BENCH" "$EVENT_BENCH" "$ITEMS" "$FLOOR" "$PYTHON"; do
    [ -x "$f" ] || { echo "bench: $f is missing (make bench builds it)" >&2; exit 1; }
done
[ -d "$BENCH_NODE_DIR/node_modules" ] ||
    { echo "bench: $BENCH_NODE_DIR is missing (make bench installs it)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
: >"$RESULTS"
echo "Lambda: in process"
run_inprocess
echo "Lambda: cold starts ($COLD_RUNS runs of each bootstrap)"
run_cold
echo "Lambda: warm invocations"
run_warm
echo "Lambda: instructions per warm invocation (callgrind)"
run_instructions
echo "Lambda: cold start, part by part"
run_coldstart
write_section
