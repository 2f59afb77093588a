"""Template checks: `sam validate`, and cfn-lint on the SAM template and on the
template expanded by samtranslator (cycles between the bucket, its queue and
their policies only show after expansion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.template.sam_expand import expand

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
CFN_LINT = [str(Path(sys.executable).parent / "cfn-lint")]

pytestmark = pytest.mark.template


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_sam_validate_and_cfn_lint_on_sam_template() -> None:
    """`sam validate --lint`: the SAM CLI's own checks, then cfn-lint (the SAM CLI's, in
    its venv) on the SAM template: one process where two parsed, transformed and linted
    the same template (cfn-lint exits non-zero on any finding; so does this)."""
    assert SAM.exists(), "the SAM CLI is missing: `make install-sam` installs it"
    result = _run([str(SAM), "validate", "--lint", "--region", "us-east-1",
                   "--template", str(TEMPLATE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_cfn_lint_on_expanded_template(tmp_path: Path) -> None:
    expanded = expand(TEMPLATE)
    out = tmp_path / "expanded.json"
    out.write_text(json.dumps(expanded, indent=1))
    # W1020: samtranslator itself substitutes parameter defaults into a layer's
    # LayerName and leaves an Fn::Sub with no variables behind; not ours to fix.
    result = _run([*CFN_LINT, "--ignore-checks", "W1020", "--", str(out)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_expansion_has_no_dependency_cycle() -> None:
    """A cycle is what a bucket named with !Ref inside its own queue's policy causes."""
    expanded = expand(TEMPLATE)
    resources = expanded["Resources"]

    def refs(node, found: set[str]) -> set[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref" and isinstance(value, str) and value in resources:
                    found.add(value)
                elif key == "Fn::GetAtt":
                    target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                    if target in resources:
                        found.add(target)
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) else value
                    for name in resources:
                        if "${" + name + "}" in text or "${" + name + "." in text:
                            found.add(name)
                    if isinstance(value, list):
                        refs(value[1], found)
                else:
                    refs(value, found)
        elif isinstance(node, list):
            for item in node:
                refs(item, found)
        return found

    graph = {}
    for name, res in resources.items():
        deps = refs(res.get("Properties", {}), set())
        depends_on = res.get("DependsOn", [])
        deps |= set([depends_on] if isinstance(depends_on, str) else depends_on)
        graph[name] = deps

    visiting, done = set(), set()

    def visit(node: str, path: list[str]) -> None:
        if node in done:
            return
        assert node not in visiting, "dependency cycle: " + " -> ".join(path + [node])
        visiting.add(node)
        for dep in graph.get(node, ()):
            visit(dep, path + [node])
        visiting.discard(node)
        done.add(node)

    for name in graph:
        visit(name, [])


def test_bucket_is_private_and_expires_tmp() -> None:
    bucket = expand(TEMPLATE)["Resources"]["MediaBucket"]["Properties"]
    block = bucket["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any(r.get("Prefix") == "tmp/" and r.get("ExpirationInDays") == 1 for r in rules)
    cors = bucket["CorsConfiguration"]["CorsRules"]
    assert any("POST" in r["AllowedMethods"] for r in cors)


def test_no_lifecycle_rule_expires_or_moves_kept_media() -> None:
    """Originals and display copies under media/ live as long as their image: a rule
    whose prefix (or no prefix: the whole bucket) covers media/ would delete or move them."""
    rules = expand(TEMPLATE)["Resources"]["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    for rule in rules:
        prefix = rule.get("Prefix", (rule.get("Filter") or {}).get("Prefix", ""))
        # Neither above media/ (media/, m, the bucket) nor inside it (media/x/).
        assert prefix and not ("media/".startswith(prefix) or prefix.startswith("media/")), \
            rule["Id"]


def test_originals_are_kept_in_the_storage_class_the_parameter_names() -> None:
    template = expand(TEMPLATE)
    parameter = template["Parameters"]["MediaOriginalStorageClass"]
    assert parameter["Default"] == "STANDARD_IA"
    from portrait.config import Settings

    allowed = Settings.choices_of("media_original_storage_class")
    assert set(parameter["AllowedValues"]) == set(allowed)
    thumbnail = template["Resources"]["ThumbnailFunction"]["Properties"]
    assert thumbnail["Environment"]["Variables"]["MEDIA_ORIGINAL_STORAGE_CLASS"] == {
        "Ref": "MediaOriginalStorageClass"}


def _queue_of(arn: object) -> str | None:
    """The queue logical id behind `!GetAtt Queue.Arn` (expanded: Fn::GetAtt [Queue, Arn])."""
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        target, attribute = arn["Fn::GetAtt"]
        return target if attribute == "Arn" else None
    return None


def test_every_dead_letter_queue_has_an_alarm_and_the_alarms_agree() -> None:
    """The alarms are written out one by one (no loops without Fn::ForEach), so this keeps
    them complete and alike: a new dead-letter or on-failure queue without one fails here."""
    resources = expand(TEMPLATE)["Resources"]
    dead_letter = {_queue_of(res["Properties"].get("RedrivePolicy", {}).get("deadLetterTargetArn"))
                   for res in resources.values() if res["Type"] == "AWS::SQS::Queue"}
    on_failure = {_queue_of(res["Properties"].get("DestinationConfig", {})
                            .get("OnFailure", {}).get("Destination"))
                  for res in resources.values() if res["Type"] == "AWS::Lambda::EventSourceMapping"}
    assert {"PurgeFailuresQueue", "DefaultAvatarFailuresQueue"} <= on_failure
    alarms = {name: res["Properties"] for name, res in resources.items()
              if res["Type"] == "AWS::CloudWatch::Alarm"
              and res["Properties"].get("Namespace") == "AWS/SQS"
              and res["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"}
    watched = {}
    for name, props in alarms.items():
        (dimension,) = props["Dimensions"]
        assert dimension["Name"] == "QueueName"
        watched[dimension["Value"]["Fn::GetAtt"][0]] = name
    assert set(watched) == (dead_letter | on_failure) - {None}
    for props in alarms.values():
        assert {k: v for k, v in props.items() if k not in ("Dimensions", "AlarmDescription")} == {
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
            "Statistic": "Maximum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": {"Fn::If": ["NotifyAlarms", [{"Ref": "AlarmTopicArn"}],
                                        {"Ref": "AWS::NoValue"}]}}
    for function, queue_id in (("PurgeFunction", "PurgeFailuresQueue"),
                               ("DefaultAvatarFunction", "DefaultAvatarFailuresQueue")):
        queue = resources[queue_id]["Properties"]
        assert (queue["SqsManagedSseEnabled"], queue["MessageRetentionPeriod"]) == (True, 1209600)
        # SAM grants the function's role the send (Type: SQS on the destination).
        statements = [s for policy in resources[f"{function}Role"]["Properties"]["Policies"]
                      for s in policy["PolicyDocument"]["Statement"]]
        assert {"Action": "sqs:SendMessage", "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [queue_id, "Arn"]}} in statements


def _functions(resources: dict) -> dict[str, dict]:
    return {name: res["Properties"] for name, res in resources.items()
            if res["Type"] == "AWS::Lambda::Function"}


def test_every_function_logs_json_to_its_own_log_group_with_the_retention() -> None:
    """Lambda's default log group keeps logs forever: a function added without its own
    LogGroup (and LoggingConfig pointing at it) fails here."""
    resources = expand(TEMPLATE)["Resources"]
    functions = _functions(resources)
    assert len(functions) >= 9
    groups = {}
    for name, props in functions.items():
        logging = props.get("LoggingConfig", {})
        assert logging.get("LogFormat") == "JSON", name
        # Lambda filters by this level and Powertools follows it: it must come from LogLevel.
        assert logging.get("ApplicationLogLevel") == {
            "Fn::FindInMap": ["LambdaLogLevels", {"Ref": "LogLevel"}, "Level"]}, name
        group = logging.get("LogGroup", {}).get("Ref")
        assert group in resources and resources[group]["Type"] == "AWS::Logs::LogGroup", name
        groups[group] = name
    assert len(groups) == len(functions), "two functions share a log group"
    log_groups = {name: res["Properties"] for name, res in resources.items()
                  if res["Type"] == "AWS::Logs::LogGroup"}
    assert set(log_groups) == set(groups) | {"HttpApiAccessLogGroup"}
    for props in log_groups.values():
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert 30 in expand(TEMPLATE)["Parameters"]["LogRetentionDays"]["AllowedValues"]


def test_every_function_has_an_error_rate_alarm_and_the_alarms_agree() -> None:
    """Errors / Invocations over 5 minutes above ErrorRateAlarmPercent, one alarm a function,
    all alike but for the function: a function added without one fails here."""
    resources = expand(TEMPLATE)["Resources"]
    functions = _functions(resources)
    watched = {}
    for name, res in resources.items():
        props = res["Properties"]
        if res["Type"] != "AWS::CloudWatch::Alarm" or "Metrics" not in props:
            continue
        expression, *stats = props["Metrics"]
        assert expression["Expression"] == "100 * errors / invocations", name
        assert [(s["Id"], s["ReturnData"], s["MetricStat"]["Metric"]["MetricName"])
                for s in stats] == [("errors", False, "Errors"),
                                    ("invocations", False, "Invocations")], name
        targets = set()
        for stat in stats:
            metric_stat = stat["MetricStat"]
            assert (metric_stat["Period"], metric_stat["Stat"]) == (300, "Sum"), name
            (dimension,) = metric_stat["Metric"]["Dimensions"]
            assert (metric_stat["Metric"]["Namespace"], dimension["Name"]) == (
                "AWS/Lambda", "FunctionName"), name
            targets.add(dimension["Value"]["Ref"])
        (function,) = targets
        assert function not in watched, f"{function} has two error alarms"
        watched[function] = name
        assert "Fn::Sub" in props["AlarmDescription"], name  # it says the threshold
        assert {k: v for k, v in props.items() if k not in ("Metrics", "AlarmDescription")} == {
            "EvaluationPeriods": 1, "Threshold": {"Ref": "ErrorRateAlarmPercent"},
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": {"Fn::If": ["NotifyAlarms", [{"Ref": "AlarmTopicArn"}],
                                        {"Ref": "AWS::NoValue"}]}}, name
    assert set(watched) == set(functions)


def test_service_alarms_watch_metrics_the_code_emits_in_the_stages_namespace() -> None:
    resources = expand(TEMPLATE)["Resources"]
    namespace = {"Fn::Sub": "Portrait/${Stage}"}
    for props in _functions(resources).values():
        assert props["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == namespace
    slow = resources["AvatarProcessingTimeAlarm"]["Properties"]
    assert (slow["Namespace"], slow["MetricName"], slow["ExtendedStatistic"], slow["Period"],
            slow["Threshold"]) == (namespace, "AvatarProcessingTime", "p95", 300, 5000)
    refused = resources["RateLimitRefusalsAlarm"]["Properties"]
    assert (refused["Namespace"], refused["MetricName"], refused["Statistic"], refused["Period"],
            refused["Threshold"]) == (namespace, "RateLimitRefusals", "Sum", 3600,
                                      {"Ref": "RateLimitRefusalsAlarmPerHour"})
    for props in (slow, refused):
        # Powertools' default dimension: the service name. (test_metric_drift checks every
        # alarm's metric against the catalogue of what the code emits.)
        assert props["Dimensions"] == [{"Name": "service", "Value": "portrait"}]
        assert props["AlarmActions"] == {"Fn::If": ["NotifyAlarms", [{"Ref": "AlarmTopicArn"}],
                                                    {"Ref": "AWS::NoValue"}]}


def test_alarm_thresholds_are_the_seeds_figures() -> None:
    """Seed 001's alerts: error rate over 5 %, processing time over 5 s, rate-limit hits over
    10 an hour (README, "When an alarm fires", says where a statistic differs and why)."""
    template = expand(TEMPLATE)
    parameters, resources = template["Parameters"], template["Resources"]
    assert parameters["ErrorRateAlarmPercent"]["Default"] == 5
    assert parameters["RateLimitRefusalsAlarmPerHour"]["Default"] == 10
    assert resources["AvatarProcessingTimeAlarm"]["Properties"]["Threshold"] == 5000  # ms


def test_http_api_writes_json_access_logs_and_throttles_every_route() -> None:
    stage = expand(TEMPLATE)["Resources"]["HttpApiApiGatewayDefaultStage"]["Properties"]
    logs = stage["AccessLogSettings"]
    assert logs["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogGroup", "Arn"]}
    fields = json.loads(logs["Format"])
    assert {"requestId", "status", "routeKey", "responseLatency"} <= set(fields)
    assert not any("authorization" in value.lower() for value in fields.values())
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"}}


def test_the_api_runs_with_snapstart_behind_its_alias() -> None:
    """SnapStart snapshots published versions only: the function publishes one per deploy,
    the alias follows it, and the HTTP API invokes the alias (never $LATEST, which would
    cold start). It excludes provisioned concurrency, EFS and ephemeral storage > 512 MB."""
    resources = expand(TEMPLATE)["Resources"]
    function = resources["ApiFunction"]["Properties"]
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert function.get("EphemeralStorage", {"Size": 512})["Size"] <= 512
    assert "FileSystemConfigs" not in function
    alias = resources["ApiFunctionAliaslive"]
    assert alias["Type"] == "AWS::Lambda::Alias"
    assert "ProvisionedConcurrencyConfig" not in alias["Properties"]
    version = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
    assert resources[version]["Type"] == "AWS::Lambda::Version"
    integrations = [r["Properties"] for r in resources.values()
                    if r["Type"] == "AWS::ApiGatewayV2::Integration"]
    permission = [r["Properties"] for r in resources.values()
                  if r["Type"] == "AWS::Lambda::Permission"
                  and r["Properties"]["FunctionName"] == {"Ref": "ApiFunctionAliaslive"}]
    body = json.dumps(resources["HttpApi"]["Properties"].get("Body", {})) + json.dumps(integrations)
    assert "ApiFunctionAliaslive" in body and permission  # the API invokes the alias
    # Only the API: the other functions are consumers nobody waits on (README).
    assert [lid for lid, r in resources.items() if r["Type"] == "AWS::Lambda::Function"
            and "SnapStart" in r["Properties"]] == ["ApiFunction"]


def test_the_media_cdn_reads_only_the_public_immutable_objects() -> None:
    """The bucket policy lets the media distribution (by SourceArn) read exactly the keys
    portrait.store.keys calls public; the API's PUBLIC_BASE_URL is that distribution."""
    from portrait.store.keys import PUBLIC_KEY_PATTERNS

    resources = expand(TEMPLATE)["Resources"]
    statements = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (conditional,) = [s for s in statements if "Fn::If" in s]
    condition, statement, otherwise = conditional["Fn::If"]
    assert (condition, otherwise) == ("ServeMediaViaCdn", {"Ref": "AWS::NoValue"})
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Allow", {"Service": "cloudfront.amazonaws.com"}, "s3:GetObject")
    bucket = "arn:${AWS::Partition}:s3:::portrait-${Stage}-media-${AWS::AccountId}-${AWS::Region}/"
    assert [r["Fn::Sub"] for r in statement["Resource"]] == [
        bucket + pattern for pattern in PUBLIC_KEY_PATTERNS]
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": (
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${MediaDistribution}")}}}

    for name in ("MediaDistribution", "MediaOriginAccessControl"):
        assert resources[name]["Condition"] == "ServeMediaViaCdn"
    origin, = resources["MediaDistribution"]["Properties"]["DistributionConfig"]["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["MediaOriginAccessControl", "Id"]}
    env = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["PUBLIC_BASE_URL"] == {"Fn::If": [
        "ServeMediaViaCdn", {"Fn::Sub": "https://${MediaDistribution.DomainName}"}, ""]}


def test_the_local_metadata_names_only_what_the_template_has() -> None:
    """Prewarm names functions, StateDirectoryParameters and ParameterDefaults parameters:
    a renamed resource must not silently stop being warmed or placed."""
    from portrait_local.template import Template

    template = Template.load(TEMPLATE)
    local = template.local_metadata
    assert set(local.get("Prewarm") or []) <= set(template.functions())
    declared = set(template.document["Parameters"])
    assert set(local.get("StateDirectoryParameters") or {}) <= declared
    assert set(local.get("ParameterDefaults") or {}) <= declared
