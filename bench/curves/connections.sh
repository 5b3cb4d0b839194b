#!/bin/sh
# Growth curves of `make bench`: the local server's throughput and p99
# latency against the number of concurrent keep-alive connections.
#
#   bench/curves/connections.sh THROUGHPUT.json P99.json
#
# For each count of connections (32 to 10,000, about 3.16x apart: even steps
# on the log axis), each server in turn gets `wrk -t2 -cN -d1s` to warm up,
# then the measured `wrk -t2 -cN -d5s --latency` on GET /api/health:
#   items  `items serve --workers 2 --quiet` (the release build);
#   nginx  the fixed response of bench/run.sh (bench/servers.sh's nginx_conf),
#          2 worker processes;
#   axum   bench/peers/rust's server, 2 worker threads; skipped, with a line
#          saying why, when `make bench` has not built it.
# The servers run at once, idle while another is measured. The open-file
# limit is raised to the hard one first, for wrk and the servers. wrk's
# socket errors and non-2xx answers are counted: a point with any is flagged
# (ringed on the plot), never dropped. Writes THROUGHPUT.json (requests/s)
# and P99.json (ms) in bench/curves/plot.py's format; one line of progress
# per point on stderr; wrk's output and the server logs in
# <THROUGHPUT.json's directory>/connections/. About 2 minutes.
#
# Settings (environment):
#   CURVE_CONNECTIONS="32 100 316 1000 3162 10000"
#   CURVE_DURATION=5s CURVE_WARMUP=1s   each measured run, each warm-up
#   CURVE_WORKERS=2                     threads or processes of every server
#   BENCH_ITEMS=build/bin/items         the items binary (make build)
set -eu
[ $# -eq 2 ] || { echo "usage: $0 THROUGHPUT.json P99.json" >&2; exit 2; }
# Absolute: the script works from the repository's root.
THROUGHPUT_JSON=$(realpath -m "$1") P99_JSON=$(realpath -m "$2")
cd "$(dirname "$0")/../.."

CONNECTIONS=${CURVE_CONNECTIONS:-32 100 316 1000 3162 10000}
DURATION=${CURVE_DURATION:-5s}
WARMUP=${CURVE_WARMUP:-1s}
WORKERS=${CURVE_WORKERS:-2}
ITEMS=${BENCH_ITEMS:-build/bin/items}
OUT=$(dirname "$THROUGHPUT_JSON")/connections
RESULTS=$OUT/results.txt # per point: server connections req/s p99-ms errors breakdown
. bench/peers/peers.sh
. bench/servers.sh
RUST_SKIPPED=$(peer_skipped rust)

for tool in wrk nginx python3; do
    command -v "$tool" >/dev/null || { echo "connections: $tool is missing (tools/deps.sh bench)" >&2; exit 1; }
done
[ -x "$ITEMS" ] || { echo "connections: $ITEMS is missing (make build)" >&2; exit 1; }
[ -z "$RUST_SKIPPED" ] || echo "connections: axum $RUST_SKIPPED" >&2

# 10,000 connections need as many descriptors in wrk and in each server.
ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
MOST=$(printf '%s\n' $CONNECTIONS | sort -n | tail -n 1)
LOAD=$(cut -d' ' -f1 /proc/loadavg)


# start NAME COMMAND...: a server in the background, listening on $port,
# waited for; its URL in ${NAME}_url.
start() {
    name=$1 url=http://127.0.0.1:$port
    shift
    "$@" >"$OUT/$name.log" 2>&1 &
    started="$started $!"
    wait_ready "$url/api/health"
    eval "${name}_url=$url"
}

start_servers() {
    port=$(free_port)
    start items env ITEMS_DB=:memory: "$ITEMS" serve --port "$port" --workers "$WORKERS" --quiet
    port=$(free_port)
    tmp=$OUT/nginx-tmp
    mkdir -p "$tmp"
    # Connections are not spread evenly over nginx's workers: one may get them all.
    nginx_conf "$port" "$tmp" "$WORKERS" $((MOST + 64)) >"$OUT/nginx.conf"
    start nginx nginx -p "$tmp" -c "$OUT/nginx.conf"
    if [ -z "$RUST_SKIPPED" ]; then
        port=$(free_port)
        start axum "$RUST_PEERS/server" "$port" "$WORKERS"
    fi
}

# measure NAME CONNECTIONS: warm up, then one measured run; appends a line
# to RESULTS and says it on stderr.
measure() {
    eval "url=\$${1}_url/api/health"
    wrk -t2 -c"$2" -d"$WARMUP" "$url" >/dev/null
    wrk -t2 -c"$2" -d"$DURATION" --latency "$url" >"$OUT/$1-$2.wrk"
    awk -v name="$1" -v n="$2" '
        function ms(v) {
            if (v ~ /us$/) return v * 0.001
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/) return v * 60000
            return v * 1000 # s
        }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "99%" { p99 = ms($2) }
        /Socket errors/ { gsub(",", ""); connect = $4; read = $6; write = $8; timeout = $10 }
        /Non-2xx/ { non2xx = $NF }
        END {
            if (rps == "") { print name " " n ": wrk gave no figure" > "/dev/stderr"; exit 1 }
            errors = connect + read + write + timeout + non2xx
            printf "%s %d %.0f %.3f %d connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
                name, n, rps, p99, errors, connect, read, write, timeout, non2xx
        }' "$OUT/$1-$2.wrk" >>"$RESULTS"
    tail -n 1 "$RESULTS" | awk '{ printf "connections: %s, %d connections: %s requests/s, p99 %s ms, %d errors\n",
        $1, $2, $3, $4, $5 }' >&2
}

# The two curves, from RESULTS.
write_curves() {
    python3 - "$RESULTS" "$THROUGHPUT_JSON" "$P99_JSON" <<EOF
import json, sys

results, throughput_json, p99_json = sys.argv[1:]
labels = {"items": "cgate items", "nginx": "nginx (fixed response)", "axum": "axum (hyper, tokio)"}
rows = [line.split(maxsplit=5) for line in open(results)]
setup = ("Each point: \`wrk -t2 -cN -d$DURATION --latency\` on GET /api/health after a $WARMUP warm-up with "
         "the same connections, the servers taken in turn at each N, all running at once; $(nproc) CPUs "
         "shared by wrk and the server. Servers: items \`serve --workers $WORKERS --quiet\` (release build, "
         "$ITEMS); nginx $(nginx -v 2>&1 | sed 's/.*\///') with $WORKERS worker processes and "
         "worker_connections $((MOST + 64)); "
         + ("axum $(crate_version axum) with $WORKERS worker threads" if not "$RUST_SKIPPED" else "axum $RUST_SKIPPED")
         + ". Open-file limit (ulimit -n, raised to the hard limit) for wrk and the servers: $NOFILE. "
         "Errors are wrk's socket errors (connect, read, write, timeout: no answer within wrk's 2 s) and "
         "non-2xx answers. The 1-minute load average before the run, others' work included: $LOAD.")


def curve(name, title, y_label, y_log, column, why):
    series = []
    for server, label in labels.items():
        mine = [r for r in rows if r[0] == server]
        if mine:
            series.append({"name": label,
                           "points": [[int(r[1]), float(r[column])] for r in mine],
                           "flagged": [[int(r[1]), f"{r[4]} errors ({r[5].strip()})"] for r in mine if int(r[4])]})
    return {"name": name, "title": title,
            "x": {"label": "concurrent keep-alive connections", "log": True},
            "y": {"label": y_label, "log": y_log}, "fit": "power", "slope_unit": "",
            "series": series, "command": "bench/curves/connections.sh THROUGHPUT.json P99.json",
            "notes": setup + "\n\n" + why}


with open(throughput_json, "w") as f:
    json.dump(curve("connections-throughput", "Throughput against concurrent connections, GET /api/health",
                    "requests/s", False, 2, """$THROUGHPUT_WHY"""), f, indent=1)
with open(p99_json, "w") as f:
    json.dump(curve("connections-p99", "p99 latency against concurrent connections, GET /api/health",
                    "p99 latency (ms)", True, 3, """$P99_WHY"""), f, indent=1)
EOF
}

# What the curves show, written after reading them; the exponents are
# plot.py's power fits.
THROUGHPUT_WHY="Throughput is not flat: it falls as the connections grow, for all three servers alike \
(exponents about -0.2 to -0.4 in the runs made while writing this, 3 to 8 times fewer requests/s at \
10,000 connections than at 32). 32 connections already keep both CPUs busy, so more only queue; what \
falls is the work done per CPU second. The work per request does not change (perf, cpu-clock samples \
of items and wrk at 1,000 and at 10,000 connections: the same kernel functions in the same shares), \
but each request takes about twice the CPU time: each one touches another socket's kernel state, and \
10,000 connections are 20,000 loopback sockets besides the servers' and wrk's state per connection, \
far more than the 2 MB L2 and 32 MB L3 caches hold (this VM has no cache-miss counters to show it). \
wrk also opens its connections inside the measured run: 10,000 take about 0.75 s of the ${DURATION}, \
without listen-queue overflows (nstat). With other jobs on the machine (the load average above), single \
points scatter by up to a factor of two: read the shape across the decades, not one point."
P99_WHY="p99 grows nearly linearly with the connections (exponents about 0.6 to 0.9), as Little's law \
says it must when throughput is flat or falls: each connection waits for the others, so the mean \
latency is N divided by the throughput (about 1 s at 10,000), and p99 follows it. At 32 connections \
p99 is set by scheduling rather than queueing: wrk and the server share the 2 CPUs with other work, and \
a time slice of a few ms stands out against a mean below 1 ms. A request that waits more than wrk's \
2 s timeout counts as an error and is missing from the latency histogram, so a flagged point's p99 is \
an underestimate."

rm -rf "$OUT"
mkdir -p "$OUT"
: >"$RESULTS"
start_servers
for n in $CONNECTIONS; do
    for server in items nginx ${axum_url:+axum}; do
        measure "$server" "$n"
    done
done
write_curves
echo "connections: wrote $THROUGHPUT_JSON and $P99_JSON" >&2
