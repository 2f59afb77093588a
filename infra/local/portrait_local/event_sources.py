"""Which functions consume which queues and streams: the template's event source mappings.

Read from SAM function events (Type SQS, DynamoDB) and from
AWS::Lambda::EventSourceMapping resources, with Lambda's defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portrait_local.filters import parse_filter_criteria
from portrait_local.template import FUNCTION_TYPES, Template


@dataclass
class EventSourceMapping:
    function_id: str
    name: str  # the SAM event name, or the mapping's logical id
    kind: str  # "sqs" or "dynamodb"
    source_arn: str
    batch_size: int
    batching_window: float = 0.0
    report_batch_item_failures: bool = False
    filters: list[dict] = field(default_factory=list)
    enabled: bool = True
    starting_position: str = "LATEST"
    maximum_retry_attempts: int = -1  # streams: -1 retries until the record expires
    on_failure: str | None = None  # streams: DestinationConfig.OnFailure's ARN
    function_arn: str = ""  # what a failure record names as the function

    @property
    def source_name(self) -> str:
        """The queue name or the table name, for the invocation log line."""
        if self.kind == "sqs":
            return self.source_arn.rsplit(":", 1)[-1]
        return self.source_arn.split(":table/", 1)[-1].split("/stream/")[0]


_DEFAULT_BATCH = {"sqs": 10, "dynamodb": 100}


def _mapping(function_id: str, name: str, kind: str, source_arn: str,
             props: dict, function_arn: str) -> EventSourceMapping:
    return EventSourceMapping(
        function_id=function_id, name=name, kind=kind, source_arn=source_arn,
        batch_size=int(props.get("BatchSize", _DEFAULT_BATCH[kind])),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures="ReportBatchItemFailures" in (
            props.get("FunctionResponseTypes") or []),
        filters=parse_filter_criteria(props.get("FilterCriteria")),
        enabled=props.get("Enabled", True) not in (False, "false"),
        starting_position=props.get("StartingPosition", "LATEST"),
        maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
        # SAM's event adds a Type (SQS | SNS | S3) beside the Destination; the resource has none.
        on_failure=((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"),
        function_arn=function_arn,
    )


def event_source_mappings(template: Template) -> list[EventSourceMapping]:
    """Resolve after create_resources: a stream ARN exists only once its table does."""
    mappings = []
    for fid, spec in template.functions().items():
        for event_name, event in spec.events.items():
            kind = {"SQS": "sqs", "DynamoDB": "dynamodb"}.get(event.get("Type"))
            if kind is None:
                continue
            props: dict[str, Any] = template.resolve(event.get("Properties") or {})
            arn = props["Queue"] if kind == "sqs" else props["Stream"]
            mappings.append(_mapping(fid, event_name, kind, arn, props,
                                     template.get_att(fid, "Arn")))
    by_name = {}
    for fid in template.resources_of_type(*FUNCTION_TYPES):
        by_name[template.physical_name(fid)] = fid
        by_name[template.get_att(fid, "Arn")] = fid
    for lid in template.resources_of_type("AWS::Lambda::EventSourceMapping"):
        props = template.resolve(template.resources[lid].get("Properties") or {})
        fid = by_name.get(props.get("FunctionName"))
        arn = props.get("EventSourceArn", "")
        kind = "sqs" if ":sqs:" in arn else "dynamodb" if ":dynamodb:" in arn else None
        if fid is not None and kind is not None:
            mappings.append(_mapping(fid, lid, kind, arn, props, template.get_att(fid, "Arn")))
    return mappings
