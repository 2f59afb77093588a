"""Checkov on template.yaml and on its samtranslator expansion, offline.

The expansion is what CloudFormation deploys: the roles, event source mappings and
API stage SAM generates are scanned too. Checkov runs from its own venv (.venv-scan,
`make install-scan`: its pins clash with moto's), never reaches the Bridgecrew/Prisma
platform (no API key, --skip-download, no PyPI update check) and reads nothing but the
two files. A finding is fixed in the template, or suppressed on its resource with a
reason (Metadata: checkov: skip: - id, comment).

`make scan` (python -m tests.template.security_scan) prints checkov's own report;
tests/template/test_security_scan.py fails on any finding.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.template.sam_expand import expand

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
EXPANDED_NAME = "template.expanded.json"
OPTIONS = ["--framework", "cloudformation", "--compact", "--skip-download"]
TIMEOUT_SECONDS = 240


def _environment() -> dict[str, str]:
    """Ours minus anything that would send checkov to the platform or make it chatty."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BC_", "PRISMA_", "CKV_", "CHECKOV_")) and key != "LOG_LEVEL"}
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "true"  # else it asks pypi.org for a newer checkov
    env["BC_SKIP_MAPPING"] = "TRUE"
    return env


def run_checkov(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    """Checkov on template.yaml and its expansion, written into `folder` first."""
    expanded = folder / EXPANDED_NAME
    expanded.write_text(json.dumps(expand(TEMPLATE), indent=1))
    return subprocess.run(
        [str(CHECKOV), "-f", str(TEMPLATE), "-f", str(expanded), *OPTIONS, *extra],
        capture_output=True, text=True, cwd=ROOT, env=_environment(), timeout=TIMEOUT_SECONDS)


def scan_report(folder: Path) -> dict[str, Any]:
    """Checkov's JSON report of both files (one framework: one report)."""
    done = run_checkov(folder, "--output", "json")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"checkov gave no JSON (exit {done.returncode}):\n"
                             f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}") from None
    (cloudformation,) = [r for r in (report if isinstance(report, list) else [report])
                         if r["check_type"] == "cloudformation"]
    return cloudformation


def file_of(check: dict) -> str:
    """template.yaml or template.expanded.json (checkov reports paths relative to cwd)."""
    return Path(check["file_path"]).name


def main() -> int:
    if not CHECKOV.exists():
        print("checkov is missing: `make install-scan` installs it", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        done = run_checkov(Path(folder), "--quiet")  # failures and the counts only
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
