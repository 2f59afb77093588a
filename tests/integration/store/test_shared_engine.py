"""Local stacks sharing one DynamoDB Local (PORTRAIT_DYNAMODB_LOCAL): each stack's
forwarder signs as the stack's own key, so its tables, items and streams are apart from
every other stack's whatever key a function signed with, and are dropped when it stops."""
from __future__ import annotations

import threading
from typing import Iterator

import boto3
import pytest
from werkzeug.serving import make_server

from portrait_local.dynamodb_local import DynamoDBForwarder, SharedDynamoDBLocal

pytestmark = pytest.mark.dynamodb_local


def _unreachable(environ, start_response):
    start_response("404 Not Found", [])
    return [b""]


@pytest.fixture
def stacks(dynamodb_local_url: str) -> Iterator[list]:
    """Two stacks' namespaces on the engine, each behind a forwarder: (namespace, client
    signing as key A, client signing as key B), both clients through that forwarder."""
    made, servers = [], []
    for _ in range(2):
        namespace = SharedDynamoDBLocal(dynamodb_local_url, "eu-west-1").start()
        server = make_server("127.0.0.1", 0, DynamoDBForwarder(
            _unreachable, namespace.host, namespace.port, namespace=namespace.namespace),
            threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        clients = [boto3.client("dynamodb", region_name="eu-west-1",
                                endpoint_url=f"http://127.0.0.1:{server.server_port}",
                                aws_access_key_id=key, aws_secret_access_key="x")
                   for key in ("ResizeFunctionKey", "ApiFunctionKey")]
        made.append((namespace, *clients))
    yield made
    for server in servers:
        server.shutdown()
    for namespace, *_ in made:
        namespace.stop()


def _table(client, name: str = "users") -> None:
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        StreamSpecification={"StreamEnabled": True,
                                             "StreamViewType": "NEW_IMAGE"})


def test_two_stacks_on_one_engine_keep_apart_and_a_stack_sees_one_database(stacks):
    (first, first_a, first_b), (second, second_a, _) = stacks
    assert first.namespace != second.namespace and first.namespace.isalnum()
    _table(first_a)
    _table(second_a)  # the same name: another database
    first_a.put_item(TableName="users", Item={"id": {"S": "ada"}})
    # Whatever key a function signs with, the stack's functions share the stack's tables.
    assert first_b.get_item(TableName="users", Key={"id": {"S": "ada"}})["Item"]
    assert second_a.scan(TableName="users")["Items"] == []


def test_a_stopped_stack_s_tables_are_dropped_and_the_others_stay(stacks, dynamodb_local_url):
    (first, first_a, _), (second, second_a, _) = stacks
    _table(first_a, "one")
    _table(first_a, "two")
    _table(second_a, "one")
    first.stop()
    assert first_a.list_tables()["TableNames"] == []
    assert second_a.list_tables()["TableNames"] == ["one"]


def test_an_engine_that_does_not_answer_is_said_at_start():
    from portrait_local.dynamodb_local import DynamoDBLocalUnavailable

    with pytest.raises(DynamoDBLocalUnavailable, match="PORTRAIT_DYNAMODB_LOCAL"):
        SharedDynamoDBLocal("http://127.0.0.1:9", "us-east-1").start()
