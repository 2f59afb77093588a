"""No IAM policy in the template as deployed (expanded by samtranslator, SAM policy
templates included) allows an action on Resource "*" unless that action has no
resource-level permissions, so "*" is the only resource it can name."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

import pytest

from tests.conftest import TEMPLATE_PATH
from tests.template.sam_expand import expand

# Actions with no resource types in the Service Authorization Reference: IAM accepts only
# "*" for them. Each entry says where the template needs it.
NO_RESOURCE_LEVEL = {
    "cloudwatch:PutMetricData": "the model container's metrics (RenderModelRole); "
                                "scoped by the cloudwatch:namespace condition key at most",
    "ecr:GetAuthorizationToken": "SageMaker pulls the model image (RenderModelRole); "
                                 "the token is for the registry, not a repository",
    "xray:PutTraceSegments": "Tracing: Active (AWSXrayWriteOnlyAccess, SAM adds it)",
    "xray:PutTelemetryRecords": "Tracing: Active (AWSXrayWriteOnlyAccess)",
    "xray:GetSamplingRules": "Tracing: Active (AWSXrayWriteOnlyAccess)",
    "xray:GetSamplingTargets": "Tracing: Active (AWSXrayWriteOnlyAccess)",
    "xray:GetSamplingStatisticSummaries": "Tracing: Active (AWSXrayWriteOnlyAccess)",
}

# AWS-managed policies SAM attaches to the roles it generates. Their documents are AWS's,
# not the template's, and SAM has no switch to leave them out (only a role of our own per
# function would): what each allows on "*" is listed so that a new one is a decision.
SAM_MANAGED_POLICIES = {
    "service-role/AWSLambdaBasicExecutionRole":
        "logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on * (every function)",
    "AWSXrayWriteOnlyAccess":
        "the xray: actions above on * (Tracing: Active); none has resource-level permissions",
    "service-role/AWSLambdaSQSQueueExecutionRole":
        "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on * (SQS events)",
    "service-role/AWSLambdaDynamoDBExecutionRole":
        "dynamodb:DescribeStream, GetRecords, GetShardIterator, ListStreams on * (stream events)",
}
_AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


@lru_cache(maxsize=1)
def _resources() -> dict[str, Any]:
    return expand(TEMPLATE_PATH)["Resources"]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _statements(document: dict) -> Iterator[dict]:
    """Every statement, both branches of an Fn::If included (AWS::NoValue dropped)."""
    for statement in _as_list(document.get("Statement", [])):
        if isinstance(statement, dict) and "Fn::If" in statement:
            _, *branches = statement["Fn::If"]
            for branch in branches:
                if branch != {"Ref": "AWS::NoValue"}:
                    yield from _statements({"Statement": branch})
        else:
            yield statement


def _policy_documents(resources: dict) -> Iterator[tuple[str, dict]]:
    for name, res in resources.items():
        props = res.get("Properties") or {}
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies") or []:
                yield f"{name}/{policy.get('PolicyName', '?')}", policy["PolicyDocument"]
        elif res["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            yield name, props["PolicyDocument"]


def wildcard_findings(statement: dict) -> list[str]:
    """The statement's actions that "*" (or NotResource/NotAction) grants too widely."""
    if statement.get("Effect") != "Allow":
        return []
    if "NotAction" in statement or "NotResource" in statement:
        return ["NotAction/NotResource"]
    if "*" not in _as_list(statement.get("Resource")):
        return []
    return sorted(a for a in _as_list(statement["Action"]) if a not in NO_RESOURCE_LEVEL)


def test_no_policy_allows_an_action_with_resource_level_permissions_on_star() -> None:
    found = [f"{where} {statement.get('Sid', '')}: {', '.join(actions)}"
             for where, document in _policy_documents(_resources())
             for statement in _statements(document)
             if (actions := wildcard_findings(statement))]
    assert not found, "Resource \"*\" for actions that can name their resource:\n" + \
        "\n".join(found)


def test_the_policies_are_found_at_all() -> None:
    """Against a silent pass: every function's role, and the statements with "*" that stay."""
    resources = _resources()
    functions = {n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    documents = dict(_policy_documents(resources))
    assert {where.split("/")[0] for where in documents} >= {f"{f}Role" for f in functions}
    star = {action for document in documents.values() for statement in _statements(document)
            if "*" in _as_list(statement.get("Resource")) for action in _as_list(statement["Action"])}
    assert star == {"cloudwatch:PutMetricData", "ecr:GetAuthorizationToken"}


def test_only_the_aws_managed_policies_sam_attaches() -> None:
    attached = {arn for res in _resources().values() if res["Type"] == "AWS::IAM::Role"
                for arn in (res["Properties"].get("ManagedPolicyArns") or [])
                if isinstance(arn, str)}
    assert all(arn.startswith(_AWS_MANAGED_PREFIX) for arn in attached), attached
    unknown = {arn.removeprefix(_AWS_MANAGED_PREFIX) for arn in attached} - set(SAM_MANAGED_POLICIES)
    assert not unknown, f"AWS-managed policies nobody reviewed here: {sorted(unknown)}"


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Effect": "Allow", "Action": ["s3:GetObject", "xray:PutTraceSegments"], "Resource": "*"},
     ["s3:GetObject"]),
    ({"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": ["*"]}, []),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}, []),
    ({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, []),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, ["NotAction/NotResource"]),
])
def test_wildcard_findings(statement: dict, expected: list[str]) -> None:
    assert wildcard_findings(statement) == expected
