#!/bin/sh
# ctest package.*: tools/package.sh on the mirror app (the quickest to
# build) for one architecture, twice into two directories. The two zips must
# be byte for byte the same and hold one entry, an executable `bootstrap`
# that passes the provided.al2023 checks and answers --help (natively, or
# under qemu-aarch64 when it is installed). Exit 77 (skipped) when the
# architecture's compiler or static archives are missing.
#
#   tests/integration/package_check.sh x86_64|arm64
set -eu

arch=${1:?usage: $0 x86_64|arm64}
root=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
unset SOURCE_DATE_EPOCH # the entries' date is then 1980-01-01, checked below

# The compiler that builds ARCH here, and what runs its binaries.
case $(uname -m)-$arch in
x86_64-x86_64 | aarch64-arm64) cc=gcc run="" ;;
x86_64-arm64) cc=aarch64-linux-gnu-gcc run=qemu-aarch64 ;;
*) echo "skipped: $arch is not built on a $(uname -m) machine"; exit 77 ;;
esac

# gcc -print-file-name echoes the bare name back when it finds no such file.
command -v "$cc" >/dev/null 2>&1 || { echo "skipped: no $cc (tools/deps.sh package)"; exit 77; }
for archive in libssl.a libcrypto.a libsqlite3.a libbrotlienc.a libz.a; do
    case $("$cc" -print-file-name=$archive) in
    /*) ;;
    *) echo "skipped: no $arch $archive (tools/deps.sh package)"; exit 77 ;;
    esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$root/tools/package.sh" -o "$tmp/a" mirror "$arch"
"$root/tools/package.sh" -o "$tmp/b" mirror "$arch"
cmp "$tmp/a/mirror-$arch.zip" "$tmp/b/mirror-$arch.zip"
echo "ok   two runs gave the same bytes"

# One entry, bootstrap, a regular file with mode 0755 from a Unix host,
# extracted with that mode as Lambda does.
"$PYTHON" - "$tmp/a/mirror-$arch.zip" "$tmp/bootstrap" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    entries = z.infolist()
    assert [e.filename for e in entries] == ["bootstrap"], [e.filename for e in entries]
    e = entries[0]
    assert e.external_attr >> 16 == 0o100755, oct(e.external_attr >> 16)
    assert e.create_system == 3, e.create_system
    assert e.date_time == (1980, 1, 1, 0, 0, 0), e.date_time
    with open(sys.argv[2], "wb") as out:
        out.write(z.read(e))
os.chmod(sys.argv[2], e.external_attr >> 16 & 0o777)
PY
"$root/tools/check-bootstrap.sh" --arch "$arch" "$tmp/bootstrap"

if [ -n "$run" ] && ! command -v "$run" >/dev/null 2>&1; then
    echo "not run: no $run (Debian's qemu-user) to run an $arch binary here"
    exit 0
fi
$run "$tmp/bootstrap" --help >"$tmp/help"
grep -q '^usage: ' "$tmp/help"
echo "ok   the unzipped bootstrap answers --help"
