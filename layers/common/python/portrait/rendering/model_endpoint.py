"""The model endpoint (RENDERER=model): the identity-preserving model container
(model/ in the repository) behind a SageMaker asynchronous endpoint. A submitted render
is one InvokeEndpointAsync; SageMaker queues it, scales the endpoint up from zero when
it has a backlog, writes the container's RenderOutput or RenderError to S3 and
notifies RenderNotificationsQueue through SNS, the same inference result the local
render worker sends.

The endpoint has one queue: a priority generation waits its turn there (its lane ends
at the submit), under the same deadline."""
from __future__ import annotations

from portrait.rendering.port import Submitted
from portrait.store import inference

# One invocation's budget on the instance: LIKENESS_ATTEMPTS renders of an HD portrait
# (about 10 s each on an A10G), with room to spare. SageMaker allows 1..3600.
INVOCATION_TIMEOUT_SECONDS = 600
# How long a request may wait in the endpoint's queue: SageMaker allows 60..21600.
MIN_TTL_SECONDS, MAX_TTL_SECONDS = 60, 21600


def request_ttl(deadline_seconds: int) -> int:
    """A request must start early enough to finish before its render's deadline (after
    which the sweep has refunded it and a portrait would be drawn for nobody)."""
    return max(MIN_TTL_SECONDS, min(MAX_TTL_SECONDS,
                                    deadline_seconds - INVOCATION_TIMEOUT_SECONDS))


class ModelEndpoint:
    name = "model"

    def __init__(self, endpoint_name: str, deadline_seconds: int) -> None:
        self.endpoint_name = endpoint_name
        self.deadline_seconds = deadline_seconds

    def submit(self, *, inference_id: str, input_location: str,
               priority: bool = False) -> Submitted:
        output, failure = inference.invoke_async(
            endpoint_name=self.endpoint_name, inference_id=inference_id,
            input_location=input_location,
            invocation_timeout_seconds=INVOCATION_TIMEOUT_SECONDS,
            request_ttl_seconds=request_ttl(self.deadline_seconds))
        return Submitted(output, failure)
