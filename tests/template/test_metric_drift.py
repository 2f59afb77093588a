"""Metric drift: an alarm or a dashboard widget that reads a metric nobody emits watches
nothing, silently. Every metric the template reads in the stage's namespace must be one
portrait.metric_catalogue declares, in its dimension set, with a statistic that means
something for it; an AWS namespace's metric and dimension names must be ones AWS publishes
(tests/template/aws_metrics.py). And the catalogue and the code must agree: every catalogued
metric is emitted somewhere, and nothing emits around the catalogue."""
from __future__ import annotations

import ast
import difflib
import json
import re
from pathlib import Path

import pytest

from portrait import metric_catalogue
from portrait.metric_catalogue import CATALOGUE, Metric, statistic_fits
from tests.template.aws_metrics import AWS_PUBLISHED
from tests.template.cloudwatch_refs import (MetricRead, alarm_reads, alarms_listed,
                                            dashboard_bodies, widget_reads)
from tests.template.sam_expand import expand

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
NAMESPACE = "Portrait/${Stage}"  # POWERTOOLS_METRICS_NAMESPACE of every function
EMITTER_FOLDERS = ("layers/common/python/portrait", "functions")
OBSERVABILITY = ROOT / "layers/common/python/portrait/observability.py"
CATALOGUE_FILE = ROOT / "layers/common/python/portrait/metric_catalogue.py"
_AWS_STATISTIC = re.compile(r"(Sum|SampleCount|Average|Minimum|Maximum|"
                            r"p(100|\d{1,2}(\.\d{1,2})?)|tm\d{1,2}|IQM)")

pytestmark = pytest.mark.template


@pytest.fixture(scope="module")
def template() -> dict:
    return expand(TEMPLATE)


def _service_name(template: dict) -> str:
    (service,) = {props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
                  for props in (r["Properties"] for r in template["Resources"].values()
                                if r["Type"] == "AWS::Lambda::Function")}
    return service


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, CATALOGUE, n=1)
    return f" (the catalogue has {close[0]!r})" if close else ""


def problems_of(read: MetricRead, service: str) -> list[str]:
    """What is wrong with one metric read, as sentences naming where it is."""
    where, found = read.where, []
    if read.namespace.startswith("Portrait/"):
        if read.namespace != NAMESPACE:
            found.append(f"{where}: namespace {read.namespace!r}; the code emits to "
                         f"{NAMESPACE!r} (one per stage)")
        metric: Metric | None = CATALOGUE.get(read.metric)
        if metric is None:
            return found + [f"{where}: metric {read.metric!r} is not emitted by the code "
                            f"(not in portrait.metric_catalogue){_suggest(read.metric)}"]
        if set(read.dimensions) != metric.dimension_set:
            found.append(f"{where}: {read.metric} read with dimensions "
                         f"{sorted(read.dimensions)}; the code emits it with "
                         f"{sorted(metric.dimension_set)}")
        if read.dimensions.get("service", service) not in (service, "*"):
            found.append(f"{where}: service={read.dimensions['service']!r}; the functions "
                         f"run as service {service!r}")
        if not statistic_fits(metric, read.statistic or ""):
            found.append(f"{where}: statistic {read.statistic!r} says nothing about "
                         f"{read.metric} ({metric.kind.value}, {metric.unit.value})")
        return found
    published = AWS_PUBLISHED.get(read.namespace)
    if published is None:
        return [f"{where}: namespace {read.namespace!r} is neither {NAMESPACE!r} nor an AWS "
                "namespace declared in tests/template/aws_metrics.py"]
    if read.metric not in published.metrics:
        found.append(f"{where}: {read.namespace} publishes no metric {read.metric!r} "
                     f"({published.source})")
    unknown = sorted(set(read.dimensions) - published.dimensions)
    if unknown:
        found.append(f"{where}: {read.namespace} has no dimension {unknown} ({published.source})")
    if not _AWS_STATISTIC.fullmatch(read.statistic or ""):
        found.append(f"{where}: {read.statistic!r} is not a CloudWatch statistic")
    return found


def _reads(template: dict) -> tuple[list[MetricRead], list[str]]:
    reads, problems = [], []
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            reads += alarm_reads(name, resource["Properties"])
        elif resource["Type"] == "AWS::CloudWatch::Dashboard":
            for dashboard in dashboard_bodies(name, resource["Properties"],
                                              template["Parameters"]):
                reads += widget_reads(dashboard)
                problems += dashboard.problems
    return reads, problems


def test_alarms_and_dashboard_read_only_what_is_emitted_or_published(template) -> None:
    service = _service_name(template)
    reads, problems = _reads(template)
    for read in reads:
        problems += problems_of(read, service)
    problems = sorted(set(problems))
    assert not problems, f"{len(problems)} metric drift problem(s):\n" + "\n".join(problems)
    # The check saw what it should: every alarm, the dashboard's rows and its SEARCHes.
    alarms = {n for n, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {r.where.split()[1] for r in reads if r.where.startswith("alarm ")} == alarms
    assert any("SEARCH" in r.where and r.metric == "AvatarRejected" for r in reads)


def test_the_dashboard_shows_the_golden_signals_and_lists_every_alarm(template) -> None:
    resources = template["Resources"]
    dashboards = [(n, r["Properties"]) for n, r in resources.items()
                  if r["Type"] == "AWS::CloudWatch::Dashboard"]
    assert len(dashboards) == 1
    (name, props), = dashboards
    alarms = {n for n, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    conditional = {n for n in alarms if "Condition" in resources[n]}
    with_model, without_model = dashboard_bodies(name, props, template["Parameters"])
    assert not with_model.problems + without_model.problems
    assert alarms_listed(with_model) == alarms, (
        f"alarms missing from the dashboard's alarm widget: {sorted(alarms - alarms_listed(with_model))}")
    # An alarm that exists only under a condition is listed only under it (an ARN of a
    # resource the stack did not create fails the deploy).
    assert conditional and alarms_listed(without_model) == alarms - conditional
    shown = {(r.namespace, r.metric) for r in widget_reads(with_model)}
    golden = {("AWS/ApiGateway", m) for m in ("Count", "4xx", "5xx", "Latency")} | {
        (NAMESPACE, m.name) for m in (
            metric_catalogue.AVATAR_PROCESSED, metric_catalogue.AVATARS_REJECTED,
            metric_catalogue.AVATAR_REJECTED, metric_catalogue.AVATAR_PROCESSING_TIME,
            metric_catalogue.MEDIA_PROCESSED, metric_catalogue.GENERATION_COMPLETED,
            metric_catalogue.GENERATION_FAILED, metric_catalogue.RENDER_TIME,
            metric_catalogue.CREDITS_CHARGED, metric_catalogue.CREDITS_REFUNDED,
            metric_catalogue.WEBHOOK_ATTEMPTS, metric_catalogue.WEBHOOK_DELIVERIES_PARKED)} | {
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible")}
    assert golden <= shown, f"not on the dashboard: {sorted(golden - shown)}"
    # Every queue an alarm watches for depth (the dead-letter and failure queues) is charted.
    watched = {r.dimensions["QueueName"] for n in alarms
               for r in alarm_reads(n, resources[n]["Properties"])
               if r.metric == "ApproximateNumberOfMessagesVisible"}
    charted = {r.dimensions["QueueName"] for r in widget_reads(with_model)
               if r.metric == "ApproximateNumberOfMessagesVisible"}
    assert watched and watched <= charted, (
        f"dead-letter queues not charted: {sorted(watched - charted)}")
    api = [r for r in widget_reads(with_model) if r.namespace == "AWS/ApiGateway"]
    assert {tuple(sorted(r.dimensions.items())) for r in api} == {
        (("ApiId", "${HttpApi}"), ("Stage", "$default"))}  # SAM's HttpApi: the $default stage
    assert resources["HttpApiApiGatewayDefaultStage"]["Properties"]["StageName"] == "$default"


# ---------------------------------------------------------------- the catalogue and the code

def _emitter_files() -> list[Path]:
    return sorted(p for folder in EMITTER_FOLDERS for p in (ROOT / folder).rglob("*.py"))


def _catalogue_alias(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "portrait"
            for alias in node.names if alias.name == "metric_catalogue"}


def scan_emitters(files: list[Path], root: Path = ROOT) -> tuple[set[str], list[str]]:
    """The catalogue constants the code names, and every way it emits around the catalogue."""
    declared = {k for k, v in vars(metric_catalogue).items() if isinstance(v, Metric)}
    used, problems = set(), []
    for path in files:
        if path in (OBSERVABILITY, CATALOGUE_FILE):
            continue
        where = path.relative_to(root)
        tree = ast.parse(path.read_text(), filename=str(path))
        aliases = _catalogue_alias(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    ("aws_lambda_powertools.metrics", "portrait.metric_catalogue")):
                problems.append(f"{where}:{node.lineno}: imports from {node.module}; emit "
                                "through portrait.observability (emit, count_by) and "
                                "`from portrait import metric_catalogue as M`")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases:
                if node.attr in declared:
                    used.add(node.attr)
                else:
                    problems.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr} is "
                                    "not in the catalogue")
            elif isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("add_metric", "single_metric", "add_dimension",
                              "set_default_dimensions", "Metrics", "EphemeralMetrics"):
                    problems.append(f"{where}:{node.lineno}: {called}() outside "
                                    "portrait/observability.py bypasses the catalogue")
                elif called in ("emit", "count_by") and node.args and isinstance(
                        node.args[0], ast.Constant):
                    problems.append(f"{where}:{node.lineno}: {called}({node.args[0].value!r}) "
                                    "names a metric by string; name it from the catalogue")
    return used, problems


def test_every_catalogued_metric_is_emitted_and_nothing_bypasses_the_catalogue() -> None:
    used, problems = scan_emitters(_emitter_files())
    assert not problems, "\n".join(problems)
    declared = {k for k, v in vars(metric_catalogue).items() if isinstance(v, Metric)}
    assert not declared - used, (
        f"declared in portrait.metric_catalogue but emitted nowhere: {sorted(declared - used)}")


def test_the_scan_finds_a_bypass(tmp_path) -> None:
    """The scan above is not vacuous: each way around the catalogue is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from portrait import metric_catalogue as M\n"
        "from portrait.observability import emit, metrics\n"
        "from aws_lambda_powertools.metrics import MetricUnit\n"
        "metrics.add_metric(name='Sneaky', unit=MetricUnit.Count, value=1)\n"
        "emit('AvatarProcessed')\n"
        "emit(M.AVATAR_PROCESSED_TYPO)\n"
        "emit(M.AVATAR_PROCESSED)\n")
    used, problems = scan_emitters([bad], root=tmp_path)
    assert used == {"AVATAR_PROCESSED"}
    assert sorted(p.split(": ", 1)[0] for p in problems) == [
        "bad.py:3", "bad.py:4", "bad.py:5", "bad.py:6"], problems


def test_the_check_names_each_kind_of_drift() -> None:
    """The template check above is not vacuous: a made-up alarm and dashboard, one problem
    of each kind, and each is named."""
    alarm = {"Namespace": {"Fn::Sub": NAMESPACE}, "MetricName": "AvatarRejected",
             "Dimensions": [{"Name": "service", "Value": "portrait"}], "Statistic": "Average"}
    math = {"Metrics": [
        {"Id": "e", "Expression": "SEARCH('{Portrait/${Stage},service} MetricName=\"Avatars\"',"
                                  " 'Sum', 300)"},
        {"Id": "q", "MetricStat": {"Stat": "Maximum", "Metric": {
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessages",
            "Dimensions": [{"Name": "Queue", "Value": "x"}]}}}]}
    body = {"widgets": [{"type": "metric", "properties": {"title": "t", "metrics": [
        ["Portrait/prod", "AvatarProcessingTime", "service", "portrait", {"stat": "Sum"}],
        [".", "AvatarProcessingTime", "service", "web", {"stat": "p99"}],
        ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", "t"],
        ["..."]]}}]}
    dashboard = {"DashboardBody": {"Fn::Sub": json.dumps(body)}}
    reads = alarm_reads("A", alarm) + alarm_reads("B", math)
    with_branches = dashboard_bodies("D", dashboard, {})
    reads += widget_reads(with_branches[0])
    found = sorted({p for r in reads for p in problems_of(r, "portrait")}
                   | set(with_branches[0].problems))
    expected = [
        "alarm A: AvatarRejected read with dimensions ['service']; the code emits it with "
        "['reason', 'service']",
        "alarm A: statistic 'Average' says nothing about AvatarRejected (events, Count)",
        "alarm B (e) SEARCH: metric 'Avatars' is not emitted by the code (not in "
        "portrait.metric_catalogue) (the catalogue has 'AvatarsPurged')",
        "alarm B (q): AWS/SQS has no dimension ['Queue'] (" + AWS_PUBLISHED["AWS/SQS"].source
        + ")",
        "alarm B (q): AWS/SQS publishes no metric 'ApproximateNumberOfMessages' ("
        + AWS_PUBLISHED["AWS/SQS"].source + ")",
        "dashboard D widget 0 't' row 1: namespace 'Portrait/prod'; the code emits to "
        "'Portrait/${Stage}' (one per stage)",
        "dashboard D widget 0 't' row 1: statistic 'Sum' says nothing about "
        "AvatarProcessingTime (timing, Milliseconds)",
        "dashboard D widget 0 't' row 2: namespace 'Portrait/prod'; the code emits to "
        "'Portrait/${Stage}' (one per stage)",
        "dashboard D widget 0 't' row 2: service='web'; the functions run as service "
        "'portrait'",
        "dashboard D widget 0 't' row 3: namespace 'AWS/DynamoDB' is neither "
        "'Portrait/${Stage}' nor an AWS namespace declared in tests/template/aws_metrics.py",
        "dashboard D widget 0 't' row 4: write the row out, not '...' (the check reads each "
        "row alone)",
    ]
    assert found == expected, "\n".join(found)
