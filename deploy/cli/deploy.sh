#!/bin/sh
# Deploy the items app with the AWS CLI alone: the DynamoDB table, the role and
# its policy, the log group, the function, and an HTTP API ($default and
# ANY /{proxy+} to the function) with the permission to invoke it. Each step
# looks first and creates or updates, so running it again updates in place.
#
#   ARCH=arm64 deploy/cli/deploy.sh          (after `make package`)
#
# Settings, from the environment:
#   NAME (cgate-items)  ARCH (arm64)  ZIP (dist/items-$ARCH.zip)  MEMORY (256)  TIMEOUT (10)
#   LOG_RETENTION_DAYS (30)  LOG_LEVEL (info)  CORS_ALLOW_ORIGINS, ITEMS_API_TOKEN, CG_BASE_PATH
#   (passed to the function when set)  AWS_REGION or AWS_DEFAULT_REGION (required)
#   AWS_ENDPOINT_URL (the aws CLI's own: an emulator such as moto_server)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
NAME=${NAME:-cgate-items}
ARCH=${ARCH:-arm64}
ZIP=${ZIP:-$root/dist/items-$ARCH.zip}
MEMORY=${MEMORY:-256}
TIMEOUT=${TIMEOUT:-10}
LOG_RETENTION_DAYS=${LOG_RETENTION_DAYS:-30}
LOG_LEVEL=${LOG_LEVEL:-info}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}

die() { echo "deploy.sh: $*" >&2; exit 1; }
[ -n "$REGION" ] || die "set AWS_REGION (or AWS_DEFAULT_REGION)"
case $ARCH in arm64 | x86_64) ;; *) die "ARCH must be arm64 or x86_64, not '$ARCH'" ;; esac
[ -f "$ZIP" ] || die "$ZIP not found: run 'make package' (or set ZIP)"
command -v aws >/dev/null || die "the aws CLI is not on PATH"

export AWS_DEFAULT_REGION="$REGION" AWS_PAGER=""
table=$NAME-items
role=$NAME-function
say() { echo "deploy.sh: $*" >&2; }
# "None" is what --output text prints for a query that matched nothing.
found() { [ -n "$1" ] && [ "$1" != None ]; }

# A JSON string, for values that may hold commas or quotes.
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

environment() {
    vars="\"ITEMS_STORE\":\"dynamodb\",\"ITEMS_TABLE\":$(json_string "$table"),\"LOG_LEVEL\":$(json_string "$LOG_LEVEL")"
    for name in CORS_ALLOW_ORIGINS ITEMS_API_TOKEN CG_BASE_PATH; do
        eval "value=\${$name:-}"
        [ -z "$value" ] || vars="$vars,\"$name\":$(json_string "$value")"
    done
    printf '{"Variables":{%s}}' "$vars"
}

# ---- the table: pk (S) + id (N), on demand (docs/aws.md) ----
# (Every aws call costs about a second: each step asks once and reuses the answer.)
if ! table_arn=$(aws dynamodb describe-table --table-name "$table" --query Table.TableArn --output text 2>/dev/null); then
    say "creating table $table"
    table_arn=$(aws dynamodb create-table --table-name "$table" --billing-mode PAY_PER_REQUEST \
        --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=id,AttributeType=N \
        --key-schema AttributeName=pk,KeyType=HASH AttributeName=id,KeyType=RANGE \
        --query TableDescription.TableArn --output text)
fi

# ---- the role: logs, and what store_dynamodb.c calls on this table only ----
if ! role_arn=$(aws iam get-role --role-name "$role" --query Role.Arn --output text 2>/dev/null); then
    say "creating role $role"
    role_arn=$(aws iam create-role --role-name "$role" --query Role.Arn --output text \
        --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
fi
partition=$(echo "$role_arn" | cut -d: -f2) # aws, aws-cn, aws-us-gov
aws iam attach-role-policy --role-name "$role" \
    --policy-arn "arn:$partition:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
aws iam put-role-policy --role-name "$role" --policy-name items-table --policy-document \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\",\"dynamodb:UpdateItem\",\"dynamodb:DeleteItem\",\"dynamodb:Query\"],\"Resource\":\"$table_arn\"}]}"

# ---- the log group, made first so that it has a retention ----
log_group=/aws/lambda/$NAME
aws logs create-log-group --log-group-name "$log_group" 2>/dev/null || true
aws logs put-retention-policy --log-group-name "$log_group" --retention-in-days "$LOG_RETENTION_DAYS"

# ---- the function ----
if aws lambda get-function --function-name "$NAME" >/dev/null 2>&1; then
    say "updating function $NAME"
    aws lambda update-function-code --function-name "$NAME" --zip-file "fileb://$ZIP" \
        --architectures "$ARCH" >/dev/null
    aws lambda wait function-updated-v2 --function-name "$NAME"
    function_arn=$(aws lambda update-function-configuration --function-name "$NAME" --role "$role_arn" \
        --runtime provided.al2023 --handler bootstrap --memory-size "$MEMORY" --timeout "$TIMEOUT" \
        --environment "$(environment)" --query FunctionArn --output text)
    aws lambda wait function-updated-v2 --function-name "$NAME"
else
    say "creating function $NAME"
    # A new role takes a few seconds to be usable by Lambda: retry while it says so.
    tries=0
    errors=$(mktemp)
    trap 'rm -f "$errors"' EXIT
    until function_arn=$(aws lambda create-function --function-name "$NAME" --role "$role_arn" \
        --runtime provided.al2023 --handler bootstrap --architectures "$ARCH" \
        --memory-size "$MEMORY" --timeout "$TIMEOUT" --zip-file "fileb://$ZIP" \
        --environment "$(environment)" --query FunctionArn --output text 2>"$errors"); do
        tries=$((tries + 1))
        grep -q 'cannot be assumed' "$errors" && [ "$tries" -lt 10 ] && sleep 3 && continue
        die "create-function failed: $(cat "$errors")"
    done
    aws lambda wait function-active-v2 --function-name "$NAME"
fi

# ---- the HTTP API: one integration, two routes, the $default stage ----
set -- $(aws apigatewayv2 get-apis --query "Items[?Name=='$NAME'] | [0].[ApiId,ApiEndpoint]" --output text)
api_id=${1:-} endpoint=${2:-}
if ! found "$api_id"; then
    say "creating HTTP API $NAME"
    set -- $(aws apigatewayv2 create-api --name "$NAME" --protocol-type HTTP --query '[ApiId,ApiEndpoint]' --output text)
    api_id=$1 endpoint=$2
fi
integration_id=$(aws apigatewayv2 get-integrations --api-id "$api_id" \
    --query "Items[?IntegrationUri=='$function_arn'] | [0].IntegrationId" --output text)
if ! found "$integration_id"; then
    integration_id=$(aws apigatewayv2 create-integration --api-id "$api_id" --integration-type AWS_PROXY \
        --integration-uri "$function_arn" --payload-format-version 2.0 --query IntegrationId --output text)
fi
# The routes, one "key<TAB>id<TAB>target" line each.
routes=$(aws apigatewayv2 get-routes --api-id "$api_id" --query 'Items[].[RouteKey,RouteId,Target]' --output text)
for route_key in 'ANY /{proxy+}' '$default'; do
    route=$(printf '%s\n' "$routes" | awk -F '\t' -v key="$route_key" '$1 == key { print $2 " " $3 }')
    if [ -n "$route" ]; then
        [ "${route#* }" = "integrations/$integration_id" ] ||
            aws apigatewayv2 update-route --api-id "$api_id" --route-id "${route%% *}" \
                --target "integrations/$integration_id" >/dev/null
    else
        aws apigatewayv2 create-route --api-id "$api_id" --route-key "$route_key" \
            --target "integrations/$integration_id" >/dev/null
    fi
done
stage=$(aws apigatewayv2 get-stages --api-id "$api_id" --query "Items[?StageName=='\$default'] | [0].StageName" --output text)
found "$stage" || aws apigatewayv2 create-stage --api-id "$api_id" --stage-name '$default' --auto-deploy >/dev/null

# ---- API Gateway may invoke the function, from this API only ----
account=$(echo "$function_arn" | cut -d: -f5)
if ! aws lambda get-policy --function-name "$NAME" --query Policy --output text 2>/dev/null | grep -q '"http-api"'; then
    aws lambda add-permission --function-name "$NAME" --statement-id http-api \
        --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
        --source-arn "arn:$partition:execute-api:$REGION:$account:$api_id/*" >/dev/null
fi

echo "api_url=$endpoint"
echo "docs_url=$endpoint/docs"
