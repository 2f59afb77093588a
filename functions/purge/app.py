"""PurgeFunction: the objects of avatars DynamoDB's TTL removed, from the avatars table's stream.

The event source's FilterCriteria lets through only REMOVEs made by the
DynamoDB service itself (TTL deletions), not a REMOVE made by anyone's
request. The check is repeated here, so a mapping without the filter cannot
purge on an ordinary delete. A record that fails (objects left) is reported
in batchItemFailures and the shard retries from it.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.hygiene.deleted_sweep import purge_expired_avatar

TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> int:
    identity = record.user_identity
    if record.event_name != DynamoDBRecordEventName.REMOVE or any(
            identity.get(name) != value for name, value in TTL_IDENTITY.items()):
        logger.debug("not a TTL removal; skipped", extra={"event_name": str(record.event_name)})
        return 0
    return purge_expired_avatar(record.dynamodb.old_image if record.dynamodb else {})


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
