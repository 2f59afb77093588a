"""SageMaker asynchronous inference: the model endpoint's one call."""
from __future__ import annotations

from portrait.store.aws import client


def invoke_async(*, endpoint_name: str, inference_id: str, input_location: str,
                 invocation_timeout_seconds: int, request_ttl_seconds: int) -> tuple[str, str]:
    """Queue one inference on the endpoint; returns where SageMaker will write its
    output and its failure (OutputLocation, FailureLocation)."""
    answer = client("sagemaker-runtime").invoke_endpoint_async(
        EndpointName=endpoint_name, InferenceId=inference_id, InputLocation=input_location,
        ContentType="application/json", Accept="application/json",
        InvocationTimeoutSeconds=invocation_timeout_seconds,
        RequestTTLSeconds=request_ttl_seconds)
    return answer["OutputLocation"], answer.get("FailureLocation", "")
