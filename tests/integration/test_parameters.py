"""Parameters and secrets (cgate/secrets.h) against moto_server on loopback:
SSM parameters of each type, by name and ARN, a path read over several pages,
secrets by name and ARN, the errors, and the cache, its requests counted by a
proxy. Then the items app with its write token in Secrets Manager, read at
start-up, whose failure on Lambda is an /init/error naming the secret.
secrets_tool (secrets_tool.c) drives the client: one JSON line per read."""
import concurrent.futures
import itertools
import json
import os
import socket
import subprocess

import boto3
import pytest

from conftest import BIN_DIR
from moto_server import running_moto
from test_faults import ThrottlingProxy

TOOL = os.path.join(BIN_DIR, "secrets_tool")
ITEMS = os.path.join(BIN_DIR, "items")
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION}
names = itertools.count(1)


@pytest.fixture(scope="module")
def moto():
    with running_moto() as url:
        yield url


@pytest.fixture(scope="module")
def ssm(moto):
    return boto3.client("ssm", endpoint_url=moto, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def secrets(moto):
    return boto3.client("secretsmanager", endpoint_url=moto, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture
def proxy(moto):
    """Forwards to moto and records each operation (GetParameter, ...)."""
    p = ThrottlingProxy(moto)
    yield p
    p.close()


def operations(proxy):
    return [op for op, _ in proxy.seen]


def env_for(url, **extra):
    """The environment of a process whose AWS calls go to url."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CG_SECRETS_"))}
    return {**base, **CREDENTIALS, "AWS_ENDPOINT_URL": url, **extra}


def reads(url, *specs, timeout=30, **env):
    """Run secrets_tool with the reads `specs`: one dict per read."""
    proc = subprocess.run([TOOL, *specs], env=env_for(url, **env), capture_output=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


def unique(prefix):
    return f"{prefix}{next(names)}-{os.getpid()}"


# ---- SSM parameters ----

def test_each_type_of_parameter_by_name_and_arn(moto, ssm):
    base = unique("/types")
    ssm.put_parameter(Name=f"{base}/string", Value="plain text", Type="String")
    ssm.put_parameter(Name=f"{base}/list", Value="a,b,c", Type="StringList")
    ssm.put_parameter(Name=f"{base}/secure", Value="s3cr3t é", Type="SecureString")
    arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{base}/string"
    got = reads(moto, f"ssm:{base}/string", f"ssm:{base}/list", f"ssm:{base}/secure", f"ssm:{arn}")
    assert got == [{"value": "plain text"}, {"value": "a,b,c"}, {"value": "s3cr3t é"}, {"value": "plain text"}]


def test_a_path_is_read_over_its_pages(moto, ssm, proxy):
    base = unique("/many")
    expected = {}
    for i in range(23):  # three pages of ten
        name = f"{base}/{'deep/' if i % 4 == 0 else ''}p{i:02d}"
        expected[name] = f"value {i}"
        ssm.put_parameter(Name=name, Value=expected[name], Type="SecureString" if i == 5 else "String")
    ssm.put_parameter(Name=f"{base}-beside/x", Value="not under the path", Type="String")
    [got] = reads(proxy.url, f"path:{base}")
    assert dict(got["params"]) == expected
    assert operations(proxy) == ["GetParametersByPath"] * 3


def test_a_path_holds_at_most_1000_parameters(moto, ssm):
    base = unique("/crowded")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: ssm.put_parameter(Name=f"{base}/p{i}", Value="v", Type="String"), range(1001)))
    [got] = reads(moto, f"path:{base}")
    assert got == {"status": -3, "error": f'ssm path "{base}": more than 1000 parameters: read a narrower path'}


def test_an_empty_path_has_no_parameters(moto):
    assert reads(moto, f"path:{unique('/nothing')}") == [{"params": []}]


# ---- secrets ----

def test_a_secret_by_name_and_by_arn(moto, secrets):
    name = unique("app/token-")
    arn = secrets.create_secret(Name=name, SecretString="tok-123")["ARN"]
    binary = secrets.create_secret(Name=unique("app/key-"), SecretBinary=b"\x00\x01 bytes")["ARN"]
    got = reads(moto, f"secret:{name}", f"secret:{arn}", f"ssm:{arn}", f"secret:{binary}")
    assert got == [{"value": "tok-123"}] * 3 + [{"value": "\x00\x01 bytes"}]


# ---- errors ----

def test_not_found_names_the_parameter_and_the_code(moto):
    missing, other = unique("/missing"), unique("missing-")
    got = reads(moto, f"ssm:{missing}", f"secret:{other}", f"path:{missing}")
    assert got[0]["status"] == -1
    assert got[0]["error"].startswith(f'ssm parameter "{missing}": ParameterNotFound: '), got[0]
    assert got[1]["status"] == -1
    assert got[1]["error"].startswith(f'secret "{other}": ResourceNotFoundException: '), got[1]
    assert got[2] == {"params": []}  # a path with nothing under it is not an error


@pytest.mark.parametrize("spec, status, message", [
    ("ssm:arn:aws:s3:::bucket", -3, '"arn:aws:s3:::bucket" is not the ARN of an SSM parameter'),
    ("secret:arn:aws:secretsmanager:eu-west-1:1:secret:x", -3,
     'secret "arn:aws:secretsmanager:eu-west-1:1:secret:x": its region is eu-west-1, the client\'s is us-east-1'),
    ("ssm:arn:aws:ssm:us-east-1:1:document/x", -3, "is not the ARN of an SSM parameter"),
    ("ssm:", -3, 'ssm parameter "": a name must have 1 to 2048 bytes'),
    ("ssm:/" + "x" * 2100, -3, "a name must have 1 to 2048 bytes"),
    ("path:relative", -3, "ssm path \"relative\": a path starts with '/'"),
], ids=["not-ssm-or-secrets", "other-region", "not-a-parameter", "empty", "too-long", "relative-path"])
def test_bad_names_are_refused_before_any_call(proxy, spec, status, message):
    [got] = reads(proxy.url, spec)
    assert got["status"] == status and message in got["error"], got
    assert operations(proxy) == []


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once closed


def test_no_answer_is_a_named_failure():
    port = closed_port()
    [got] = reads(f"http://127.0.0.1:{port}", "secret:x", AWS_MAX_ATTEMPTS="1")
    assert got == {"status": -4, "error": f'secret "x": cannot connect to 127.0.0.1:{port}: Connection refused'}


def test_a_bad_max_age_is_named(moto):
    proc = subprocess.run([TOOL], env=env_for(moto, CG_SECRETS_MAX_AGE_S="5m"), capture_output=True, timeout=10)
    assert proc.returncode == 1
    assert b"CG_SECRETS_MAX_AGE_S=5m: not a number of seconds from 0 to 86400" in proc.stderr


# ---- the cache ----

def test_values_are_read_once_per_max_age(moto, ssm, secrets, proxy):
    name, secret = unique("/cached"), unique("cached-")
    ssm.put_parameter(Name=name, Value="v1", Type="String")
    secrets.create_secret(Name=secret, SecretString="s1")
    got = reads(proxy.url, *[f"ssm:{name}", f"secret:{secret}", f"path:{name}"] * 3)
    assert got == [{"value": "v1"}, {"value": "s1"}, {"params": []}] * 3
    assert sorted(operations(proxy)) == ["GetParameter", "GetParametersByPath", "GetSecretValue"]


def test_no_cache_when_the_max_age_is_zero(moto, ssm, proxy):
    name = unique("/uncached")
    ssm.put_parameter(Name=name, Value="v", Type="String")
    reads(proxy.url, *[f"ssm:{name}"] * 3, CG_SECRETS_MAX_AGE_S="0")
    assert operations(proxy) == ["GetParameter"] * 3


def changed_between_reads(moto, ssm, name, max_age):
    """Read name, change it in moto, read it again after 1.2 s: both values."""
    proc = subprocess.Popen([TOOL, f"ssm:{name}", "sleep:1200", f"ssm:{name}"], stdout=subprocess.PIPE,
                            env=env_for(moto, CG_SECRETS_MAX_AGE_S=max_age))
    try:
        first = json.loads(proc.stdout.readline())
        ssm.put_parameter(Name=name, Value="new", Type="String", Overwrite=True)
        assert json.loads(proc.stdout.readline()) == {}  # the pause
        second = json.loads(proc.stdout.readline())
    finally:
        proc.wait(timeout=30)
    return first["value"], second["value"]


def test_a_value_is_read_again_once_older_than_the_max_age(moto, ssm):
    name = unique("/rotated")
    ssm.put_parameter(Name=name, Value="old", Type="String")
    assert changed_between_reads(moto, ssm, name, "1") == ("old", "new")
    ssm.put_parameter(Name=name, Value="old", Type="String", Overwrite=True)
    assert changed_between_reads(moto, ssm, name, "300") == ("old", "old")


# ---- the items app: its write token from Secrets Manager ----

def run_items(url, args, timeout=30, **env):
    proc = subprocess.run([ITEMS, *args], env=env_for(url, ITEMS_DB=":memory:", **env), capture_output=True,
                          timeout=timeout)
    return proc.returncode, proc.stderr.decode()


@pytest.mark.parametrize("setting", ["ITEMS_API_TOKEN_SECRET", "ITEMS_API_TOKEN"])
def test_items_takes_its_token_from_a_secret(moto, secrets, start_server, setting):
    arn = secrets.create_secret(Name=unique("items-token-"), SecretString="from-secrets-manager")["ARN"]
    srv = start_server("items", env=env_for(moto, ITEMS_DB=":memory:", **{setting: arn}))
    item = json.dumps({"name": "Hammer", "price": 9.5})
    status = "%{http_code}"

    def post(*headers):
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", status, "-X", "POST", f"{srv.url}/api/items",
                              "-H", "content-type: application/json", *headers, "-d", item],
                             capture_output=True, timeout=10)
        return out.stdout.decode()

    assert post() == "401"
    assert post("-H", "authorization: Bearer wrong") == "401"
    assert post("-H", "authorization: Bearer from-secrets-manager") == "201"


@pytest.mark.parametrize("env, message", [
    ({"ITEMS_API_TOKEN_SECRET": "no-such-secret"},
     'ITEMS_API_TOKEN_SECRET: secret "no-such-secret": ResourceNotFoundException: '),
    ({"ITEMS_API_TOKEN": "t", "ITEMS_API_TOKEN_SECRET": "x"}, "ITEMS_API_TOKEN and ITEMS_API_TOKEN_SECRET are both set"),
    ({"ITEMS_API_TOKEN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:gone"},
     f'ITEMS_API_TOKEN: secret "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:gone": ResourceNotFoundException: '),
    ({"ITEMS_API_TOKEN": "arn:aws:s3:::bucket"}, "ITEMS_API_TOKEN: "),
], ids=["missing-secret", "both", "missing-arn", "arn-of-no-secret"])
def test_items_refuses_to_start_without_its_token(moto, env, message):
    code, err = run_items(moto, ["serve", "--port", "0"], **env)
    assert code == 1 and message in err, err


def test_openapi_needs_no_secret(moto):
    code, err = run_items(f"http://127.0.0.1:{closed_port()}", ["openapi"], ITEMS_API_TOKEN_SECRET="unreachable")
    assert code == 0, err


def test_on_lambda_a_missing_secret_is_an_init_error_naming_it(moto, runtime_api):
    api = runtime_api()
    code, _ = run_items(moto, [], AWS_LAMBDA_RUNTIME_API=api.endpoint, ITEMS_API_TOKEN_SECRET="gone")
    assert code != 0
    [post] = api.posts
    assert post.kind == "init-error"
    body = json.loads(post.body)
    assert body["errorType"] == "Runtime.InitError"
    assert body["errorMessage"].startswith('ITEMS_API_TOKEN_SECRET: secret "gone": ResourceNotFoundException: '), body
