#!/bin/sh
# Declarations the compiler must refuse (ctest compile_fail.declarations).
# Each bad_*.c holds one wrong declaration and names, in a line
# "expect: TEXT", what the compiler's message must contain; each ok_*.c must
# compile, so that a broken include path cannot pass for refusals.
#
#   tests/compile_fail/check.sh [CC]
set -u
cc=${1:-cc}
dir=$(cd "$(dirname "$0")" && pwd)
include=$dir/../../include
failed=0 checked=0

compile() {
    "$cc" -std=c11 -fsyntax-only -I"$include" "$1" 2>&1
}

for f in "$dir"/ok_*.c; do
    checked=$((checked + 1))
    if ! out=$(compile "$f"); then
        echo "FAIL $(basename "$f"): does not compile"
        echo "$out" | head -5
        failed=$((failed + 1))
    fi
done
for f in "$dir"/bad_*.c; do
    checked=$((checked + 1))
    expect=$(sed -n "s/.*expect: \(.*\)$/\1/p" "$f" | sed "s, \*/$,," | head -1)
    if out=$(compile "$f"); then
        echo "FAIL $(basename "$f"): compiles"
        failed=$((failed + 1))
    elif [ -z "$expect" ] || ! printf '%s' "$out" | grep -qF -- "$expect"; then
        echo "FAIL $(basename "$f"): refused, but without \"$expect\""
        echo "$out" | head -5
        failed=$((failed + 1))
    fi
done
echo "$((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
