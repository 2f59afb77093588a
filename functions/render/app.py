"""RenderFunction: the render worker behind QueueEndpoint. Each message is one render
invocation (InferenceId, InputLocation), handled as a SageMaker asynchronous endpoint
would: render, write the output or the failure to S3, notify the completion queue.

BatchSize is 1: one render per invocation, the whole timeout its budget. A retryable
error goes back to the queue (batchItemFailures) until GENERATION_RENDER_ATTEMPTS
receives, then it is reported as a failure.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from portrait.observability import logger, metrics, tracer
from portrait.rendering.contract import Invocation
from portrait.services.generations.render_worker import run_render

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    invocation = Invocation.model_validate_json(record.body)
    return run_render(invocation, attempt=int(record.attributes.approximate_receive_count or 1))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
