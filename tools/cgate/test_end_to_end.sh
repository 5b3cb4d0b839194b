#!/bin/sh
# ctest cgate.end_to_end: what a new user does, on an installed cgate.
#
#   test_end_to_end.sh SOURCE_DIR BUILD_DIR [PREFIX]
#
# On cgate installed in PREFIX (tests/install's, the fixture
# cgate_installed), or without one on an install of its own: a Release
# build of the libraries and tools in BUILD_DIR/cgate-e2e (kept between
# runs, so a rerun is incremental) installed into a temporary prefix.
# Then it runs `cgate new todo` in a temporary
# directory outside the tree, and in that project: `make test` (timed),
# `make package` (the zip passes the bootstrap checks; the other
# architecture is skipped with a message), then starts the app: /api/health
# answers 200, /openapi.json validates (openapi-spec-validator from
# build/venv), the CRUD resource round-trips over HTTP, and the bootstrap
# answers a payload 2.0 event through the emulator (cgate local invoke).
# Exit 77 (a skip) when the repository has no install rules yet.
set -eu
src=$1
build=$2
installed=${3:-}
JOBS=${JOBS:-2}
python=$src/build/venv/bin/python

if [ ! -f "$src/cmake/install.cmake" ] || [ ! -f "$src/cmake/cgateApp.cmake" ]; then
    echo "SKIP: no install rules (cmake/install.cmake, cmake/cgateApp.cmake): cgate cannot be installed yet"
    exit 77
fi
[ -x "$python" ] || { echo "SKIP: no $python (make test installs it)"; exit 77; }

tmp=$(mktemp -d /tmp/h-new-e2e.XXXXXX)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "==> $*"; }
seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- an installed cgate ------------------------------------------------------
# A Release build of cgate's libraries and tools, installed into PREFIX.
install_cgate() {
    b=$build/cgate-e2e
    step "build cgate for installation in $b"
    # The docs pages' npm packages: the test build's, so no npm runs here.
    if [ -d "$build/docs-ui/node_modules" ] && [ ! -d "$b/docs-ui" ]; then
        mkdir -p "$b" && cp -a "$build/docs-ui" "$b/"
    fi
    cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Release -DCG_TESTS=OFF -DCG_BUILD_EXAMPLES=OFF \
          -DCG_BUILD_BENCH=OFF -DCG_BUILD_TOOLS=ON >"$tmp/configure.log" 2>&1 ||
        { cat "$tmp/configure.log"; fail "configuring cgate"; }
    cmake --build "$b" -j "$JOBS" >"$tmp/build.log" 2>&1 || { tail -n 40 "$tmp/build.log"; fail "building cgate"; }
    step "install into $1"
    cmake --install "$b" --prefix "$1" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "installing cgate"; }
}

if [ -n "$installed" ]; then
    prefix=$installed
    [ -x "$prefix/bin/cgate" ] || fail "no cgate command in $prefix/bin (tests/install's install.setup failed?)"
    step "cgate installed in $prefix"
else
    prefix=$tmp/prefix
    install_cgate "$prefix"
fi
PATH=$prefix/bin:$PATH
export PATH
[ "$(command -v cgate)" = "$prefix/bin/cgate" ] || fail "cgate is not in $prefix/bin"

# ---- a new project, outside the tree ----------------------------------------
step "cgate new todo"
cd "$tmp"
cgate new todo >/dev/null
cd todo

step "make test"
t0=$(seconds)
make test JOBS="$JOBS" >"$tmp/make-test.log" 2>&1 || { tail -n 40 "$tmp/make-test.log"; fail "make test in the new project"; }
t1=$(seconds)
echo "make test (configure, build the app, its bootstrap and tests, run them): $(elapsed "$t0" "$t1") s"

step "make package"
make package >"$tmp/package.log" 2>&1 || { cat "$tmp/package.log"; fail "make package"; }
grep 'skipped' "$tmp/package.log" || true
zip=dist/todo-x86_64.zip
[ "$(uname -m)" = x86_64 ] || zip=dist/todo-arm64.zip
[ -f "$zip" ] || { cat "$tmp/package.log"; fail "no $zip"; }
"$python" -c 'import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); sys.exit(n != ["bootstrap"])' "$zip" ||
    fail "$zip does not hold bootstrap alone"
for z in dist/*.zip; do echo "zip: $z $(wc -c <"$z") bytes"; done

# ---- the app, served --------------------------------------------------------
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
step "build/todo serve on $base"
TODO_DB=:memory: build/todo serve --port "$port" --workers 2 >"$tmp/serve.log" 2>&1 &
server=$!
i=0
until curl -sf "$base/api/health" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$tmp/serve.log"; fail "the app did not answer /api/health"; }
    sleep 0.1
done

# status METHOD PATH [BODY]: the response's status; the body in $tmp/body.
status() {
    if [ $# -ge 3 ]; then
        curl -s -o "$tmp/body" -w '%{http_code}' -X "$1" -H 'content-type: application/json' --data-binary "$3" "$base$2"
    else
        curl -s -o "$tmp/body" -w '%{http_code}' -X "$1" "$base$2"
    fi
}
[ "$(status GET /api/health)" = 200 ] || fail "/api/health"
[ "$(status GET /openapi.json)" = 200 ] || fail "/openapi.json"
"$python" -c 'import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))' "$tmp/body" ||
    fail "/openapi.json does not validate"
[ "$(status GET /docs)" = 200 ] && [ "$(status GET /redoc)" = 200 ] || fail "/docs or /redoc"

[ "$(status POST /api/todo '{"name":"first","quantity":2}')" = 201 ] || fail "POST: $(cat "$tmp/body")"
grep -q '"id":1' "$tmp/body" || fail "POST answered $(cat "$tmp/body")"
[ "$(status PUT /api/todo/1 '{"name":"renamed"}')" = 200 ] || fail "PUT: $(cat "$tmp/body")"
[ "$(status GET /api/todo/1)" = 200 ] || fail "GET after PUT"
grep -q '"name":"renamed"' "$tmp/body" && grep -q '"quantity":1' "$tmp/body" || fail "GET answered $(cat "$tmp/body")"
[ "$(status GET '/api/todo?limit=10')" = 200 ] && grep -q '"renamed"' "$tmp/body" || fail "list: $(cat "$tmp/body")"
[ "$(status POST /api/todo '{"quantity":-1}')" = 422 ] || fail "an invalid body was not a 422"
[ "$(status DELETE /api/todo/1)" = 204 ] || fail "DELETE"
[ "$(status GET /api/todo/1)" = 404 ] || fail "GET after DELETE"

# ---- the bootstrap, through the emulator -------------------------------------
bootstrap=build/lambda/todo/x86_64/bootstrap
[ "$(uname -m)" = x86_64 ] || bootstrap=build/lambda/todo/arm64/bootstrap
step "cgate local invoke --event events/http-api.json -- $bootstrap"
TODO_DB=:memory: cgate local invoke --event events/http-api.json -- "$bootstrap" >"$tmp/invoke.json" 2>"$tmp/invoke.log" ||
    { cat "$tmp/invoke.log"; fail "the bootstrap did not answer the event"; }
"$python" -c '
import json, sys
r = json.load(open(sys.argv[1]))
body = json.loads(r["body"])
sys.exit(r["statusCode"] != 201 or body["name"] != "first" or body["quantity"] != 2)' "$tmp/invoke.json" ||
    fail "the v2 event's answer: $(cat "$tmp/invoke.json")"
echo "ok: cgate new todo: tests, package, serve, CRUD, OpenAPI, Lambda v2 event"
