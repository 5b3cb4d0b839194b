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
        "${merge({LOG_LEVEL = var.log_level, CORS_ALLOW_ORIGINS = var.cors_allow_origins}, "
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
    assert permission["source_arn"].startswith("${aws_apigatewayv2_api.http.execution_arn}")


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
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    assert "lambda.amazonaws.com" in one(tf, "aws_iam_role")["assume_role_policy"]
    assert one(tf, "aws_iam_role_policy_attachment")["policy_arn"].endswith("service-role/AWSLambdaBasicExecutionRole")
    # No table, no DynamoDB permission; else the actions on these tables' ARNs alone.
    policy = one(tf, "aws_iam_role_policy")
    assert policy["count"] == "${length(var.tables) > 0 ? 1 : 0}"
    assert "Action = var.table_actions" in policy["policy"]
    assert "Resource = [for t in aws_dynamodb_table.table : t.arn]" in policy["policy"]
    assert "*" not in policy["policy"]


def load_example(app):
    with open(os.path.join(EXAMPLES_DIR, app, "terraform.tfvars")) as f:
        return hcl2.load(f, serialization_options=PARSE)


TABLE_FIELDS = {"name", "hash_key", "hash_key_type", "range_key", "range_key_type", "env"}


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
                                 "env": "ITEMS_TABLE"}]


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
