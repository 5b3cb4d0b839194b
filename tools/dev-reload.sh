#!/bin/sh
# `make dev`: build, run the app, and rebuild + restart it whenever a source
# file changes (polled once a second, so no extra package is needed).
set -u
app=${1:-items}
shift 2>/dev/null || true
stamp=build/.dev-reload-stamp
pid=""

stop_app() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    pid=""
}
trap 'stop_app; exit 0' INT TERM

mkdir -p build
while :; do
    touch "$stamp"
    if cmake --preset release >/dev/null && cmake --build --preset release; then
        "build/bin/$app" serve "$@" &
        pid=$!
    else
        echo "dev-reload: build failed; waiting for a change" >&2
    fi
    while [ -z "$(find src include examples CMakeLists.txt -newer "$stamp" -type f 2>/dev/null | head -n 1)" ]; do
        sleep 1
    done
    echo "dev-reload: change detected, rebuilding" >&2
    stop_app
done
