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


def translate(api_type, tmp_path, monkeypatch, app="items", values=None, template=None):
    """The transformed template for app's values and then values (as its parameters' defaults,
    ApiType's set to api_type), written out and linted; template replaces deploy/sam's."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    params = {**parameters(app), **(values or {})}
    src = expand_foreach(with_defaults(template or load_template(), {**params, "ApiType": api_type}), params)
    src["Resources"]["Function"]["Properties"]["CodeUri"] = f"s3://example-bucket/{app}-arm64.zip"
    out = transform(src, {"AWS::Region": "us-east-1"}, NoManagedPolicies())
    path = tmp_path / f"translated-{app}-{api_type}-{len(values or {})}.json"
    path.write_text(json.dumps(out, indent=1))
    # W2001, a parameter not used: Fn::ForEach's collections (EnvironmentNames, TableVariable,
    # CacheKeyParameters) are consumed by the expansion. W1030: TracingConfig's Mode is
    # TracingMode, whose Disabled (SAM's word) never reaches it: SAM then writes no TracingConfig.
    ignores = "W2001,W1030" if params.get("TracingMode") == "Active" else "W2001"
    lint = cfn_lint(str(path), "--ignore-checks", ignores)
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
        if isinstance(expr, dict) and "Fn::Join" in expr:
            sep, items = expr["Fn::Join"]
            return sep.join(value(items).split(","))
        return str(expr)

    def evaluate(expr):
        (fn, args), = expr.items()
        if fn == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if fn == "Fn::Not":
            return not evaluate(args[0])
        if fn == "Fn::And":
            return all(evaluate(a) for a in args)
        if fn == "Fn::Or":
            return any(evaluate(a) for a in args)
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
    framework = {"LOG_LEVEL", "CORS_ALLOW_ORIGINS", "CG_BASE_PATH", "CG_METRICS_NAMESPACE",
                 params.get("TableVariable", "TABLE_NAME")}
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
                         "CG_METRICS_NAMESPACE": {"Ref": "MetricsNamespace"},
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
    assert table["TimeToLiveSpecification"] == {"Fn::If": ["HasTtl", {"AttributeName": {"Ref": "TableTtlAttribute"},
                                                                      "Enabled": True}, {"Ref": "AWS::NoValue"}]}
    assert params["TableTtlAttribute"] == "expires_at"  # idempotency records
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


# ---- the REST API's own knobs (cache, API keys and usage plan, WAF), tracing, metrics ----

WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/cgate/0123abcd"
CACHE = {"CacheClusterSize": "0.5", "CacheTtlSeconds": "60",
         "CacheKeyParameters": "querystring.limit,querystring.cursor,header.Accept-Encoding"}
CACHE_KEYS = ["method.request.querystring.limit", "method.request.querystring.cursor",
              "method.request.header.Accept-Encoding"]
KEYS = {"ApiKeyRequired": "true", "UsagePlanRateLimit": "10", "UsagePlanBurstLimit": "20",
        "UsagePlanQuotaLimit": "10000", "UsagePlanQuotaPeriod": "DAY"}


def deployed(out, overrides=None):
    """Logical id -> properties, as CloudFormation would create them with these parameter values:
    conditions decided, Fn::If taken, AWS::NoValue dropped, parameters' Refs, Fn::Join and Fn::Split
    evaluated (resources' Refs and Fn::Sub left as written)."""
    params = {k: str(v.get("Default", "")) for k, v in out["Parameters"].items()}
    params.update(overrides or {})
    cond = condition_values(out, overrides)
    no_value = object()

    def ev(v):
        if isinstance(v, list):
            return [x for x in (ev(x) for x in v) if x is not no_value]
        if not isinstance(v, dict):
            return v
        if v == {"Ref": "AWS::NoValue"}:
            return no_value
        if "Fn::If" in v:
            name, yes, no = v["Fn::If"]
            return ev(yes if cond[name] else no)
        if "Ref" in v and v["Ref"] in out["Parameters"]:
            value = params[v["Ref"]]
            return value.split(",") if out["Parameters"][v["Ref"]]["Type"] == "CommaDelimitedList" else value
        if "Fn::Join" in v:
            sep, items = v["Fn::Join"]
            return sep.join(ev(items))
        if "Fn::Split" in v:
            sep, text = v["Fn::Split"]
            return ev(text).split(sep)
        if "Fn::Select" in v:
            index, items = v["Fn::Select"]
            return ev(items)[int(index)]
        if "Fn::Sub" in v and isinstance(v["Fn::Sub"], str) and "${AWS::" not in v["Fn::Sub"]:
            text = v["Fn::Sub"]
            for name in out["Parameters"]:
                text = text.replace("${%s}" % name, params[name])
            return text if "${" not in text else v
        return {k: x for k, x in ((k, ev(x)) for k, x in v.items()) if x is not no_value}

    return {k: ev(r.get("Properties", {})) for k, r in active_resources(out, overrides).items()}


def rules_hold(template, values):
    """Whether CloudFormation would accept these parameter values under the template's Rules."""
    checks = {}
    for name, rule in template["Rules"].items():
        for i, assertion in enumerate(rule["Assertions"]):
            expr = assertion["Assert"]
            if "RuleCondition" in rule:
                expr = {"Fn::Or": [{"Fn::Not": [rule["RuleCondition"]]}, expr]}
            checks[f"{name}{i}"] = expr
    return all(condition_values({**template, "Conditions": checks}, values).values())


def check_cache(out):
    """CacheClusterSize on, with keys, with the path alone, and off."""
    on = deployed(out)
    stage, proxy, root = on["RestApiStage"], on["RestApiProxyMethod"], on["RestApiRootMethod"]
    assert (stage["CacheClusterEnabled"], stage["CacheClusterSize"]) == (True, "0.5")
    assert stage["MethodSettings"] == [{"ResourcePath": "/*", "HttpMethod": "*", "CachingEnabled": True,
                                        "CacheTtlInSeconds": "60", "CacheDataEncrypted": True}]
    # The greedy path is a key (or every path shares one entry), then each declared parameter.
    assert proxy["RequestParameters"] == {"method.request.path.proxy": True, **{k: False for k in CACHE_KEYS}}
    assert proxy["Integration"]["CacheKeyParameters"] == ["method.request.path.proxy", *CACHE_KEYS]
    assert root["RequestParameters"] == {k: False for k in CACHE_KEYS}
    assert root["Integration"]["CacheKeyParameters"] == CACHE_KEYS

    path_only = deployed(out, {"CacheKeyParameters": ""})
    assert path_only["RestApiProxyMethod"]["RequestParameters"] == {"method.request.path.proxy": True}
    assert path_only["RestApiProxyMethod"]["Integration"]["CacheKeyParameters"] == ["method.request.path.proxy"]
    assert "RequestParameters" not in path_only["RestApiRootMethod"]

    off = deployed(out, {"CacheClusterSize": ""})
    assert off["RestApiStage"]["CacheClusterEnabled"] is False
    assert not {"CacheClusterSize", "MethodSettings"} & set(off["RestApiStage"])
    for method in ("RestApiProxyMethod", "RestApiRootMethod"):
        assert "RequestParameters" not in off[method] and "CacheKeyParameters" not in off[method]["Integration"]


def test_rest_api_cache(tmp_path, monkeypatch):
    out = translate("REST", tmp_path, monkeypatch, values=CACHE)
    defaults = load_template()["Parameters"]
    assert (defaults["CacheClusterSize"]["Default"], defaults["CacheTtlSeconds"]["Default"]) == ("", 300)
    check_cache(out)


def test_a_cache_without_the_path_key_is_caught(tmp_path, monkeypatch):
    """check_cache can fail: a copy whose greedy path is no cache key (every path one entry)."""
    with open(TEMPLATE) as f:
        text = f.read()
    broken = text.replace("method.request.path.proxy,method.request.", "method.request.")
    assert broken != text
    out = translate("REST", tmp_path, monkeypatch, values=CACHE, template=yaml_parse(broken))
    with pytest.raises(AssertionError):
        check_cache(out)


def test_rest_api_keys_and_usage_plan(tmp_path, monkeypatch):
    out = translate("REST", tmp_path, monkeypatch, values=KEYS)
    on = deployed(out)
    assert on["RestApiProxyMethod"]["ApiKeyRequired"] is True and on["RestApiRootMethod"]["ApiKeyRequired"] is True
    key = on["RestApiKey"]
    assert key["Enabled"] is True and "Value" not in key  # AWS generates it; no output holds it
    plan = on["RestUsagePlan"]
    assert plan["ApiStages"] == [{"ApiId": {"Ref": "RestApi"}, "Stage": {"Ref": "RestApiStage"}}]
    assert plan["Throttle"] == {"RateLimit": "10", "BurstLimit": "20"}
    assert plan["Quota"] == {"Limit": "10000", "Period": "DAY"}
    assert on["RestUsagePlanKey"] == {"KeyId": {"Ref": "RestApiKey"}, "KeyType": "API_KEY",
                                      "UsagePlanId": {"Ref": "RestUsagePlan"}}
    assert out["Outputs"]["ApiKeyId"] == {**out["Outputs"]["ApiKeyId"], "Condition": "RestApiKeys",
                                          "Value": {"Ref": "RestApiKey"}}

    unlimited = deployed(out, {"UsagePlanRateLimit": "0", "UsagePlanBurstLimit": "0", "UsagePlanQuotaLimit": "0"})
    assert not {"Throttle", "Quota"} & set(unlimited["RestUsagePlan"])

    off = deployed(out, {"ApiKeyRequired": "false"})
    assert not {"RestApiKey", "RestUsagePlan", "RestUsagePlanKey"} & set(off)
    assert off["RestApiProxyMethod"]["ApiKeyRequired"] is False and off["RestApiRootMethod"]["ApiKeyRequired"] is False


def test_rest_api_waf(tmp_path, monkeypatch):
    out = translate("REST", tmp_path, monkeypatch, values={"WebAclArn": WEB_ACL})
    association = deployed(out)["RestWebAclAssociation"]
    assert association["WebACLArn"] == WEB_ACL
    assert association["ResourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestApi}/stages/${RestApiStage}"}
    assert "RestWebAclAssociation" not in deployed(out, {"WebAclArn": ""})


@pytest.mark.parametrize("values", [{"CacheClusterSize": "0.5"}, {"ApiKeyRequired": "true"}, {"WebAclArn": WEB_ACL}])
def test_http_api_refuses_the_rest_api_knobs(values):
    """HTTP APIs have no cache, API keys nor WAF: the stack's Rules refuse them, and nothing is made."""
    template = load_template()
    assert rules_hold(template, {"ApiType": "REST", **values})
    assert not rules_hold(template, {"ApiType": "HTTP", **values})
    assert rules_hold(template, {"ApiType": "HTTP"})
    cond = condition_values(template, {"ApiType": "HTTP", **values})
    assert not any(cond[c] for c in ("RestCache", "RestCacheKeys", "RestApiKeys", "RestWaf"))


def test_usage_plan_throttle_is_set_whole():
    template = load_template()
    assert rules_hold(template, {"ApiType": "REST", **KEYS})
    assert not rules_hold(template, {"ApiType": "REST", **KEYS, "UsagePlanBurstLimit": "0"})
    assert not rules_hold(template, {"ApiType": "REST", **KEYS, "UsagePlanRateLimit": "0"})


def test_tracing_and_metrics_namespace(tmp_path, monkeypatch):
    """Off by default (the first test checks the role has the basic policy alone); Active: the
    function's TracingConfig and the X-Ray write policy. The namespace is the app's variable."""
    out = translate("HTTP", tmp_path, monkeypatch, app="todo")
    assert "TracingConfig" not in out["Resources"]["Function"]["Properties"]
    assert out["Parameters"]["TracingMode"]["Default"] == "Disabled"
    on = translate("HTTP", tmp_path, monkeypatch, app="todo",
                   values={"TracingMode": "Active", "MetricsNamespace": "Todo"})
    fn = on["Resources"]["Function"]["Properties"]
    assert fn["TracingConfig"] == {"Mode": {"Ref": "TracingMode"}}
    role = on["Resources"]["FunctionRole"]["Properties"]
    assert "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess" in role["ManagedPolicyArns"]
    assert fn["Environment"]["Variables"]["CG_METRICS_NAMESPACE"] == {"Ref": "MetricsNamespace"}
    assert deployed(on)["Function"]["Environment"]["Variables"]["CG_METRICS_NAMESPACE"] == "Todo"
