"""tools/cache-keys.py: the deploy kit's CacheKeyParameters / cache_key_parameters
from an app's OpenAPI document (GET operations' query and header parameters,
path parameters left to the greedy path key, secured GETs named on stderr);
on a document written here after cgate's, and on the items app's own when
build/bin/items exists. The printed values fit the kit's parameters."""
import json
import os
import re
import subprocess
import sys

import hcl2
import pytest
from hcl2.utils import SerializationOptions

from conftest import ROOT, TERRAFORM_DIR

TOOL = os.path.join(ROOT, "tools", "cache-keys.py")
ITEMS = os.path.join(ROOT, "build", "bin", "items")

DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/api/things": {
            "get": {"parameters": [{"name": "limit", "in": "query"}, {"name": "cursor", "in": "query"},
                                   {"name": "Accept-Language", "in": "header"}]},
            "post": {"parameters": [{"name": "Idempotency-Key", "in": "header"}]},
        },
        "/api/things/{thing_id}": {
            "parameters": [{"name": "thing_id", "in": "path"}],
            "get": {"parameters": [{"name": "limit", "in": "query"}, {"name": "fields", "in": "query"}]},
            "delete": {"security": [{"bearer": []}]},
        },
        "/api/me": {"get": {"security": [{"api_key": []}], "parameters": [{"name": "session", "in": "cookie"}]}},
    },
}


def run(*args, document=DOCUMENT):
    return subprocess.run([sys.executable, TOOL, *args], input=json.dumps(document), capture_output=True,
                          text=True, timeout=30)


def test_get_parameters_become_keys():
    out = run()
    assert out.returncode == 0, out.stderr
    # Order of first appearance, no duplicates; no path key (the kit's proxy key has it), no cookie
    # (API Gateway cannot key by one), nothing from POST or DELETE.
    assert out.stdout == "CacheKeyParameters=querystring.limit,querystring.cursor,header.Accept-Language," \
                         "querystring.fields\n"
    assert out.stderr.splitlines() == [
        "cache-keys.py: GET /api/me needs credentials: a cached answer would reach other callers "
        "(leave the cache off, or key it by header.Authorization)"]


def test_terraform_form_parses_and_fits_the_variable(tmp_path):
    out = run("--terraform")
    assert out.returncode == 0, out.stderr
    values = hcl2.loads(out.stdout, serialization_options=SerializationOptions(strip_string_quotes=True))
    assert values["cache_key_parameters"] == ["querystring.limit", "querystring.cursor", "header.Accept-Language",
                                              "querystring.fields"]
    with open(os.path.join(TERRAFORM_DIR, "variables.tf")) as f:
        pattern = re.search(r'can\(regex\("(.+?)", k\)\)', f.read())[1].replace("\\\\", "\\")
    assert all(re.fullmatch(pattern, k) for k in values["cache_key_parameters"])


def test_a_document_without_get_parameters():
    out = run(document={"openapi": "3.1.0", "paths": {"/": {"get": {}}}})
    assert (out.returncode, out.stdout, out.stderr) == (0, "CacheKeyParameters=\n", "")


def test_the_items_apps_document():
    if not os.path.exists(ITEMS):
        pytest.skip("build/bin/items is not built (make build)")
    document = json.loads(subprocess.run([ITEMS, "openapi"], capture_output=True, text=True, timeout=30,
                                         check=True).stdout)
    out = run(document=document)
    assert out.stdout == "CacheKeyParameters=querystring.limit,querystring.offset,querystring.cursor\n"
