"""EventPublisherFunction: every domain event, from the avatars, generations, projects,
media and users streams; and the counts of avatars, users and generations, moved by the
same records (portrait.services.counts: each record counted once, before its events).

A record is published only after its write committed (it is in the stream),
and a failed publish is never dropped: the batch reports the first record
that failed, and Lambda retries the shard from it, in order, until it works
(or, after 24 h, sends its position to DomainEventFailuresQueue).

Powertools' BatchProcessor is not used on purpose: it goes on past a failed
record, so a later change of the same item would be published before an
earlier one that is retried. Stopping at the first failure keeps each item's
events in stream order; a record published again after a retry is a
duplicate with the same `event_id` (made from the record's eventID), which
consumers absorb (at least once; they deduplicate on the id).
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait import metric_catalogue as M
from portrait.observability import emit, logger, metrics, tracer
from portrait.services.domain_events import Change
from portrait.services.stream_changes import handle_change


def _table(source_arn: str) -> str:
    # arn:aws:dynamodb:region:account:table/<name>/stream/<label>
    return source_arn.split(":table/", 1)[-1].split("/stream/", 1)[0]


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=DynamoDBStreamEvent)
def lambda_handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict:
    published = 0
    for record in event.records:
        stream = record.dynamodb
        try:
            published += handle_change(_table(record.event_source_arn or ""), Change(
                event_name=str(record.event_name.name),
                old=stream.old_image if stream else None, new=stream.new_image if stream else None,
                record_id=record.event_id or (stream.sequence_number if stream else "") or "",
                committed_at=float(stream.approximate_creation_date_time or 0) if stream else 0.0))
        except Exception:  # noqa: BLE001 - reported, and the shard retries from here
            logger.exception("counting or publishing a stream record failed; retrying from it",
                             extra={"sequence_number": stream.sequence_number if stream else None})
            emit(M.DOMAIN_EVENTS_PUBLISHED, published)
            return {"batchItemFailures": [{"itemIdentifier": stream.sequence_number if stream else None}]}
    emit(M.DOMAIN_EVENTS_PUBLISHED, published)
    return {"batchItemFailures": []}


coldstart.loaded()  # last: everything above is loaded
