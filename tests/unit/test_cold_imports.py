"""What a handler loads at cold start: only what it uses (bench/cold_start.py has the times).

Each handler of template.yaml (ApiFunction aside: SnapStart restores it from a snapshot)
is imported in a fresh interpreter with its template environment, as the local stack
runs it (tracing off), and sys.modules is read afterwards.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from portrait_local.runtime import function_environment
from portrait_local.template import Template, load_yaml

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "python"
# The functions that decode or draw images at all: Pillow belongs to them only.
IMAGE_FUNCTIONS = {"ResizeFunction", "ThumbnailFunction", "DefaultAvatarFunction",
                   "GenerateFunction", "GeneratePriorityFunction", "RenderCompleteFunction"}
# Never at cold start: settings are plain pydantic; search engines load on first search.
NEVER = ("pydantic_settings", "tantivy", "opensearchpy")

_PROBE = """
import gc, importlib, json, sys
sys.path[:0] = sys.argv[2:]
importlib.import_module(sys.argv[1])
print(json.dumps({"gc_enabled": gc.isenabled(), "modules": sorted(sys.modules)}))
"""

_template = Template(load_yaml((ROOT / "template.yaml").read_text()), base_dir=ROOT, stack_name="portrait-dev",
                     region="us-east-1", account_id="123456789012")
FUNCTIONS = {lid: spec for lid, spec in _template.functions().items() if lid != "ApiFunction"}


def _loaded(logical_id: str, **env: str) -> dict:
    spec = FUNCTIONS[logical_id]
    environment = {**function_environment(_template, spec, endpoint_url="http://127.0.0.1:9"),
                   **env}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, spec.handler.rpartition(".")[0], str(spec.code_uri),
         str(LAYER), *os.environ.get("PYTHONPATH", "").split(os.pathsep)],
        env=environment, cwd=spec.code_uri, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _packages(modules: list[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_a_handler_loads_what_it_uses_and_collects_garbage_after(logical_id: str) -> None:
    loaded = _loaded(logical_id)
    packages = _packages(loaded["modules"])
    assert not packages & set(NEVER)
    assert ("PIL" in packages) == (logical_id in IMAGE_FUNCTIONS)
    # Tracing is off: the X-Ray SDK's recorder and patches stay unloaded (Powertools loads
    # only its top package, for the switch that turns it off).
    assert not [name for name in loaded["modules"] if name.startswith("aws_xray_sdk.")
                and name != "aws_xray_sdk.sdk_config"]
    assert loaded["gc_enabled"]  # portrait.coldstart: paused while loading, resumed after


def test_in_lambda_with_tracing_on_the_aws_calls_are_traced() -> None:
    env = {"LAMBDA_TASK_ROOT": str(FUNCTIONS["SweepTempFunction"].code_uri),
           "POWERTOOLS_TRACE_DISABLED": "false"}
    modules = _loaded("SweepTempFunction", **env)["modules"]
    assert {"aws_xray_sdk.core", "aws_xray_sdk.ext.botocore.patch",
            "aws_xray_sdk.ext.pynamodb.patch"} <= set(modules)
