#!/bin/sh
# Install the Debian packages cgate needs for a goal (build, test, bench,
# package, fuzz). As root it runs apt-get; otherwise it prints the exact commands
# and fails.
set -eu

build="cmake ninja-build gcc pkg-config libuv1-dev libsqlite3-dev node-llhttp libssl-dev zlib1g-dev libbrotli-dev"
# npm fetches the docs pages' files (docs-ui/); Debian's npm only when there is none.
command -v npm >/dev/null 2>&1 || build="$build npm"
# clang with libFuzzer for the fuzz targets (fuzz/); `make test` runs them briefly.
fuzz="$build clang libclang-rt-14-dev"
test="$build libcriterion-dev curl python3 python3-venv openssl ca-certificates clang libclang-rt-14-dev"
# strace and glibc's debug symbols: bench/lambda/coldstart.py's system calls and parts.
bench="$build wrk nginx-light procps valgrind strace libc6-dbg"
# `make package` zips x86_64 and arm64 bootstraps: on an amd64 machine the
# arm64 ones are cross-compiled against Debian's arm64 -dev packages,
# installed beside the amd64 ones (multiarch: same versions).
package="$build python3"
cross=""
if [ "$(dpkg --print-architecture)" = amd64 ]; then
    cross="arm64"
    package="$package gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu"
    for pkg in libuv1-dev libsqlite3-dev libssl-dev zlib1g-dev libbrotli-dev; do
        package="$package $pkg:arm64"
    done
fi

# The browser test's Chromium, apart: when it cannot be installed, that test
# says it is skipped and the rest still runs.
if [ "${1:-build}" = test ] && [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } ||
            echo "warning: chromium could not be installed; the browser test will be skipped" >&2
    else
        echo "warning: no chromium (sudo apt-get install chromium); the browser test will be skipped" >&2
    fi
fi

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
package) want=$package ;;
*) echo "usage: $0 build|test|bench|package|fuzz" >&2; exit 2 ;;
esac

missing=""
for pkg in $want; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

# The :arm64 packages need dpkg to know the architecture first.
add_arch=""
if [ "${1:-build}" = package ] && [ -n "$cross" ] && ! dpkg --print-foreign-architectures | grep -qx "$cross"; then
    add_arch=$cross
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "cgate needs these Debian packages:$missing" >&2
    [ -z "$add_arch" ] || echo "run: sudo dpkg --add-architecture $add_arch && sudo apt-get update" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
[ -z "$add_arch" ] || dpkg --add-architecture "$add_arch"
apt-get update -qq
# nginx-light would start a system nginx on port 80; the benchmark runs its own.
if echo "$missing" | grep -q nginx; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing
