"""EventBridge's content filtering, on an event shaped as EventBridge delivers it."""
from __future__ import annotations

import pytest

from portrait_local.filters import FilterError, matches

EVENT = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
    "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0", "state": "terminated", "count": 5,
        "price": 2.5, "active": False, "note": None, "ip": "10.0.0.7",
        "file": "/usr/lib/x*y", "tags": ["blue", "green"],
        "lines": [{"sku": "a-1", "qty": 2}, {"sku": "b-2", "qty": 9}],
        "c-count": 5, "d-count": 0,
    },
}


@pytest.mark.parametrize("pattern, expected", [
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3", "aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"source": ["aws.ec2"], "detail-type": ["other"]}, False),  # fields AND
    ({"detail": {"state": ["terminated"]}}, True),
    ({"resources": [{"prefix": "arn:aws:ec2:"}]}, True),
    ({"detail": {"tags": ["green"]}}, True),  # any element of an array value
    ({"detail": {"lines": {"sku": ["b-2"]}}}, True),  # an array of objects: any of them
    ({"detail": {"lines": {"sku": ["a-1"], "qty": [9]}}}, False),  # ... one object matching all
    ({"detail": {"lines": {"qty": [{"numeric": [">", 5]}]}}}, True),
    ({"detail": {"count": [5]}}, True),
    ({"detail": {"count": ["5"]}}, False),  # a number is not its text
    ({"detail": {"active": [False]}}, True),
    ({"detail": {"active": [0]}}, False),  # nor is a boolean a number
    ({"detail": {"note": [None]}}, True),
    ({"detail": {"missing": [None]}}, False),  # null is not absent
    ({"detail": {"price": [{"numeric": [">", 0, "<=", 2.5]}]}}, True),
    ({"detail": {"price": [{"numeric": ["=", 3]}]}}, False),
    ({"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}}, True),
    ({"detail": {"state": [{"suffix": {"equals-ignore-case": "NATED"}}]}}, True),
    ({"detail": {"instance-id": [{"wildcard": "i-*def0"}]}}, True),
    ({"detail": {"file": [{"wildcard": "/usr/lib/x\\*y"}]}}, True),  # \* is a star
    ({"detail": {"file": [{"wildcard": "/usr/lib/xa\\*y"}]}}, False),
    ({"detail": {"state": [{"anything-but": ["running", "stopped"]}]}}, True),
    ({"detail": {"state": [{"anything-but": {"prefix": ["run", "term"]}}]}}, False),
    ({"detail": {"state": [{"anything-but": {"suffix": "ing"}}]}}, True),
    ({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Terminated"]}}]}}, False),
    ({"detail": {"file": [{"anything-but": {"wildcard": ["*/bin/*", "*/lib/*"]}}]}}, False),
    ({"detail": {"missing": [{"anything-but": "x"}]}}, False),  # anything-but needs the field
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"ip": [{"cidr": "10.0.1.0/24"}]}}, False),
    ({"detail": {"state": [{"cidr": "10.0.0.0/8"}]}}, False),  # not an address: no match
    ({"detail": {"instance-id": [{"exists": True}]}}, True),
    ({"detail": {"lines": [{"exists": True}]}}, True),
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"state": [{"exists": False}]}}, False),
    ({"detail": {"$or": [{"c-count": [{"numeric": [">", 9]}]},
                         {"d-count": [{"numeric": ["<", 1]}]}]}}, True),
    ({"source": ["aws.ec2"], "$or": [{"detail": {"state": ["running"]}},
                                     {"detail-type": ["nothing"]}]}, False),
])
def test_eventbridge_patterns(pattern, expected):
    assert matches(pattern, EVENT, eventbridge=True) is expected


def test_cidr_is_eventbridge_only_and_must_be_a_network():
    with pytest.raises(FilterError, match="unsupported filter matcher 'cidr'"):
        matches({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, EVENT)
    with pytest.raises(FilterError, match="cidr wants a network"):
        matches({"detail": {"ip": [{"cidr": "ten"}]}}, EVENT, eventbridge=True)
