"""Least privilege, proven on the running stack: each function's calls are authorised
against the role template.yaml gives it. Without one statement of ResizeFunction's
policy the avatar flow fails with AccessDenied, as it would in AWS, and works again
once the statement is back; the report counts what each role authorised."""
from __future__ import annotations

import json
import re
import time

import pytest
import requests

from tests.e2e.test_avatar_flow import _jpeg, _upload, _wait_until_settled

pytestmark = pytest.mark.e2e

STATEMENT = "WriteAvatarVariants"  # ResizeFunction: s3:PutObject on avatars/*


def _report(stack) -> dict:
    run = stack.portrait("iam", "report", "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _denials(stack, since: int) -> list[str]:
    return [line for line in stack.output()[since:].splitlines()
            if re.search(r"ResizeFunction +IAM denied s3:PutObject on arn:aws:s3:::[^ ]+"
                         r"/avatars/", line)]


def _failed_batch(stack, since: int) -> bool:
    return bool(re.search(r"ResizeFunction +sqs:\S+AvatarUploadsQueue 1 record .*error",
                          stack.output()[since:]))


def test_without_one_statement_the_flow_fails_with_access_denied(local_stack) -> None:
    auth, _ = local_stack.new_member("iam")
    withheld = local_stack.portrait("iam", "withhold", "ResizeFunction", STATEMENT)
    assert withheld.returncode == 0, withheld.stderr
    assert json.loads(withheld.stdout)["withheld"] == {"ResizeFunction": [STATEMENT]}
    denied_before = _report(local_stack)["functions"]["ResizeFunction"]["denied"]
    start = len(local_stack.output())
    try:
        avatar_id = _upload(local_stack, auth, _jpeg(800, 800, (20, 90, 200)))
        # The denials are printed while the invocation runs, its summary line after it
        # ends: wait for both (a busy machine can put seconds between them).
        deadline = time.monotonic() + 120
        while not (_denials(local_stack, start) and _failed_batch(local_stack, start)) \
                and time.monotonic() < deadline:
            time.sleep(0.25)
        output = local_stack.output()[start:]
        print("\n--- stack output with the statement withheld ---\n" + "\n".join(
            line[:400] for line in output.splitlines()
            if "ResizeFunction" in line or "AccessDenied" in line))
        assert _denials(local_stack, start), output[-3000:]
        # The worker's error names the action, the resource and the role, as AWS would.
        assert _failed_batch(local_stack, start), output[-3000:]
        assert ("AccessDenied" in output and "assumed-role/ResizeFunctionRole/" in output
                and "is not authorized to perform: s3:PutObject" in output), output[-3000:]
        reply = requests.get(local_stack.url(f"/me/avatars/{avatar_id}"), headers=auth,
                             timeout=60)
        assert reply.json()["status"] == "pending"  # never ready: the variants were refused
        denied = _report(local_stack)["functions"]["ResizeFunction"]["denied"]
        assert denied.get("s3:PutObject", 0) > denied_before.get("s3:PutObject", 0)
    finally:
        restored = local_stack.portrait("iam", "restore")
        assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["withheld"] == {}
    # The same flow with the role as the template has it.
    again = _upload(local_stack, auth, _jpeg(800, 800, (20, 90, 200)))
    assert _wait_until_settled(local_stack, auth, again)["status"] == "ready"


def test_the_report_counts_each_roles_calls_and_lists_what_none_used(local_stack) -> None:
    auth, _ = local_stack.new_member("iamreport")
    avatar_id = _upload(local_stack, auth, _jpeg(640, 480, (200, 120, 20)))
    assert _wait_until_settled(local_stack, auth, avatar_id)["status"] == "ready"
    report = _report(local_stack)["functions"]
    resize, api = report["ResizeFunction"], report["ApiFunction"]
    assert resize["calls"] > 0
    for action in ("s3:GetObject", "s3:PutObject", "dynamodb:UpdateItem", "dynamodb:GetItem"):
        assert resize["authorised"].get(action, 0) > 0, resize["authorised"]
    # The browser's form POST carries ApiFunction's signature: the role's s3:PutObject.
    assert api["authorised"].get("s3:PutObject", 0) > 0
    assert api["authorised"].get("secretsmanager:GetSecretValue", 0) > 0
    # Granted and never used in this run: e.g. the Crud templates' scans of the users table.
    assert any(u["action"] == "dynamodb:Scan" for u in api["unused"]), api["unused"]
    text = local_stack.portrait("iam", "report", "--function", "ResizeFunction")
    assert text.returncode == 0, text.stderr
    assert re.search(r"^ResizeFunction \(ResizeFunctionRole\): \d+ calls authorised$",
                     text.stdout, re.MULTILINE), text.stdout
    assert "used by the Lambda service, not the code:" in text.stdout
