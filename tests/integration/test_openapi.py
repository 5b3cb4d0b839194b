"""The OpenAPI documents of the real apps, checked by independent validators
(openapi-spec-validator from PyPI, `redocly lint` from npm), and the docs
pages with their embedded files over HTTP and through the Lambda path."""
import base64
import gzip
import http.client
import json
import os
import re
import subprocess

import pytest
from conftest import BIN_DIR
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
REDOCLY = os.path.join(ROOT, "build/node/node_modules/.bin/redocly")
REDOCLY_CONFIG = os.path.join(ROOT, "tests/node/redocly.yaml")
APPS = ["items", "mirror"]


def run_app(app, *args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    env["ITEMS_DB"] = ":memory:"
    proc = subprocess.run([os.path.join(BIN_DIR, app), *args], input=stdin, env=env, capture_output=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def request(srv, path, headers=None, method="GET"):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request(method, path, headers=headers or {})
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, {k.lower(): v for k, v in res.getheaders()}, body


@pytest.fixture
def items(start_server, tmp_path):
    return start_server("items", env={"ITEMS_DB": str(tmp_path / "items.db")})


@pytest.mark.parametrize("app", APPS)
def test_document_is_valid_openapi_3_1(app, start_server, tmp_path):
    doc = run_app(app, "openapi")
    path = tmp_path / f"{app}.json"
    path.write_bytes(doc)
    spec, _ = read_from_filename(str(path))
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on the first error
    srv = start_server(app, env={"ITEMS_DB": str(tmp_path / "items.db")})
    status, headers, served = request(srv, "/openapi.json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert served == doc.rstrip(b"\n"), "`APP openapi` prints what the app serves"


@pytest.mark.parametrize("app", APPS)
def test_redocly_lint_finds_no_error(app, tmp_path):
    assert os.path.exists(REDOCLY), "the npm test tools are missing: run `make test` (it installs build/node)"
    path = tmp_path / f"{app}.json"
    path.write_bytes(run_app(app, "openapi"))
    proc = subprocess.run([REDOCLY, "lint", "--config", REDOCLY_CONFIG, "--format", "summary", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " error " not in proc.stdout, proc.stdout


def test_items_document_describes_every_operation():
    doc = json.loads(run_app("items", "openapi"))
    ops = {(path, method): op for path, item in doc["paths"].items() for method, op in item.items()}
    assert {op["operationId"] for op in ops.values()} == {
        "welcome__get", "health_api_health_get", "aws_info_api_aws_info_get", "list_items_api_items_get",
        "create_item_api_items_post", "read_item_api_items__item_id__get",
        "replace_item_api_items__item_id__put", "patch_item_api_items__item_id__patch",
        "delete_item_api_items__item_id__delete",
    }
    create = ops[("/api/items", "post")]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ItemIn"}
    assert "201" in create["responses"] and "422" in create["responses"]
    assert "422" not in ops[("/api/health", "get")]["responses"]
    assert ops[("/api/items/{item_id}", "delete")]["responses"]["204"] == {"description": "Successful Response"}
    patch = ops[("/api/items/{item_id}", "patch")]["requestBody"]["content"]["application/json"]["schema"]
    assert patch == {"$ref": "#/components/schemas/ItemPatch"}
    assert "required" not in doc["components"]["schemas"]["ItemPatch"]
    assert sorted(doc["components"]["schemas"]) == ["HTTPValidationError", "Item", "ItemIn", "ItemPatch",
                                                    "ValidationError"]


def test_items_document_states_the_price_range_and_int64():
    """The range both stores hold, as FastAPI prints float bounds (Python's
    repr); every integer is an int64, with bounds only where declared."""
    doc = json.loads(run_app("items", "openapi"))
    schemas = doc["components"]["schemas"]
    price = {"type": "number", "minimum": 1e-130, "exclusiveMaximum": 1e126, "title": "Price"}
    assert schemas["ItemIn"]["properties"]["price"] == price
    assert schemas["ItemPatch"]["properties"]["price"] == price
    assert b'"minimum":1e-130,"exclusiveMaximum":1e+126' in run_app("items", "openapi")
    assert schemas["Item"]["properties"]["id"] == {"type": "integer", "format": "int64", "title": "Id"}
    [item_id] = doc["paths"]["/api/items/{item_id}"]["get"]["parameters"]
    assert item_id["schema"] == {"type": "integer", "format": "int64", "minimum": 1, "title": "Item Id",
                                 "description": "The item's id"}


def asset_urls(page):
    return re.findall(r'(?:src|href)="(/docs/static/[^"]+)"', page)


def test_pages_load_only_from_the_app(items):
    for path, title in [("/docs", "Items API - Swagger UI"), ("/redoc", "Items API - ReDoc")]:
        status, headers, body = request(items, path)
        page = body.decode()
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert f"<title>{title}</title>" in page
        assert "img-src 'self' data:" in headers["content-security-policy"]
        assert not re.search(r'(?:src|href)="https?:', page), page
        for url in asset_urls(page):
            assert request(items, url)[0] == 200, url


def test_assets_are_gzip_with_long_cache_when_versioned(items):
    _, _, page = request(items, "/docs")
    [js] = [u for u in asset_urls(page.decode()) if "swagger-ui-bundle.js" in u]
    status, headers, body = request(items, js, {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "accept-encoding"
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["etag"] == '"%s-gzip"' % js.split("?v=")[1]
    plain = gzip.decompress(body)
    assert b"SwaggerUIBundle" in plain

    # A client that does not take gzip gets the same bytes, inflated (and
    # one that takes brotli only gets them from the compression middleware).
    for accept in [None, "gzip;q=0, identity"]:
        status, headers, body = request(items, js, {"Accept-Encoding": accept} if accept else {})
        assert status == 200 and "content-encoding" not in headers and body == plain, accept
    status, headers, body = request(items, js, {"Accept-Encoding": "br"})
    assert status == 200 and headers["content-encoding"] == "br" and len(body) < len(plain) / 3

    # Revalidation.
    status, headers, body = request(items, js, {"If-None-Match": f'W/"x", {headers["etag"]}'})
    assert status == 304 and body == b"" and headers["etag"]
    assert request(items, js, {"If-None-Match": '"other"'})[0] == 200

    # Without the version the URL may change its content: no long cache.
    assert request(items, js.split("?")[0])[1]["cache-control"] == "no-cache"
    assert request(items, "/docs/static/nothing.js")[0] == 404
    assert request(items, js, method="HEAD")[0] == 200


def test_each_representation_has_its_own_etag(items):
    """RFC 9110 §8.8.3: a strong ETag names one representation, so the gzip
    bytes and the plain ones have two; If-None-Match matches each its own."""
    _, _, page = request(items, "/docs")
    [css] = [u for u in asset_urls(page.decode()) if "swagger-ui.css" in u]
    version = css.split("?v=")[1]
    gz, plain = ({"Accept-Encoding": "gzip"}, f'"{version}-gzip"'), ({}, f'"{version}"')
    for (accept, tag), (_, other) in [(gz, plain), (plain, gz)]:
        status, headers, _ = request(items, css, accept)
        assert (status, headers["etag"], headers["vary"]) == (200, tag, "accept-encoding")
        status, headers, body = request(items, css, {**accept, "If-None-Match": f"W/{tag}"})
        assert (status, body, headers["etag"], headers["vary"]) == (304, b"", tag, "accept-encoding")
        assert request(items, css, {**accept, "If-None-Match": other})[0] == 200, "the other representation's"


def v2_event(path, stage):
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", "accept-encoding": "gzip"},
        "requestContext": {"http": {"method": "GET", "path": path, "sourceIp": "203.0.113.7"},
                           "domainName": "abc.execute-api.us-east-1.amazonaws.com", "stage": stage,
                           "requestId": "abc="},
        "isBase64Encoded": False,
    }


def invoke(path, stage="prod"):
    out = json.loads(run_app("items", "invoke", "-", stdin=json.dumps(v2_event(path, stage)).encode()))
    body = base64.b64decode(out["body"]) if out["isBase64Encoded"] else out["body"].encode()
    return out["statusCode"], out["headers"], body


def decoded(headers, body):
    """The body as the app made it: the compression middleware gzips what
    is large enough for a client that accepts it (the event says gzip)."""
    return gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body


def test_behind_a_stage_every_link_carries_it():
    status, headers, body = invoke("/prod/openapi.json")
    assert status == 200 and json.loads(decoded(headers, body))["servers"] == [{"url": "/prod"}]
    status, headers, body = invoke("/prod/docs")
    page = decoded(headers, body).decode()
    assert 'data-url="/prod/openapi.json"' in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 3 and all(a.startswith("/prod/docs/static/") for a in assets), assets
    status, headers, body = invoke(assets[-1].split("?")[0])  # the bundle, through API Gateway
    assert status == 200 and headers["content-encoding"] == "gzip" and b"SwaggerUIBundle" in gzip.decompress(body)
    status, headers, body = invoke("/prod/redoc")
    assert '<redoc spec-url="/prod/openapi.json">' in decoded(headers, body).decode()
    status, headers, body = invoke("/openapi.json", stage="$default")
    assert "servers" not in json.loads(decoded(headers, body))
