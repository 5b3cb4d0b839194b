"""deploy/sam/template.yaml: cfn-lint on the template, then, for two apps'
values (deploy/examples: items with its table and ITEMS_* variables, todo
without a table), Fn::ForEach expanded as CloudFormation does, aws-sam-translator's
transform (with a region and an S3 CodeUri, as `sam deploy` would hand it over)
and cfn-lint again on the CloudFormation it gives, for each ApiType; the
resources each choice keeps are checked one by one. Runs in build/venv-deploy."""
import copy
import json
import os
import subprocess

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from conftest import DEPLOY_VENV_BIN, TEMPLATE
from sam_values import APPS, evaluate, expand_foreach, parameters, with_defaults

TABLE_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query"}


def cfn_lint(path, *options):
    return subprocess.run([os.path.join(DEPLOY_VENV_BIN, "cfn-lint"), path, *options], capture_output=True,
                          text=True, timeout=120)


def load_template():
    with open(TEMPLATE) as f:
        return yaml_parse(f.read())


class NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs; this template names none by short name."""

    def load(self):
        return {}


def translate(api_type, tmp_path, monkeypatch, app="items"):
    """The transformed template for app's values (as its parameters' defaults, ApiType's set to
    api_type), written out and linted."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    params = parameters(app)
    src = expand_foreach(with_defaults(load_template(), {**params, "ApiType": api_type}), params)
    src["Resources"]["Function"]["Properties"]["CodeUri"] = f"s3://example-bucket/{app}-arm64.zip"
    out = transform(src, {"AWS::Region": "us-east-1"}, NoManagedPolicies())
    path = tmp_path / f"translated-{app}-{api_type}.json"
    path.write_text(json.dumps(out, indent=1))
    # W2001, a parameter not used: Fn::ForEach's collections (EnvironmentNames, TableVariable) are
    # consumed by the expansion.
    lint = cfn_lint(str(path), "--ignore-checks", "W2001")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    return out


def condition_values(template, overrides=None):
    """Evaluate the template's Conditions with its parameters' defaults."""
    params = {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}
    params.update(overrides or {})
    conditions = template["Conditions"]
    done = {}

    def value(expr):
        if isinstance(expr, dict) and "Ref" in expr:
            return params[expr["Ref"]]
        return str(expr)

    def evaluate(expr):
        (fn, args), = expr.items()
        if fn == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if fn == "Fn::Not":
            return not evaluate(args[0])
        if fn == "Fn::And":
            return all(evaluate(a) for a in args)
        if fn == "Condition":
            return condition(args)
        raise AssertionError(f"condition function {fn} not handled")

    def condition(name):
        if name not in done:
            done[name] = evaluate(conditions[name])
        return done[name]

    return {name: condition(name) for name in conditions}


def active_resources(template, overrides=None):
    """Logical id -> resource, for the resources the parameters keep."""
    cond = condition_values(template, overrides)
    return {k: v for k, v in template["Resources"].items() if cond.get(v.get("Condition"), True)}


def of_type(resources, type_):
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == type_}


def test_cfn_lint_passes_on_the_template():
    lint = cfn_lint(TEMPLATE)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_cfn_lint_fails_on_a_broken_copy(tmp_path):
    """The lint above can fail: a timeout Lambda refuses (over 900 s) is caught."""
    with open(TEMPLATE) as f:
        text = f.read()
    assert "Timeout: !Ref Timeout\n" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("Timeout: !Ref Timeout\n", "Timeout: 99999\n"))
    lint = cfn_lint(str(broken))
    assert lint.returncode != 0 and "99999" in lint.stdout


def test_nothing_names_an_app():
    """The template is generic: an app's name, table and variables are parameter values."""
    with open(TEMPLATE) as f:
        text = f.read()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "items" not in code.lower()


def environment(out, app):
    """The function's variables: the framework's as written, the app's evaluated."""
    fn = of_type(out["Resources"], "AWS::Lambda::Function")["Function"]
    env = fn["Environment"]["Variables"]
    params = parameters(app)
    framework = {"LOG_LEVEL", "CORS_ALLOW_ORIGINS", "CG_BASE_PATH", params.get("TableVariable", "TABLE_NAME")}
    return ({k: v for k, v in env.items() if k in framework},
            {k: evaluate(out, v, params) for k, v in env.items() if k not in framework})


def test_function_table_logs_and_alarms(tmp_path, monkeypatch):
    out = translate("HTTP", tmp_path, monkeypatch)
    res = active_resources(out)
    fn = of_type(res, "AWS::Lambda::Function")["Function"]
    assert (fn["Runtime"], fn["Handler"]) == ("provided.al2023", "bootstrap")
    assert fn["Architectures"] == [{"Ref": "Architecture"}] and out["Parameters"]["Architecture"]["Default"] == "arm64"
    assert fn["MemorySize"] == {"Ref": "MemorySize"}
    assert fn["Code"] == {"S3Bucket": "example-bucket", "S3Key": "items-arm64.zip"}
    framework, own = environment(out, "items")
    assert framework == {"LOG_LEVEL": {"Ref": "LogLevel"}, "CORS_ALLOW_ORIGINS": {"Ref": "CorsAllowOrigins"},
                         "CG_BASE_PATH": {"Fn::If": ["HasDomain", {"Ref": "BasePath"}, ""]},
                         "ITEMS_TABLE": {"Fn::If": ["HasTable", {"Ref": "Table"}, {"Ref": "AWS::NoValue"}]}}
    assert own == {"ITEMS_STORE": "dynamodb"}
    assert fn["ReservedConcurrentExecutions"]["Fn::If"][0] == "HasReservedConcurrency"
    alias = of_type(res, "AWS::Lambda::Alias")["FunctionAliaslive"]
    assert alias["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasProvisionedConcurrency"

    # Least privilege: the app's five calls, on the table's ARN only, and only with a table.
    role = of_type(res, "AWS::IAM::Role")["FunctionRole"]
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    (condition, policy, otherwise), = [p["Fn::If"] for p in role["Policies"]]
    assert condition == "HasTable" and otherwise == {"Ref": "AWS::NoValue"}
    statement, = policy["PolicyDocument"]["Statement"]
    assert set(statement["Action"]) == TABLE_ACTIONS
    assert statement["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}

    table = of_type(res, "AWS::DynamoDB::Table")["Table"]
    assert table["TableName"] == {"Fn::Sub": "${AWS::StackName}-${TableName}"}
    params = {k: str(v.get("Default", "")) for k, v in out["Parameters"].items()}
    keys = [{k: params[v["Ref"]] if isinstance(v, dict) else v for k, v in key.items()}
            for key in table["KeySchema"] if "Fn::If" not in key]
    assert keys == [{"AttributeName": "pk", "KeyType": "HASH"}]
    sort = [key["Fn::If"] for key in table["KeySchema"] if "Fn::If" in key]
    assert sort == [["HasSortKey", {"AttributeName": {"Ref": "TableSortKey"}, "KeyType": "RANGE"},
                     {"Ref": "AWS::NoValue"}]]
    assert (params["TableSortKey"], params["TableSortKeyType"]) == ("id", "N")
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert out["Resources"]["Table"]["DeletionPolicy"] == "Retain"
    logs = of_type(res, "AWS::Logs::LogGroup")["LogGroup"]
    assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert logs["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${Function}"}
    alarms = of_type(res, "AWS::CloudWatch::Alarm")
    assert sorted(a["MetricName"] for a in alarms.values()) == ["Duration", "Errors", "Throttles"]
    assert alarms["DurationP99Alarm"]["ExtendedStatistic"] == "p99"
    assert set(out["Outputs"]) >= {"ApiUrl", "DocsUrl", "TableName"}


def test_a_table_less_app(tmp_path, monkeypatch):
    """todo: its own variables, no table, and so no DynamoDB permission at all."""
    out = translate("HTTP", tmp_path, monkeypatch, app="todo")
    res = active_resources(out)
    assert not of_type(res, "AWS::DynamoDB::Table")
    assert condition_values(out)["HasTable"] is False
    framework, own = environment(out, "todo")
    assert own == {"TODO_GREETING": "hello, world", "TODO_MAX_ITEMS": "100"}
    # The table variable is there, but AWS::NoValue removes it without a table.
    assert framework["TABLE_NAME"]["Fn::If"][0] == "HasTable"
    role = of_type(res, "AWS::IAM::Role")["FunctionRole"]
    assert [p["Fn::If"][0] for p in role["Policies"]] == ["HasTable"]
    assert "TableName" not in {k for k, v in out["Outputs"].items() if condition_values(out).get(v.get("Condition"), True)}
    assert of_type(res, "AWS::ApiGatewayV2::Api")["HttpApi"]["Name"] == {"Fn::Sub": "${AWS::StackName}-${AppName}"}


@pytest.mark.parametrize("app", APPS)
def test_every_name_has_a_value(app):
    """A name of EnvironmentNames without NAME=value in Environment would fail the deployment."""
    params = parameters(app)
    template = expand_foreach(with_defaults(load_template(), params), params)
    env = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    for name in params["EnvironmentNames"].split(","):
        assert evaluate(template, env[name], params) is not None


def test_the_default_environment_names_the_app():
    """Without EnvironmentNames, the list is CG_APP_NAME alone (it cannot be empty)."""
    params = {"AppName": "todo"}
    template = expand_foreach(with_defaults(load_template(), params), params)
    env = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert evaluate(template, env["CG_APP_NAME"], params) == "todo"


def test_http_api_choice(tmp_path, monkeypatch):
    out = translate("HTTP", tmp_path, monkeypatch)
    res = active_resources(out)
    assert not of_type(res, "AWS::ApiGateway::RestApi")
    routes = of_type(res, "AWS::ApiGatewayV2::Route")
    assert sorted(r["RouteKey"] for r in routes.values()) == ["$default", "ANY /{proxy+}"]
    assert all(r["Target"] == {"Fn::Sub": "integrations/${HttpApiIntegration}"} for r in routes.values())
    integration = of_type(res, "AWS::ApiGatewayV2::Integration")["HttpApiIntegration"]
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["PayloadFormatVersion"] == "2.0"
    # The API calls the alias, where provisioned concurrency lives.
    assert integration["IntegrationUri"] == {"Ref": "FunctionAliaslive"}
    stage = of_type(res, "AWS::ApiGatewayV2::Stage")["HttpApiStage"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    permission, = of_type(res, "AWS::Lambda::Permission").values()
    assert permission["FunctionName"] == {"Ref": "FunctionAliaslive"}
    assert permission["Principal"] == "apigateway.amazonaws.com" and "${HttpApi}" in permission["SourceArn"]["Fn::Sub"]
    assert "HttpApi.ApiEndpoint" in json.dumps(out["Outputs"]["DocsUrl"])


@pytest.mark.parametrize("app", APPS)
def test_rest_api_choice(tmp_path, monkeypatch, app):
    out = translate("REST", tmp_path, monkeypatch, app)
    res = active_resources(out)
    assert not of_type(res, "AWS::ApiGatewayV2::Api")
    assert of_type(res, "AWS::ApiGateway::Resource")["RestApiProxyResource"]["PathPart"] == "{proxy+}"
    methods = of_type(res, "AWS::ApiGateway::Method")
    assert len(methods) == 2 and all(m["HttpMethod"] == "ANY" for m in methods.values())
    assert all(m["Integration"]["Type"] == "AWS_PROXY" for m in methods.values())
    assert of_type(res, "AWS::ApiGateway::Stage")["RestApiStage"]["StageName"] == {"Ref": "StageName"}
    assert out["Parameters"]["StageName"]["Default"] == "prod"
    permission, = of_type(res, "AWS::Lambda::Permission").values()
    assert "${RestApi}" in permission["SourceArn"]["Fn::Sub"]


@pytest.mark.parametrize("api_type,mapping", [("HTTP", "AWS::ApiGatewayV2::ApiMapping"),
                                              ("REST", "AWS::ApiGateway::BasePathMapping")])
def test_custom_domain_maps_the_base_path(tmp_path, monkeypatch, api_type, mapping):
    out = translate(api_type, tmp_path, monkeypatch)
    plain = active_resources(out)
    assert not of_type(plain, mapping)
    with_domain = active_resources(out, {"DomainName": "api.example.com", "BasePath": "v1"})
    props, = of_type(with_domain, mapping).values()
    assert props.get("ApiMappingKey", props.get("BasePath")) == {
        "Fn::If": ["HasBasePath", {"Ref": "BasePath"}, {"Ref": "AWS::NoValue"}]}
