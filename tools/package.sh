#!/bin/sh
# Package an app as Lambda function zips for provided.al2023, one per
# architecture: DIR/NAME-ARCH.zip holding the executable `bootstrap` alone.
#
#   tools/package.sh [-o DIR] APP [ARCH...]
#       APP is a target of this repository, built here: ARCH x86_64, arm64
#       (default both), each with its preset (`lambda` for this machine's,
#       `lambda-arm64` cross-compiled from x86-64).
#   tools/package.sh [-o DIR] --name NAME --binary PATH [--binary PATH]
#       an app built elsewhere (its own build, e.g. cgate_add_app): each PATH
#       is a bootstrap already built for Lambda; its architecture is read from
#       its ELF header. Nothing is built.
#
# For each architecture: check the binary (tools/check-bootstrap.sh, found
# beside this script: the ELF machine, glibc's libraries only, no symbol
# newer than GLIBC_2.34), check that an app that speaks TLS looks for
# Amazon Linux's CA bundle, write the zip reproducibly (fixed timestamp and
# attributes: the same binary always gives the same bytes), and refuse a zip
# over PACKAGE_BUDGET_KB (default 3072: the 3 MB goal). DIR defaults to dist/
# (of this repository for APP, of the working directory for --name).
# SOURCE_DATE_EPOCH, when set, is the entries' timestamp (else 1980-01-01).
set -eu

tools=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$tools/.." && pwd)
usage() {
    echo "usage: $0 [-o DIR] APP [x86_64|arm64]..." >&2
    echo "       $0 [-o DIR] --name NAME --binary PATH [--binary PATH]" >&2
    exit 2
}
out=
app=
binaries= # the --binary paths, one a line
while [ $# -gt 0 ]; do
    case $1 in
    -o) out=${2:?-o needs a directory}; shift 2 ;;
    --name) app=${2:?--name needs a name}; shift 2 ;;
    --binary) binaries="$binaries${2:?--binary needs a path}
"; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
if [ -n "$binaries" ]; then
    # An out-of-tree app: the name is the zips' prefix, and no ARCH is given
    # (each binary says its own).
    [ -n "$app" ] && [ $# -eq 0 ] || usage
    case $app in
    *[!A-Za-z0-9_.-]* | .*) echo "$0: --name '$app': letters, digits, '.', '_' and '-' only" >&2; exit 2 ;;
    esac
    out=${out:-dist}
else
    [ -z "$app" ] && [ $# -ge 1 ] || usage
    app=$1
    shift
    [ $# -ge 1 ] || set -- x86_64 arm64
    out=${out:-$root/dist}
fi
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
    if [ -n "$2" ]; then
        docs=$(find "$2" -name 'docs_assets_*.gz' -exec cat {} + 2>/dev/null | wc -c)
        echo "  embedded docs files: $docs bytes (CG_EMBED_DOCS=OFF leaves them out)"
    fi
    echo "docs/lambda.md#packaging lists what each library adds"
}

# The architecture an ELF binary is for, as Lambda names it (empty if neither).
elf_arch() {
    case $(readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p') in
    *X86-64*) echo x86_64 ;;
    *AArch64*) echo arm64 ;;
    esac
}

# Check, zip and size-check one bootstrap: BINARY ARCH [BUILD_DIR].
package_binary() {
    bin=$1 arch=$2 build=${3:-}
    step "check the binary for provided.al2023"
    "$tools/check-bootstrap.sh" --arch "$arch" "$bin"
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
}

mkdir -p "$out"

if [ -n "$binaries" ]; then
    # One zip per binary; two binaries for the same architecture would
    # overwrite each other's zip.
    done_archs=
    # The paths become the arguments, split on newlines only, never globbed.
    set -f
    IFS='
'
    set -- $binaries
    unset IFS
    set +f
    for bin in "$@"; do
        arch=?
        [ -f "$bin" ] || die "--binary $bin: no such file"
        arch=$(elf_arch "$bin")
        [ -n "$arch" ] || die "--binary $bin: not an x86-64 or arm64 ELF binary"
        case " $done_archs " in *" $arch "*) die "two --binary for $arch" ;; esac
        done_archs="$done_archs $arch"
        package_binary "$bin" "$arch"
    done
    exit 0
fi

for arch in "$@"; do
    case $arch in x86_64 | arm64) ;; *) die "unknown architecture (x86_64 or arm64)" ;; esac
    preset=$(preset_for "$arch")
    build=$root/build/$preset

    step "build: cmake --preset $preset, target $app"
    (cd "$root" && cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target "$app")
    bin=$build/bin/$app
    [ -x "$bin" ] || die "$bin was not built"
    package_binary "$bin" "$arch" "$build"
done
