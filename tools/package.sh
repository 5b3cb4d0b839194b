#!/bin/sh
# Package an app as Lambda function zips for provided.al2023, one per
# architecture: DIR/APP-ARCH.zip holding the executable `bootstrap` alone.
#
#   tools/package.sh [-o DIR] APP [ARCH...]      ARCH: x86_64, arm64 (default both)
#
# For each architecture: build the preset (`lambda` for this machine's,
# `lambda-arm64` cross-compiled from x86-64), check the binary
# (tools/check-bootstrap.sh: the ELF machine, glibc's libraries only, no
# symbol newer than GLIBC_2.34), check that an app that speaks TLS looks for
# Amazon Linux's CA bundle, write the zip reproducibly (fixed timestamp and
# attributes: the same binary always gives the same bytes), and refuse a zip
# over PACKAGE_BUDGET_KB (default 3072: the 3 MB goal). DIR defaults to dist/.
# SOURCE_DATE_EPOCH, when set, is the entries' timestamp (else 1980-01-01).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/dist
if [ "${1:-}" = -o ]; then
    out=${2:?-o needs a directory}
    shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [-o DIR] APP [x86_64|arm64]..." >&2; exit 2; }
app=$1
shift
[ $# -ge 1 ] || set -- x86_64 arm64
budget_kb=${PACKAGE_BUDGET_KB:-3072}
PYTHON=${PYTHON:-python3}

case $(uname -m) in
x86_64) host=x86_64 ;;
aarch64 | arm64) host=arm64 ;;
*) host=$(uname -m) ;;
esac

step() { echo "==> [$app $arch] $*"; }
die() { echo "package: $app $arch: $*" >&2; exit 1; }

# The preset that builds ARCH on this machine.
preset_for() {
    if [ "$1" = "$host" ]; then
        echo lambda
    elif [ "$1" = arm64 ] && [ "$host" = x86_64 ]; then
        echo lambda-arm64
    else
        die "cannot build $1 on a $host machine (x86_64 builds both, arm64 only its own)"
    fi
}

# An app that links OpenSSL's TLS must find certificates where Amazon Linux
# 2023 keeps them (src/aws/endpoint.c); OpenSSL's own default is Debian's
# /usr/lib/ssl, which AL2023 does not have. TLS_AES_256_GCM_SHA384 is a
# name only libssl carries.
check_certificates() {
    strings -a "$1" | grep -q '^TLS_AES_256_GCM_SHA384$' || { echo "no TLS in $app: no CA bundle needed"; return 0; }
    strings -a "$1" | grep -qx /etc/pki/tls/certs/ca-bundle.crt ||
        die "links TLS but does not look for /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux's CA bundle)"
    echo "ok   CA bundle: /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux 2023), SSL_CERT_FILE overrides"
}

# One entry, `bootstrap`, mode 0755, stored by a Unix host, deflated at level
# 9, with a fixed timestamp: nothing in the zip depends on when or where it
# was made. Written beside the target and renamed, so a failed run leaves no
# half-written zip.
write_zip() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import os, sys, time, zipfile
binary, target = sys.argv[1], sys.argv[2]
epoch = max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)
info = zipfile.ZipInfo("bootstrap", date_time=time.gmtime(epoch)[:6])
info.create_system = 3
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f:
    data = f.read()
with zipfile.ZipFile(target + ".tmp", "w") as z:
    z.writestr(info, data, compresslevel=9)
os.replace(target + ".tmp", target)
EOF
}

# What a binary over budget is made of: its biggest sections, and the docs
# pages' files it embeds (already gzip-compressed, so they stay as big in the
# zip).
explain_size() {
    echo "biggest sections of $1 (bytes):"
    readelf -S -W "$1" | sed -n 's/^ *\[ *[0-9]*\] \(\.[^ ]*\) *[A-Z_]* *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1 \2/p' |
        while read -r name size; do printf '  %-16s %10d\n' "$name" $((0x$size)); done | sort -k2 -n -r | head -n 6
    docs=$(find "$2" -name 'docs_assets_*.gz' -exec cat {} + 2>/dev/null | wc -c)
    echo "  embedded docs files: $docs bytes (CG_EMBED_DOCS=OFF leaves them out)"
    echo "docs/lambda.md#packaging lists what each library adds"
}

mkdir -p "$out"
for arch in "$@"; do
    case $arch in x86_64 | arm64) ;; *) die "unknown architecture (x86_64 or arm64)" ;; esac
    preset=$(preset_for "$arch")
    build=$root/build/$preset

    step "build: cmake --preset $preset, target $app"
    (cd "$root" && cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target "$app")
    bin=$build/bin/$app
    [ -x "$bin" ] || die "$bin was not built"

    step "check the binary for provided.al2023"
    "$root/tools/check-bootstrap.sh" --arch "$arch" "$bin"
    check_certificates "$bin"

    zip=$out/$app-$arch.zip
    step "zip: $zip"
    write_zip "$bin" "$zip"

    bin_bytes=$(wc -c <"$bin")
    zip_bytes=$(wc -c <"$zip")
    zip_kb=$(((zip_bytes + 1023) / 1024))
    step "size: bootstrap $bin_bytes bytes, zip $zip_bytes bytes ($zip_kb KB of a $budget_kb KB budget)"
    if [ "$zip_kb" -gt "$budget_kb" ]; then
        explain_size "$bin" "$build"
        rm -f "$zip"
        die "the zip is $zip_kb KB, over the budget of $budget_kb KB (PACKAGE_BUDGET_KB)"
    fi
    sha=$(sha256sum "$zip" | cut -d' ' -f1)
    echo "$zip  $zip_bytes bytes  sha256 $sha"
done
