#!/bin/sh
# The layering of docs/design (README.md, "Layout"), checked on #include
# lines. Each layer may include only what is below it:
#
#   apps and tools   examples/, tools/cgate-local      anything below
#   entry point      src/main/, src/testing/           transports, services, core
#                    (the test client runs requests as the transports do)
#   transports       src/server/, src/lambda/          services, core (core/transport.h)
#   services         src/aws/, src/auth/, src/middleware/, src/net/,   core, net
#                    src/sqlite/ (idempotency records)
#   core             src/core/                         nothing above it
#
# Above the core, its private headers are reached through core/transport.h
# (and core/json_scan.h, the JSON reader, and core/bytes16.h, its 16-byte
# blocks, which the HTTP reader shares); only the unit tests and fuzz
# targets of its pieces include more of them.
# and the repository stands alone: no yajl (the JSON reader is the core's
# json_scan) and no file outside it (../shared) named by a source or test.
# Prints each violation as FILE:LINE: RULE and exits 1 when there is one.
#
# usage: tools/check-layers.sh [ROOT]    (ctest: check.layers)
set -eu
cd "${1:-$(dirname "$0")/..}"

status=0

# violations RULE REGEX PATH...: the lines of the files under PATH (C
# sources and headers) whose #include matches REGEX, less those that match
# $ALLOWED when it is set.
violations() {
    rule=$1 regex=$2
    shift 2
    for path in "$@"; do
        [ -e "$path" ] || continue
        grep -rnE --include='*.c' --include='*.h' "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($regex)" "$path" |
            grep -vE "${ALLOWED:-^\$}" |
            while IFS=: read -r file line _; do
                echo "$file:$line: $rule"
            done
    done
}

report() {
    while read -r v; do
        [ -n "$v" ] || continue
        echo "$v"
        status=1
    done
}

report <<EOF
$(violations "the core includes a layer above it" '(\.\./)*(server|lambda|aws|auth|middleware|net|sqlite|main|testing)/' src/core)
$(violations "a service includes a transport or the entry point" '(server|lambda|main|testing)/' src/aws src/auth src/middleware src/net src/sqlite)
$(violations "the local server includes the Lambda transport or the entry point" '(lambda|main|testing)/' src/server)
$(violations "the Lambda transport includes the local server or the entry point" '(server|main|testing)/' src/lambda)
$(violations "the entry point and the test client include each other" 'testing/' src/main)
$(violations "the entry point and the test client include each other" 'main/' src/testing)
$(violations "the test client includes a test framework (any framework can use it)" 'criterion/' src/testing include)
$(ALLOWED='"core/(transport|json_scan|bytes16)\.h"' violations "a private header of the core above it (through core/transport.h)" 'core/' \
    src/server src/lambda src/main src/testing src/aws src/auth src/middleware src/net src/sqlite tools examples bench)
$(violations "yajl is not a dependency (the JSON reader is core/json_scan.h)" 'yajl/' src include tools tests fuzz examples bench)
EOF

# Names of files outside the repository: a clone has no ../shared. The
# pattern is split so that this script does not name it.
outside="\.\./shared""/research"
report <<EOF
$(grep -rnE "$outside" src include tools tests fuzz examples bench \
    --include='*.c' --include='*.h' --include='*.py' --include='*.sh' --include='*.cmake' \
    --include='CMakeLists.txt' --include='*.mjs' --include='*.js' --include='*.json' 2>/dev/null |
    while IFS=: read -r file line _; do echo "$file:$line: names a file of ../shared, outside the repository"; done)
EOF

exit $status
