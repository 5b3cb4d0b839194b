#!/bin/sh
# Remove what deploy.sh made: the HTTP API (its integration, routes and stage go
# with it), the function (and its permission), the log group and the role. The
# table and its items stay unless DELETE_TABLE=1. Safe to run again: what is
# already gone is skipped.
#
# Settings: NAME (cgate-items), DELETE_TABLE, AWS_REGION or AWS_DEFAULT_REGION,
# AWS_ENDPOINT_URL (as deploy.sh).
set -eu

NAME=${NAME:-cgate-items}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || { echo "destroy.sh: set AWS_REGION (or AWS_DEFAULT_REGION)" >&2; exit 1; }
command -v aws >/dev/null || { echo "destroy.sh: the aws CLI is not on PATH" >&2; exit 1; }
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
    aws iam delete-role-policy --role-name "$role" --policy-name items-table 2>/dev/null || true
    for arn in $(aws iam list-attached-role-policies --role-name "$role" \
        --query 'AttachedPolicies[].PolicyArn' --output text); do
        aws iam detach-role-policy --role-name "$role" --policy-arn "$arn"
    done
    aws iam delete-role --role-name "$role"
fi

if [ "${DELETE_TABLE:-}" = 1 ]; then
    if aws dynamodb describe-table --table-name "$NAME-items" >/dev/null 2>&1; then
        say "deleting table $NAME-items"
        aws dynamodb delete-table --table-name "$NAME-items" >/dev/null
    fi
else
    say "table $NAME-items kept (DELETE_TABLE=1 deletes it with its items)"
fi
