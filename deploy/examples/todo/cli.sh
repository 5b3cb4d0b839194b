#!/bin/sh
# A table-less app (`todo`, as `cgate new todo` makes it) through deploy/cli:
#   AWS_REGION=eu-west-1 deploy/examples/todo/cli.sh deploy.sh|destroy.sh
set -eu
[ $# -ge 1 ] || { echo "usage: $0 deploy.sh|destroy.sh [FLAG VALUE]..." >&2; exit 2; }
script=$1
shift
exec sh "$(dirname "$0")/../../cli/$script" --app todo \
    --env 'TODO_GREETING=hello, world' --env TODO_MAX_ITEMS=100 "$@"
