#!/bin/sh
# Install the Debian packages cgate needs for a goal (build, test, bench).
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

build="cmake ninja-build gcc pkg-config libuv1-dev libyajl-dev libsqlite3-dev node-llhttp libssl-dev zlib1g-dev libbrotli-dev"
# npm fetches the docs pages' files (docs-ui/); Debian's npm only when there is none.
command -v npm >/dev/null 2>&1 || build="$build npm"
test="$build libcriterion-dev curl python3 python3-venv openssl ca-certificates"
bench="$build wrk nginx-light procps"

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
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=""
for pkg in $want; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "cgate needs these Debian packages:$missing" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx-light would start a system nginx on port 80; the benchmark runs its own.
if echo "$missing" | grep -q nginx; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing
