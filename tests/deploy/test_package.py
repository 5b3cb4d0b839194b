"""tools/package.sh on an app built elsewhere (--name NAME --binary PATH): a
prebuilt bootstrap (the mirror app's, from the lambda preset, copied out of the
tree) is checked, zipped reproducibly and size-checked, its architecture read
from its ELF header; and the refusals. Nothing is built."""
import os
import shutil
import subprocess
import zipfile

import pytest

from conftest import ROOT

PACKAGE = os.path.join(ROOT, "tools", "package.sh")
PREBUILT = os.path.join(ROOT, "build", "lambda", "bin", "mirror")


def package(cwd, *args, **env):
    return subprocess.run(["sh", PACKAGE, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory):
    if not os.path.exists(PREBUILT):
        pytest.skip("the lambda preset is not built (make lambda)")
    path = tmp_path_factory.mktemp("app") / "bootstrap-x86_64"
    shutil.copy(PREBUILT, path)
    return path


def test_zips_a_prebuilt_bootstrap_reproducibly(tmp_path, bootstrap):
    first = package(tmp_path, "--name", "todo", "--binary", str(bootstrap))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "[todo x86_64] check the binary for provided.al2023" in first.stdout
    assert "KB budget" in first.stdout
    second = package(tmp_path, "-o", "again", "--name", "todo", "--binary", str(bootstrap))
    assert second.returncode == 0, second.stderr
    a, b = tmp_path / "dist" / "todo-x86_64.zip", tmp_path / "again" / "todo-x86_64.zip"
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        entry, = z.infolist()
        assert (entry.filename, entry.external_attr >> 16, entry.date_time) == ("bootstrap", 0o100755,
                                                                                 (1980, 1, 1, 0, 0, 0))
        assert z.read(entry) == bootstrap.read_bytes()


def test_over_budget_is_refused(tmp_path, bootstrap):
    out = package(tmp_path, "--name", "todo", "--binary", str(bootstrap), PACKAGE_BUDGET_KB="100")
    assert out.returncode == 1 and "over the budget of 100 KB" in out.stderr
    assert not (tmp_path / "dist" / "todo-x86_64.zip").exists()


@pytest.mark.parametrize("args,message", [
    (["--name", "todo", "--binary", "/etc/hostname"], "not an x86-64 or arm64 ELF binary"),
    (["--name", "todo", "--binary", "/nonexistent"], "no such file"),
    (["--name", "../x", "--binary", "/bin/sh"], "letters, digits"),
    (["--binary", "/bin/sh"], "usage:"),
    (["--name", "todo", "--binary", "/bin/sh", "x86_64"], "usage:"),
])
def test_refusals(tmp_path, args, message):
    out = package(tmp_path, *args)
    assert out.returncode != 0 and message in out.stderr, out.stderr


def test_two_binaries_for_one_architecture(tmp_path, bootstrap):
    out = package(tmp_path, "--name", "todo", "--binary", str(bootstrap), "--binary", str(bootstrap))
    assert out.returncode == 1 and "two --binary for x86_64" in out.stderr


def test_a_binary_that_fails_the_checks(tmp_path):
    """cmake needs libstdc++, which provided.al2023 does not promise: check-bootstrap.sh refuses it,
    and no zip is made."""
    out = package(tmp_path, "--name", "todo", "--binary", os.path.realpath(shutil.which("cmake")))
    assert out.returncode != 0
    assert not (tmp_path / "dist" / "todo-x86_64.zip").exists()
