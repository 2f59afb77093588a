"""The model endpoint in template.yaml (Renderer=model): asynchronous inference whose
results reach the completion queue through SNS, scaling from 0 on a backlog and back to
0, alarms on failures and on the oldest request's age; absent with the other renderers."""
from __future__ import annotations

from portrait_local.template import Template
from tests.conftest import TEMPLATE_PATH

ENDPOINT_RESOURCES = {"RenderResultsTopic", "RenderResultsSubscription", "RenderResultsQueuePolicy",
                      "RenderModelRole", "RenderModel", "RenderEndpointConfig", "RenderEndpoint",
                      "RenderEndpointScaling", "RenderEndpointBacklogPolicy",
                      "RenderEndpointFromZeroPolicy", "RenderEndpointHasBacklogWithoutCapacityAlarm",
                      "RenderEndpointFailuresAlarm", "RenderEndpointOldestRequestAlarm"}


def _template(**overrides) -> Template:
    return Template.load(TEMPLATE_PATH, parameter_overrides=overrides)


def test_the_endpoint_exists_only_with_the_model_renderer() -> None:
    assert not ENDPOINT_RESOURCES & set(_template().resources)
    assert not ENDPOINT_RESOURCES & set(_template(Renderer="bedrock").resources)
    model = _template(Renderer="model", ModelImageUri="1.dkr.ecr.us-east-1.amazonaws.com/m:1")
    assert ENDPOINT_RESOURCES <= set(model.resources)
    assert model.function_environment("GenerateFunction")["RENDER_ENDPOINT_NAME"] == \
        "portrait-dev-render"


def test_results_go_to_the_completion_queue_and_scaling_goes_to_zero_and_back() -> None:
    resources = _template(Renderer="model", ModelImageUri="x").resources
    output = resources["RenderEndpointConfig"]["Properties"]["AsyncInferenceConfig"]
    notify = output["OutputConfig"]["NotificationConfig"]
    assert notify == {"SuccessTopic": {"Ref": "RenderResultsTopic"},
                      "ErrorTopic": {"Ref": "RenderResultsTopic"}}
    assert output["OutputConfig"]["S3OutputPath"]["Fn::Sub"].endswith("/renders/output/")
    assert output["OutputConfig"]["S3FailurePath"]["Fn::Sub"].endswith("/renders/failures/")
    assert output["ClientConfig"]["MaxConcurrentInvocationsPerInstance"] == 1
    subscription = resources["RenderResultsSubscription"]["Properties"]
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["RenderNotificationsQueue", "Arn"]}

    target = resources["RenderEndpointScaling"]["Properties"]
    assert target["MinCapacity"] == 0 and target["MaxCapacity"] == {"Ref": "ModelMaxInstances"}
    backlog = resources["RenderEndpointBacklogPolicy"]["Properties"]
    metric = backlog["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert metric["MetricName"] == "ApproximateBacklogSizePerInstance"
    from_zero = resources["RenderEndpointHasBacklogWithoutCapacityAlarm"]["Properties"]
    assert from_zero["MetricName"] == "HasBacklogWithoutCapacity"
    assert from_zero["AlarmActions"] == [{"Ref": "RenderEndpointFromZeroPolicy"}]
    assert resources["RenderEndpointFailuresAlarm"]["Properties"]["MetricName"] == \
        "Invocation5XXErrors"  # a likeness refusal is a 422: not the model failing
    oldest = resources["RenderEndpointOldestRequestAlarm"]["Properties"]
    assert oldest["MetricName"] == "ApproximateAgeOfOldestRequest"
    assert resources["RenderEndpoint"]["Properties"]["RetainAllVariantProperties"] is True
    model_env = resources["RenderModel"]["Properties"]["PrimaryContainer"]["Environment"]
    assert model_env["LIKENESS_THRESHOLD"] == {"Ref": "ModelLikenessThreshold"}


def test_the_generate_functions_may_invoke_only_their_stages_endpoint() -> None:
    policy = _template().resources["GenerateFunctionsPolicy"]["Properties"]["PolicyDocument"]
    [statement] = [s for s in policy["Statement"] if s["Sid"] == "SubmitRendersToTheModelEndpoint"]
    assert statement["Action"] == "sagemaker:InvokeEndpointAsync"
    assert statement["Resource"]["Fn::Sub"].endswith(":endpoint/portrait-${Stage}-render")
