"""IndexFunction: the search index, from SearchIndexQueue.

Each message is an EventBridge event the SearchEventsRule forwarded (project.*,
profile.updated), applied in version order (services.search.indexing), or a
rebuild request the API queued. A message that fails (the engine unreachable)
is reported in batchItemFailures, comes back, and after maxReceiveCount goes to
the dead-letter queue; a stale event (an equal or newer version indexed) is a
success that changes nothing.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.search.indexing import apply_event
from portrait.services.search.rebuild import is_rebuild_request, rebuild_search_index

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    message = json.loads(record.body)
    if is_rebuild_request(message):
        report = rebuild_search_index()
        return f"rebuilt:{report.indexed}"
    event = parse(event=message, model=EventBridgeModel)
    outcome = apply_event(event.detail_type, event.detail)
    logger.info("search index", extra={"detail_type": event.detail_type, "outcome": outcome})
    return outcome


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
