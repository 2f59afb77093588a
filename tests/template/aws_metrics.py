"""What AWS publishes in the namespaces the template's alarms and dashboard read: metric names
and dimension names, from each service's CloudWatch page (a small declared list, not the whole
of CloudWatch: add a metric here, with its page, when the template starts to read it)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    metrics: frozenset[str]
    dimensions: frozenset[str]
    source: str


def _published(metrics: str, dimensions: str, source: str) -> Published:
    return Published(frozenset(metrics.split()), frozenset(dimensions.split()), source)


AWS_PUBLISHED: dict[str, Published] = {
    "AWS/ApiGateway": _published(  # HTTP APIs (the REST API names are 4XXError, 5XXError)
        "Count 4xx 5xx Latency IntegrationLatency DataProcessed",
        "ApiId Stage Method Resource",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html"),
    "AWS/Lambda": _published(
        "Invocations Errors Throttles Duration IteratorAge ConcurrentExecutions "
        "DeadLetterErrors DestinationDeliveryFailures",
        "FunctionName Resource ExecutedVersion",
        "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"),
    "AWS/SQS": _published(
        "ApproximateAgeOfOldestMessage ApproximateNumberOfMessagesVisible "
        "ApproximateNumberOfMessagesNotVisible ApproximateNumberOfMessagesDelayed "
        "NumberOfMessagesSent NumberOfMessagesReceived NumberOfMessagesDeleted "
        "NumberOfEmptyReceives SentMessageSize",
        "QueueName",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "sqs-available-cloudwatch-metrics.html"),
    "AWS/Events": _published(
        "Invocations FailedInvocations TriggeredRules MatchedEvents DeadLetterInvocations "
        "ThrottledRules",
        "RuleName EventBusName",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html"),
    "AWS/SageMaker": _published(  # an asynchronous endpoint's (Renderer=model)
        "Invocation4XXErrors Invocation5XXErrors ModelLatency ApproximateBacklogSize "
        "ApproximateBacklogSizePerInstance ApproximateAgeOfOldestRequest "
        "HasBacklogWithoutCapacity",
        "EndpointName VariantName",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html"),
}
