"""The artifact `sam build` makes is the product: every handler must import from it.

`sam build` runs for arm64 with no container (SAM fetches arm64 wheels), then
each handler is imported in a fresh Python 3.12 process with only the built
function folder and the built layer on its path (portrait_local.artifact_check).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portrait_local import artifact_check
from portrait_local.template import Template
from tests.conftest import ROOT, TEMPLATE_PATH

pytestmark = pytest.mark.build
SAM = ROOT / ".venv-sam" / "bin" / "sam"
FUNCTIONS = sorted(Template.load(TEMPLATE_PATH).functions())


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory) -> Path:
    assert SAM.exists(), "the SAM CLI is missing: `make install-sam` installs it"
    out = tmp_path_factory.mktemp("sam") / "build"
    # SAM's python workflow runs `python3.12` from PATH: Lambda's version, this venv's base.
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0",
           "PATH": f"{Path(sys._base_executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(SAM), "build", "--template-file", str(TEMPLATE_PATH),
                           "--build-dir", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # As `make build` does: ship bytecode, since Lambda's code folders are read-only.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0",
                    "--invalidation-mode", "unchecked-hash", str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def imports(build_dir) -> dict[str, artifact_check.HandlerImport]:
    return {result.function_id: result for result in artifact_check.check_build(build_dir)}


def test_the_layer_holds_the_package_where_lambda_looks(build_dir, capsys):
    layer = build_dir / "CommonLayer"
    assert (layer / "python" / "portrait" / "__init__.py").is_file()
    assert not (layer / "python" / "python").exists()  # the old ContentUri nested it
    assert (layer / "python" / "portrait" / "__pycache__" / "__init__.cpython-312.pyc").is_file()
    # arm64 wheels, as the template's architecture asks.
    assert list((layer / "python").glob("pydantic_core/*aarch64*.so"))
    size = artifact_check.folder_bytes(layer)
    with capsys.disabled():  # shown in every run's output, not only on failure
        print(f"\nCommonLayer unzipped: {size / 2**20:.1f} MB "
              f"(limit {artifact_check.LAYER_LIMIT_BYTES // 2**20} MB)")
    assert size < artifact_check.LAYER_LIMIT_BYTES


def test_the_faces_layer_holds_arm64_dlib_and_fits_beside_the_common_layer(build_dir, capsys):
    faces = build_dir / "FacesLayer" / "python"
    assert list(faces.glob("_dlib_pybind11*aarch64*.so")) and list(faces.glob("numpy/_core/*aarch64*.so"))
    assert not (faces / "portrait").exists()  # the domain library ships once, in CommonLayer
    # The likeness check's two models, and not the two it does not use (100 MB).
    models = sorted(p.name for p in (faces / "face_recognition_models" / "models").iterdir())
    assert models == ["dlib_face_recognition_resnet_model_v1.dat",
                      "shape_predictor_5_face_landmarks.dat"]
    both = sum(artifact_check.folder_bytes(build_dir / name) for name in ("CommonLayer", "FacesLayer"))
    with capsys.disabled():
        print(f"\nFacesLayer unzipped: {artifact_check.folder_bytes(faces.parent) / 2**20:.1f} MB; "
              f"with CommonLayer {both / 2**20:.1f} MB (Lambda: 250 MB with the code)")
    assert both < 250 * 1024 * 1024


def test_the_check_covers_every_function(imports):
    assert sorted(imports) == FUNCTIONS


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_handler_imports_from_the_built_artifact(imports, build_dir, function_id):
    result = imports[function_id]
    assert result.ok, f"{function_id}: {result.error}"
    if result.portrait_file:  # the domain library came from the built layer, not the tree
        assert Path(result.portrait_file).is_relative_to(build_dir / "CommonLayer" / "python")


def test_a_broken_import_fails_the_check_naming_the_function(build_dir, tmp_path):
    """A handler importing what only the dev virtualenv has (PyYAML) cannot start on Lambda."""
    broken = tmp_path / "build"
    broken.mkdir()
    shutil.copy(build_dir / "template.yaml", broken / "template.yaml")
    for entry in build_dir.iterdir():
        if entry.is_dir() and entry.name != "ApiFunction":
            (broken / entry.name).symlink_to(entry, target_is_directory=True)
    # Without its bytecode: an unchecked-hash .pyc would be used whatever the source says.
    shutil.copytree(build_dir / "ApiFunction", broken / "ApiFunction",
                    ignore=shutil.ignore_patterns("__pycache__"))
    app = broken / "ApiFunction" / "app.py"
    app.write_text(app.read_text() + "\nimport yaml  # a dev-only dependency\n")

    # The broken one and a sound neighbour (all of them take 19 imports; `imports` did that).
    checked = artifact_check.check_build(broken, only={"ApiFunction", "ResizeFunction"})
    failed = {r.function_id: r.error for r in checked if not r.ok}
    assert len(checked) == 2 and list(failed) == ["ApiFunction"]
    assert "No module named 'yaml'" in failed["ApiFunction"]
