"""IAM's evaluation of identity policies (portrait_local.iam.evaluator, conditions)."""
from __future__ import annotations

import pytest

from portrait_local.iam.conditions import UnsupportedCondition, conditions_hold
from portrait_local.iam.evaluator import Request, evaluate, statements

BUCKET = "arn:aws:s3:::media"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/users"


def policy(*statement: dict, name: str = "Policy0") -> list:
    return statements([(name, {"Version": "2012-10-17", "Statement": list(statement)}, False)])


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_an_allow_that_covers_action_and_resource_allows_and_names_its_statement():
    decision = evaluate(policy(allow("s3:PutObject", f"{BUCKET}/avatars/*", Sid="Write")),
                        Request("s3:PutObject", f"{BUCKET}/avatars/u/a/64.webp"))
    assert decision.allowed
    assert [s.label for s in decision.matched] == ["Policy0/Write"]


def test_nothing_allows_is_an_implicit_deny_with_aws_reason():
    decision = evaluate(policy(allow("s3:PutObject", f"{BUCKET}/avatars/*")),
                        Request("s3:PutObject", f"{BUCKET}/tmp/x"))
    assert not decision.allowed and not decision.explicit_deny
    assert decision.reason() == ("because no identity-based policy allows the s3:PutObject "
                                 "action")


def test_an_explicit_deny_wins_over_any_allow():
    decision = evaluate(policy(allow("s3:*", "*"),
                               {"Effect": "Deny", "Action": "s3:DeleteObject",
                                "Resource": f"{BUCKET}/avatars/*", "Sid": "KeepAvatars"}),
                        Request("s3:DeleteObject", f"{BUCKET}/avatars/k"))
    assert not decision.allowed and decision.explicit_deny
    assert "explicit deny" in decision.reason() and "KeepAvatars" in decision.reason()


def test_action_names_match_case_insensitively_with_both_wildcards():
    statements_ = policy(allow(["dynamodb:get*", "sqs:SendMessage?atch"], "*"))
    assert evaluate(statements_, Request("dynamodb:GetItem", TABLE)).allowed
    assert evaluate(statements_, Request("sqs:SendMessageBatch", "*")).allowed
    assert not evaluate(statements_, Request("sqs:SendMessage", "*")).allowed
    assert not evaluate(statements_, Request("dynamodb:PutItem", TABLE)).allowed


def test_resources_match_case_sensitively():
    statements_ = policy(allow("s3:GetObject", f"{BUCKET}/Avatars/*"))
    assert not evaluate(statements_, Request("s3:GetObject", f"{BUCKET}/avatars/k")).allowed
    assert evaluate(statements_, Request("s3:GetObject", f"{BUCKET}/Avatars/k")).allowed


def test_a_table_grant_does_not_cover_its_indexes():
    statements_ = policy(allow("dynamodb:Query", TABLE))
    assert not evaluate(statements_, Request("dynamodb:Query", f"{TABLE}/index/by_email")).allowed


def test_not_action_and_not_resource():
    statements_ = policy({"Effect": "Allow", "NotAction": "s3:DeleteObject",
                          "NotResource": f"{BUCKET}/private/*"})
    assert evaluate(statements_, Request("s3:GetObject", f"{BUCKET}/public/k")).allowed
    assert not evaluate(statements_, Request("s3:DeleteObject", f"{BUCKET}/public/k")).allowed
    assert not evaluate(statements_, Request("s3:GetObject", f"{BUCKET}/private/k")).allowed


def list_bucket(prefix: str | None) -> Request:
    return Request("s3:ListBucket", BUCKET, {"s3:prefix": [prefix]} if prefix is not None
                   else {}, frozenset({"s3:prefix", "s3:delimiter", "s3:max-keys"}))


def test_a_string_like_condition_on_the_listing_prefix():
    statements_ = policy(allow("s3:ListBucket", BUCKET,
                               Condition={"StringLike": {"s3:prefix": ["tmp/*", "media/*"]}}))
    assert evaluate(statements_, list_bucket("tmp/avatars/")).allowed
    assert evaluate(statements_, list_bucket("media/u/")).allowed
    assert not evaluate(statements_, list_bucket("avatars/")).allowed
    assert not evaluate(statements_, list_bucket(None)).allowed  # a whole-bucket listing


def test_a_failed_condition_on_an_allow_is_no_allow_not_a_deny():
    statements_ = policy(allow("s3:ListBucket", BUCKET,
                               Condition={"StringLike": {"s3:prefix": "tmp/*"}}),
                         allow("s3:ListBucket", BUCKET))
    assert evaluate(statements_, list_bucket("avatars/")).allowed


def test_an_unsupported_operator_denies_and_says_so():
    statements_ = policy(allow("s3:ListBucket", BUCKET,
                               Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    decision = evaluate(statements_, list_bucket("tmp/"))
    assert not decision.allowed
    assert "cannot evaluate a condition" in decision.reason()


def test_a_key_the_request_does_not_set_is_refused_rather_than_guessed():
    statements_ = policy(allow("dynamodb:GetItem", TABLE, Condition={
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["user#1"]}}))
    decision = evaluate(statements_, Request("dynamodb:GetItem", TABLE))
    assert not decision.allowed and "dynamodb:LeadingKeys" in decision.unsupported


@pytest.mark.parametrize("block, context, expected", [
    ({"StringNotEquals": {"s3:prefix": "tmp/"}}, {}, True),  # negated, key absent: holds
    ({"StringEquals": {"s3:prefix": "tmp/"}}, {}, False),
    ({"StringEqualsIfExists": {"s3:prefix": "tmp/"}}, {}, True),
    ({"StringEqualsIfExists": {"s3:prefix": "tmp/"}}, {"s3:prefix": ["x/"]}, False),
    ({"Null": {"s3:prefix": "true"}}, {}, True),
    ({"Null": {"s3:prefix": "false"}}, {"s3:prefix": ["a"]}, True),
    ({"StringEqualsIgnoreCase": {"s3:prefix": "TMP/"}}, {"s3:prefix": ["tmp/"]}, True),
    ({"NumericLessThanEquals": {"s3:max-keys": "100"}}, {"s3:max-keys": ["50"]}, True),
    ({"NumericLessThanEquals": {"s3:max-keys": "100"}}, {"s3:max-keys": ["500"]}, False),
    ({"ForAllValues:StringLike": {"s3:prefix": "a*"}}, {"s3:prefix": ["ab", "ac"]}, True),
    ({"ForAllValues:StringLike": {"s3:prefix": "a*"}}, {"s3:prefix": ["ab", "b"]}, False),
    ({"ForAnyValue:StringLike": {"s3:prefix": "a*"}}, {"s3:prefix": ["b", "ab"]}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:assumed-role/Api*"}},
     {"aws:PrincipalArn": ["arn:aws:sts::123456789012:assumed-role/ApiRole/fn"]}, True),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": ["true"]}, True),
    # Every key and every operator must hold.
    ({"StringLike": {"s3:prefix": "t*"}, "StringEquals": {"s3:delimiter": "/"}},
     {"s3:prefix": ["tmp/"]}, False),
])
def test_condition_operators(block, context, expected):
    assert conditions_hold(block, context, frozenset({"s3:prefix", "s3:delimiter",
                                                      "s3:max-keys"})) is expected


def test_date_operators_are_not_evaluated():
    with pytest.raises(UnsupportedCondition):
        conditions_hold({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, {})
