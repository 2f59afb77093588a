"""The render worker's endpoint: a submitted render is a message on RenderRequestsQueue
(RenderPriorityRequestsQueue for a priority generation: its own workers, so it never
waits behind the standard backlog), which RenderFunction drains
(portrait.services.generations.render_worker). The message carries what
InvokeEndpointAsync would (InferenceId, InputLocation, EndpointName), so the worker
answers exactly as a SageMaker asynchronous endpoint does."""
from __future__ import annotations

from portrait.rendering.contract import Invocation
from portrait.rendering.port import Submitted
from portrait.store import keys, objects, queues


class QueueEndpoint:
    name = "queue"

    def __init__(self, queue_url: str, priority_queue_url: str, endpoint_name: str) -> None:
        self.queue_urls = {False: queue_url, True: priority_queue_url}
        self.endpoint_name = endpoint_name

    def submit(self, *, inference_id: str, input_location: str,
               priority: bool = False) -> Submitted:
        url = self.queue_urls[priority]
        if not url:  # a deploy without the variable: fail loudly, the upload waits
            raise RuntimeError("no render queue (set RENDER_REQUESTS_QUEUE_URL and "
                               "RENDER_PRIORITY_REQUESTS_QUEUE_URL)")
        invocation = Invocation(inference_id=inference_id, input_location=input_location,
                                endpoint_name=self.endpoint_name)
        queues.send(url, invocation.model_dump_json(by_alias=True))
        # The worker's names (services.generations.render_worker), fixed by the id.
        return Submitted(objects.s3_uri(keys.render_output_key(inference_id)),
                         objects.s3_uri(keys.render_failure_key(inference_id)))
