"""DefaultAvatarFunction: a default avatar for each new user, from the users table's stream.

The event source's FilterCriteria lets through only INSERTs of user# items
(not the username#/email# guard items, not updates). The check is repeated
here so a mapping without the filter cannot make avatars for guard items.
A record that fails is reported in batchItemFailures: the shard retries from
it, up to the mapping's MaximumRetryAttempts, and registration never waits.
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
from portrait.services.avatars.defaults import ensure_default_avatar, register_lambda_context

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> str | None:
    image = record.dynamodb.new_image if record.dynamodb else {}
    if record.event_name != DynamoDBRecordEventName.INSERT or not str(
            image.get("pk", "")).startswith("user#"):
        logger.debug("not a new user; skipped", extra={"event_name": str(record.event_name)})
        return None
    return ensure_default_avatar(user_id=image["user_id"])


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
