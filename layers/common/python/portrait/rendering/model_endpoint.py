"""The model endpoint (RENDERER=model): the identity-preserving model container
(model/ in the repository) behind a SageMaker asynchronous endpoint. A submitted render
is one InvokeEndpointAsync; SageMaker queues it, scales the endpoint up from zero when
it has a backlog, writes the container's RenderOutput or RenderError to S3 and
notifies RenderNotificationsQueue through SNS, the same inference result the local
render worker sends.

The endpoint has one queue: a priority generation waits its turn there (its lane ends
at the submit), under the same deadline."""
from __future__ import annotations

from portrait.store import inference


class ModelEndpoint:
    name = "model"

    def __init__(self, endpoint_name: str, deadline_seconds: int) -> None:
        self.endpoint_name = endpoint_name
        self.deadline_seconds = deadline_seconds

    def submit(self, *, inference_id: str, input_location: str, priority: bool = False) -> None:
        # A request still queued when its render's deadline passes has been refunded by
        # the sweep: SageMaker drops it then instead of rendering it for nobody.
        ttl = max(60, self.deadline_seconds)
        inference.invoke_async(endpoint_name=self.endpoint_name, inference_id=inference_id,
                               input_location=input_location,
                               invocation_timeout_seconds=min(3600, ttl),
                               request_ttl_seconds=ttl)
