"""checkov on the SAM template and on the Terraform files, each with two apps'
values (deploy/examples: items with its table, todo without) and todo's with
every optional knob of the REST API and the function on ("knobs": cache, API
key and usage plan, WAF, tracing), in one run: no failed check, every skipped
check explained, and every skip the files declare still used. The SAM template
is checked as CloudFormation sees it (Fn::ForEach expanded), once per ApiType
(checkov drops the resources a condition turns off): items behind the HTTP API,
todo (and the knobs) behind the REST API. Runs in build/venv-deploy."""
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from samtranslator.yaml_helper import yaml_parse

from conftest import DEPLOY_VENV_BIN, EXAMPLES_DIR, TEMPLATE, TERRAFORM_DIR
from sam_values import expand_foreach, parameters, with_defaults

TF_SKIP = re.compile(r"#checkov:skip=(CKV2?_AWS_\d+):(.*)")
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/cgate/0123abcd"
# Every optional knob of the REST API and the function on, for a third stack of each kind ("knobs").
SAM_KNOBS = {"ApiType": "REST", "CacheClusterSize": "0.5", "CacheKeyParameters": "querystring.limit",
             "ApiKeyRequired": "true", "UsagePlanRateLimit": "10", "UsagePlanBurstLimit": "20",
             "UsagePlanQuotaLimit": "10000", "WebAclArn": WEB_ACL, "TracingMode": "Active", "MetricsNamespace": "Todo"}
TF_KNOBS = f"""
rest_api_stage         = "prod"
http_api               = false
cache_cluster_size     = "0.5"
cache_key_parameters   = ["querystring.limit"]
api_key_required       = true
usage_plan_rate_limit  = 10
usage_plan_burst_limit = 20
usage_plan_quota_limit = 10000
web_acl_arn            = "{WEB_ACL}"
tracing_mode           = "Active"
metrics_namespace      = "Todo"
"""


class CfnLoader(yaml.SafeLoader):
    """Reads the template's short-form intrinsics (!Ref, !If...) as plain values."""


CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """checkov's JSON reports, by framework."""
    work = tmp_path_factory.mktemp("checkov")
    with open(TEMPLATE) as f:
        template = yaml_parse(f.read())
    (work / "sam").mkdir()
    for name, app, values in (("items", "items", {"ApiType": "HTTP"}), ("todo", "todo", {"ApiType": "REST"}),
                              ("knobs", "todo", SAM_KNOBS)):
        params = {**parameters(app), **values}
        expanded = expand_foreach(with_defaults(template, params), params)
        (work / "sam" / f"template-{name}.json").write_text(json.dumps(expanded, indent=1))
    for name, app in (("items", "items"), ("todo", "todo"), ("knobs", "todo")):
        shutil.copytree(TERRAFORM_DIR, work / f"terraform-{name}", ignore=shutil.ignore_patterns(".terraform*"))
        shutil.copy(os.path.join(EXAMPLES_DIR, app, "terraform.tfvars"), work / f"terraform-{name}")
        if name == "knobs":
            with open(work / f"terraform-{name}" / "terraform.tfvars", "a") as f:
                f.write(TF_KNOBS)
    out = subprocess.run([os.path.join(DEPLOY_VENV_BIN, "checkov"), "-d", str(work), "--framework", "cloudformation",
                          "terraform", "--skip-download", "-o", "json"],
                         capture_output=True, text=True, timeout=240,
                         env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"})
    assert out.returncode in (0, 1), out.stderr[-3000:]
    result = json.loads(out.stdout)
    return {r["check_type"]: r["results"] for r in (result if isinstance(result, list) else [result])}


def declared_sam_skips():
    with open(TEMPLATE) as f:
        template = yaml.load(f, Loader=CfnLoader)
    return {(name, skip["id"]): skip.get("comment", "")
            for name, res in template["Resources"].items()
            for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])}


def declared_tf_skips():
    skips = {}
    for name in sorted(os.listdir(TERRAFORM_DIR)):
        if name.endswith(".tf"):
            with open(os.path.join(TERRAFORM_DIR, name)) as f:
                for m in TF_SKIP.finditer(f.read()):
                    skips[(name, m.group(1))] = m.group(2).strip()
    return skips


@pytest.mark.parametrize("framework", ["cloudformation", "terraform"])
def test_no_failed_check(reports, framework):
    results = reports[framework]
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in results["failed_checks"]]
    assert failed == []
    assert len(results["passed_checks"]) >= 5, "checkov checked next to nothing"


@pytest.mark.parametrize("framework", ["cloudformation", "terraform"])
def test_every_skip_is_explained(reports, framework):
    for check in reports[framework]["skipped_checks"]:
        assert len(check.get("check_result", {}).get("suppress_comment", "")) > 20, check["check_id"]


def test_sam_skips_are_all_used(reports):
    declared = declared_sam_skips()
    assert declared and all(len(why) > 20 for why in declared.values())
    used = {(c["resource"].split(".")[-1], c["check_id"]) for c in reports["cloudformation"]["skipped_checks"]}
    assert set(declared) - used == set()


def test_terraform_skips_are_all_used(reports):
    declared = declared_tf_skips()
    assert declared and all(len(why) > 20 for why in declared.values())
    used = {(os.path.basename(c["file_path"]), c["check_id"]) for c in reports["terraform"]["skipped_checks"]}
    assert set(declared) - used == set()


def test_the_rest_api_choice_was_checked(reports):
    resources = {c["resource"] for c in reports["cloudformation"]["skipped_checks"]}
    assert "AWS::ApiGateway::Stage.RestApiStage" in resources
    assert "AWS::ApiGatewayV2::Stage.HttpApiStage" in resources


def test_both_apps_were_checked(reports):
    """items' table was checked (its skip used), and the table-less app's stack too."""
    skipped = reports["cloudformation"]["skipped_checks"]
    assert {os.path.basename(c["file_path"]) for c in skipped} == {"template-items.json", "template-todo.json",
                                                                   "template-knobs.json"}
    assert ("AWS::DynamoDB::Table.Table", "template-items.json") in {
        (c["resource"], os.path.basename(c["file_path"])) for c in skipped}
    tf_files = {c["file_path"].split("/")[1] for c in reports["terraform"]["passed_checks"]}
    assert tf_files == {"terraform-items", "terraform-todo", "terraform-knobs"}
    tables = {c["resource"] for c in reports["terraform"]["skipped_checks"] if c["check_id"] == "CKV_AWS_119"}
    assert tables, "items' table was not checked"
