#!/bin/sh
# The installed cgate, as a project outside the tree uses it (docs/install.md).
# One step per ctest test (tests/install/tests.cmake):
#
#   check.sh install SRC WORK        configure, build and install cgate from SRC, a plain
#                                    Release build of its own, with DESTDIR=WORK/root and
#                                    prefix /usr/local (the ctest fixture of the others)
#   check.sh pkg-config SRC WORK     tests/install/app.c built with `pkg-config --cflags --libs
#                                    cgate`: GET /api/health answers 200, the docs pages' files
#                                    are embedded, `APP openapi` prints the document; app_aws.c
#                                    with cgate-aws and cgate-auth, app_sqlite.c with cgate-sqlite
#   check.sh cmake-package SRC WORK  tests/install/consumer (find_package, cgate_add_app): the
#                                    local binary, and the x86-64 bootstrap passes the installed
#                                    check-bootstrap.sh and answers an HTTP API event; the arm64
#                                    bootstrap passes it too when the arm64 flavour is installed
#   check.sh subdirectory SRC WORK   tests/install/subdirectory, cgate added with add_subdirectory
#                                    to a project configured with CG_LAMBDA=ON (issue 14's
#                                    "relocation R_X86_64_32 ... PIE" link): the libraries alone,
#                                    and the app a checked, non-PIE bootstrap
#   check.sh symbols SRC WORK        nm of the installed archives: every global symbol is cg_
#                                    (declared by an installed header) or cg__ (check-symbols.sh)
#   check.sh headers INCLUDE_DIR     every header of INCLUDE_DIR/cgate in one C++ and one C11
#                                    translation unit, warnings as errors
set -eu

step=${1:?usage: check.sh install|pkg-config|cmake-package SRC WORK, or headers INCLUDE_DIR}
fail() { echo "FAIL: $*" >&2; exit 1; }

# headers INCLUDE_DIR: g++ and cc, each on a file that includes them all.
if [ "$step" = headers ]; then
    include=${2:?headers needs the include directory}
    tu=$(mktemp -d)
    trap 'rm -rf "$tu"' EXIT
    for h in "$include"/cgate/*.h; do echo "#include <cgate/$(basename "$h")>"; done >"$tu/all.h"
    printf '#include "all.h"\nint main(void) { return cg_version() == 0; }\n' >"$tu/all.c"
    printf '#include "all.h"\nint main() { return cg_version() == nullptr; }\n' >"$tu/all.cpp"
    ${CXX:-g++} -std=c++11 -Wall -Wextra -Werror -fsyntax-only -I"$include" "$tu/all.cpp" ||
        fail "the public headers do not compile as C++"
    ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$include" "$tu/all.c" ||
        fail "the public headers do not compile as C11"
    echo "ok   $(wc -l <"$tu/all.h") headers compile as C++11 and C11"
    exit 0
fi

src=${2:?} work=${3:?}
root=$work/root
prefix=$root/usr/local

case $step in
install)
    rm -rf "$root"
    # A build of its own: the dev build has the sanitizers, which would
    # follow the libraries into every program that links them.
    cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr/local \
        -DCG_TESTS=OFF -DCG_BUILD_EXAMPLES=OFF -DCG_BUILD_BENCH=OFF >/dev/null
    cmake --build "$work/build" -j 2
    DESTDIR=$root cmake --install "$work/build" >/dev/null
    # DESTDIR honoured: nothing outside the staged prefix.
    stray=$(find "$root" -mindepth 1 -maxdepth 2 ! -path "$root/usr" ! -path "$root/usr/local")
    [ -z "$stray" ] || fail "installed outside the prefix: $stray"
    [ -f "$prefix/include/cgate/cgate.h" ] || fail "no headers in $prefix/include/cgate"
    echo "ok   installed into $prefix (DESTDIR=$root)"
    ;;

pkg-config)
    # The host's cgate.pc, not the arm64 flavour's (lib/cgate/arm64).
    PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -path "$prefix/lib/cgate" -prune -o -name cgate.pc -print)")
    export PKG_CONFIG_PATH
    flags=$(pkg-config --cflags --libs cgate)
    case $flags in *ssl* | *crypto* | *sqlite*) fail "a server-only app links more than it needs: $flags" ;; esac
    app=$work/hello-pkg-config
    # shellcheck disable=SC2086 # the flags are words
    ${CC:-cc} -o "$app" "$src/tests/install/app.c" $flags
    "$app" openapi | grep -q '"openapi":"3\.1' || fail "$app openapi printed no OpenAPI 3.1 document"
    # cgate-aws and cgate-auth bring OpenSSL.
    # shellcheck disable=SC2046
    ${CC:-cc} -o "$app-aws" "$src/tests/install/app_aws.c" $(pkg-config --cflags --libs cgate-aws cgate-auth)
    "$app-aws" openapi | grep -q '"openapi":"3\.1' || fail "$app-aws openapi printed no OpenAPI 3.1 document"
    # cgate-sqlite brings SQLite.
    # shellcheck disable=SC2046
    ${CC:-cc} -o "$app-sqlite" "$src/tests/install/app_sqlite.c" $(pkg-config --cflags --libs cgate-sqlite)
    "$app-sqlite" openapi | grep -q '"openapi":"3\.1' || fail "$app-sqlite openapi printed no OpenAPI 3.1 document"

    log=$work/hello-pkg-config.log
    "$app" serve --port 0 --workers 1 >"$log" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true' EXIT
    port=""
    for _ in $(seq 50); do
        port=$(sed -n 's,.*listening on http://127\.0\.0\.1:\([0-9]*\).*,\1,p' "$log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || fail "the app did not start: $(cat "$log")"
    body=$(curl -fsS "http://127.0.0.1:$port/api/health") || fail "GET /api/health failed"
    [ "$body" = '{"status":"healthy"}' ] || fail "GET /api/health answered $body"
    # Swagger UI and ReDoc come from the installed library (no npm here):
    # the page's script is served by the app, not a CDN.
    script=$(curl -fsS "http://127.0.0.1:$port/redoc" | sed -n 's/.*<script src="\(\/[^"]*redoc[^"]*\)".*/\1/p')
    [ -n "$script" ] || fail "/redoc does not load ReDoc from the app (not embedded?)"
    curl -fsS -o /dev/null "http://127.0.0.1:$port$script" || fail "GET $script failed"
    echo "ok   pkg-config build: GET /api/health 200, ReDoc embedded, openapi printed"
    ;;

cmake-package)
    build=$work/consumer
    rm -rf "$build"
    cmake -S "$src/tests/install/consumer" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
    cmake --build "$build" -j 2
    for app in hello hello_aws hello_sqlite; do
        "$build/$app" openapi | grep -q '"openapi":"3\.1' || fail "$app openapi printed no document"
    done
    case $(uname -m) in x86_64) ;; *) echo "ok   local binary (no x86-64 bootstrap on $(uname -m))"; exit 0 ;; esac

    for app in hello hello_aws hello_sqlite; do
        bootstrap=$build/lambda/$app/x86_64/bootstrap
        sh "$prefix/share/cgate/tools/check-bootstrap.sh" --arch x86_64 "$bootstrap"
        # Linked -no-pie (ELF type EXEC): no relocation pass at a cold start.
        readelf -h "$bootstrap" | grep -q 'Type: *EXEC' || fail "$bootstrap is position-independent"
    done
    event='{"version":"2.0","routeKey":"$default","rawPath":"/api/health","rawQueryString":"",
"headers":{"host":"localhost"},"requestContext":{"accountId":"123456789012","apiId":"api",
"domainName":"localhost","http":{"method":"GET","path":"/api/health","protocol":"HTTP/1.1",
"sourceIp":"127.0.0.1","userAgent":"test"},"requestId":"1","routeKey":"$default","stage":"$default",
"time":"07/Dec/2026:15:00:00 +0000","timeEpoch":0},"isBase64Encoded":false}'
    for app in hello hello_aws hello_sqlite; do
        out=$(printf '%s' "$event" | "$build/lambda/$app/x86_64/bootstrap" invoke -)
        case $out in *'"statusCode":200'*healthy*) ;; *) fail "$app's bootstrap answered $out" ;; esac
    done
    arm64=""
    if [ -d "$prefix/lib/cgate/arm64" ]; then
        for app in hello hello_aws; do
            sh "$prefix/share/cgate/tools/check-bootstrap.sh" --arch arm64 "$build/lambda/$app/arm64/bootstrap"
        done
        arm64=", arm64 bootstraps checked"
    fi
    echo "ok   find_package(cgate): local binary, x86_64 bootstraps checked, an HTTP API event answered$arm64"
    ;;

subdirectory)
    build=$work/subdirectory
    rm -rf "$build"
    cmake -S "$src/tests/install/subdirectory" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCG_LAMBDA=ON -DCGATE_SOURCE_DIR="$src" >/dev/null
    cmake --build "$build" -j 2
    readelf -h "$build/hello" | grep -q 'Type: *EXEC' || fail "$build/hello is position-independent"
    echo "ok   add_subdirectory(cgate) with CG_LAMBDA=ON: hello links as a checked bootstrap"
    ;;

symbols)
    sh "$src/tools/check-symbols.sh" "$prefix" "$prefix"/lib/libcgate_*.a
    echo "ok   the installed archives define cg_ and cg__ symbols alone"
    ;;

*) fail "unknown step $step" ;;
esac
