#!/bin/sh
# ctest cgate.command: the cgate command's help, version and `cgate new`'s
# rules (the name, the directory, what it writes), uninstalled
# (CGATE_DATADIR names the template).
#
#   test_command.sh CGATE VERSION
set -eu
cgate=$1
version=$2
tmp=$(mktemp -d /tmp/h-new-command.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_fail MESSAGE-PART COMMAND...: the command fails and says MESSAGE-PART.
expect_fail() {
    part=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then fail "succeeded: $*"; fi
    grep -q -- "$part" "$tmp/out" || fail "'$*' did not say '$part': $(cat "$tmp/out")"
}

[ "$("$cgate" --version)" = "cgate $version" ] || fail "--version"
"$cgate" --help | grep -q '^usage: cgate COMMAND' || fail "--help"
for command in new local package dev; do
    "$cgate" "$command" --help | grep -q "^usage: cgate $command" || fail "$command --help"
done
expect_fail "unknown command 'frob'" "$cgate" frob
# package runs cgate's packaging tool, which checks what it is given.
expect_fail "no such file" "$cgate" package --name todo --binary "$tmp/none"

cd "$tmp"
for bad in Todo 1todo todo- to--do todo_api 'to do' cg cg-app "" abcdefghijklmnopqrstuvwxyz0123456; do
    expect_fail "invalid project name" "$cgate" new "$bad"
done
mkdir full && touch full/x
expect_fail "full exists and is not empty" "$cgate" new todo full
touch file
expect_fail "file exists and is not a directory" "$cgate" new todo file
expect_fail "expects NAME" "$cgate" new

mkdir empty
"$cgate" new shop-api empty >/dev/null
"$cgate" new todo >/dev/null
for project in empty todo; do
    [ -f "$project/CMakeLists.txt" ] && [ -f "$project/Makefile" ] && [ -f "$project/README.md" ] ||
        fail "$project: the build files are missing"
done
[ -f empty/src/shop_api.h ] && [ -f empty/tests/test_shop_api.c ] || fail "shop-api: sources not named after it"
# The deployment kit (deploy/sam/template.yaml, deploy/terraform/*.tf) is
# cgate's, copied as it is and checked by tests/deploy; the rest is the template's.
kit="--exclude=template.yaml --exclude=*.tf --exclude=*.tf.json"
# shellcheck disable=SC2086
! grep -rIl $kit 'APP_\(NAME\|IDENT\|UPPER\|TITLE\|CAMEL\)\|CGATE_VERSION' empty todo || fail "placeholders left"
# shellcheck disable=SC2086
! grep -rIil $kit 'items' empty todo || fail "'items' left in a new project"
[ -f todo/deploy/sam/template.yaml ] && [ -f todo/deploy/terraform/main.tf ] &&
    [ -f todo/deploy/terraform/gateway_routes.tf.json ] || fail "the deployment kit is missing"
for door in rest http-api function-url alb lattice; do
    [ -f "todo/events/$door.json" ] || fail "no sample event for $door"
done
echo "ok: cgate command"
