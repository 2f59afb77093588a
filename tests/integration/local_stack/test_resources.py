"""create_resources builds what the template declares, translated to the API's shapes."""
from __future__ import annotations

import json
import logging
import textwrap

from portrait_local.resources import create_resources
from portrait_local.template import Template

from .conftest import FIXTURE_TEMPLATE


def test_tables_keys_indexes_ttl_and_streams(aws, stack_template):
    table = aws("dynamodb").describe_table(
        TableName=stack_template.physical_id("RecordsTable"))["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = table["GlobalSecondaryIndexes"]
    assert (index["IndexName"], index["Projection"]) == ("by-kind", {"ProjectionType": "KEYS_ONLY"})
    ttl = aws("dynamodb").describe_time_to_live(TableName=table["TableName"])
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                            "AttributeName": "expires_at"}
    items = aws("dynamodb").describe_table(TableName="fixture-test-items")["Table"]
    assert items["StreamSpecification"] == {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_queues_with_redrive_to_the_dead_letter_queue(aws, stack_template):
    url = stack_template.physical_id("WorkQueue")
    attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "1"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:fixture-test-work-dlq",
        "maxReceiveCount": 2}


def test_bucket_notifications_and_generated_secret(aws, stack_template):
    bucket = stack_template.physical_id("UploadsBucket")
    assert bucket == "fixture-test-uploads-123456789012"
    (config,) = aws("s3").get_bucket_notification_configuration(Bucket=bucket)[
        "QueueConfigurations"]
    assert config["QueueArn"] == stack_template.get_att("WorkQueue", "Arn")
    assert config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "incoming/"}]
    secret = json.loads(aws("secretsmanager").get_secret_value(
        SecretId=stack_template.physical_id("Secret"))["SecretString"])
    assert secret["user"] == "fixture" and len(secret["password"]) == 20
    assert secret["password"].isalnum()  # ExcludePunctuation


def test_creating_again_changes_nothing(aws, moto_endpoint):
    template = Template.load(FIXTURE_TEMPLATE, stack_name="fixture")
    secret_id = template.physical_id("Secret")
    before = aws("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    create_resources(template, endpoint_url=moto_endpoint)
    assert aws("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"] == before
    assert template.attributes[("ItemsTable", "StreamArn")].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/fixture-test-items/stream/")


def test_types_limit_what_is_created_and_unknown_types_are_listed_once(
        aws, moto_endpoint, tmp_path, caplog):
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""
        Resources:
          Only:
            Type: AWS::DynamoDB::Table
            Properties:
              AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
              KeySchema: [{AttributeName: id, KeyType: HASH}]
          Later:
            Type: AWS::SQS::Queue
          Topic1: {Type: AWS::SNS::Subscription}
          Topic2: {Type: AWS::SNS::Subscription}
          Machine: {Type: AWS::StepFunctions::StateMachine}
          Alarm: {Type: AWS::CloudWatch::Alarm}  # no metrics locally: skipped, not listed
    """))
    template = Template.load(path, stack_name="typed")
    with caplog.at_level(logging.WARNING, logger="portrait_local"):
        create_resources(template, endpoint_url=moto_endpoint, types={"AWS::DynamoDB::Table"})
        assert caplog.messages == []  # the unknown ones were filtered out by `types`
        assert "typed-Later" not in str(aws("sqs").list_queues().get("QueueUrls"))
        create_resources(template, endpoint_url=moto_endpoint)
    assert "typed-Later" in str(aws("sqs").list_queues().get("QueueUrls"))
    assert caplog.messages == [
        "not emulated: AWS::SNS::Subscription, AWS::StepFunctions::StateMachine"]
    assert "typed-Only" in aws("dynamodb").list_tables()["TableNames"]
    table = aws("dynamodb").describe_table(TableName="typed-Only")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5  # PROVISIONED default


def test_bootstrap_provisions_a_signing_key_once(aws, moto_endpoint):
    from pathlib import Path

    from portrait_local.bootstrap import bootstrap

    root = Path(__file__).resolve().parents[3]
    template = Template.load(root / "template.yaml")
    create_resources(template, endpoint_url=moto_endpoint)
    secret_id = template.function_environment("ApiFunction")["SIGNING_KEY_SECRET"]
    (line,) = bootstrap(template, endpoint_url=moto_endpoint)
    assert secret_id in line
    key_set = json.loads(aws("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    (key,) = key_set["keys"]
    assert key["kid"] == key_set["active_kid"] and "PRIVATE KEY" in key["private_key"]
    assert bootstrap(template, endpoint_url=moto_endpoint) == []  # already has a key
