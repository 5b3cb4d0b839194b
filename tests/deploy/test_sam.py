"""deploy/sam/template.yaml: cfn-lint on the template, then aws-sam-translator's
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

TABLE_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query"}


def cfn_lint(path):
    return subprocess.run([os.path.join(DEPLOY_VENV_BIN, "cfn-lint"), path], capture_output=True, text=True,
                          timeout=120)


def load_template():
    with open(TEMPLATE) as f:
        return yaml_parse(f.read())


class NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs; this template names none by short name."""

    def load(self):
        return {}


def translate(api_type, tmp_path, monkeypatch):
    """The transformed template (ApiType's default set to api_type), written out and linted."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    src = load_template()
    src["Parameters"]["ApiType"]["Default"] = api_type
    src["Resources"]["ItemsFunction"]["Properties"]["CodeUri"] = "s3://example-bucket/items-arm64.zip"
    out = transform(src, {"AWS::Region": "us-east-1"}, NoManagedPolicies())
    path = tmp_path / f"translated-{api_type}.json"
    path.write_text(json.dumps(out, indent=1))
    lint = cfn_lint(str(path))
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


def test_function_table_logs_and_alarms(tmp_path, monkeypatch):
    out = translate("HTTP", tmp_path, monkeypatch)
    res = active_resources(out)
    fn = of_type(res, "AWS::Lambda::Function")["ItemsFunction"]
    assert (fn["Runtime"], fn["Handler"]) == ("provided.al2023", "bootstrap")
    assert fn["Architectures"] == [{"Ref": "Architecture"}] and out["Parameters"]["Architecture"]["Default"] == "arm64"
    assert fn["MemorySize"] == {"Ref": "MemorySize"}
    assert fn["Code"] == {"S3Bucket": "example-bucket", "S3Key": "items-arm64.zip"}
    env = fn["Environment"]["Variables"]
    assert env["ITEMS_STORE"] == "dynamodb" and env["ITEMS_TABLE"] == {"Ref": "ItemsTable"}
    assert env["CG_BASE_PATH"] == {"Fn::If": ["HasDomain", {"Ref": "BasePath"}, ""]}
    assert fn["ReservedConcurrentExecutions"]["Fn::If"][0] == "HasReservedConcurrency"
    alias = of_type(res, "AWS::Lambda::Alias")["ItemsFunctionAliaslive"]
    assert alias["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasProvisionedConcurrency"

    # Least privilege: the app's five calls, on the table's ARN only.
    role = of_type(res, "AWS::IAM::Role")["ItemsFunctionRole"]
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert len(statements) == 1
    assert set(statements[0]["Action"]) == TABLE_ACTIONS
    assert statements[0]["Resource"] == {"Fn::GetAtt": ["ItemsTable", "Arn"]}

    table = of_type(res, "AWS::DynamoDB::Table")["ItemsTable"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "id", "KeyType": "RANGE"}]
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {("pk", "S"),
                                                                                               ("id", "N")}
    logs = of_type(res, "AWS::Logs::LogGroup")["ItemsLogGroup"]
    assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert logs["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${ItemsFunction}"}
    alarms = of_type(res, "AWS::CloudWatch::Alarm")
    assert sorted(a["MetricName"] for a in alarms.values()) == ["Duration", "Errors", "Throttles"]
    assert alarms["DurationP99Alarm"]["ExtendedStatistic"] == "p99"
    assert set(out["Outputs"]) >= {"ApiUrl", "DocsUrl"}


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
    assert integration["IntegrationUri"] == {"Ref": "ItemsFunctionAliaslive"}
    stage = of_type(res, "AWS::ApiGatewayV2::Stage")["HttpApiStage"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    permission, = of_type(res, "AWS::Lambda::Permission").values()
    assert permission["FunctionName"] == {"Ref": "ItemsFunctionAliaslive"}
    assert permission["Principal"] == "apigateway.amazonaws.com" and "${HttpApi}" in permission["SourceArn"]["Fn::Sub"]
    assert "HttpApi.ApiEndpoint" in json.dumps(out["Outputs"]["DocsUrl"])


def test_rest_api_choice(tmp_path, monkeypatch):
    out = translate("REST", tmp_path, monkeypatch)
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
