"""The CORS table: every case run through Starlette's CORSMiddleware (in a
FastAPI app, whose error bodies the cgate core reproduces), printed as JSON.

tests/unit/test_cors.c and tests/integration/test_cors.py read the output,
tests/unit/data/cors_cases.json, so that the table is the single source of
truth for cgate's CORS middleware (src/middleware/cors.c). Regenerate it with
the benchmark's pins (requirements-bench.txt: Starlette, FastAPI, plus httpx
for the TestClient) after changing a case or a pin:

    python3 -m venv /tmp/cors-venv
    /tmp/cors-venv/bin/pip install -r requirements-bench.txt httpx
    /tmp/cors-venv/bin/python tests/cors_cases.py > tests/unit/data/cors_cases.json

The app below and tests/integration/cors_app.c (and the app in
tests/unit/test_cors.c) have the same routes with the same answers.

"cgate_refuses" names the configs cgate refuses at start-up, with its error;
their cases are Starlette's answers, kept as a record of what cgate does not
do.

Recorded per case: the status, the body and the response headers, names in
lower case, in the order Starlette sent them, without content-length (cgate's
transports add it). "preflight" marks the answers the middleware writes
itself, whose header order cgate reproduces too.

The TestClient sends header values as UTF-8 text, so the cases hold ASCII
only; tests/unit/test_cors.c checks the Latin-1 and NUL edges by hand.
"""
import json
import sys

import fastapi
import starlette
from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

# Options as the JSON carries them: lists, None for "Starlette's default".
CONFIGS = {
    "default": {},
    "explicit": {
        "allow_origins": ["https://a.example", "https://b.example"],
        "allow_methods": ["GET", "POST", "PUT"],
        "allow_headers": ["X-Token", "content-type", "X-Token"],
        "expose_headers": ["X-Total", "X-Page"],
        "max_age": 1200,
    },
    "wildcard": {
        "allow_origins": ["*"],
        "allow_methods": ["*"],
        "allow_headers": ["*"],
    },
    "wildcard_credentials": {
        "allow_origins": ["*"],
        "allow_credentials": True,
        "allow_headers": ["X-Token"],
        "expose_headers": ["X-Total"],
    },
    "regex": {
        "allow_origins": ["https://a.example"],
        "allow_origin_regex": r"https://([a-z0-9-]+\.)?example\.org|http://localhost:[0-9]+",
        "allow_methods": ["GET", "DELETE"],
        "allow_credentials": True,
        "max_age": 0,
    },
    "private_network": {
        "allow_origins": ["https://a.example"],
        "allow_methods": ["GET", "QUERY"],
        "allow_private_network": True,
    },
    # What the items app gets from CORS_ALLOW_ORIGINS (see docs/middleware.md).
    "env_origins": {
        "allow_origins": ["http://localhost:3000", "https://a.example"],
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "allow_credentials": True,
    },
}

# Configs cgate refuses on purpose, with its start-up error. Starlette takes
# "*" with credentials and then echoes any origin beside
# Access-Control-Allow-Credentials: true, so that every site may read what
# the user's cookies unlock; the Fetch standard forbids "*" with credentials.
# Their cases still record what Starlette answers (docs/middleware.md).
CGATE_REFUSES = {
    "wildcard_credentials": 'CORS allow_origins "*" with allow_credentials would let any site read '
                            "what the user's cookies unlock; list the origins",
}

ALLOWED = "https://a.example"
DENIED = "https://evil.example"


def preflight(origin=ALLOWED, method="GET", path="/ok", **extra):
    headers = [["Origin", origin], ["Access-Control-Request-Method", method]]
    if "req_headers" in extra:
        headers.append(["Access-Control-Request-Headers", extra["req_headers"]])
    if "private_network" in extra:
        headers.append(["Access-Control-Request-Private-Network", extra["private_network"]])
    return {"method": "OPTIONS", "path": path, "headers": headers}


def simple(method="GET", path="/ok", origin=ALLOWED, extra_headers=()):
    headers = [] if origin is None else [["Origin", origin]]
    return {"method": method, "path": path, "headers": headers + [list(h) for h in extra_headers]}


# Every case runs under every configuration.
CASES = {
    "simple_without_origin": simple(origin=None),
    "simple_allowed_origin": simple(),
    "simple_denied_origin": simple(origin=DENIED),
    "simple_post_with_cookie": simple(method="POST", extra_headers=[("Cookie", "session=1")]),
    "simple_merges_every_vary": simple(path="/vary"),
    "simple_merges_vary_without_origin": simple(path="/vary", origin=None),
    "simple_replaces_the_handlers_cors_headers": simple(path="/own"),
    "simple_on_404": simple(path="/missing"),
    "simple_on_422": simple(path="/items?limit=x"),
    "simple_on_500": simple(path="/fail"),
    "options_without_request_method_is_not_a_preflight": simple(method="OPTIONS", path="/submit"),
    "preflight_get": preflight(),
    "preflight_post": preflight(method="POST"),
    "preflight_delete": preflight(method="DELETE"),
    "preflight_query": preflight(method="QUERY"),
    "preflight_method_is_case_sensitive": preflight(method="get"),
    "preflight_empty_method": preflight(method=""),
    "preflight_denied_origin": preflight(origin=DENIED),
    "preflight_every_failure": preflight(origin=DENIED, method="PATCH", req_headers="X-Other"),
    "preflight_allowed_headers": preflight(req_headers="X-Token, Content-Type"),
    "preflight_headers_any_case_and_spacing": preflight(req_headers="x-token,accept ,\tAccept-Language"),
    "preflight_safelisted_headers_only": preflight(req_headers="Accept, Content-Language"),
    "preflight_unknown_header": preflight(req_headers="X-Token, X-Other"),
    "preflight_empty_request_headers": preflight(req_headers=""),
    "preflight_trailing_comma_in_headers": preflight(req_headers="X-Token,"),
    "preflight_private_network": preflight(private_network="true"),
    "preflight_on_an_unknown_path": preflight(path="/missing"),
    "preflight_empty_origin": preflight(origin=""),
    "preflight_null_origin": preflight(origin="null"),
    "preflight_regex_subdomain": preflight(origin="https://api.example.org"),
    "preflight_regex_bare_domain": preflight(origin="https://example.org"),
    "preflight_regex_must_match_whole_origin": preflight(origin="https://api.example.org.evil.com"),
    "preflight_regex_alternative": preflight(origin="http://localhost:8080"),
    "simple_regex_origin": simple(origin="https://api.example.org"),
    "simple_second_listed_origin": simple(origin="https://b.example"),
    "simple_origin_is_case_sensitive": simple(origin="https://A.example"),
}


def build_app(options):
    app = FastAPI()

    @app.get("/ok")
    @app.post("/ok")
    def ok():
        return {"hello": "world"}

    @app.post("/submit")
    def submit():
        return {"submitted": True}

    @app.get("/vary")
    def vary():
        response = JSONResponse({"hello": "world"})
        response.headers.append("Vary", "Accept-Encoding")
        response.headers.append("Vary", "User-Agent")
        return response

    @app.get("/own")
    def own():
        return JSONResponse({"hello": "world"}, headers={
            "Access-Control-Allow-Origin": "https://own.example",
            "Access-Control-Expose-Headers": "X-Own",
            "Vary": "Origin",
        })

    @app.get("/items")
    def items(limit: int = 10):
        return {"limit": limit}

    @app.get("/fail")
    def fail():
        # cgate's handlers fail by returning an error: the core answers 500
        # inside the chain. Starlette's nearest equivalent is an HTTPException
        # (an uncaught exception would escape outside the CORS middleware).
        raise HTTPException(status_code=500, detail="Internal Server Error")

    app.add_middleware(CORSMiddleware, **options)
    return app


def run_case(client, request):
    response = client.request(request["method"], request["path"],
                              headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in request["headers"]])
    headers = [[n.decode("latin-1"), v.decode("latin-1")] for n, v in response.headers.raw if n != b"content-length"]
    is_preflight = (request["method"] == "OPTIONS"
                    and any(n.lower() == "origin" for n, _ in request["headers"])
                    and any(n.lower() == "access-control-request-method" for n, _ in request["headers"]))
    return {"status": response.status_code, "headers": headers, "body": response.text, "preflight": is_preflight}


def main():
    cases = []
    for config, options in CONFIGS.items():
        client = TestClient(build_app(options))
        for name, request in CASES.items():
            cases.append({"name": f"{config}.{name}", "config": config, **request, "expect": run_case(client, request)})
    # One case per line: a change to the table reads as a diff of cases.
    head = {"generated_by": "tests/cors_cases.py", "starlette": starlette.__version__,
            "fastapi": fastapi.__version__, "configs": CONFIGS, "cgate_refuses": CGATE_REFUSES}
    out = sys.stdout
    out.write("{\n")
    for key, value in head.items():
        out.write(f" {json.dumps(key)}: {json.dumps(value)},\n")
    out.write(' "cases": [\n  ')
    out.write(",\n  ".join(json.dumps(case) for case in cases))
    out.write("\n ]\n}\n")


if __name__ == "__main__":
    main()
