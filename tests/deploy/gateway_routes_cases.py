"""The cases of tools/gateway-routes.py's tests (test_gateway_routes.py: SAM, in
build/venv-deploy; test_gateway_routes_terraform.py: Terraform, in build/venv):
an OpenAPI document and what the generator must make of it, the items app's
document with TTLs and API keys added, and ways to break the generator."""
import copy
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

TOOL = os.path.join(ROOT, "tools", "gateway-routes.py")
_spec = importlib.util.spec_from_file_location("gateway_routes", TOOL)
gateway_routes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gateway_routes)

DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/": {"get": {"x-cgate-cache-ttl": 30}},
        "/api/things": {
            "get": {"parameters": [{"name": "limit", "in": "query"}, {"name": "Accept-Language", "in": "header"}],
                    "x-cgate-cache-ttl": 60},
            "post": {"security": [{"key": []}], "parameters": [{"name": "Idempotency-Key", "in": "header"}]},
        },
        "/api/things/{thing_id}": {
            "parameters": [{"name": "thing_id", "in": "path", "required": True}],
            "get": {"x-cgate-cache-ttl": 5, "security": [{"key": []}]},
            "delete": {"security": [{"bearer": []}]},  # not an API key: no route of its own
        },
        "/health": {"get": {}},
    },
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                                       "bearer": {"type": "http", "scheme": "bearer"}}},
}
# (method, path) -> (TTL, declares an API key, cache keys)
EXPECTED = {
    ("GET", "/"): (30, False, ["header.Accept-Encoding"]),
    ("GET", "/api/things"): (60, False, ["querystring.limit", "header.Accept-Language", "header.Accept-Encoding"]),
    ("POST", "/api/things"): (0, True, []),
    ("GET", "/api/things/{thing_id}"): (5, True, ["path.thing_id", "header.Accept-Encoding"]),
}
EXTRA = ["--cache-key", "header.Accept-Encoding"]


def generate(tmp_path, *args, document=DOCUMENT):
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    out = subprocess.run([sys.executable, TOOL, str(path), *args], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out


def items_case():
    """items' document, with the TTLs .cache_ttl would give its two GETs and an API key on its writes;
    and what the generator must make of it."""
    for binary in ("build/bin/items", "build/h-kit/bin/items"):
        path = os.path.join(ROOT, binary)
        if os.path.exists(path):
            document = json.loads(subprocess.run([path, "openapi"], capture_output=True, text=True, timeout=30,
                                                 check=True).stdout)
            break
    else:
        pytest.skip("no items binary (make build)")
    document = copy.deepcopy(document)
    document.setdefault("components", {}).setdefault("securitySchemes", {})["gateway"] = {
        "type": "apiKey", "in": "header", "name": "x-api-key"}
    document["paths"]["/api/items"]["get"]["x-cgate-cache-ttl"] = 10
    document["paths"]["/api/items/{item_id}"]["get"]["x-cgate-cache-ttl"] = 60
    for method in ("put", "patch", "delete"):
        document["paths"]["/api/items/{item_id}"][method]["security"] = [{"gateway": []}]
    expected = {
        ("GET", "/api/items"): (10, False, ["querystring.limit", "querystring.offset", "querystring.cursor",
                                            "header.Accept-Encoding"]),
        ("GET", "/api/items/{item_id}"): (60, False, ["path.item_id", "header.Accept-Encoding"]),
        **{(m, "/api/items/{item_id}"): (0, True, ["path.item_id", "header.Idempotency-Key",
                                                    "header.Accept-Encoding"])
           for m in ("PUT", "PATCH", "DELETE")},
    }
    return document, expected


def broken_generator(monkeypatch, how):
    """The generator with one fault: the checks must fail on what it writes."""
    read = gateway_routes.read_routes
    if how == "a route lost":
        monkeypatch.setattr(gateway_routes, "read_routes", lambda d: read(d)[:-1])
    elif how == "no ~1 after the first slash":
        monkeypatch.setattr(gateway_routes, "method_setting_path", lambda p: "/" + p[1:].replace("/", "~1"))
    elif how == "the key asked everywhere":
        def everyone(d):
            routes = read(d)
            for r in routes:
                r.api_key = True
            return routes
        monkeypatch.setattr(gateway_routes, "read_routes", everyone)
