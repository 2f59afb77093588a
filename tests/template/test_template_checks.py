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


def test_sam_validate() -> None:
    assert SAM.exists(), "the SAM CLI is missing: `make install-sam` installs it"
    result = _run([str(SAM), "validate", "--region", "us-east-1", "--template", str(TEMPLATE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_cfn_lint_on_sam_template() -> None:
    result = _run([*CFN_LINT, str(TEMPLATE)])
    assert result.returncode == 0, result.stdout + result.stderr


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
              if res["Type"] == "AWS::CloudWatch::Alarm"}
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
