"""Who may write to items: ITEMS_API_TOKEN, JWTs (ITEMS_JWT_SECRET,
ITEMS_JWKS_FILE), and CORS_ALLOW_ORIGINS; through the real binary."""
import base64
import hashlib
import hmac
import json
import time

import pytest
from test_items import HAMMER, call, call_json

TOKEN = "t0ken-for-tests"
SECRET = "a-secret-of-at-least-thirty-two-bytes!"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(claims, secret=SECRET, header=None):
    """A JWT signed with HMAC-SHA256, made here so the test owns every byte."""
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def guarded(start_server, tmp_path):
    return start_server("items", env={"ITEMS_DB": str(tmp_path / "a.db"), "ITEMS_API_TOKEN": TOKEN})


def test_writes_need_the_token_and_reads_stay_open(guarded):
    status, hdrs, body = call_json(guarded, "POST", "/api/items", HAMMER)
    assert (status, body, hdrs["www-authenticate"]) == (401, {"detail": "Not authenticated"}, "Bearer")
    status, _, body = call_json(guarded, "POST", "/api/items", HAMMER, bearer("wrong"))
    assert (status, body) == (401, {"detail": "Invalid authentication credentials"})
    status, _, item = call_json(guarded, "POST", "/api/items", HAMMER, bearer(TOKEN))
    assert status == 201
    assert call(guarded, "GET", f"/api/items/{item['id']}")[0] == 200
    assert call(guarded, "PUT", f"/api/items/{item['id']}", HAMMER)[0] == 401
    assert call(guarded, "DELETE", f"/api/items/{item['id']}")[0] == 401
    assert call(guarded, "DELETE", f"/api/items/{item['id']}", headers=bearer(TOKEN))[0] == 204


def test_credentials_are_checked_before_the_body(guarded):
    status, _, body = call_json(guarded, "POST", "/api/items", {"name": ""})
    assert status == 401
    assert call(guarded, "POST", "/api/items", {"name": ""}, bearer(TOKEN))[0] == 422


def test_the_document_shows_the_scheme_only_when_configured(guarded, start_server, tmp_path):
    doc = call_json(guarded, "GET", "/openapi.json")[2]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["paths"]["/api/items"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in doc["paths"]["/api/items"]["get"]
    open_items = start_server("items", env={"ITEMS_DB": str(tmp_path / "b.db")})
    doc = call_json(open_items, "GET", "/openapi.json")[2]
    assert "securitySchemes" not in doc.get("components", {})
    assert call(open_items, "POST", "/api/items", HAMMER)[0] == 201


@pytest.fixture
def jwt_items(start_server, tmp_path):
    env = {
        "ITEMS_DB": str(tmp_path / "j.db"),
        "ITEMS_JWT_SECRET": SECRET,
        "ITEMS_JWT_ISSUER": "https://id.example",
        "ITEMS_JWT_AUDIENCE": "items",
    }
    return start_server("items", env=env)


def claims(**changes):
    now = int(time.time())
    base = {"sub": "ana", "iss": "https://id.example", "aud": "items", "exp": now + 300, "iat": now}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    "token, status",
    [
        (hs256(claims()), 201),
        (hs256(claims(aud=["other", "items"])), 201),
        (hs256(claims(exp=int(time.time()) - 3600)), 401),
        (hs256(claims(nbf=int(time.time()) + 3600)), 401),
        (hs256(claims(aud="other")), 401),
        (hs256(claims(iss="https://evil.example")), 401),
        (hs256(claims(), secret="another-secret-of-thirty-two-bytes!!"), 401),
        (hs256(claims(), header={"alg": "none"})[:-43], 401),
        (hs256(claims(), header={"alg": "HS512"}), 401),
    ],
    ids=["valid", "aud-list", "expired", "not-yet", "wrong-aud", "wrong-iss", "wrong-key", "alg-none", "alg-hs512"],
)
def test_jwts(jwt_items, token, status):
    assert call(jwt_items, "POST", "/api/items", HAMMER, bearer(token))[0] == status


def test_a_bad_jwt_setting_is_named(start_server, tmp_path):
    with pytest.raises(RuntimeError, match="ITEMS_JWKS_FILE"):
        start_server("items", env={"ITEMS_DB": str(tmp_path / "x.db"), "ITEMS_JWKS_FILE": str(tmp_path / "nope")})
    with pytest.raises(RuntimeError, match="ITEMS_JWT_SECRET"):
        start_server("items", env={"ITEMS_DB": str(tmp_path / "x.db"), "ITEMS_JWT_SECRET": "short"})


def test_cors_from_the_environment(start_server, tmp_path):
    srv = start_server(
        "items", env={"ITEMS_DB": str(tmp_path / "c.db"), "CORS_ALLOW_ORIGINS": "https://a.example, https://b.example"}
    )
    preflight = {"Origin": "https://b.example", "Access-Control-Request-Method": "DELETE"}
    status, hdrs, _ = call(srv, "OPTIONS", "/api/items/1", headers=preflight)
    assert status == 200
    assert hdrs["access-control-allow-origin"] == "https://b.example"
    status, hdrs, _ = call(srv, "GET", "/api/health", headers={"Origin": "https://a.example"})
    assert (status, hdrs["access-control-allow-origin"]) == (200, "https://a.example")
    status, _, body = call(srv, "OPTIONS", "/api/items", headers={**preflight, "Origin": "https://c.example"})
    assert (status, body) == (400, b"Disallowed CORS origin")
    plain = start_server("items", env={"ITEMS_DB": str(tmp_path / "d.db")})
    status, hdrs, _ = call(plain, "GET", "/api/health", headers={"Origin": "https://a.example"})
    assert "access-control-allow-origin" not in hdrs


def test_cors_any_origin_goes_without_credentials(start_server, tmp_path):
    """`*` is any origin as the Fetch standard has it: `Access-Control-Allow-Origin: *`
    and no credentials, never the origin echoed beside `Allow-Credentials: true`."""
    srv = start_server("items", env={"ITEMS_DB": str(tmp_path / "c.db"), "CORS_ALLOW_ORIGINS": "*"})
    status, hdrs, _ = call(srv, "GET", "/api/health", headers={"Origin": "https://evil.example", "Cookie": "s=1"})
    assert (status, hdrs["access-control-allow-origin"]) == (200, "*")
    assert "access-control-allow-credentials" not in hdrs
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE",
                 "Access-Control-Request-Headers": "authorization"}
    status, hdrs, _ = call(srv, "OPTIONS", "/api/items/1", headers=preflight)
    assert (status, hdrs["access-control-allow-origin"], hdrs["access-control-allow-headers"]) == \
        (200, "*", "authorization")
    assert "access-control-allow-credentials" not in hdrs
    with pytest.raises(RuntimeError, match=r"CORS_ALLOW_ORIGINS: \"\*\" \(any origin, without credentials\) "
                                           r"cannot be listed with origins"):
        start_server("items", env={"ITEMS_DB": str(tmp_path / "d.db"), "CORS_ALLOW_ORIGINS": "https://a.example, *"})
