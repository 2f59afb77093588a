"""The test harness's moto patch (tests/moto_transactions.py) keeps moto's transactions
as they were: all items applied, or none when one fails; each table copied once."""
from __future__ import annotations

import copy
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb import models

from tests import moto_transactions


# A name of its own: under a mock another test package left running, moto's backend
# (and a table of an earlier test here) would still be there.
NAME = f"moto-transactions-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def table():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName=NAME, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        yield client
        client.delete_table(TableName=NAME)


def _put(key: str, **extra) -> dict:
    return {"Put": {"TableName": NAME, "Item": {"pk": {"S": key}}, **extra}}


def test_a_failed_item_rolls_back_the_others(table) -> None:
    table.put_item(TableName=NAME, Item={"pk": {"S": "taken"}})
    with pytest.raises(ClientError) as refused:
        table.transact_write_items(TransactItems=[
            _put("a"), _put("b"),
            _put("taken", ConditionExpression="attribute_not_exists(pk)")])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    keys = sorted(i["pk"]["S"] for i in table.scan(TableName=NAME)["Items"])
    assert keys == ["taken"]


def test_an_updated_item_is_put_back_as_it_was(table) -> None:
    """An update changes moto's item in place: the snapshot must hold a copy of it."""
    table.put_item(TableName=NAME, Item={"pk": {"S": "counter"}, "n": {"N": "1"}})
    table.put_item(TableName=NAME, Item={"pk": {"S": "taken"}})
    with pytest.raises(ClientError):
        table.transact_write_items(TransactItems=[
            {"Update": {"TableName": NAME, "Key": {"pk": {"S": "counter"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": NAME, "Key": {"pk": {"S": "taken"}}}},
            _put("taken", ConditionExpression="attribute_not_exists(pk)")])
    counter = table.get_item(TableName=NAME, Key={"pk": {"S": "counter"}})["Item"]
    assert counter["n"] == {"N": "1"}
    assert "Item" in table.get_item(TableName=NAME, Key={"pk": {"S": "taken"}})


def test_a_range_key_table_rolls_back_its_items_and_stream() -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        name = f"{NAME}-range"
        client.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        client.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "a"}, "v": {"S": "old"}})
        stream = models.dynamodb_backends["123456789012"]["us-east-1"].tables[name].stream_shard
        records_before = len(stream.items)
        with pytest.raises(ClientError):
            client.transact_write_items(TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "u"}, "sk": {"S": "b"}}}},
                {"Update": {"TableName": name, "Key": {"pk": {"S": "u"}, "sk": {"S": "a"}},
                            "UpdateExpression": "SET v = :new",
                            "ExpressionAttributeValues": {":new": {"S": "new"}}}},
                {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "u"}, "sk": {"S": "z"}},
                                    "ConditionExpression": "attribute_exists(pk)"}}])
        items = client.query(TableName=name, KeyConditionExpression="pk = :u",
                             ExpressionAttributeValues={":u": {"S": "u"}})["Items"]
        assert [(i["sk"]["S"], i["v"]["S"]) for i in items] == [("a", "old")]
        table_now = models.dynamodb_backends["123456789012"]["us-east-1"].tables[name]
        assert len(table_now.stream_shard.items) == records_before  # a cancelled one writes none
        assert table_now.stream_shard.table is table_now


def test_no_table_is_deep_copied_only_the_items_named(table, monkeypatch) -> None:
    for n in range(50):
        table.put_item(TableName=NAME, Item={"pk": {"S": f"other-{n}"}})
    copied = []
    real = copy.deepcopy

    def counting(obj, memo=None):
        copied.append(type(obj).__name__)
        return real(obj, memo)

    monkeypatch.setattr(moto_transactions.copy, "deepcopy", counting)
    table.transact_write_items(TransactItems=[_put(str(n)) for n in range(5)]
                               + [_put("other-1")])
    assert "Table" not in copied and copied.count("Item") == 1  # other-1, which exists
    assert len(table.scan(TableName=NAME)["Items"]) == 55
