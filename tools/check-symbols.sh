#!/bin/sh
# cgate's one prefix (docs/design, "Conventions"), checked on the static
# libraries a build makes: every global symbol they define is
#
#   cg_NAME    public: declared in include/cgate/*.h
#   cg__NAME   internal: shared by the files of a library, never a user's
#
# (what one file alone uses is static, and so never listed). llhttp is
# compiled into cgate with every function renamed cg__llhttp_*
# (cmake/deps.cmake), so that an app may link its own llhttp: its archive is
# held to the same rule.
# Prints each violation as LIBRARY(OBJECT): SYMBOL: RULE and exits 1 when
# there is one. ROOT holds include/cgate: the source tree, with a build's
# archives (ctest: check.symbols), or an install prefix, with PREFIX/lib/*.a.
# AddressSanitizer's symbols are told apart below; nothing else is exempt.
#
# usage: tools/check-symbols.sh ROOT ARCHIVE...
set -eu
root=$1
shift

# The names the public headers mention: a cg_ symbol must be one of them.
public=$(mktemp)
symbols=$(mktemp)
trap 'rm -f "$public" "$symbols"' EXIT
grep -ohw 'cg_[A-Za-z0-9_]*' "$root"/include/cgate/*.h | sort -u >"$public"

status=0
for archive in "$@"; do
    lib=$(basename "$archive")
    # nm -A: "ARCHIVE:OBJECT:VALUE TYPE NAME", one line per defined global.
    if ! nm -A -g --defined-only "$archive" >"$symbols"; then
        echo "$lib: cannot read its symbols"
        status=1
        continue
    fi
    awk '{ split($1, where, ":"); print where[2], $NF }' "$symbols" | {
        bad=0
        while read -r object name; do
            case $name in
            # AddressSanitizer's ODR indicator of each instrumented global
            # (-fsanitize=address, CG_SANITIZE): named after the global,
            # which is checked on its own line.
            __odr_asan.* | __odr_asan_gen_*) continue ;;
            cg__*) continue ;;
            cg_*)
                grep -qxF "$name" "$public" && continue
                rule="cg_ is the public prefix, and no public header declares it: make it cg__ or static"
                ;;
            *) rule="neither cg_ (public) nor cg__ (internal): rename it or make it static" ;;
            esac
            echo "$lib($object): $name: $rule"
            bad=1
        done
        exit $bad
    } || status=1
done
exit $status
