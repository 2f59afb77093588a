"""The model endpoint adapter, its real client answered by botocore's Stubber: one InvokeEndpointAsync
per render, with the invocation's id and input location, and a time to live that
ends with the render's deadline."""
from __future__ import annotations

from botocore.stub import Stubber

from portrait.rendering.model_endpoint import ModelEndpoint
from portrait.store import aws, inference


def test_a_submit_is_one_invoke_endpoint_async(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    runtime = aws.client("sagemaker-runtime")
    stub = Stubber(runtime)
    stub.add_response("invoke_endpoint_async", {
        "InferenceId": "01GEN", "OutputLocation": "s3://bucket/renders/output/01GEN.out"}, {
        "EndpointName": "portrait-dev-render", "InferenceId": "01GEN",
        "InputLocation": "s3://bucket/renders/requests/u/01GEN.json",
        "ContentType": "application/json", "Accept": "application/json",
        "InvocationTimeoutSeconds": 900, "RequestTTLSeconds": 900})
    monkeypatch.setattr(inference, "client", lambda name: runtime)
    with stub:
        ModelEndpoint("portrait-dev-render", 900).submit(
            inference_id="01GEN", input_location="s3://bucket/renders/requests/u/01GEN.json",
            priority=True)
    stub.assert_no_pending_responses()
