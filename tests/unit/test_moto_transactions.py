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


def test_each_table_is_copied_once_per_transaction(table, monkeypatch) -> None:
    copied = []
    real = copy.deepcopy

    def counting(obj, memo=None):
        if isinstance(obj, models.Table):
            copied.append(obj.name)
        return real(obj, memo)

    monkeypatch.setattr(moto_transactions.copy, "deepcopy", counting)
    table.transact_write_items(TransactItems=[_put(str(n)) for n in range(5)])
    assert copied == [NAME]
    assert len(table.scan(TableName=NAME)["Items"]) == 5
