#!/bin/sh
# Check that binaries can run as a Lambda `bootstrap` on provided.al2023:
# an ELF executable for x86-64 or arm64, needing no shared library but
# glibc's own, and no glibc symbol version newer than GLIBC_2.34 (the glibc
# of Amazon Linux 2023). Exit 0 when every binary passes.
#
# glibc's own means libc.so.6, plus libm.so.6 when the math functions are
# used (SQLite's are): a static libm cannot be linked beside a shared libc.
#
#   tools/check-bootstrap.sh build/lambda/bin/*
set -eu

MAX_GLIBC=2.34
ALLOWED="libc.so.6 libm.so.6"

[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
status=0
fail() { echo "FAIL $1: $2"; status=1; failed=1; }

for bin in "$@"; do
    failed=0
    header=$(readelf -h "$bin" 2>/dev/null) || { fail "$bin" "not an ELF file"; continue; }
    machine=$(printf '%s\n' "$header" | sed -n 's/^ *Machine: *//p')
    type=$(printf '%s\n' "$header" | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p')
    case "$machine" in
    *X86-64* | *AArch64*) ;;
    *) fail "$bin" "built for $machine, not x86-64 or arm64"; continue ;;
    esac
    [ "$type" = EXEC ] || [ "$type" = DYN ] || { fail "$bin" "ELF type $type is not an executable"; continue; }

    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    for lib in $needed; do
        case " $ALLOWED " in
        *" $lib "*) ;;
        *) fail "$bin" "needs $lib, which Lambda does not have" ;;
        esac
    done

    newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$MAX_GLIBC" | sort -V | tail -n 1)" != "$MAX_GLIBC" ]; then
        too_new=$(objdump -T "$bin" | grep -E 'GLIBC_2\.(3[5-9]|[4-9][0-9])' | awk '{print $NF}' | sort -u | tr '\n' ' ')
        fail "$bin" "uses symbols newer than GLIBC_$MAX_GLIBC: $too_new"
    fi
    [ $failed -ne 0 ] || echo "ok   $bin: $machine; needs $(echo $needed | tr ' ' ','); newest GLIBC_${newest:-none}"
done
exit $status
