#!/bin/sh
# `make bench`'s growth curves: how cost grows with the work, each curve with
# cgate and at least one peer on the same axes, drawn as PNGs into
# bench/plots/ and written as the "Growth curves" section of BENCHMARKS.md
# with each series' fitted slope (bench/curves/plot.py). Runs after the
# server and Lambda sections (bench/run.sh), or alone once `make bench` has
# built everything. About 10 minutes:
#   event_size.py   instructions per Lambda invocation against the body's size
#   routes.py       instructions per request against the number of routes
#   connections.sh  server requests/s and p99 against concurrent connections
#   table_size.py   list latency against the table's size, SQLite and DynamoDB
# Each script's header says what it measures and how; their raw output goes
# to $BENCH_OUT/curves/.
set -eu
cd "$(dirname "$0")/../.."
. bench/sections.sh

OUT=${BENCH_OUT:-build/bench}/curves
PYTHON=build/venv/bin/python
PLOTS=bench/plots
rm -rf "$OUT"
mkdir -p "$OUT" "$PLOTS"

echo "curves: cost per invocation against the event's size"
"$PYTHON" bench/curves/event_size.py "$OUT/event-size.json"
echo "curves: routing cost against the number of routes"
"$PYTHON" bench/curves/routes.py "$OUT/routes.json"
echo "curves: server throughput and p99 against connections"
bench/curves/connections.sh "$OUT/connections-throughput.json" "$OUT/connections-p99.json"
echo "curves: list latency against the table's size"
"$PYTHON" bench/curves/table_size.py "$OUT/table-size-median.json" "$OUT/table-size-p99.json"

{
    echo "## Growth curves"
    echo
    echo "How the cost of one request grows with the work it is given, cgate beside its peers on the"
    echo "same axes; each series' slope is a least-squares fit (bench/curves/plot.py: a straight line"
    echo "in the curve's unit, or the exponent k of y = c·x^k where the axes span decades)."
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine as above."
    echo
    "$PYTHON" bench/curves/plot.py "$PLOTS" "$OUT/event-size.json" "$OUT/routes.json" \
        "$OUT/connections-throughput.json" "$OUT/connections-p99.json" \
        "$OUT/table-size-median.json" "$OUT/table-size-p99.json"
    echo "Command: \`make bench\` (this section alone, once built: \`bench/curves/run.sh\`). Raw output: $OUT/."
} >"$OUT/section.md"
replace_section '## Growth curves' "$OUT/section.md"
echo "wrote the Growth curves section of BENCHMARKS.md"
