"""Lambda/EventBridge filter patterns."""
from __future__ import annotations

import pytest

from portrait_local.filters import FilterError, matches, matches_any, parse_filter_criteria

RECORD = {
    "eventName": "REMOVE",
    "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
    "dynamodb": {"Keys": {"pk": {"S": "avatar#1"}},
                 "OldImage": {"status": {"S": "deleted"}, "size": {"N": "2048"},
                              "tags": {"SS": ["a", "b"]}}},
    "count": 5, "ratio": 0.5, "flag": True, "nothing": None, "items": [1, 7, 12],
    "name": "Photo.PNG",
}


@pytest.mark.parametrize("pattern, expected", [
    ({"eventName": ["REMOVE"]}, True),
    ({"eventName": ["INSERT", "MODIFY"]}, False),
    ({"eventName": ["REMOVE"], "userIdentity": {"principalId": ["dynamodb.amazonaws.com"],
                                                "type": ["Service"]}}, True),
    ({"userIdentity": {"principalId": ["someone"]}}, False),
    ({"dynamodb": {"OldImage": {"status": {"S": ["deleted"]}}}}, True),
    ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "avatar#"}]}}}}, True),
    ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "media#"}]}}}}, False),
    ({"name": [{"suffix": ".PNG"}]}, True),
    ({"name": [{"suffix": {"equals-ignore-case": ".png"}}]}, True),
    ({"name": [{"equals-ignore-case": "photo.png"}]}, True),
    ({"name": [{"wildcard": "Photo.*"}]}, True),
    ({"name": [{"wildcard": "*.jpg"}]}, False),
    ({"eventName": [{"anything-but": "INSERT"}]}, True),
    ({"eventName": [{"anything-but": ["REMOVE", "INSERT"]}]}, False),
    ({"eventName": [{"anything-but": {"prefix": "REM"}}]}, False),
    ({"count": [{"numeric": [">", 0, "<=", 5]}]}, True),
    ({"count": [{"numeric": ["<", 5]}]}, False),
    ({"ratio": [{"numeric": ["=", 0.5]}]}, True),
    ({"count": [5]}, True),
    ({"count": ["5"]}, False),  # types matter
    ({"flag": [True]}, True),
    ({"nothing": [None]}, True),
    ({"userIdentity": {"type": [{"exists": True}]}}, True),
    ({"missing": [{"exists": False}]}, True),
    ({"eventName": [{"exists": False}]}, False),
    ({"missing": {"deeper": [{"exists": False}]}}, True),
    ({"missing": ["x"]}, False),
    ({"items": [7]}, True),  # an array value matches if any element does
    ({"items": [{"numeric": [">", 20]}]}, False),
    ({"dynamodb": {"OldImage": {"tags": {"SS": ["b"]}}}}, True),
    ({"$or": [{"eventName": ["INSERT"]}, {"count": [5]}]}, True),
    ({"$or": [{"eventName": ["INSERT"]}, {"count": [6]}]}, False),
])
def test_patterns(pattern, expected):
    assert matches(pattern, RECORD) is expected


def test_filter_criteria_any_pattern_matches_and_none_lets_everything_through():
    patterns = parse_filter_criteria({"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'},
                                                  {"Pattern": '{"count": [5]}'}]})
    assert matches_any(patterns, RECORD)
    assert not matches_any(patterns[:1], RECORD)
    assert matches_any(parse_filter_criteria(None), RECORD)


@pytest.mark.parametrize("criteria, message", [
    ({"Filters": [{"Pattern": "{not json"}]}, "not JSON"),
    ({"Filters": [{"Pattern": "[1]"}]}, "JSON object"),
])
def test_bad_criteria_are_rejected(criteria, message):
    with pytest.raises(FilterError, match=message):
        parse_filter_criteria(criteria)


@pytest.mark.parametrize("pattern, message", [
    ({"eventName": "REMOVE"}, "must be an object or an array"),
    ({"eventName": []}, "must not be empty"),
    ({"count": [{"numeric": [">"]}]}, "numeric wants"),
    ({"count": [{"numeric": ["!", 1]}]}, "bad comparison"),
    ({"eventName": [{"cidr": "10.0.0.0/8"}]}, "unsupported filter matcher 'cidr'"),
])
def test_bad_patterns_are_rejected(pattern, message):
    with pytest.raises(FilterError, match=message):
        matches(pattern, RECORD)


def test_s3s_test_event_is_told_apart_from_a_notification() -> None:
    from portrait_local.sqs_poller import _is_s3_test_event

    test_event = {"body": '{"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}'}
    upload = {"body": '{"Records": [{"eventName": "ObjectCreated:Post"}]}'}
    assert _is_s3_test_event(test_event) and not _is_s3_test_event(upload)
