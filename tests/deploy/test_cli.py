"""deploy/cli/deploy.sh and destroy.sh against moto_server on a loopback port,
with the aws CLI of build/venv, for two apps through deploy/examples/*/cli.sh:
items (its table, ITEMS_* variables) and a table-less app (todo). What exists
after a first deploy, after a second one (updated in place, nothing doubled),
and after destroy (run twice too). moto creates functions without Docker;
nothing is invoked."""
import json
import os
import subprocess
import sys
import zipfile

import boto3
import pytest

from conftest import CLI_DIR, EXAMPLES_DIR
from moto_server import running_moto

VENV_BIN = os.path.dirname(sys.executable)
NAME = "items-cli-test"
TODO = "todo-cli-test"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
CORS = 'https://a.example, https://b.example'


@pytest.fixture(scope="module")
def moto():
    """moto_server on 127.0.0.1, with AWS's managed policies loaded (the role attaches one); its URL."""
    with running_moto({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}) as url:
        yield url


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """A zip with `bootstrap` at its root, as `make package` writes (never run: moto does not invoke)."""
    path = tmp_path_factory.mktemp("dist") / "items.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        z.writestr(info, "#!/bin/sh\nexit 0\n")
    return str(path)


def run(script, moto, app="items", name=NAME, **env):
    """deploy.sh or destroy.sh, with an app's values (deploy/examples/APP/cli.sh)."""
    full = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": moto, "NAME": name,
            "PATH": VENV_BIN + os.pathsep + os.environ["PATH"], **env}
    full.pop("AWS_DEFAULT_REGION", None)
    example = os.path.join(EXAMPLES_DIR, app, "cli.sh")
    return subprocess.run(["sh", example, script, "--name", name], capture_output=True, text=True, env=full,
                          timeout=180)


def client(moto, service):
    return boto3.client(service, endpoint_url=moto, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def http_api(moto, name=NAME):
    """(api, integrations, routes, stages) of the one API named name."""
    apigw = client(moto, "apigatewayv2")
    apis = [a for a in apigw.get_apis()["Items"] if a["Name"] == name]
    assert len(apis) == 1, apis
    api_id = apis[0]["ApiId"]
    return (apis[0], apigw.get_integrations(ApiId=api_id)["Items"], apigw.get_routes(ApiId=api_id)["Items"],
            apigw.get_stages(ApiId=api_id)["Items"])


def check_deployed(moto, arch, memory):
    fn = client(moto, "lambda").get_function_configuration(FunctionName=NAME)
    assert (fn["Runtime"], fn["Handler"], fn["Architectures"], fn["MemorySize"]) == (
        "provided.al2023", "bootstrap", [arch], memory)
    assert fn["Environment"]["Variables"] == {"ITEMS_STORE": "dynamodb", "ITEMS_TABLE": f"{NAME}-items",
                                              "LOG_LEVEL": "info", "CORS_ALLOW_ORIGINS": CORS}
    assert fn["Role"].endswith(f":role/{NAME}-function")

    iam = client(moto, "iam")
    trust = iam.get_role(RoleName=f"{NAME}-function")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=f"{NAME}-function")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicExecutionRole"]
    policy = iam.get_role_policy(RoleName=f"{NAME}-function", PolicyName="tables")["PolicyDocument"]
    statement, = policy["Statement"]
    table = client(moto, "dynamodb").describe_table(TableName=f"{NAME}-items")["Table"]
    assert statement["Resource"] == [table["TableArn"]]
    assert sorted(statement["Action"]) == ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
                                           "dynamodb:Query", "dynamodb:UpdateItem"]
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [("pk", "HASH"), ("id", "RANGE")]
    ttl = client(moto, "dynamodb").describe_time_to_live(TableName=f"{NAME}-items")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")  # idempotency records

    groups = client(moto, "logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [(f"/aws/lambda/{NAME}", 30)]

    return check_http_api(moto, NAME, fn["FunctionArn"])


def check_http_api(moto, name, function_arn):
    """The HTTP API named name: one integration to the function, the two routes, the $default stage,
    and the function's permission for this API alone."""
    api, integrations, routes, stages = http_api(moto, name)
    assert api["ProtocolType"] == "HTTP"
    integration, = integrations
    assert (integration["IntegrationType"], integration["PayloadFormatVersion"]) == ("AWS_PROXY", "2.0")
    assert integration["IntegrationUri"] == function_arn
    assert sorted((r["RouteKey"], r["Target"]) for r in routes) == [
        ("$default", f"integrations/{integration['IntegrationId']}"),
        ("ANY /{proxy+}", f"integrations/{integration['IntegrationId']}")]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]

    statements = json.loads(client(moto, "lambda").get_policy(FunctionName=name)["Policy"])["Statement"]
    statement, = statements
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f":{api['ApiId']}/*")
    return api


def test_deploy_twice_then_destroy_twice(moto, package):
    first = run("deploy.sh", moto, ZIP=package, ARCH="x86_64", MEMORY="512", CORS_ALLOW_ORIGINS=CORS)
    assert first.returncode == 0, first.stderr
    api = check_deployed(moto, "x86_64", 512)
    assert f"api_url={api['ApiEndpoint']}\ndocs_url={api['ApiEndpoint']}/docs\n" == first.stdout

    # Again, with more memory: updated in place, nothing made twice. (The
    # architecture stays: moto's UpdateFunctionCode ignores Architectures.)
    second = run("deploy.sh", moto, ZIP=package, ARCH="x86_64", MEMORY="1024", CORS_ALLOW_ORIGINS=CORS)
    assert second.returncode == 0, second.stderr
    assert "creating" not in second.stderr
    assert check_deployed(moto, "x86_64", 1024)["ApiId"] == api["ApiId"]

    gone = run("destroy.sh", moto)
    assert gone.returncode == 0, gone.stderr
    assert [a for a in client(moto, "apigatewayv2").get_apis()["Items"] if a["Name"] == NAME] == []
    assert NAME not in [f["FunctionName"] for f in client(moto, "lambda").list_functions()["Functions"]]
    assert f"{NAME}-function" not in [r["RoleName"] for r in client(moto, "iam").list_roles()["Roles"]]
    assert client(moto, "logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"] == []
    assert f"{NAME}-items" in client(moto, "dynamodb").list_tables()["TableNames"]  # kept, with its items

    again = run("destroy.sh", moto, DELETE_TABLES="1")
    assert again.returncode == 0, again.stderr
    assert f"{NAME}-items" not in client(moto, "dynamodb").list_tables()["TableNames"]


def test_a_table_less_app(moto, package):
    """todo: its own variables, no table, and so no DynamoDB permission at all."""
    tables_before = client(moto, "dynamodb").list_tables()["TableNames"]
    first = run("deploy.sh", moto, app="todo", name=TODO, ZIP=package, ARCH="x86_64")
    assert first.returncode == 0, first.stderr
    assert "table" not in first.stderr
    fn = client(moto, "lambda").get_function_configuration(FunctionName=TODO)
    assert fn["Environment"]["Variables"] == {"LOG_LEVEL": "info", "TODO_GREETING": "hello, world",
                                              "TODO_MAX_ITEMS": "100"}
    iam = client(moto, "iam")
    assert iam.list_role_policies(RoleName=f"{TODO}-function")["PolicyNames"] == []
    assert [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=f"{TODO}-function")[
        "AttachedPolicies"]] == ["AWSLambdaBasicExecutionRole"]
    assert client(moto, "dynamodb").list_tables()["TableNames"] == tables_before
    api = check_http_api(moto, TODO, fn["FunctionArn"])
    assert first.stdout == f"api_url={api['ApiEndpoint']}\ndocs_url={api['ApiEndpoint']}/docs\n"

    gone = run("destroy.sh", moto, app="todo", name=TODO)
    assert gone.returncode == 0, gone.stderr
    assert TODO not in [f["FunctionName"] for f in client(moto, "lambda").list_functions()["Functions"]]
    assert f"{TODO}-function" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_tracing_and_metrics_namespace(moto, package):
    """TRACING_MODE=Active: the function traced and its role allowed to send segments; back to
    Disabled: neither. CG_METRICS_NAMESPACE reaches the function."""
    name = "tracing-cli-test"
    lam, iam = client(moto, "lambda"), client(moto, "iam")

    def attached():
        policies = iam.list_attached_role_policies(RoleName=f"{name}-function")["AttachedPolicies"]
        return [p["PolicyName"] for p in policies]

    on = run("deploy.sh", moto, app="todo", name=name, ZIP=package, ARCH="x86_64", TRACING_MODE="Active",
             CG_METRICS_NAMESPACE="Todo")
    assert on.returncode == 0, on.stderr
    fn = lam.get_function_configuration(FunctionName=name)
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["Environment"]["Variables"]["CG_METRICS_NAMESPACE"] == "Todo"
    assert sorted(attached()) == ["AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"]

    off = run("deploy.sh", moto, app="todo", name=name, ZIP=package, ARCH="x86_64")
    assert off.returncode == 0, off.stderr
    # (Mode=PassThrough is sent too, but moto's UpdateFunctionConfiguration ignores TracingConfig.)
    fn = lam.get_function_configuration(FunctionName=name)
    assert "CG_METRICS_NAMESPACE" not in fn["Environment"]["Variables"]
    assert attached() == ["AWSLambdaBasicExecutionRole"]

    gone = run("destroy.sh", moto, app="todo", name=name)
    assert gone.returncode == 0, gone.stderr
    assert f"{name}-function" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


@pytest.mark.parametrize("env,message", [
    ({"AWS_REGION": ""}, "set AWS_REGION"),
    ({"ARCH": "aarch64"}, "ARCH must be arm64 or x86_64"),
    ({"ZIP": "/nonexistent/items.zip"}, "/nonexistent/items.zip not found: run 'make package'"),
    ({"TRACING_MODE": "PassThrough"}, "TRACING_MODE must be Disabled or Active"),
])
def test_deploy_refuses_bad_settings(moto, package, env, message):
    out = run("deploy.sh", moto, **{"ZIP": package, **env})
    assert out.returncode == 1 and message in out.stderr


@pytest.mark.parametrize("args,message", [
    ([], "usage: deploy.sh --app APP"),
    (["--app", "x", "--env", "1X=y"], "--env 1X=y: NAME=VALUE expected"),
    (["--app", "x", "--env", "A-B=y"], "a variable name is letters, digits and '_'"),
    (["--app", "x", "--table", "hash=pk"], "name=... and hash=... are needed"),
    (["--app", "x", "--table", "name=t,hash=pk:X"], "the type is S, N or B"),
])
def test_deploy_refuses_bad_flags(moto, package, args, message):
    env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": moto, "ZIP": package,
           "PATH": VENV_BIN + os.pathsep + os.environ["PATH"]}
    out = subprocess.run(["sh", os.path.join(CLI_DIR, "deploy.sh"), *args], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 1 and message in out.stderr, out.stderr
