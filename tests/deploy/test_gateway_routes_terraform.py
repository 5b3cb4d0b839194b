"""tools/gateway-routes.py on Terraform: the .tf.json it writes for the module
(deploy/terraform/gateway_routes.tf.json), on a document written here and on
the items app's with TTLs and keys added (gateway_routes_cases.py): every
reference resolved in the module, the counts, key requirements and method
paths evaluated as Terraform would (test_terraform's evaluator); a generator
that loses a route or asks a key of the wrong route fails those checks."""
import json
import os
import re

import hcl2
import pytest

from conftest import TERRAFORM_DIR
from gateway_routes_cases import DOCUMENT, EXPECTED, EXTRA, broken_generator, gateway_routes, generate, items_case
from test_terraform import PARSE, hcl_value



def terraform_module(tmp_path, document=DOCUMENT):
    """The module's .tf files and the generated .tf.json, merged as test_terraform reads them."""
    generated = tmp_path / "gateway_routes.tf.json"
    generate(tmp_path, "--terraform", str(generated), *EXTRA, document=document)
    tf = {"resource": {}, "variable": {}, "output": {}, "locals": {}}
    for name in sorted(os.listdir(TERRAFORM_DIR)):
        if name.endswith(".tf"):
            with open(os.path.join(TERRAFORM_DIR, name)) as f:
                doc = hcl2.load(f, serialization_options=PARSE)
            for block in doc.get("resource", []):
                for type_, named in block.items():
                    tf["resource"].setdefault(type_, {}).update(named)
            for kind in ("variable", "output", "locals"):
                for block in doc.get(kind, []):
                    tf[kind].update(block)
    routes = json.loads(generated.read_text())
    return tf, routes


def tf_resource_paths(routes):
    resources = routes["resource"]["aws_api_gateway_resource"]

    def path_of(ref):
        if ref == "${aws_api_gateway_rest_api.rest[0].root_resource_id}":
            return ""
        name = re.fullmatch(r"\$\{aws_api_gateway_resource\.(\w+)\[0\]\.id\}", ref)[1]
        return path_of(resources[name]["parent_id"]) + "/" + resources[name]["path_part"]

    return {"${aws_api_gateway_resource.%s[0].id}" % k: path_of("${aws_api_gateway_resource.%s[0].id}" % k)
            for k in resources}


def check_terraform(tf, routes, expected=EXPECTED):
    # Every reference resolves: to the module's resources, locals and variables, or the file's own.
    known = {f"{t}.{n}" for t, named in tf["resource"].items() for n in named}
    known |= {f"{t}.{n}" for t, named in routes["resource"].items() for n in named}
    text = json.dumps(routes)
    for ref in set(re.findall(r"\b(aws_\w+\.\w+)", text)):
        assert ref in known, ref
    for name in set(re.findall(r"\blocal\.(\w+)", text)):
        assert name in tf["locals"], name
    for name in set(re.findall(r"\bvar\.(\w+)", text)):
        assert name in tf["variable"], name
    # Every expression is HCL (Terraform reads "${...}" strings of a .tf.json as expressions).
    def strings(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for x in v.values():
                yield from strings(x)
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)
    expressions = [v[2:-1] for v in strings(routes) if v.startswith("${")]
    assert expressions
    for e in expressions:
        hcl2.loads(f"x = {e}\n")
    # The module redeploys when they change, and after they exist.
    assert "local.gateway_routes" in tf["resource"]["aws_api_gateway_deployment"]["rest"]["triggers"]["redeployment"]
    methods, integrations = routes["resource"]["aws_api_gateway_method"], routes["resource"]["aws_api_gateway_integration"]
    assert set(routes["locals"]["gateway_routes"]) == {"${aws_api_gateway_method.%s[0]}" % n for n in methods} | {
        "${aws_api_gateway_integration.%s[0]}" % n for n in integrations}

    paths = tf_resource_paths(routes)
    by_route = {}
    for name, m in methods.items():
        path = "/" if m["resource_id"] == "${aws_api_gateway_rest_api.rest[0].root_resource_id}" else paths[m["resource_id"]]
        by_route[(m["http_method"], path)] = (name, m)
    settings = routes["resource"]["aws_api_gateway_method_settings"]
    assert len(settings) == len(expected)
    declared = {"rest_api_stage": "prod", "http_api": False, "api_key_required": "declared"}
    for (method, path), (ttl, api_key, keys) in expected.items():
        name, m = by_route[(method, path)]
        assert hcl_value(tf, m["count"], rest_api_stage="prod") == 1
        assert hcl_value(tf, m["count"]) == 0  # no REST API, none of them
        assert hcl_value(tf, m["api_key_required"], **declared) is api_key, (method, path)
        assert hcl_value(tf, m["api_key_required"], **{**declared, "api_key_required": "true"}) is True
        assert hcl_value(tf, m["api_key_required"], **{**declared, "api_key_required": "false"}) is False
        integration = integrations[name]
        assert integration["uri"] == "${aws_lambda_function.app.invoke_arn}" and integration["type"] == "AWS_PROXY"
        assert integration["cache_key_parameters"] == ([f"method.request.{k}" for k in keys] if ttl else [])
        s = settings[name]
        # The provider escapes the path itself: {resource_path}/{method}, no leading slash.
        assert s["method_path"] == f"{path.lstrip('/')}/{method}"
        assert s["settings"] == {"caching_enabled": ttl > 0, "cache_ttl_in_seconds": ttl, "cache_data_encrypted": True}
        assert hcl_value(tf, s["count"], rest_api_stage="prod", cache_cluster_size="0.5") == 1
        assert hcl_value(tf, s["count"], rest_api_stage="prod") == 0
    for path in paths.values():
        name, m = by_route[("ANY", path)]
        assert m["api_key_required"] == '${var.api_key_required == "true"}'
        params = [f"method.request.path.{p}" for p in re.findall(r"\{(\w+)\+?\}", path)]
        assert integrations[name]["cache_key_parameters"] == "${concat(%s, local.cache_keys)}" % json.dumps(params)


def test_terraform_routes(tmp_path):
    tf, routes = terraform_module(tmp_path)
    check_terraform(tf, routes)


def test_the_kits_file_has_no_routes():
    with open(os.path.join(TERRAFORM_DIR, "gateway_routes.tf.json")) as f:
        assert json.load(f)["locals"] == {"gateway_routes": []}


def test_the_items_apps_document(tmp_path):
    document, expected = items_case()
    check_terraform(*terraform_module(tmp_path, document), expected)


@pytest.mark.parametrize("how", ["a route lost", "the key asked everywhere"])
def test_a_broken_terraform_generator_is_caught(tmp_path, monkeypatch, how):
    tf, _ = terraform_module(tmp_path)
    broken_generator(monkeypatch, how)
    routes = json.loads(gateway_routes.write_terraform(gateway_routes.read_routes(DOCUMENT), ["header.Accept-Encoding"]))
    with pytest.raises((AssertionError, KeyError)):
        check_terraform(tf, routes)


