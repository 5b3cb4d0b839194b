#!/bin/sh
# The Lambda benchmark's harness, checked (ctest bench.lambda_harness):
# runtime_bench serves the floor and the items bootstrap cold and warm and
# takes a response sent chunked, event_bench runs, and both refuse to time
# answers that are not 200; the growth curves' programs run.
#   check.sh BENCH_DIR ITEMS   (BENCH_DIR: runtime_bench, event_bench, floor,
#                               echo_size, routes_bench)
set -eu
dir=$1
items=$2
event=$(dirname "$0")/events/health-v2.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ITEMS_DB=:memory:

expect() { # expect PATTERN COMMAND...: it succeeds and prints a line matching PATTERN
    pattern=$1
    shift
    "$@" >"$tmp/out"
    grep -q "$pattern" "$tmp/out" || { echo "unexpected output of $*:" >&2; cat "$tmp/out" >&2; exit 1; }
}
refuse() { # refuse COMMAND...: it must fail
    if "$@" >/dev/null 2>&1; then
        echo "accepted what it should refuse: $*" >&2
        exit 1
    fi
}

expect '^cold runs 2 median_ms [0-9.]* failures 0$' "$dir/runtime_bench" cold "$event" 2 -- "$dir/floor"
expect '^cold runs 2 median_ms [0-9.]* failures 0$' "$dir/runtime_bench" cold "$event" 2 -- "$items"
expect '^warm invocations 200 .* vmhwm_kb [1-9][0-9]* failures 0 cpu_us [0-9.]*$' "$dir/runtime_bench" warm "$event" 200 30 -- "$items"
expect '^events 1000 median_us [0-9.]*$' "$dir/event_bench" "$event" 1100

# A response sent chunked, as aws-lambda-go sends every one.
cat >"$tmp/chunked" <<'EOF'
#!/bin/sh
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation
id=$(curl -sS -D - -o /dev/null "$api/next" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "lambda-runtime-aws-request-id" { print $2 }')
printf '{"statusCode":200,"body":"ok"}' |
    curl -sS -H 'Transfer-Encoding: chunked' --data-binary @- "$api/$id/response" >/dev/null
exec sleep 30
EOF
chmod +x "$tmp/chunked"
expect '^cold runs 1 median_ms [0-9.]* failures 0$' "$dir/runtime_bench" cold "$event" 1 -- "$tmp/chunked"

# No sample from a 404 answer, an invocation error or a bootstrap that dies.
sed 's#/api/health#/api/nowhere#g' "$event" >"$tmp/404.json"
echo '{"source": "aws.events"}' >"$tmp/not-http.json"
refuse "$dir/runtime_bench" cold "$tmp/404.json" 1 -- "$items"
refuse "$dir/runtime_bench" warm "$tmp/404.json" 10 30 -- "$items"
refuse "$dir/runtime_bench" cold "$tmp/not-http.json" 1 -- "$items"
refuse "$dir/runtime_bench" cold "$event" 1 -- /bin/false
refuse "$dir/event_bench" "$tmp/404.json" 110

# The growth curves' programs (bench/curves): echo_size answers the body's
# length, base64 or not; routes_bench runs both shapes and refuses bad counts.
sed -e 's#"GET"#"POST"#' -e 's#/api/health#/api/echo-size#g' \
    -e 's#"isBase64Encoded": false#"body": "aGVsbG8=", "isBase64Encoded": true#' "$event" >"$tmp/echo64.json"
sed -e 's#"isBase64Encoded": true#"isBase64Encoded": false#' -e 's#aGVsbG8=#[1,2]#' "$tmp/echo64.json" >"$tmp/echo.json"
expect 'bytes\\":5}' "$dir/echo_size" invoke "$tmp/echo64.json"
expect 'bytes\\":5}' "$dir/echo_size" invoke "$tmp/echo.json"
"$dir/routes_bench" static 30 2
"$dir/routes_bench" param 30 2
refuse "$dir/routes_bench" param 0 1
refuse "$dir/routes_bench" static 30 2x
echo ok
