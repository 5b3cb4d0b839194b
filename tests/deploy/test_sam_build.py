"""`sam build` on deploy/sam/template.yaml: BuildMethod makefile runs
deploy/sam/Makefile, which packages the app with tools/package.sh (no Docker).
items (APP=items, a target of this repository, with its values from
deploy/examples/items/samconfig.toml): x86_64 always (the lambda preset `make
test` builds); arm64 when the cross-compiled preset has been built (`make
package`). An app built elsewhere (APP=todo BOOTSTRAP=...): a prebuilt x86_64
bootstrap. Runs in build/venv-deploy."""
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import DEPLOY_VENV_BIN, EXAMPLES_DIR, ROOT, SAM_DIR

ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}


class CfnLoader(yaml.SafeLoader):
    """Reads short-form intrinsics (!Ref, !If...) as plain values."""


CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def sam_build(build_dir, app, arch, **env):
    config = os.path.join(EXAMPLES_DIR, app, "samconfig.toml")
    out = subprocess.run([os.path.join(DEPLOY_VENV_BIN, "sam"), "build", "--build-dir", str(build_dir),
                          "--config-file", config, "--parameter-overrides", f"Architecture={arch}"],
                         cwd=SAM_DIR, capture_output=True, text=True, timeout=800,
                         env={**os.environ, "APP": app, "ARCH": arch, "SAM_CLI_TELEMETRY": "0", **env})
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    return out


def check_built(build_dir, arch):
    assert os.listdir(build_dir / "Function") == ["bootstrap"]
    bootstrap = build_dir / "Function" / "bootstrap"
    assert os.access(bootstrap, os.X_OK)
    with open(bootstrap, "rb") as f:
        header = f.read(20)
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == ELF_MACHINE[arch]
    with open(build_dir / "template.yaml") as f:
        built = yaml.load(f, Loader=CfnLoader)
    assert built["Resources"]["Function"]["Properties"]["CodeUri"] == "Function"
    # Fn::ForEach is left to CloudFormation, which expands it before evaluating the functions.
    assert "Fn::ForEach::AppVariables" in built["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert not os.path.exists(os.path.join(SAM_DIR, ".aws-sam"))


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_sam_build_makes_the_bootstrap(tmp_path, arch):
    if arch == "arm64" and not os.path.exists(os.path.join(ROOT, "build", "lambda-arm64", "bin", "items")):
        pytest.skip("the lambda-arm64 preset is not built (make package builds it)")
    sam_build(tmp_path / "build", "items", arch)
    check_built(tmp_path / "build", arch)


def test_sam_build_of_a_prebuilt_bootstrap(tmp_path):
    """An app outside this repository: its own build made the bootstrap; package.sh checks and zips it."""
    prebuilt = os.path.join(ROOT, "build", "lambda", "bin", "mirror")
    if not os.path.exists(prebuilt):
        pytest.skip("the lambda preset is not built (make lambda)")
    shutil.copy(prebuilt, tmp_path / "bootstrap-x86_64")
    out = sam_build(tmp_path / "build", "todo", "x86_64", BOOTSTRAP=str(tmp_path / "bootstrap-x86_64"))
    assert "[todo x86_64] zip" in out.stdout + out.stderr
    check_built(tmp_path / "build", "x86_64")


def test_sam_build_needs_the_app(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "APP"}
    out = subprocess.run([os.path.join(DEPLOY_VENV_BIN, "sam"), "build", "--build-dir", str(tmp_path / "build"),
                          "--parameter-overrides", "AppName=x"],
                         cwd=SAM_DIR, capture_output=True, text=True, timeout=300,
                         env={**env, "SAM_CLI_TELEMETRY": "0"})
    assert out.returncode != 0 and "set APP" in out.stdout + out.stderr
