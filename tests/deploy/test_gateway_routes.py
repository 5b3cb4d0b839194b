"""tools/gateway-routes.py on SAM: per-route cache TTLs and API keys for the
kit's REST API, from an app's OpenAPI document (x-cgate-cache-ttl, apiKey
security), on a document written here and on the items app's with TTLs and
keys added (gateway_routes_cases.py). The template it writes is translated by
SAM and linted (test_sam.translate), then deployed as CloudFormation would,
with ApiKeyRequired and the cache on and off; a generator that loses a route,
escapes a path wrongly or asks a key of the wrong route fails those checks.
Runs in build/venv-deploy; the Terraform side is test_gateway_routes_terraform.py."""
import json
import os
import re
import subprocess
import sys

import pytest
from samtranslator.yaml_helper import yaml_parse

from conftest import DEPLOY_VENV_BIN, TEMPLATE
from gateway_routes_cases import (DOCUMENT, EXPECTED, EXTRA, TOOL, broken_generator, gateway_routes, generate,
                                  items_case)
from sam_values import expand_foreach, parameters, with_defaults
from test_sam import condition_values, deployed, rules_hold, translate

REST_CACHE = {"CacheClusterSize": "0.5", "CacheKeyParameters": "querystring.page"}


def sam_template(tmp_path, document=DOCUMENT):
    out = tmp_path / "template.routes.yaml"
    generate(tmp_path, "--sam", TEMPLATE, "-o", str(out), *EXTRA, document=document)
    return yaml_parse(out.read_text())



def resource_paths(res):
    """Logical id of each AWS::ApiGateway::Resource -> its path, from the ParentId chain."""
    resources = {k: v for k, v in res.items() if isinstance(v, dict) and "PathPart" in v}

    def path_of(ref):
        if ref == {"Fn::GetAtt": ["RestApi", "RootResourceId"]}:
            return ""
        props = resources[ref["Ref"]]
        return path_of(props["ParentId"]) + "/" + props["PathPart"]

    return {k: path_of({"Ref": k}) for k in resources}


def sam_methods(res):
    """(method, path) -> properties of every AWS::ApiGateway::Method."""
    paths = resource_paths(res)
    out = {}
    for props in res.values():
        if isinstance(props, dict) and "HttpMethod" in props and "Integration" in props:
            ref = props["ResourceId"]
            path = "/" if ref == {"Fn::GetAtt": ["RestApi", "RootResourceId"]} else paths[ref["Ref"]]
            out[(props["HttpMethod"], path)] = props
    return out


def check_sam(out, expected=EXPECTED):
    """The routes as CloudFormation would create them: with the cache and ApiKeyRequired=declared,
    then ApiKeyRequired true and false, then no cache."""
    on = deployed(out, {**REST_CACHE, "ApiKeyRequired": "declared"})
    methods = sam_methods(on)
    # declared: the kit's own two methods ask no key; the routes that declare one do.
    assert methods[("ANY", "/")]["ApiKeyRequired"] is False and methods[("ANY", "/{proxy+}")]["ApiKeyRequired"] is False
    for (method, path), (ttl, api_key, keys) in expected.items():
        m = methods[(method, path)]
        assert m["ApiKeyRequired"] is api_key, (method, path)
        assert m["Integration"]["Uri"] == methods[("ANY", "/{proxy+}")]["Integration"]["Uri"]
        assert m["Integration"]["Type"] == "AWS_PROXY"
        assert m["Integration"].get("CacheKeyParameters", []) == ([f"method.request.{k}" for k in keys]
                                                                  if ttl else [])
        assert {k for k, v in m.get("RequestParameters", {}).items() if v} == {
            f"method.request.{k}" for k in keys if k.startswith("path.")}
    # One method setting per route, its resource path written with ~1, after the stage's default.
    settings = on["RestApiStage"]["MethodSettings"]
    assert settings[0]["ResourcePath"] == "/*"
    by_route = {(s["HttpMethod"], s["ResourcePath"]): s for s in settings[1:]}
    assert len(by_route) == len(settings) - 1 == len(expected)
    for (method, path), (ttl, _, _) in expected.items():
        escaped = "/" if path == "/" else "/" + path.replace("/", "~1")
        s = by_route[(method, escaped)]
        assert (s["CachingEnabled"], s["CacheTtlInSeconds"], s["CacheDataEncrypted"]) == (ttl > 0, ttl, True)
    # Under every resource made, the rest still reaches the app: ANY on it and on its {proxy+} child,
    # keyed by the path (or every path would share one cached answer) and the kit's own keys.
    paths = set(resource_paths(on).values())
    for path in paths:
        params = [f"method.request.path.{p}" for p in re.findall(r"\{(\w+)\+?\}", path)]
        assert methods[("ANY", path)]["ApiKeyRequired"] is False, path
        keys = methods[("ANY", path)]["Integration"]["CacheKeyParameters"]
        assert keys == params + ["method.request.querystring.page"], path
        if not path.endswith("{proxy+}"):
            assert path + "/{proxy+}" in paths, path
    # The stage is deployed after every method.
    depends = out["Resources"]["RestApiDeployment"]["DependsOn"]
    assert {k for k, v in out["Resources"].items() if v["Type"] == "AWS::ApiGateway::Method"} <= set(depends)

    every = sam_methods(deployed(out, {**REST_CACHE, "ApiKeyRequired": "true"}))
    assert all(m["ApiKeyRequired"] is True for m in every.values())
    off = deployed(out, {**REST_CACHE, "ApiKeyRequired": "false"})
    assert all(m["ApiKeyRequired"] is False for m in sam_methods(off).values())
    assert not {"RestApiKey", "RestUsagePlan"} & set(off)
    assert "MethodSettings" not in deployed(out, {"CacheClusterSize": ""})["RestApiStage"]


def test_sam_routes(tmp_path, monkeypatch):
    out = translate("REST", tmp_path, monkeypatch, values=REST_CACHE, template=sam_template(tmp_path))
    check_sam(out)


def test_sam_http_api_has_none_of_them(tmp_path, monkeypatch):
    out = translate("HTTP", tmp_path, monkeypatch, template=sam_template(tmp_path))
    active = deployed(out)
    assert not [k for k in active if k.startswith("RestRoute")]
    template = sam_template(tmp_path)
    assert rules_hold(template, {"ApiType": "REST", "ApiKeyRequired": "declared"})
    assert not rules_hold(template, {"ApiType": "HTTP", "ApiKeyRequired": "declared"})
    assert condition_values(template, {"ApiType": "REST", "ApiKeyRequired": "declared"})["RestApiKeys"]


def test_sam_without_routes_is_the_kit(tmp_path):
    """A document with neither TTLs nor API keys adds nothing."""
    out = tmp_path / "t.yaml"
    generate(tmp_path, "--sam", TEMPLATE, "-o", str(out), document={"openapi": "3.1.0", "paths": {"/": {"get": {}}}})
    with open(TEMPLATE) as f:
        assert out.read_text() == f.read()


def test_checkov_on_the_routes(tmp_path):
    """checkov on the written template (REST, cache, declared keys): nothing fails, and each generated
    method's skip (CKV_AWS_59: the app authorises) is explained and used. (checkov reads no .tf.json.)"""
    params = {**parameters("todo"), "ApiType": "REST", "ApiKeyRequired": "declared", **REST_CACHE}
    work = tmp_path / "checkov"
    work.mkdir()
    template = sam_template(tmp_path)
    (work / "template.json").write_text(json.dumps(expand_foreach(with_defaults(template, params), params)))
    out = subprocess.run([os.path.join(DEPLOY_VENV_BIN, "checkov"), "-d", str(work), "--framework", "cloudformation",
                          "--skip-download", "-o", "json"], capture_output=True, text=True, timeout=240,
                         env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"})
    assert out.returncode in (0, 1), out.stderr[-3000:]
    results = json.loads(out.stdout)["results"]
    assert [(c["check_id"], c["resource"]) for c in results["failed_checks"]] == []
    generated = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::ApiGateway::Method"
                 and k.startswith("RestRoute")}
    skipped = {c["resource"].split(".")[-1] for c in results["skipped_checks"] if c["check_id"] == "CKV_AWS_59"}
    assert generated and generated <= skipped


def test_the_items_apps_document(tmp_path, monkeypatch):
    document, expected = items_case()
    out = translate("REST", tmp_path, monkeypatch, values=REST_CACHE, template=sam_template(tmp_path, document))
    check_sam(out, expected)


# ---- the checks catch a broken generator ----

@pytest.mark.parametrize("how", ["a route lost", "no ~1 after the first slash", "the key asked everywhere"])
def test_a_broken_sam_generator_is_caught(tmp_path, monkeypatch, how):
    broken_generator(monkeypatch, how)
    with open(TEMPLATE) as f:
        text = gateway_routes.write_sam(f.read(), gateway_routes.read_routes(DOCUMENT), ["header.Accept-Encoding"])
    out = translate("REST", tmp_path, monkeypatch, values=REST_CACHE, template=yaml_parse(text))
    with pytest.raises((AssertionError, KeyError)):
        check_sam(out)


def test_refusals(tmp_path):
    def run(document, *args):
        path = tmp_path / "d.json"
        path.write_text(json.dumps(document))
        return subprocess.run([sys.executable, TOOL, str(path), "--sam", TEMPLATE, *args], capture_output=True,
                              text=True, timeout=30)

    too_long = {"paths": {"/a": {"get": {"x-cgate-cache-ttl": 3601}}}}
    assert "0 to 3600" in run(too_long).stderr
    clash = {"paths": {"/a/{x}": {"get": {"x-cgate-cache-ttl": 1}}, "/a/{y}/b": {"get": {"x-cgate-cache-ttl": 1}}}}
    assert "one name there" in run(clash).stderr
    assert "querystring.NAME" in run(DOCUMENT, "--cache-key", "cookie.session").stderr
    marker_less = tmp_path / "other.yaml"
    marker_less.write_text("Resources: {}\n")
    out = subprocess.run([sys.executable, TOOL, "-", "--sam", str(marker_less)], input=json.dumps(DOCUMENT),
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "gateway-routes.py:" in out.stderr
