"""Every metric the template's alarms and dashboards read, with the statistic they read it
with: plain alarms, metric-math alarms (`Metrics:`), and the dashboard's widgets (metric rows,
the "." shorthand, SEARCH expressions), from the template expanded as CloudFormation sees it."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# A dashboard widget's statistic when neither its row nor the widget names one.
DASHBOARD_DEFAULT_STAT = "Average"


@dataclass(frozen=True)
class MetricRead:
    where: str
    namespace: str
    metric: str
    dimensions: dict[str, str] = field(hash=False)
    statistic: str


def rendered(value) -> str:
    """A template string as the test compares it: Fn::Sub's text ("Portrait/${Stage}"), a
    Ref or GetAtt as the ${...} Fn::Sub would write for it."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"]
    if "Ref" in value:
        return "${%s}" % value["Ref"]
    if "Fn::GetAtt" in value:
        return "${%s}" % ".".join(value["Fn::GetAtt"])
    raise ValueError(f"cannot render {value!r}")


def alarm_reads(name: str, props: dict) -> list[MetricRead]:
    if "Metrics" not in props:
        return [MetricRead(f"alarm {name}", rendered(props["Namespace"]), props["MetricName"],
                           {d["Name"]: rendered(d["Value"]) for d in props.get("Dimensions", [])},
                           props.get("Statistic") or props.get("ExtendedStatistic"))]
    reads = []
    for query in props["Metrics"]:
        where = f"alarm {name} ({query['Id']})"
        if "MetricStat" in query:
            stat = query["MetricStat"]
            metric = stat["Metric"]
            reads.append(MetricRead(where, rendered(metric["Namespace"]), metric["MetricName"],
                                    {d["Name"]: rendered(d["Value"])
                                     for d in metric.get("Dimensions", [])}, stat["Stat"]))
        elif "Expression" in query:
            reads += search_reads(where, rendered(query["Expression"]))
    return reads


_SEARCH = re.compile(r"SEARCH\(\s*'(?P<query>[^']*)'\s*,\s*'(?P<stat>[^']+)'")
_SCHEMA = re.compile(r"\{(?P<schema>(?:\$\{[^}]*\}|[^{}])*)\}")  # a ${Stage} inside
_METRIC_NAME = re.compile(r'MetricName\s*=\s*"?(?P<name>[\w.-]+)"?')


def search_reads(where: str, expression: str) -> list[MetricRead]:
    """SEARCH('{Namespace,dim,dim} MetricName="X"', 'Sum', 300): the metric it finds. A
    SEARCH without a schema or a MetricName could find anything, and fails the check."""
    reads = []
    for match in _SEARCH.finditer(expression):
        schema, name = _SCHEMA.search(match["query"]), _METRIC_NAME.search(match["query"])
        if not schema or not name:
            reads.append(MetricRead(where, "?", "?", {}, match["stat"]))
            continue
        namespace, *dimensions = [part.strip().strip('"') for part in schema["schema"].split(",")]
        reads.append(MetricRead(f"{where} SEARCH", namespace, name["name"],
                                {d: "*" for d in dimensions}, match["stat"]))
    return reads


@dataclass
class Dashboard:
    name: str
    body: dict
    problems: list[str]


def dashboard_bodies(name: str, props: dict, parameters: dict) -> list[Dashboard]:
    """The DashboardBody as JSON, once per branch of the Fn::If in its Fn::Sub variables (both
    must be valid JSON). Number parameters are put in (they stand unquoted in the JSON);
    everything else stays as ${...}, inside a JSON string."""
    body = props["DashboardBody"]["Fn::Sub"]
    text, variables = (body, {}) if isinstance(body, str) else body
    bodies = []
    for branch in (1, 2):
        filled = text
        for variable, value in variables.items():
            if isinstance(value, dict) and "Fn::If" in value:
                value = value["Fn::If"][branch]
            filled = filled.replace("${%s}" % variable, rendered(value))
        for parameter, declared in parameters.items():
            if declared.get("Type") == "Number":
                filled = filled.replace("${%s}" % parameter, str(declared["Default"]))
        try:
            bodies.append(Dashboard(name, json.loads(filled), []))
        except json.JSONDecodeError as exc:
            bodies.append(Dashboard(name, {"widgets": []},
                                    [f"dashboard {name}: the body is not JSON ({exc})"]))
    return bodies


def widget_reads(dashboard: Dashboard) -> list[MetricRead]:
    reads = []
    for index, widget in enumerate(dashboard.body.get("widgets", [])):
        if widget.get("type") != "metric":
            continue
        properties = widget["properties"]
        where = f"dashboard {dashboard.name} widget {index} {properties.get('title', '')!r}"
        previous: list[str] = []
        for row_number, row in enumerate(properties.get("metrics", []), 1):
            options = row[-1] if row and isinstance(row[-1], dict) else {}
            if "expression" in options:
                reads += search_reads(f"{where} row {row_number}", options["expression"])
                continue
            tokens = [t for t in row if isinstance(t, str)]
            if "..." in tokens:
                dashboard.problems.append(f"{where} row {row_number}: write the row out, "
                                          "not '...' (the check reads each row alone)")
                continue
            tokens = [previous[i] if t == "." and i < len(previous) else t
                      for i, t in enumerate(tokens)]
            previous = tokens
            namespace, metric, *pairs = tokens
            reads.append(MetricRead(
                f"{where} row {row_number}", namespace, metric,
                dict(zip(pairs[::2], pairs[1::2])),
                options.get("stat") or properties.get("stat") or DASHBOARD_DEFAULT_STAT))
    return reads


def alarms_listed(dashboard: Dashboard) -> set[str]:
    """The alarms (logical ids) the alarm-status widgets list, as ${Alarm.Arn}."""
    listed = set()
    for widget in dashboard.body.get("widgets", []):
        if widget.get("type") == "alarm":
            for arn in widget["properties"].get("alarms", []):
                listed |= set(re.findall(r"\$\{(\w+)\.Arn\}", arn))
    return listed
