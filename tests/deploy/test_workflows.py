"""The GitHub Actions workflows cannot run here: their shape is checked instead
(the jobs, what they run, OIDC, the deploy job's condition), and actionlint
runs on them when it is installed (ACTIONLINT, or on PATH; see docs/deploy.md)."""
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import WORKFLOWS_DIR


def load(name):
    with open(os.path.join(WORKFLOWS_DIR, name)) as f:
        wf = yaml.safe_load(f)
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as true
    return wf


def commands(job):
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job):
    return [step["uses"] for step in job["steps"] if "uses" in step]


def test_every_workflow_reads_only_by_default():
    names = sorted(os.listdir(WORKFLOWS_DIR))
    assert {"ci.yml", "deploy.yml", "package.yml"} <= set(names)
    for name in names:
        wf = load(name)
        assert wf["permissions"] == {"contents": "read"}, name
        for job in wf["jobs"].values():
            for action in uses(job) if "steps" in job else []:
                assert "@v" in action, f"{name}: {action} is not pinned to a version"


def test_ci_runs_make_test_on_debian():
    wf = load("ci.yml")
    assert "pull_request" in wf["on"] and "workflow_call" in wf["on"]
    job = wf["jobs"]["test"]
    assert job["container"] == "debian:12"
    assert "make test" in commands(job)


def test_package_builds_and_uploads_both_zips():
    job = load("package.yml")["jobs"]["package"]
    assert "make package" in commands(job)
    upload, = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "dist/*.zip" and upload["with"]["if-no-files-found"] == "error"


def test_deploy_runs_on_main_through_oidc_when_configured():
    wf = load("deploy.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    jobs = wf["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["package"]["uses"] == "./.github/workflows/package.yml" and jobs["package"]["needs"] == "test"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "package"
    assert deploy["if"] == "vars.AWS_DEPLOY_ROLE_ARN != ''"
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
    creds, = [s for s in deploy["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert creds["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert "aws-access-key-id" not in creds["with"]  # OIDC only, no stored keys
    run = commands(deploy)
    assert "sam build --parameter-overrides Architecture=$ARCH" in run
    assert "sam deploy" in run and "--no-confirm-changeset" in run and "--parameter-overrides" in run
    # items is one set of the generic kit's values, read from its example config.
    assert "deploy/examples/items/samconfig.toml" in run and "CAPABILITY_AUTO_EXPAND" in run
    build, = [s for s in deploy["steps"] if s.get("name") == "sam build"]
    assert build["env"]["APP"] == "items"
    assert deploy["env"]["ARCH"] == "arm64"


def test_actionlint():
    actionlint = os.environ.get("ACTIONLINT") or shutil.which("actionlint")
    if not actionlint:
        pytest.skip("actionlint not installed: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.7")
    names = [os.path.join(WORKFLOWS_DIR, n) for n in sorted(os.listdir(WORKFLOWS_DIR))]
    out = subprocess.run([actionlint, "-shellcheck=", *names], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
