"""Deploy profiles: each `sam deploy --config-env ENV` gets everything it needs.

samconfig.toml is read by SAM CLI's own SamConfig (from its virtualenv), so a
key SAM would not see in an environment (it does not inherit [default.*])
fails here, not at a user's first deploy.
"""
from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from tests.conftest import ROOT, TEMPLATE_PATH
from portrait_local.template import load_yaml

pytestmark = pytest.mark.template
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
ENVIRONMENTS = ("dev", "prod")
_READ = """
import json, sys
from samcli.lib.config.samconfig import SamConfig
config = SamConfig(sys.argv[1])
print(json.dumps({env: {cmd: config.get_all([cmd], "parameters", env)
                        for cmd in ("build", "deploy", "validate")}
                  for env in sys.argv[2:]}))
"""


@pytest.fixture(scope="module")
def sam_view() -> dict:
    assert SAM_PYTHON.exists(), "the SAM CLI is missing: `make install-sam` installs it"
    done = subprocess.run([str(SAM_PYTHON), "-c", _READ, str(ROOT), *ENVIRONMENTS],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deploy_has_what_it_needs(sam_view, env):
    deploy = sam_view[env]["deploy"]
    missing = {"stack_name", "region", "capabilities", "parameter_overrides"} - set(deploy)
    assert not missing, f"[{env}] deploy lacks {sorted(missing)}"
    assert deploy.get("resolve_s3") or deploy.get("s3_bucket"), f"[{env}] no artifact bucket"
    assert deploy["stack_name"] == f"portrait-{env}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_parameter_overrides_name_the_templates_parameters(sam_view, env):
    declared = load_yaml(TEMPLATE_PATH.read_text())["Parameters"]
    overrides = dict(item.split("=", 1) for item in shlex.split(
        sam_view[env]["deploy"]["parameter_overrides"]))
    assert set(overrides) <= set(declared), set(overrides) - set(declared)
    assert overrides["Stage"] == env


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_build_and_validate_see_the_region(sam_view, env):
    for command in ("build", "validate"):
        assert sam_view[env][command].get("region"), f"[{env}] {command} has no region"
