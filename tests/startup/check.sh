#!/bin/sh
# usage: check.sh APP: each bad set-up makes every command of APP exit 1
# with a line naming the cause; a good one serves `openapi`.
set -u
app=$1
status=0

expect_refusal() { # BAD COMMAND MESSAGE
    out=$(BAD=$1 timeout 10 "$app" $2 2>&1 </dev/null)
    rc=$?
    if [ $rc -ne 1 ] || ! printf '%s\n' "$out" | grep -qF -- "$3"; then
        printf 'BAD=%s %s: exit %s, want 1 and "%s"; output:\n%s\n' "$1" "$2" "$rc" "$3" "$out"
        status=1
    fi
}

for command in "serve --port 0" "invoke /dev/null" openapi; do
    expect_refusal route "$command" 'route /items/{id: '
    expect_refusal cors "$command" 'CORS max_age: -5 is negative'
    expect_refusal compression "$command" 'gzip_level 12 is not between 1 and 9'
done
expect_refusal route "serve --port 0" 'start-up failed: route /items/{id'

if ! BAD= "$app" openapi >/dev/null 2>&1; then
    echo "a good set-up: openapi failed"
    status=1
fi
exit $status
