"""`sam build` on deploy/sam/template.yaml: BuildMethod makefile runs
deploy/sam/Makefile, which packages the app with tools/package.sh (no Docker).
x86_64 always (the lambda preset `make test` builds); arm64 when the
cross-compiled preset has been built (`make package`). Runs in build/venv-deploy."""
import os
import subprocess

import pytest
import yaml

from conftest import DEPLOY_VENV_BIN, ROOT, SAM_DIR

ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}


class CfnLoader(yaml.SafeLoader):
    """Reads short-form intrinsics (!Ref, !If...) as plain values."""


CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_sam_build_makes_the_bootstrap(tmp_path, arch):
    if arch == "arm64" and not os.path.exists(os.path.join(ROOT, "build", "lambda-arm64", "bin", "items")):
        pytest.skip("the lambda-arm64 preset is not built (make package builds it)")
    build_dir = tmp_path / "build"
    out = subprocess.run([os.path.join(DEPLOY_VENV_BIN, "sam"), "build", "--build-dir", str(build_dir),
                          "--parameter-overrides", f"Architecture={arch}"],
                         cwd=SAM_DIR, capture_output=True, text=True, timeout=800,
                         env={**os.environ, "ARCH": arch, "SAM_CLI_TELEMETRY": "0"})
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert os.listdir(build_dir / "ItemsFunction") == ["bootstrap"]
    bootstrap = build_dir / "ItemsFunction" / "bootstrap"
    assert os.access(bootstrap, os.X_OK)
    with open(bootstrap, "rb") as f:
        header = f.read(20)
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == ELF_MACHINE[arch]
    with open(build_dir / "template.yaml") as f:
        built = yaml.load(f, Loader=CfnLoader)
    assert built["Resources"]["ItemsFunction"]["Properties"]["CodeUri"] == "ItemsFunction"
    assert not os.path.exists(os.path.join(SAM_DIR, ".aws-sam"))
