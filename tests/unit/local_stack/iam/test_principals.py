"""Each function's principal from template.yaml as the SAM transform expands it, with
the local stack's ARNs (portrait_local.iam.principals)."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from portrait_local.iam.evaluator import Request, evaluate
from portrait_local.iam.principals import (access_key_id, expand, function_of,
                                           function_principals, secret_arns)
from portrait_local.template import Template, TemplateError

ROOT = Path(__file__).resolve().parents[4]
TEMPLATE = ROOT / "template.yaml"
BUCKET = "arn:aws:s3:::portrait-dev-media-123456789012-us-east-1"
TABLES = "arn:aws:dynamodb:us-east-1:123456789012:table/"


@pytest.fixture(scope="module")
def expanded(tmp_path_factory) -> dict:
    return expand(TEMPLATE, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def template() -> Template:
    template = Template.load(TEMPLATE, stack_name="portrait-local")
    # As resources.py records them once created: DynamoDB Local's table ARNs, the secret's.
    for lid in template.resources_of_type("AWS::DynamoDB::Table"):
        template.attributes[(lid, "Arn")] = ("arn:aws:dynamodb:ddblocal:000000000000:table/"
                                             + template.physical_name(lid))
    template.attributes[("SigningKeySecret", "Arn")] = (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:portrait/dev/token-signing-keys-"
        "Ab12Cd")
    return template


@pytest.fixture(scope="module")
def principals(template, expanded):
    return function_principals(template, expanded)


def allowed(principal, action: str, resource: str, **context) -> bool:
    request = Request(action, resource, {k.replace("_", ":"): [v] for k, v in context.items()},
                      frozenset({"s3:prefix", "s3:delimiter", "s3:max-keys"}))
    return evaluate(principal.statements, request).allowed


def test_every_function_has_its_generated_role(principals, template):
    assert set(principals) == set(template.functions())
    resize = principals["ResizeFunction"]
    assert resize.role_name == "ResizeFunctionRole"
    assert resize.arn == ("arn:aws:sts::123456789012:assumed-role/ResizeFunctionRole/"
                          "portrait-local-ResizeFunction")


def test_inline_statements_with_the_stacks_arns(principals):
    resize = principals["ResizeFunction"]
    assert allowed(resize, "s3:PutObject", f"{BUCKET}/avatars/u/a/64.webp")
    assert not allowed(resize, "s3:PutObject", f"{BUCKET}/media/u/m/thumb.jpg")
    # GetAtt UsersTable.Arn: the ARN IAM sees, not DynamoDB Local's.
    assert allowed(resize, "dynamodb:UpdateItem", TABLES + "portrait-local-UsersTable")
    assert not allowed(resize, "dynamodb:PutItem", TABLES + "portrait-local-UsersTable")


def test_sam_policy_templates_and_event_source_grants(principals):
    api = principals["ApiFunction"]
    assert allowed(api, "dynamodb:Query", TABLES + "portrait-local-UsersTable/index/by_email")
    # Only the stream publisher puts events on the bus (issue 24): nobody else may.
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/portrait-dev"
    assert [name for name, principal in sorted(principals.items())
            if allowed(principal, "events:PutEvents", bus)] == ["EventPublisherFunction"]
    # AWSSecretsManagerGetSecretValuePolicy with !Ref: the secret's ARN, as in CloudFormation.
    assert allowed(api, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:"
                   "123456789012:secret:portrait/dev/token-signing-keys-Ab12Cd")
    # DestinationConfig OnFailure: SAM grants sqs:SendMessage on the failure queue.
    purge = principals["PurgeFunction"]
    assert allowed(purge, "sqs:SendMessage",
                   "arn:aws:sqs:us-east-1:123456789012:portrait-local-PurgeFailuresQueue")


def test_conditions_in_the_templates_statements(principals):
    sweep = principals["SweepTempFunction"]
    assert allowed(sweep, "s3:ListBucket", BUCKET, s3_prefix="tmp/avatars/")
    assert not allowed(sweep, "s3:ListBucket", BUCKET, s3_prefix="avatars/")


def test_the_templates_managed_policy_and_aws_managed_policies(principals):
    generate = principals["GenerateFunction"]
    labels = {s.label for s in generate.statements}
    assert "GenerateFunctionsPolicy/SubmitRenders" in labels
    assert allowed(generate, "s3:PutObject", f"{BUCKET}/renders/requests/g.json")
    assert {s.policy for s in generate.statements if s.aws_managed} == {
        "AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess",
        "AWSLambdaSQSQueueExecutionRole"}
    assert allowed(generate, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:any")


def test_a_managed_policy_not_vendored_is_an_error(template, expanded):
    changed = copy.deepcopy(expanded)
    changed["Resources"]["ResizeFunctionRole"]["Properties"]["ManagedPolicyArns"].append(
        "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    with pytest.raises(TemplateError, match="AmazonS3FullAccess"):
        function_principals(template, changed)


def test_secret_names_map_to_their_arns(template):
    assert secret_arns(template)["portrait/dev/token-signing-keys"].endswith("-Ab12Cd")
    # Before Secrets Manager named it: any six-character suffix, as IAM documents.
    assert secret_arns(template)["portrait/dev/webhook-secrets-key"].endswith(
        "webhook-secrets-key-??????")


def test_access_keys_name_their_function():
    key = access_key_id("ResizeFunction")
    assert key.isalnum()  # DynamoDB Local takes letters and digits only
    assert function_of(key) == "ResizeFunction"
    assert function_of("testing") is None


SMALL_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn/, Handler: app.handler, Runtime: python3.12}
"""


def test_an_expansion_never_writes_into_another_writer_s_temporary_file(tmp_path):
    """The suite's first stacks expand at once into one cache: each writes a temporary
    file of its own, so none renames into place a file another is still writing."""
    import json

    small = tmp_path / "template.yaml"
    small.write_text(SMALL_TEMPLATE)
    cache_dir = tmp_path / "cache"
    first = expand(small, cache_dir=cache_dir)
    (cached,) = cache_dir.glob("sam-expanded-*.json")
    cached.unlink()
    other = cached.with_suffix(".tmp")  # what another stack is half-way through writing
    other.write_text("half of another stack's transform")
    assert expand(small, cache_dir=cache_dir) == first
    assert json.loads(cached.read_text()) == first
    assert other.read_text() == "half of another stack's transform"
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted([cached.name, other.name])
