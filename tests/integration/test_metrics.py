"""Metrics in CloudWatch's embedded metric format from the items bootstrap
(through the Runtime API emulator) and the local server: every line is
checked against the specification (tests/fixtures/emf/emf.schema.json and
the cross-references a schema cannot express), then for what it says."""
import json
import os
import urllib.request

import jsonschema
import pytest

from test_lambda import run_runtime, v2_event

SCHEMA = json.load(open(os.path.join(os.path.dirname(__file__), "../fixtures/emf/emf.schema.json")))
LAMBDA_ENV = {"AWS_LAMBDA_FUNCTION_NAME": "items-fn", "CG_METRICS_NAMESPACE": "Test"}


def check_emf(doc):
    """The specification's rules for one document."""
    jsonschema.validate(doc, SCHEMA)
    for directive in doc["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(doc.get(name), str) and 1 <= len(doc[name]) <= 1024, name
        for metric in directive["Metrics"]:
            value = doc[metric["Name"]]
            values = value if isinstance(value, list) else [value]
            assert 1 <= len(values) <= 100
            assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), value


def emf_lines(stdout):
    docs = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]
    for doc in docs:
        check_emf(doc)
    return docs


def metric_names(doc):
    return {m["Name"] for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}


def test_lambda_writes_one_document_per_invocation_and_the_cold_start_once(runtime_api):
    api = runtime_api()
    api.add_event(v2_event())
    api.add_event(v2_event("POST", "/api/items", body='{"name":"pen","price":1.5}',
                           headers={"content-type": "application/json"}))
    api.add_event(v2_event("GET", "/api/nowhere"))
    api.add_event(v2_event())
    _, out, err = run_runtime(api, env=LAMBDA_ENV)
    docs = emf_lines(out)
    assert len(docs) == 4, out + err
    assert [d["route"] for d in docs] == ["GET /api/health", "POST /api/items", "GET (no route)", "GET /api/health"]
    assert all(d["service"] == "items-fn" for d in docs)
    assert all(dir_["Namespace"] == "Test" for d in docs for dir_ in d["_aws"]["CloudWatchMetrics"])
    cold, create, missing, warm = docs
    assert cold["ColdStart"] == 1 and cold["function_name"] == "items-fn"
    assert ["service", "function_name"] in [s for d in cold["_aws"]["CloudWatchMetrics"] for s in d["Dimensions"]]
    assert all("ColdStart" not in d for d in (create, missing, warm))
    assert create["ItemsCreated"] == 1 and "ItemsCreated" in metric_names(create)
    assert (missing["Errors4xx"], missing["Errors5xx"]) == (1, 0)
    assert {"Requests", "Latency", "Errors4xx", "Errors5xx"} <= metric_names(warm)
    assert 0 <= warm["Latency"] < 1000


def test_metrics_can_be_switched_off_on_lambda(runtime_api):
    api = runtime_api()
    api.add_event(v2_event())
    _, out, _ = run_runtime(api, env={**LAMBDA_ENV, "ITEMS_METRICS": "off"})
    assert emf_lines(out) == []
    assert len(api.posts) == 1


def test_a_bad_setting_stops_the_start_naming_it(runtime_api):
    api = runtime_api()
    api.add_event(v2_event())
    code, _, err = run_runtime(api, env={**LAMBDA_ENV, "ITEMS_METRICS": "maybe"})
    message = 'ITEMS_METRICS=maybe is not supported ("on" or "off")'
    assert code == 1 and message in err, err
    [post] = api.posts
    assert post.kind == "init-error" and message in json.loads(post.body)["errorMessage"]


def get_health(server):
    with urllib.request.urlopen(server.url + "/api/health", timeout=5) as r:
        assert r.status == 200


def test_the_local_server_writes_metrics_when_asked(start_server):
    server = start_server("items", env={"ITEMS_DB": ":memory:", "ITEMS_METRICS": "on",
                                        "CG_METRICS_NAMESPACE": "Local"})
    for _ in range(3):
        get_health(server)
    _, output = server.stop()
    docs = emf_lines(output)
    assert len(docs) == 3
    assert all(d["route"] == "GET /api/health" and "ColdStart" not in d for d in docs)


def test_the_local_server_writes_none_by_default(start_server):
    server = start_server("items", env={"ITEMS_DB": ":memory:"})
    get_health(server)
    _, output = server.stop()
    assert emf_lines(output) == []
