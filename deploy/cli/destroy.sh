#!/bin/sh
# Remove what deploy.sh made: the HTTP API (its integration, routes and stage go
# with it), the function (and its permission), the log group and the role. The
# tables and their items stay unless DELETE_TABLES=1. Safe to run again: what
# is already gone is skipped.
#
#   deploy/cli/destroy.sh --app APP [--name NAME] [--table SPEC]... [--env NAME=VALUE]...
#
# The flags are deploy.sh's (--env is accepted and ignored, so that the same
# command line serves both); only each table's name= is read.
# Settings: DELETE_TABLES, AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL (as deploy.sh).
set -eu

die() { echo "destroy.sh: $*" >&2; exit 1; }
usage() { die "usage: destroy.sh --app APP [--name NAME] [--table SPEC]..."; }
app=
NAME=
tables= # the tables' short names, one a line
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --app) app=$2 ;;
    --name) NAME=$2 ;;
    --env) ;;
    --table)
        short=$(printf '%s\n' "$2" | tr ',' '\n' | sed -n 's/^name=//p')
        [ -n "$short" ] || die "--table $2: name=... is needed"
        tables="$tables$short
" ;;
    *) usage ;;
    esac
    shift 2
done
[ -n "$app" ] || usage
NAME=${NAME:-$app}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || die "set AWS_REGION (or AWS_DEFAULT_REGION)"
command -v aws >/dev/null || die "the aws CLI is not on PATH"
export AWS_DEFAULT_REGION="$REGION" AWS_PAGER=""
role=$NAME-function
say() { echo "destroy.sh: $*" >&2; }

for api_id in $(aws apigatewayv2 get-apis --query "Items[?Name=='$NAME'].ApiId" --output text); do
    say "deleting HTTP API $api_id"
    aws apigatewayv2 delete-api --api-id "$api_id" >/dev/null
done

if aws lambda get-function --function-name "$NAME" >/dev/null 2>&1; then
    say "deleting function $NAME"
    aws lambda delete-function --function-name "$NAME"
fi
aws logs delete-log-group --log-group-name "/aws/lambda/$NAME" 2>/dev/null || true

if aws iam get-role --role-name "$role" >/dev/null 2>&1; then
    say "deleting role $role"
    aws iam delete-role-policy --role-name "$role" --policy-name tables 2>/dev/null || true
    for arn in $(aws iam list-attached-role-policies --role-name "$role" \
        --query 'AttachedPolicies[].PolicyArn' --output text); do
        aws iam detach-role-policy --role-name "$role" --policy-arn "$arn"
    done
    aws iam delete-role --role-name "$role"
fi

for short in $tables; do
    table=$NAME-$short
    if [ "${DELETE_TABLES:-}" = 1 ]; then
        if aws dynamodb describe-table --table-name "$table" >/dev/null 2>&1; then
            say "deleting table $table"
            aws dynamodb delete-table --table-name "$table" >/dev/null
        fi
    else
        say "table $table kept (DELETE_TABLES=1 deletes it with its items)"
    fi
done
