"""The model endpoint adapter, its real client answered by botocore's Stubber: one InvokeEndpointAsync
per render, with the invocation's id and input location, and a time to live that
ends with the render's deadline."""
from __future__ import annotations

from botocore.stub import Stubber

from portrait.rendering.model_endpoint import ModelEndpoint, request_ttl
from portrait.store import aws, inference


def test_a_submit_is_one_invoke_endpoint_async(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    runtime = aws.client("sagemaker-runtime")
    stub = Stubber(runtime)
    stub.add_response("invoke_endpoint_async", {
        "InferenceId": "01GEN", "OutputLocation": "s3://bucket/renders/output/a1.out",
        "FailureLocation": "s3://bucket/renders/failures/a1-error.out"}, {
        "EndpointName": "portrait-dev-render", "InferenceId": "01GEN",
        "InputLocation": "s3://bucket/renders/requests/u/01GEN.json",
        "ContentType": "application/json", "Accept": "application/json",
        "InvocationTimeoutSeconds": 600, "RequestTTLSeconds": 3000})
    monkeypatch.setattr(inference, "client", lambda name: runtime)
    with stub:
        submitted = ModelEndpoint("portrait-dev-render", 3600).submit(
            inference_id="01GEN", input_location="s3://bucket/renders/requests/u/01GEN.json",
            priority=True)
    stub.assert_no_pending_responses()
    assert (submitted.output_location, submitted.failure_location) == (
        "s3://bucket/renders/output/a1.out", "s3://bucket/renders/failures/a1-error.out")


def test_a_request_may_wait_until_its_deadline_less_one_render_within_sagemakers_range():
    assert request_ttl(3600) == 3000  # starts by then, ends before the deadline
    assert request_ttl(900) == 300
    assert request_ttl(10) == 60  # SageMaker's least
    assert request_ttl(86400) == 21600  # and most
