#!/bin/sh
# `make soak`: the items server under steady load while slow clients hold
# sockets open. wrk -t2 -c256 reads /api/items/1 for SOAK_SECONDS while
# bench/soak/slow_clients.py keeps SOAK_SLOW connections sending a request
# head one byte every 2 s (the server's header timeout cuts them; they come
# back at once). Pass: wrk sees no error (non-2xx or socket), and items'
# resident memory at the end is within 5% of what it was once warm (after
# the first SOAK_WARM seconds). Figures in build/soak/summary.txt.
#   SOAK_SECONDS=300 SOAK_WARM=30 SOAK_SLOW=500 SOAK_CONNECTIONS=256
set -eu
cd "$(dirname "$0")/../.."

SECONDS_TOTAL=${SOAK_SECONDS:-300}
WARM=${SOAK_WARM:-30}
SLOW=${SOAK_SLOW:-500}
CONNECTIONS=${SOAK_CONNECTIONS:-256}
ITEMS=build/bin/items
OUT=build/soak

for tool in wrk python3; do
    command -v "$tool" >/dev/null || { echo "soak: $tool is missing (tools/deps.sh bench)" >&2; exit 1; }
done
[ -x "$ITEMS" ] || { echo "soak: $ITEMS is missing (make build)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
# 500 slow sockets plus wrk's: more than the usual 1024 descriptors.
ulimit -n 8192

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ITEMS_DB="$OUT/items.db" "$ITEMS" serve --port "$port" --quiet >"$OUT/items.log" 2>&1 &
items_pid=$!
trap 'kill $items_pid 2>/dev/null || true' EXIT INT TERM
url=http://127.0.0.1:$port
python3 - "$url" <<'PY'
import json, sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/api/health", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
body = json.dumps({"name": "soak", "price": 1.5}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/api/items", body, {"Content-Type": "application/json"}))
PY

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$items_pid/status"; }

python3 bench/soak/slow_clients.py 127.0.0.1 "$port" "$SLOW" "$SECONDS_TOTAL" >"$OUT/slow.txt" &
slow_pid=$!
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TOTAL}s" --latency "$url/api/items/1" >"$OUT/wrk.txt" &
wrk_pid=$!
sleep "$WARM"
warm_rss=$(rss_kb)
wait "$wrk_pid"
end_rss=$(rss_kb)
wait "$slow_pid"

requests=$(awk '/ requests in / { print $1 }' "$OUT/wrk.txt")
errors=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(",", ""); e += $4 + $6 + $8 + $10 } END { print e + 0 }' "$OUT/wrk.txt")
growth=$(awk -v a="$warm_rss" -v b="$end_rss" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
{
    echo "duration ${SECONDS_TOTAL}s, wrk -t2 -c$CONNECTIONS on /api/items/1, $SLOW slow connections"
    echo "requests $requests errors $errors"
    echo "rps $(awk '/^Requests\/sec:/ { print $2 }' "$OUT/wrk.txt") p99 $(awk '$1 == "99%" { print $2 }' "$OUT/wrk.txt")"
    echo "slow clients: $(cat "$OUT/slow.txt")"
    echo "items rss_kb warm $warm_rss end $end_rss growth ${growth}%"
} | tee "$OUT/summary.txt"
awk -v e="$errors" -v g="$growth" 'BEGIN { exit !(e == 0 && g <= 5 && g >= -5) }' ||
    { echo "soak: FAILED (errors or memory growth)" >&2; exit 1; }
echo "soak: passed"
