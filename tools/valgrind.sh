#!/bin/sh
# `make valgrind`: the unit tests and a short integration run (items serve,
# items invoke, mirror serve) under valgrind's memcheck, on a build without
# the sanitizers (ASan and valgrind do not mix): build/valgrind.
#
# Any memory error or definite leak fails the run. Criterion runs each test
# in a child process of its own, hence --trace-children.
#
#   tools/valgrind.sh [--apps-only] [BUILD_DIR]
set -eu

cd "$(dirname "$0")/.."
UNIT=1
if [ "${1:-}" = --apps-only ]; then
    UNIT=0
    shift
fi
BUILD=${1:-build/valgrind}
JOBS=$(nproc)
LOG_DIR=$BUILD/valgrind-logs
VALGRIND="valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"

UNIT_TESTS=$(ls tests/unit/test_*.c | sed 's|.*/||; s|\.c$||')
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCG_SANITIZE=OFF -DCG_TESTS=ON >/dev/null
cmake --build "$BUILD" --target items mirror $UNIT_TESTS >/dev/null
rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"
failed=0
report() { # NAME EXIT_CODE: keep going, but remember
    if [ "$2" -ne 0 ]; then
        echo "FAIL $1 (exit $2): $LOG_DIR/$1.log"
        failed=1
    else
        echo "ok   $1"
    fi
}

# ---- unit tests, $JOBS binaries at a time ----
[ $UNIT -eq 1 ] || UNIT_TESTS=""
# Criterion ignores how a test's child process exits, so valgrind's verdict
# is read from its logs (-q: they hold nothing but errors), one per process.
export VALGRIND LOG_DIR
[ -z "$UNIT_TESTS" ] || echo "$UNIT_TESTS" | xargs -P "$JOBS" -I{} sh -c \
    '$VALGRIND --log-file=$LOG_DIR/{}.%p.vg '"$BUILD"'/tests/{} --jobs 1 >$LOG_DIR/{}.log 2>&1; echo $? >$LOG_DIR/{}.rc'
for name in $UNIT_TESTS; do
    code=$(cat "$LOG_DIR/$name.rc")
    if cat "$LOG_DIR/$name".*.vg | grep -q .; then
        cat "$LOG_DIR/$name".*.vg >>"$LOG_DIR/$name.log"
        code=99
    fi
    report "$name" "$code"
done

# ---- the apps ----
BIN=$BUILD/bin

# serve APP LOGNAME [ENV...]: start APP under valgrind on a free port; sets PID and URL.
serve() {
    app=$1 log=$LOG_DIR/$2.log
    shift 2
    env "$@" $VALGRIND "$BIN/$app" serve --port 0 --workers 2 >"$log" 2>&1 &
    PID=$!
    i=0
    until URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log") && [ -n "$URL" ]; do
        i=$((i + 1))
        if [ $i -gt 300 ] || ! kill -0 $PID 2>/dev/null; then
            echo "FAIL $app did not start: $log"
            kill $PID 2>/dev/null || true
            return 1
        fi
        sleep 0.1
    done
}

# stop LOGNAME: SIGTERM, wait, report valgrind's verdict.
stop() {
    kill -TERM $PID
    code=0
    wait $PID || code=$?
    report "$1" $code
}

# C ARGS...: one request; a failed one fails the run, but the run goes on
# so that the server is still stopped and judged.
C() {
    curl -sS --max-time 20 -o /dev/null "$@" || { echo "FAIL curl $*"; failed=1; }
}
PID=
DB=$(mktemp -d)
trap 'rm -rf "$DB"; [ -z "$PID" ] || kill $PID 2>/dev/null || true' EXIT

serve items items-serve ITEMS_DB="$DB/items.db"
for n in 1 2 3; do
    C -X POST -H 'content-type: application/json' -d "{\"name\":\"n$n\",\"price\":$n}" "$URL/api/items"
done
C "$URL/api/items"; C "$URL/api/items/2"; C "$URL/api/items?limit=0"; C "$URL/docs"; C "$URL/openapi.json"
C -X PUT -H 'content-type: application/json' -d '{"name":"x","price":1}' "$URL/api/items/1"
C -X DELETE "$URL/api/items/3"
C -X POST -H 'content-type: application/json' -d '[[[[[[[[' "$URL/api/items"
C -H 'accept-encoding: gzip' "$URL/docs/static/swagger-ui.css"
C --request-target '/a b' "$URL/"  # 400s: the error path too
C -H 'transfer-encoding: chunked' -H 'content-length: 5' -d 'x' "$URL/api/items"
stop items-serve

serve mirror mirror-serve
C "$URL/anything?a=1&a=2"; C "$URL/bytes/100000"; C "$URL/stream/3?delay_ms=10"; C "$URL/cookies/set?a=1%0d%0a"
C -H 'transfer-encoding: chunked' --data-binary 'chunked body' "$URL/anything"
C -H 'accept-encoding: br' "$URL/bytes/5000"
stop mirror-serve

# The last event is refused (exit 1): only valgrind's 99 is a failure.
invoke_code=0
for event in '{"version":"2.0","rawPath":"/api/items","rawQueryString":"","requestContext":{"http":{"method":"POST","path":"/api/items"},"stage":"$default"},"headers":{"content-type":"application/json"},"body":"{\\"name\\":\\"a\\",\\"price\\":1}","isBase64Encoded":false}' \
             '{"httpMethod":"GET","path":"/api/health","requestContext":{"stage":"prod"},"multiValueHeaders":{"Host":["x"]}}' \
             '[1,2]'; do
    code=0
    printf '%s' "$event" | ITEMS_DB=:memory: $VALGRIND "$BIN/items" invoke - >>"$LOG_DIR/items-invoke.log" 2>&1 || code=$?
    [ $code -ne 99 ] || invoke_code=99
done
report items-invoke $invoke_code

[ $failed -eq 0 ] && echo "valgrind: no errors, no definite leaks"
exit $failed
