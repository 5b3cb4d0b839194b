#!/bin/sh
# Check that binaries can run as a Lambda `bootstrap` on provided.al2023:
# a 64-bit ELF executable for x86-64 or arm64 (or only the one --arch
# names), loaded by glibc's standard dynamic loader, needing no shared
# library but glibc's own, and no glibc symbol version newer than
# GLIBC_2.34 (the glibc of Amazon Linux 2023) nor any GLIBC_PRIVATE one.
# Exit 0 when every binary passes.
#
# glibc's own means libc.so.6; libm.so.6 when math functions are used
# (SQLite's and brotli's are: glibc's libm.a cannot be linked beside a shared
# libc); and on arm64 the loader, ld-linux-aarch64.so.1, which defines
# __stack_chk_guard. All three are files of AL2023's glibc package.
#
# Only readelf is used: it reads the ELF files of every architecture, so a
# cross-compiled arm64 bootstrap is checked on an x86-64 machine.
#
#   tools/check-bootstrap.sh [--arch x86_64|arm64] BINARY...
set -eu

MAX_GLIBC=2.34
arch=any
if [ "${1:-}" = --arch ]; then
    arch=${2:?--arch needs x86_64 or arm64}
    shift 2
fi
case $arch in
any | x86_64 | arm64) ;;
*) echo "$0: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "usage: $0 [--arch x86_64|arm64] BINARY..." >&2; exit 2; }

status=0
fail() { echo "FAIL $1: $2"; status=1; failed=1; }

# The architecture's name for --arch, its dynamic loader (PT_INTERP) and the
# shared libraries it may need, from readelf's Machine line.
describe_machine() {
    case "$1" in
    *X86-64*) echo "x86_64 /lib64/ld-linux-x86-64.so.2 libc.so.6 libm.so.6" ;;
    *AArch64*) echo "arm64 /lib/ld-linux-aarch64.so.1 libc.so.6 libm.so.6 ld-linux-aarch64.so.1" ;;
    esac
}

check() {
    bin=$1
    header=$(readelf -h "$bin" 2>/dev/null) || { fail "$bin" "not an ELF file"; return; }
    field() { printf '%s\n' "$header" | sed -n "s/^ *$1: *//p"; }
    machine=$(field Machine)
    set -- $(describe_machine "$machine")
    [ $# -gt 0 ] || { fail "$bin" "built for $machine, not x86-64 or arm64"; return; }
    name=$1 interp=$2
    shift 2
    allowed=" $* "
    [ "$arch" = any ] || [ "$arch" = "$name" ] || { fail "$bin" "built for $name ($machine), not $arch"; return; }
    case $(field Class) in ELF64) ;; *) fail "$bin" "not a 64-bit ELF file"; return ;; esac
    case $(field Type) in EXEC* | DYN*) ;; *) fail "$bin" "ELF type $(field Type) is not an executable"; return ;; esac

    actual_interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    [ "$actual_interp" = "$interp" ] || fail "$bin" "loader '${actual_interp:-none}', not glibc's $interp"

    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    for lib in $needed; do
        case $allowed in
        *" $lib "*) ;;
        *) fail "$bin" "needs $lib, which Lambda does not have" ;;
        esac
    done

    # Undefined dynamic symbols read name@GLIBC_2.17 (N).
    versions=$(readelf --dyn-syms -W "$bin" | grep -o '@GLIBC_[A-Z0-9_.]*' | sed 's/@GLIBC_//' | sort -uV)
    if printf '%s\n' "$versions" | grep -q PRIVATE; then
        fail "$bin" "uses GLIBC_PRIVATE symbols, which differ between glibc builds"
    fi
    newest=$(printf '%s\n' "$versions" | grep '^[0-9]' | tail -n 1)
    if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$MAX_GLIBC" | sort -V | tail -n 1)" != "$MAX_GLIBC" ]; then
        too_new=$(readelf --dyn-syms -W "$bin" | awk '{print $8}' | grep -E '@GLIBC_2\.(3[5-9]|[4-9][0-9])' | sort -u | tr '\n' ' ')
        fail "$bin" "uses symbols newer than GLIBC_$MAX_GLIBC: $too_new"
    fi
    [ $failed -ne 0 ] || echo "ok   $bin: $name; needs $(echo $needed | tr ' ' ','); newest GLIBC_${newest:-none}"
}

for bin in "$@"; do
    failed=0
    check "$bin"
done
exit $status
