"""The local endpoint's DynamoDB forwarder tells the write board which tables a request
changed, once DynamoDB Local has taken it, so the stream pollers read at once
(portrait_local.table_writes); reads and refused writes tell it nothing."""
from __future__ import annotations

import threading
import uuid
from typing import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from portrait_local.dynamodb_local import DynamoDBForwarder
from portrait_local.table_writes import TableWrites


def _unreachable(environ, start_response):  # the non-DynamoDB half of the endpoint
    start_response("404 Not Found", [])
    return [b""]


@pytest.fixture
def board() -> TableWrites:
    return TableWrites()


@pytest.fixture
def dynamodb(dynamodb_local_url: str, board: TableWrites) -> Iterator[object]:
    """A client aimed at a forwarder in front of DynamoDB Local, with a table of its own."""
    host, port = dynamodb_local_url.rsplit("//", 1)[1].split(":")
    server = make_server("127.0.0.1", 0, DynamoDBForwarder(_unreachable, host, int(port),
                                                           writes=board), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = boto3.client("dynamodb", region_name="us-east-1",
                          endpoint_url=f"http://127.0.0.1:{server.server_port}",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    yield client
    server.shutdown()
    thread.join(30)


def _table(dynamodb) -> str:
    name = f"writes-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    return name


def test_writes_count_for_their_tables_reads_and_refusals_do_not(dynamodb, board) -> None:
    first, second = _table(dynamodb), _table(dynamodb)
    dynamodb.put_item(TableName=first, Item={"id": {"S": "a"}})
    assert (board.count(first), board.count(second)) == (1, 0)
    dynamodb.get_item(TableName=first, Key={"id": {"S": "a"}})
    dynamodb.scan(TableName=second)
    assert (board.count(first), board.count(second)) == (1, 0)
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": first, "Item": {"id": {"S": "b"}}}},
        {"Put": {"TableName": second, "Item": {"id": {"S": "c"}}}}])
    assert (board.count(first), board.count(second)) == (2, 1)
    with pytest.raises(ClientError):  # refused: nothing was written, nobody is woken
        dynamodb.put_item(TableName=second, Item={"id": {"S": "c"}},
                          ConditionExpression="attribute_not_exists(id)")
    assert board.count(second) == 1
    dynamodb.batch_write_item(RequestItems={second: [{"DeleteRequest": {"Key": {"id": {"S": "c"}}}}]})
    assert board.count(second) == 2
