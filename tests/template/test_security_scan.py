"""The security scan: checkov finds nothing in template.yaml or in its expansion, and
every suppression in the template says why and still suppresses something."""
from __future__ import annotations

import pytest

from portrait_local.template import load_yaml
from tests.template.security_scan import CHECKOV, EXPANDED_NAME, TEMPLATE, file_of, scan_report

pytestmark = pytest.mark.template


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    assert CHECKOV.exists(), "checkov is missing: `make install-scan` installs it"
    return scan_report(tmp_path_factory.mktemp("scan"))


def _resource_name(check: dict) -> str:
    return check["resource"].split(".", 1)[1]  # "AWS::SQS::Queue.Name" -> "Name"


def test_checkov_finds_nothing_in_the_template_or_its_expansion(report) -> None:
    results = report["results"]
    assert report["summary"]["parsing_errors"] == 0, results.get("parsing_errors")
    scanned = {file_of(c) for key in ("passed_checks", "skipped_checks") for c in results[key]}
    assert scanned == {TEMPLATE.name, EXPANDED_NAME}, f"not both files were scanned: {scanned}"
    failed = sorted(f"{c['check_id']} {_resource_name(c)} ({file_of(c)}): {c['check_name']}"
                    for c in results["failed_checks"])
    assert not failed, (
        f"{len(failed)} checkov finding(s); fix each in template.yaml, or suppress it on its "
        "resource with Metadata: checkov: skip: - {id, comment} (a reason a reviewer "
        "accepts):\n" + "\n".join(failed))


def _declared_suppressions() -> dict[tuple[str, str], str]:
    declared = {}
    for name, resource in load_yaml(TEMPLATE.read_text())["Resources"].items():
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip") or []:
            declared[(name, skip["id"])] = (skip.get("comment") or "").strip()
    return declared


def test_every_suppression_says_why_and_still_suppresses_a_finding(report) -> None:
    declared = _declared_suppressions()
    assert declared, "no suppression found: has the Metadata shape changed?"
    without_reason = sorted(f"{name} {check}" for (name, check), why in declared.items()
                            if len(why) < 20)
    assert not without_reason, "suppressions without a reason: " + ", ".join(without_reason)
    skipped = {(_resource_name(c), c["check_id"]) for c in report["results"]["skipped_checks"]
               if file_of(c) == TEMPLATE.name}
    stale = sorted(f"{name} {check}" for name, check in set(declared) - skipped)
    assert not stale, "suppressions that no longer suppress anything (remove them): " + \
        ", ".join(stale)
