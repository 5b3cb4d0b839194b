"""Paths shared by the deployment kit's tests, and the integration tests'
helpers (moto_server.py) on the import path."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAM_DIR = os.path.join(ROOT, "deploy", "sam")
TEMPLATE = os.path.join(SAM_DIR, "template.yaml")
TERRAFORM_DIR = os.path.join(ROOT, "deploy", "terraform")
CLI_DIR = os.path.join(ROOT, "deploy", "cli")
EXAMPLES_DIR = os.path.join(ROOT, "deploy", "examples")
WORKFLOWS_DIR = os.path.join(ROOT, ".github", "workflows")
DEPLOY_VENV_BIN = os.path.join(ROOT, "build", "venv-deploy", "bin")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
