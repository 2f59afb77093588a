"""`portrait iam report`: one run's figures from several stacks' reports."""
from __future__ import annotations

from portrait_local.iam.commands import format_report, merge_reports


def report(calls: int, authorised: dict, unused: list[tuple[str, str]]) -> dict:
    return {"functions": {"ResizeFunction": {
        "role": "ResizeFunctionRole", "calls": calls, "authorised": authorised, "denied": {},
        "unused": [{"statement": s, "action": a, "resource": ["*"]} for s, a in unused],
        "service_side": [{"statement": "AWSLambdaBasicExecutionRole#0",
                          "action": "logs:PutLogEvents", "resource": ["*"]}]}},
        "denials": [], "withheld": {}}


def test_calls_add_up_and_a_grant_is_unused_only_if_no_stack_used_it():
    merged = merge_reports([
        report(3, {"s3:GetObject": 2, "s3:PutObject": 1},
               [("P/Events", "events:PutEvents"), ("P/Users", "dynamodb:UpdateItem")]),
        report(2, {"s3:GetObject": 1, "dynamodb:UpdateItem": 1},
               [("P/Events", "events:PutEvents")]),
    ])
    resize = merged["functions"]["ResizeFunction"]
    assert resize["calls"] == 5
    assert resize["authorised"] == {"dynamodb:UpdateItem": 1, "s3:GetObject": 3,
                                    "s3:PutObject": 1}
    assert [(u["statement"], u["action"]) for u in resize["unused"]] == [
        ("P/Events", "events:PutEvents")]
    text = format_report(merged)
    assert "ResizeFunction (ResizeFunctionRole): 5 calls authorised" in text
    assert "used by the Lambda service, not the code: logs:PutLogEvents" in text
    assert text.splitlines()[-1] == "5 calls authorised, 0 denied, 1 granted actions never used"
