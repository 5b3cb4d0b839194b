#!/bin/sh
# items, the reference app, through deploy/cli (docs/deploy.md):
#   AWS_REGION=eu-west-1 deploy/examples/items/cli.sh deploy.sh [--env ITEMS_API_TOKEN=<token>]
#   AWS_REGION=eu-west-1 deploy/examples/items/cli.sh destroy.sh      (DELETE_TABLES=1: the table too)
# pk "item" + id: the items; pk "counter", id 0: the last id given out (docs/aws.md).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 deploy.sh|destroy.sh [FLAG VALUE]..." >&2; exit 2; }
script=$1
shift
exec sh "$(dirname "$0")/../../cli/$script" --app items --name "${NAME:-cgate-items}" \
    --env ITEMS_STORE=dynamodb \
    --table name=items,hash=pk:S,range=id:N,env=ITEMS_TABLE "$@"
