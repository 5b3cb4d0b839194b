"""deploy/terraform: every .tf file parses (python-hcl2), the stack has the
resources and settings it must have, the two apps' values in deploy/examples
(items: a table and ITEMS_* variables; todo: no table) fit its variables, and
`terraform fmt -check` passes where terraform is installed. `terraform
validate` needs the AWS provider, which cannot be downloaded here
(docs/deploy.md says what it adds)."""
import os
import re
import shutil
import subprocess

import hcl2
import pytest
from hcl2.utils import SerializationOptions

from conftest import EXAMPLES_DIR, TERRAFORM_DIR

PARSE = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query"]


@pytest.fixture(scope="module")
def tf():
    """{"resource": {type: {name: body}}, "variable": {...}, "output": {...}, "locals": {...}}"""
    merged = {"resource": {}, "variable": {}, "output": {}, "locals": {}}
    files = sorted(f for f in os.listdir(TERRAFORM_DIR) if f.endswith(".tf"))
    assert len(files) >= 5
    for name in files:
        with open(os.path.join(TERRAFORM_DIR, name)) as f:
            doc = hcl2.load(f, serialization_options=PARSE)
        for block in doc.get("resource", []):
            for type_, named in block.items():
                merged["resource"].setdefault(type_, {}).update(named)
        for kind in ("variable", "output"):
            for block in doc.get(kind, []):
                merged[kind].update(block)
        for block in doc.get("locals", []):
            merged["locals"].update(block)
    return merged


def one(tf, type_):
    """The only resource of a type."""
    named = tf["resource"][type_]
    assert len(named) == 1, named.keys()
    return next(iter(named.values()))


def test_variables(tf):
    assert {"app_name", "name", "environment", "secret_environment", "tables", "packages", "region",
            "architecture", "memory_size", "rest_api_stage"} <= set(tf["variable"])
    assert "default" not in tf["variable"]["app_name"]  # required
    assert tf["variable"]["secret_environment"]["sensitive"] is True
    assert tf["variable"]["tables"]["default"] == [] and tf["variable"]["environment"]["default"] == {}
    assert tf["variable"]["table_actions"]["default"] == TABLE_ACTIONS
    assert tf["variable"]["architecture"]["default"] == "arm64"
    assert "arm64" in str(tf["variable"]["architecture"]["validation"])


def test_nothing_names_an_app():
    """The kit is generic: an app's name, tables and variables are values (deploy/examples)."""
    for name in os.listdir(TERRAFORM_DIR):
        if name.endswith(".tf"):
            with open(os.path.join(TERRAFORM_DIR, name)) as f:
                assert not re.search(r"items|ITEMS_", f.read()), name


def test_function_from_the_zip(tf):
    fn = one(tf, "aws_lambda_function")
    assert (fn["runtime"], fn["handler"]) == ("provided.al2023", "bootstrap")
    assert fn["function_name"] == "${local.name}"
    assert fn["architectures"] == ["${var.architecture}"] and fn["memory_size"] == "${var.memory_size}"
    assert fn["filename"] == "${local.package}"
    assert fn["source_code_hash"] == "${filebase64sha256(local.package)}"
    assert tf["locals"]["package"] == (
        '${lookup(var.packages, var.architecture, "${path.module}/../../dist/${var.app_name}-${var.architecture}.zip")}')
    assert tf["locals"]["name"] == '${var.name != "" ? var.name : var.app_name}'


def test_environment(tf):
    """The framework's settings, then the tables' names, then the app's variables, then its secrets."""
    env = one(tf, "aws_lambda_function")["environment"][0]["variables"]
    assert env == "${merge(local.environment, var.secret_environment)}"
    assert tf["locals"]["environment"] == (
        "${merge({LOG_LEVEL = var.log_level, CORS_ALLOW_ORIGINS = var.cors_allow_origins, "
        "CG_METRICS_NAMESPACE = var.metrics_namespace}, "
        "{for t in var.tables : t.env => aws_dynamodb_table.table[t.name].name if t.env != null}, var.environment)}")


def test_http_api(tf):
    assert one(tf, "aws_apigatewayv2_api")["protocol_type"] == "HTTP"
    integration = one(tf, "aws_apigatewayv2_integration")
    assert integration["integration_type"] == "AWS_PROXY" and integration["payload_format_version"] == "2.0"
    assert integration["integration_uri"] == "${aws_lambda_function.app.invoke_arn}"
    routes = tf["resource"]["aws_apigatewayv2_route"].values()
    assert sorted(r["route_key"] for r in routes) == ["$default", "ANY /{proxy+}"]
    stage = one(tf, "aws_apigatewayv2_stage")
    assert stage["name"] == "$default" and stage["auto_deploy"] is True
    permission = tf["resource"]["aws_lambda_permission"]["http_api"]
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["source_arn"].startswith("${aws_apigatewayv2_api.http[0].execution_arn}")


def test_optional_rest_api(tf):
    assert tf["locals"]["rest"] == '${var.rest_api_stage != "" ? 1 : 0}'
    for type_ in ("aws_api_gateway_rest_api", "aws_api_gateway_resource", "aws_api_gateway_method",
                  "aws_api_gateway_integration", "aws_api_gateway_deployment", "aws_api_gateway_stage"):
        assert all(r["count"] == "${local.rest}" for r in tf["resource"][type_].values()), type_
    assert one(tf, "aws_api_gateway_resource")["path_part"] == "{proxy+}"
    assert one(tf, "aws_api_gateway_stage")["stage_name"] == "${var.rest_api_stage}"
    assert {m["http_method"] for m in tf["resource"]["aws_api_gateway_method"].values()} == {"ANY"}
    assert tf["resource"]["aws_lambda_permission"]["rest_api"]["count"] == "${local.rest}"


def test_tables_and_least_privilege(tf):
    table = one(tf, "aws_dynamodb_table")
    assert table["for_each"] == "${local.tables}" and table["name"] == "${local.name}-${each.key}"
    assert tf["locals"]["tables"] == "${{for t in var.tables : t.name => t}}"
    assert (table["hash_key"], table["range_key"], table["billing_mode"]) == (
        "${each.value.hash_key}", "${each.value.range_key}", "PAY_PER_REQUEST")
    assert table["attribute"] == [{"name": "${each.value.hash_key}", "type": "${each.value.hash_key_type}"}]
    range_attribute = table["dynamic"][0]["attribute"]
    assert range_attribute["for_each"] == "${each.value.range_key != null ? [each.value.range_key] : []}"
    ttl = table["dynamic"][1]["ttl"]
    assert ttl["for_each"] == "${each.value.ttl_attribute != null ? [each.value.ttl_attribute] : []}"
    assert ttl["content"] == [{"attribute_name": "${ttl.value}", "enabled": True}]
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    assert "lambda.amazonaws.com" in one(tf, "aws_iam_role")["assume_role_policy"]
    assert tf["resource"]["aws_iam_role_policy_attachment"]["logs"]["policy_arn"].endswith(
        "service-role/AWSLambdaBasicExecutionRole")
    # No table, no DynamoDB permission; else the actions on these tables' ARNs alone.
    policy = one(tf, "aws_iam_role_policy")
    assert policy["count"] == "${length(var.tables) > 0 ? 1 : 0}"
    assert "Action = var.table_actions" in policy["policy"]
    assert "Resource = [for t in aws_dynamodb_table.table : t.arn]" in policy["policy"]
    assert "*" not in policy["policy"]


def load_example(app):
    with open(os.path.join(EXAMPLES_DIR, app, "terraform.tfvars")) as f:
        return hcl2.load(f, serialization_options=PARSE)


TABLE_FIELDS = {"name", "hash_key", "hash_key_type", "range_key", "range_key_type", "ttl_attribute", "env"}


@pytest.mark.parametrize("app", ["items", "todo"])
def test_example_values_fit_the_variables(tf, app):
    values = load_example(app)
    assert values["app_name"] == app
    assert set(values) <= set(tf["variable"])
    assert all(isinstance(v, str) for v in values.get("environment", {}).values())
    for table in values.get("tables", []):
        assert {"name", "hash_key"} <= set(table) <= TABLE_FIELDS
        assert {table.get("hash_key_type", "S"), table.get("range_key_type", "S")} <= {"S", "N", "B"}


def test_items_values():
    values = load_example("items")
    assert values["name"] == "cgate-items" and values["environment"] == {"ITEMS_STORE": "dynamodb"}
    assert values["tables"] == [{"name": "items", "hash_key": "pk", "range_key": "id", "range_key_type": "N",
                                 "ttl_attribute": "expires_at", "env": "ITEMS_TABLE"}]


def test_todo_values_have_no_table():
    values = load_example("todo")
    assert "tables" not in values and values["environment"]


def test_logs_and_alarms(tf):
    logs = one(tf, "aws_cloudwatch_log_group")
    assert logs["name"] == "/aws/lambda/${local.name}"
    assert logs["retention_in_days"] == "${var.log_retention_days}"
    alarms = tf["resource"]["aws_cloudwatch_metric_alarm"]
    assert alarms["count"]["for_each"] == "${local.alarms}"
    assert {a["metric"] for a in tf["locals"]["alarms"].values()} == {"Errors", "Throttles"}
    assert alarms["duration_p99"]["metric_name"] == "Duration"
    assert alarms["duration_p99"]["extended_statistic"] == "p99"


def test_outputs(tf):
    assert {"api_url", "docs_url", "rest_api_url"} <= set(tf["output"])
    assert tf["output"]["docs_url"]["value"].endswith("/docs")


def test_terraform_fmt():
    terraform = shutil.which("terraform")
    if not terraform:
        pytest.skip("terraform is not installed (Debian 12 has no package): fmt not checked")
    out = subprocess.run([terraform, "fmt", "-check", "-recursive", "-diff", TERRAFORM_DIR, EXAMPLES_DIR],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


# ---- the REST API's own knobs (cache, API keys and usage plan, WAF), the front doors, tracing ----

WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/cgate/0123abcd"


def hcl_value(tf, expr, **values):
    """A condition or count of the module (var.*, local.*, ==, !=, >, &&, ||, !, a ? b : c) evaluated
    as Terraform would with these variables (the others at their defaults)."""
    from types import SimpleNamespace
    variables = {k: v.get("default") for k, v in tf["variable"].items()}
    variables.update(values)

    def python(e):
        e = e.strip()
        if e.startswith("${") and e.endswith("}"):
            e = e[2:-1]
        m = re.fullmatch(r"(.+?) \? (.+?) : (.+)", e)
        if m:
            return "((%s) if (%s) else (%s))" % (python(m[2]), python(m[1]), python(m[3]))
        e = re.sub(r"local\.(\w+)", lambda m: "(%s)" % python(tf["locals"][m[1]]), e)
        e = e.replace("&&", " and ").replace("||", " or ")
        e = re.sub(r"!(?!=)", " not ", e)
        e = re.sub(r'(?<!")\b(true|false)\b(?!")', lambda m: m[1].capitalize(), e)  # not in "false"
        return re.sub(r"\bvar\.", "V.", e)

    return eval(python(expr), {"V": SimpleNamespace(**variables)})


def preconditions(tf, resource_type, name):
    block = tf["resource"][resource_type][name]["lifecycle"][0]["precondition"]
    return block if isinstance(block, list) else [block]


def accepted(tf, **values):
    """Whether every precondition of the function and the usage plan holds."""
    checks = preconditions(tf, "aws_lambda_function", "app") + preconditions(tf, "aws_api_gateway_usage_plan", "rest")
    return all(hcl_value(tf, p["condition"], **values) for p in checks)


def test_knob_variables_and_defaults(tf):
    v = tf["variable"]
    assert (v["cache_cluster_size"]["default"], v["cache_ttl_seconds"]["default"],
            v["cache_key_parameters"]["default"]) == ("", 300, [])
    assert (v["api_key_required"]["default"], v["web_acl_arn"]["default"], v["http_api"]["default"]) == (
        "false", "", True)
    assert (v["usage_plan_rate_limit"]["default"], v["usage_plan_burst_limit"]["default"],
            v["usage_plan_quota_limit"]["default"], v["usage_plan_quota_period"]["default"]) == (0, 0, 0, "MONTH")
    assert (v["tracing_mode"]["default"], v["metrics_namespace"]["default"]) == ("Disabled", "")
    for name in ("cache_cluster_size", "cache_ttl_seconds", "cache_key_parameters", "web_acl_arn", "tracing_mode"):
        assert "validation" in v[name], name


def test_rest_api_cache(tf):
    rest = {"rest_api_stage": "prod"}
    settings = one(tf, "aws_api_gateway_method_settings")
    stage = one(tf, "aws_api_gateway_stage")
    assert hcl_value(tf, settings["count"], **rest, cache_cluster_size="0.5") == 1
    assert hcl_value(tf, settings["count"], **rest) == 0
    assert hcl_value(tf, settings["count"], cache_cluster_size="0.5") == 0  # no REST API, no cache
    assert hcl_value(tf, stage["cache_cluster_enabled"], **rest, cache_cluster_size="0.5") is True
    assert hcl_value(tf, stage["cache_cluster_enabled"], **rest) is False
    assert stage["cache_cluster_size"] == '${local.rest_cache == 1 ? var.cache_cluster_size : null}'
    assert settings["method_path"] == "*/*" and settings["stage_name"] == "${aws_api_gateway_stage.rest[0].stage_name}"
    assert settings["settings"] == [{"caching_enabled": True, "cache_ttl_in_seconds": "${var.cache_ttl_seconds}",
                                     "cache_data_encrypted": True}]
    # The keys: declared on the methods, passed to the integrations; the greedy path on the proxy.
    locals_ = tf["locals"]
    assert locals_["cache_keys"] == (
        '${local.rest_cache == 1 ? [for k in var.cache_key_parameters : "method.request.${k}"] : []}')
    assert locals_["proxy_cache_keys"] == (
        '${local.rest_cache == 1 ? concat(["method.request.path.proxy"], local.cache_keys) : []}')
    methods, integrations = tf["resource"]["aws_api_gateway_method"], tf["resource"]["aws_api_gateway_integration"]
    assert methods["proxy"]["request_parameters"] == (
        '${{for k in local.proxy_cache_keys : k => k == "method.request.path.proxy"}}')
    assert methods["root"]["request_parameters"] == "${{for k in local.cache_keys : k => false}}"
    assert integrations["proxy"]["cache_key_parameters"] == "${local.proxy_cache_keys}"
    assert integrations["root"]["cache_key_parameters"] == "${local.cache_keys}"
    # A changed method or integration is a new deployment, or the stage keeps the old one.
    triggers = one(tf, "aws_api_gateway_deployment")["triggers"]["redeployment"]
    for ref in ("aws_api_gateway_method.root[0]", "aws_api_gateway_method.proxy[0]",
                "aws_api_gateway_integration.root[0]", "aws_api_gateway_integration.proxy[0]"):
        assert ref in triggers


def test_rest_api_keys_and_usage_plan(tf):
    on = {"rest_api_stage": "prod", "http_api": False, "api_key_required": "true"}
    for type_ in ("aws_api_gateway_api_key", "aws_api_gateway_usage_plan", "aws_api_gateway_usage_plan_key"):
        assert hcl_value(tf, one(tf, type_)["count"], **on) == 1, type_
        assert hcl_value(tf, one(tf, type_)["count"], **{**on, "api_key_required": "declared"}) == 1, type_
        assert hcl_value(tf, one(tf, type_)["count"], **{**on, "api_key_required": "false"}) == 0, type_
    # The kit's two methods need the key for "true" alone; "declared" leaves it to gateway_routes.tf.json.
    methods = tf["resource"]["aws_api_gateway_method"].values()
    assert all(m["api_key_required"] == '${var.api_key_required == "true"}' for m in methods)
    assert "validation" in tf["variable"]["api_key_required"]
    key = one(tf, "aws_api_gateway_api_key")
    assert key["enabled"] is True and "value" not in key  # AWS generates it; no output holds it
    plan = one(tf, "aws_api_gateway_usage_plan")
    assert plan["api_stages"] == [{"api_id": "${aws_api_gateway_rest_api.rest[0].id}",
                                   "stage": "${aws_api_gateway_stage.rest[0].stage_name}"}]
    throttle, quota = plan["dynamic"][0]["throttle_settings"], plan["dynamic"][1]["quota_settings"]
    assert throttle["content"] == [{"rate_limit": "${var.usage_plan_rate_limit}",
                                    "burst_limit": "${var.usage_plan_burst_limit}"}]
    assert quota["content"] == [{"limit": "${var.usage_plan_quota_limit}", "period": "${var.usage_plan_quota_period}"}]
    assert hcl_value(tf, throttle["for_each"], usage_plan_rate_limit=10) == [1]
    assert hcl_value(tf, throttle["for_each"]) == []
    assert hcl_value(tf, quota["for_each"], usage_plan_quota_limit=1000) == [1]
    assert hcl_value(tf, quota["for_each"]) == []
    plan_key = one(tf, "aws_api_gateway_usage_plan_key")
    assert (plan_key["key_type"], plan_key["key_id"], plan_key["usage_plan_id"]) == (
        "API_KEY", "${aws_api_gateway_api_key.rest[0].id}", "${aws_api_gateway_usage_plan.rest[0].id}")
    assert "api_key_id" in tf["output"]
    # The throttle is set whole.
    assert accepted(tf, **on, usage_plan_rate_limit=10, usage_plan_burst_limit=20)
    assert not accepted(tf, **on, usage_plan_rate_limit=10)
    assert not accepted(tf, **on, usage_plan_burst_limit=20)


def test_rest_api_waf(tf):
    association = one(tf, "aws_wafv2_web_acl_association")
    on = {"rest_api_stage": "prod", "http_api": False, "web_acl_arn": WEB_ACL}
    assert hcl_value(tf, association["count"], **on) == 1
    assert hcl_value(tf, association["count"], **{**on, "web_acl_arn": ""}) == 0
    assert association["resource_arn"] == "${aws_api_gateway_stage.rest[0].arn}"
    assert association["web_acl_arn"] == "${var.web_acl_arn}"


@pytest.mark.parametrize("knob", [{"cache_cluster_size": "0.5"}, {"api_key_required": "true"},
                                  {"api_key_required": "declared"}, {"web_acl_arn": WEB_ACL}])
def test_rest_api_knobs_need_the_rest_api(tf, knob):
    """HTTP APIs have no cache, API keys nor WAF: without rest_api_stage the plan stops."""
    assert not accepted(tf, **knob)
    assert accepted(tf, rest_api_stage="prod", http_api=False, **knob)


@pytest.mark.parametrize("knob", [{"api_key_required": "true"}, {"api_key_required": "declared"},
                                  {"web_acl_arn": WEB_ACL}])
def test_protection_is_refused_beside_an_open_http_api(tf, knob):
    """Keys and WAF on the REST API alone would leave the HTTP API's URL open."""
    assert not accepted(tf, rest_api_stage="prod", **knob)
    assert accepted(tf, rest_api_stage="prod", cache_cluster_size="0.5")  # a cache is no protection


def test_http_api_is_optional(tf):
    assert tf["locals"]["http"] == "${var.http_api ? 1 : 0}"
    for type_ in ("aws_apigatewayv2_api", "aws_apigatewayv2_integration", "aws_apigatewayv2_route",
                  "aws_apigatewayv2_stage"):
        assert all(r["count"] == "${local.http}" for r in tf["resource"][type_].values()), type_
    assert tf["resource"]["aws_lambda_permission"]["http_api"]["count"] == "${local.http}"
    assert accepted(tf) and not accepted(tf, http_api=False)  # some front door
    assert "aws_api_gateway_stage.rest[0].invoke_url" in tf["output"]["api_url"]["value"]
    with open(os.path.join(TERRAFORM_DIR, "http_api.tf")) as f:
        moved = re.findall(r"from = (\S+)\n\s+to   = (\S+)\n", f.read())
    assert {(a + "[0]", b) for a, b in moved} == {(b, b) for a, b in moved} and len(moved) == 6


def test_tracing_and_metrics_namespace(tf):
    fn = one(tf, "aws_lambda_function")
    tracing = fn["dynamic"][0]["tracing_config"]
    assert hcl_value(tf, tracing["for_each"], tracing_mode="Active") == ["Active"]
    assert hcl_value(tf, tracing["for_each"]) == []
    assert tracing["content"] == [{"mode": "${tracing_config.value}"}]
    xray = tf["resource"]["aws_iam_role_policy_attachment"]["xray"]
    assert xray["policy_arn"] == "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
    assert hcl_value(tf, xray["count"], tracing_mode="Active") == 1 and hcl_value(tf, xray["count"]) == 0
    assert "CG_METRICS_NAMESPACE = var.metrics_namespace" in tf["locals"]["environment"]
