#!/bin/sh
# Deploy a cgate app with the AWS CLI alone: its DynamoDB tables (if any), the
# role and its policy, the log group, the function, and an HTTP API ($default
# and ANY /{proxy+} to the function) with the permission to invoke it. Each step
# looks first and creates or updates, so running it again updates in place.
#
#   deploy/cli/deploy.sh --app APP [--name NAME] [--env NAME=VALUE]... [--table SPEC]...
#
#   --app APP        the app: its zip is dist/APP-$ARCH.zip (`make package`)
#   --name NAME      the function, and prefix of the rest (default APP)
#   --env NAME=VALUE one of the app's environment variables (repeat for more)
#   --table SPEC     one of the app's DynamoDB tables (repeat for more), created as
#                    NAME-<table>, on demand: name=<table>,hash=KEY[:TYPE][,range=KEY[:TYPE]][,ttl=ATTRIBUTE]
#                    [,env=VARIABLE] (TYPE S, N or B, default S; ATTRIBUTE, epoch seconds, turns
#                    DynamoDB's TTL on; VARIABLE gets the table's full name).
#                    The function may call item-level DynamoDB actions on these tables
#                    only; without a table it gets no DynamoDB permission.
#
# Settings, from the environment:
#   ARCH (arm64)  ZIP (dist/APP-$ARCH.zip)  MEMORY (256)  TIMEOUT (10)  LOG_RETENTION_DAYS (30)
#   LOG_LEVEL (info)  CORS_ALLOW_ORIGINS, CG_BASE_PATH, CG_METRICS_NAMESPACE (passed to the function when set)
#   TRACING_MODE (Disabled; Active: X-Ray active tracing, and the role may send segments)
#   AWS_REGION or AWS_DEFAULT_REGION (required)
#   AWS_ENDPOINT_URL (the aws CLI's own: an emulator such as moto_server)
#
# deploy/examples/*/cli.sh run it (and destroy.sh) with an app's values.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "deploy.sh: $*" >&2; exit 1; }
usage() { die "usage: deploy.sh --app APP [--name NAME] [--env NAME=VALUE]... [--table SPEC]..."; }
app=
NAME=
env_args= # NAME=VALUE lines, in order
tables=   # SPEC lines
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --app) app=$2 ;;
    --name) NAME=$2 ;;
    --env)
        case $2 in [A-Za-z_]*=*) ;; *) die "--env $2: NAME=VALUE expected" ;; esac
        case ${2%%=*} in *[!A-Za-z0-9_]*) die "--env $2: a variable name is letters, digits and '_'" ;; esac
        env_args="$env_args$2
" ;;
    --table) tables="$tables$2
" ;;
    *) usage ;;
    esac
    shift 2
done
[ -n "$app" ] || usage
NAME=${NAME:-$app}
ARCH=${ARCH:-arm64}
ZIP=${ZIP:-$root/dist/$app-$ARCH.zip}
MEMORY=${MEMORY:-256}
TIMEOUT=${TIMEOUT:-10}
LOG_RETENTION_DAYS=${LOG_RETENTION_DAYS:-30}
LOG_LEVEL=${LOG_LEVEL:-info}
TRACING_MODE=${TRACING_MODE:-Disabled}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}

[ -n "$REGION" ] || die "set AWS_REGION (or AWS_DEFAULT_REGION)"
case $ARCH in arm64 | x86_64) ;; *) die "ARCH must be arm64 or x86_64, not '$ARCH'" ;; esac
case $TRACING_MODE in Disabled) tracing=PassThrough ;; Active) tracing=Active ;;
*) die "TRACING_MODE must be Disabled or Active, not '$TRACING_MODE'" ;; esac
[ -f "$ZIP" ] || die "$ZIP not found: run 'make package' (or set ZIP)"
command -v aws >/dev/null || die "the aws CLI is not on PATH"

export AWS_DEFAULT_REGION="$REGION" AWS_PAGER=""
role=$NAME-function
say() { echo "deploy.sh: $*" >&2; }
# "None" is what --output text prints for a query that matched nothing.
found() { [ -n "$1" ] && [ "$1" != None ]; }

# A JSON string, for values that may hold commas or quotes.
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# One field of a table SPEC: field SPEC KEY (empty when absent).
field() { printf '%s\n' "$1" | tr ',' '\n' | sed -n "s/^$2=//p"; }
# The type of a key given as KEY[:TYPE]: S, N or B (S when not given).
key_type() {
    case $1 in
    *:*) type=${1#*:} ;;
    *) type=S ;;
    esac
    case $type in S | N | B) echo "$type" ;; *) die "--table: key $1: the type is S, N or B" ;; esac
}

# TTL on `table` by `attribute`, unless it is on already (or no attribute).
enable_ttl() {
    [ -n "$2" ] || return 0
    ttl_status=$(aws dynamodb describe-time-to-live --table-name "$1" --query TimeToLiveDescription.TimeToLiveStatus \
        --output text)
    case $ttl_status in ENABLED | ENABLING) return 0 ;; esac
    say "enabling TTL on $1 by $2"
    aws dynamodb update-time-to-live --table-name "$1" \
        --time-to-live-specification "Enabled=true,AttributeName=$2" >/dev/null
}

# ---- the tables: NAME-<table>, on demand ----
# (Every aws call costs about a second: each step asks once and reuses the answer.)
table_arns= # "arn", "arn"...
table_env=  # "VARIABLE":"name", ...
set -f
IFS='
'
for spec in $tables; do
    short=$(field "$spec" name) hash=$(field "$spec" hash) range=$(field "$spec" range) var=$(field "$spec" env)
    ttl=$(field "$spec" ttl)
    [ -n "$short" ] && [ -n "$hash" ] || die "--table $spec: name=... and hash=... are needed"
    table=$NAME-$short
    # KEY[:TYPE] -> attribute definition and key schema entries.
    attributes="AttributeName=${hash%%:*},AttributeType=$(key_type "$hash")"
    keys="AttributeName=${hash%%:*},KeyType=HASH"
    if [ -n "$range" ]; then
        attributes="$attributes
AttributeName=${range%%:*},AttributeType=$(key_type "$range")"
        keys="$keys
AttributeName=${range%%:*},KeyType=RANGE"
    fi
    if ! arn=$(aws dynamodb describe-table --table-name "$table" --query Table.TableArn --output text 2>/dev/null); then
        say "creating table $table"
        # $attributes and $keys split on newlines into one argument per key.
        arn=$(aws dynamodb create-table --table-name "$table" --billing-mode PAY_PER_REQUEST \
            --attribute-definitions $attributes --key-schema $keys \
            --query TableDescription.TableArn --output text)
    fi
    enable_ttl "$table" "$ttl"
    table_arns="$table_arns${table_arns:+,}$(json_string "$arn")"
    [ -z "$var" ] || table_env="$table_env,$(json_string "$var"):$(json_string "$table")"
done
unset IFS
set +f

# The function's environment, later entries winning: the settings every cgate
# app reads, the tables' names, the app's own variables.
environment() {
    vars="\"LOG_LEVEL\":$(json_string "$LOG_LEVEL")"
    for name in CORS_ALLOW_ORIGINS CG_BASE_PATH CG_METRICS_NAMESPACE; do
        eval "value=\${$name:-}"
        [ -z "$value" ] || vars="$vars,\"$name\":$(json_string "$value")"
    done
    vars="$vars$table_env"
    printf '%s' "$env_args" | {
        while IFS= read -r pair; do
            vars="$vars,$(json_string "${pair%%=*}"):$(json_string "${pair#*=}")"
        done
        printf '{"Variables":{%s}}' "$vars"
    }
}

# ---- the role: logs, and item-level calls on the app's tables only ----
if ! role_arn=$(aws iam get-role --role-name "$role" --query Role.Arn --output text 2>/dev/null); then
    say "creating role $role"
    role_arn=$(aws iam create-role --role-name "$role" --query Role.Arn --output text \
        --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
fi
partition=$(echo "$role_arn" | cut -d: -f2) # aws, aws-cn, aws-us-gov
aws iam attach-role-policy --role-name "$role" \
    --policy-arn "arn:$partition:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# Active tracing: Lambda's X-Ray daemon sends the segments with this role.
xray_policy=arn:$partition:iam::aws:policy/AWSXrayWriteOnlyAccess
if [ "$tracing" = Active ]; then
    aws iam attach-role-policy --role-name "$role" --policy-arn "$xray_policy"
else
    aws iam detach-role-policy --role-name "$role" --policy-arn "$xray_policy" 2>/dev/null || true
fi
if [ -n "$table_arns" ]; then
    aws iam put-role-policy --role-name "$role" --policy-name tables --policy-document \
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\",\"dynamodb:UpdateItem\",\"dynamodb:DeleteItem\",\"dynamodb:Query\"],\"Resource\":[$table_arns]}]}"
else
    # No table (any more): no DynamoDB permission.
    aws iam delete-role-policy --role-name "$role" --policy-name tables 2>/dev/null || true
fi

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
        --tracing-config "Mode=$tracing" --environment "$(environment)" --query FunctionArn --output text)
    aws lambda wait function-updated-v2 --function-name "$NAME"
else
    say "creating function $NAME"
    # A new role takes a few seconds to be usable by Lambda: retry while it says so.
    tries=0
    errors=$(mktemp)
    trap 'rm -f "$errors"' EXIT
    until function_arn=$(aws lambda create-function --function-name "$NAME" --role "$role_arn" \
        --runtime provided.al2023 --handler bootstrap --architectures "$ARCH" \
        --memory-size "$MEMORY" --timeout "$TIMEOUT" --zip-file "fileb://$ZIP" --tracing-config "Mode=$tracing" \
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
