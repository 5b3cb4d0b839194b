#!/bin/sh
# items, the reference app, through deploy/cli (docs/deploy.md):
#   AWS_REGION=eu-west-1 deploy/examples/items/cli.sh deploy.sh --env ITEMS_CURSOR_KEY=$(openssl rand -hex 32) \
#       [--env ITEMS_API_TOKEN=<token>]     (the same cursor key at each deploy: it signs page cursors)
#   AWS_REGION=eu-west-1 deploy/examples/items/cli.sh destroy.sh      (DELETE_TABLES=1: the table too)
# pk "item#<id / 100>" + id: the items; pk "counter", id 0: the last id given out; pk
# "idempotency#<key>", id 0: Idempotency-Key records, deleted by TTL (docs/aws.md).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 deploy.sh|destroy.sh [FLAG VALUE]..." >&2; exit 2; }
script=$1
shift
exec sh "$(dirname "$0")/../../cli/$script" --app items --name "${NAME:-cgate-items}" \
    --env ITEMS_STORE=dynamodb \
    --table name=items,hash=pk:S,range=id:N,ttl=expires_at,env=ITEMS_TABLE "$@"
