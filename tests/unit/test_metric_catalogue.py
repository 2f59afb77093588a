"""The metrics catalogue and its two emitters: only declared metrics, with their own dimensions,
reach CloudWatch, in the dimension sets the template's alarms name."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from portrait import metric_catalogue as M
from portrait.metric_catalogue import Kind, Metric, UndeclaredMetric, statistic_fits
from portrait.observability import count_by, emit, metrics

_EMIT = """
from portrait import metric_catalogue as M
from portrait.observability import count_by, emit, metrics
emit(M.AVATAR_PROCESSED)
emit(M.AVATAR_PROCESSING_TIME, 1234.5)
emit(M.AVATAR_BYTES_IN, 2048)
metrics.flush_metrics()
count_by(M.AVATAR_REJECTED, reason="corrupt")
emit(M.AVATARS_REJECTED)
metrics.flush_metrics()
"""


def _lines_printed(code: str) -> list[dict]:
    # A fresh interpreter: Powertools reads the service name when the module is imported.
    env = {**os.environ, "POWERTOOLS_SERVICE_NAME": "portrait", "STAGE": "prod"}
    env.pop("POWERTOOLS_METRICS_NAMESPACE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_emitted_lines_carry_the_catalogues_name_unit_and_dimension_set() -> None:
    invocation, by_reason, total = _lines_printed(_EMIT)
    declared = {}
    for line in (invocation, by_reason, total):
        (block,) = line["_aws"]["CloudWatchMetrics"]
        assert block["Namespace"] == "Portrait/prod"
        (dimension_set,) = block["Dimensions"]
        for metric in block["Metrics"]:
            declared[metric["Name"]] = (metric["Unit"], frozenset(dimension_set), line)
    for metric in (M.AVATAR_PROCESSED, M.AVATAR_PROCESSING_TIME, M.AVATAR_BYTES_IN,
                   M.AVATAR_REJECTED, M.AVATARS_REJECTED):
        unit, dimension_set, line = declared[metric.name]
        assert (unit, dimension_set) == (metric.unit.value, metric.dimension_set), metric.name
        assert line["service"] == "portrait"
    assert (invocation["AvatarProcessed"], invocation["AvatarProcessingTime"],
            invocation["AvatarBytesIn"]) == ([1.0], [1234.5], [2048.0])
    assert (by_reason["reason"], by_reason["AvatarRejected"]) == ("corrupt", [1.0])
    assert "reason" not in total and total["AvatarsRejected"] == [1.0]


@pytest.fixture(autouse=True)
def _nothing_left_behind():
    yield
    metrics.clear_metrics()


def test_a_metric_not_in_the_catalogue_is_refused() -> None:
    stranger = Metric("AvatarProcesed", MetricUnit.Count, Kind.EVENTS, "a typo")
    with pytest.raises(UndeclaredMetric, match="AvatarProcesed"):
        emit(stranger)
    # The catalogue's name with another unit is not the catalogue's metric either.
    with pytest.raises(UndeclaredMetric):
        emit(replace(M.AVATAR_PROCESSING_TIME, unit=MetricUnit.Seconds), 1.0)
    with pytest.raises(UndeclaredMetric):
        emit("AvatarProcessed")  # type: ignore[arg-type]
    with pytest.raises(UndeclaredMetric):
        count_by(Metric("Surprise", MetricUnit.Count, Kind.EVENTS, "", ("reason",)), reason="x")
    assert metrics.metric_set == {}


def test_dimensions_must_be_the_declared_ones() -> None:
    with pytest.raises(UndeclaredMetric, match="count_by"):
        emit(M.AVATAR_REJECTED)  # by reason: its dimension would be missing
    with pytest.raises(UndeclaredMetric, match="reason"):
        count_by(M.AVATAR_REJECTED, cause="corrupt")
    with pytest.raises(UndeclaredMetric):
        count_by(M.AVATAR_REJECTED, reason="corrupt", lane="priority")
    with pytest.raises(UndeclaredMetric):
        count_by(M.AVATARS_REJECTED, reason="corrupt")  # the total has no reason


def test_events_count_one_and_amounts_and_timings_need_their_value() -> None:
    with pytest.raises(ValueError, match="no value"):
        emit(M.AVATAR_PROCESSED, 3)
    with pytest.raises(ValueError, match="needs a value"):
        emit(M.AVATAR_PROCESSING_TIME)
    with pytest.raises(ValueError, match="needs a value"):
        emit(M.CREDITS_CHARGED)
    emit(M.CREDITS_CHARGED, 3)
    assert metrics.metric_set["CreditsCharged"]["Value"] == [3.0]


def test_the_catalogue_is_consistent() -> None:
    names = [m.name for m in vars(M).values() if isinstance(m, Metric)]
    assert len(names) == len(set(names)) == len(M.CATALOGUE)
    for metric in M.CATALOGUE.values():
        assert metric.doc and metric.name[0].isupper(), metric
        assert "service" not in metric.dimensions, metric.name  # Powertools adds it
        assert metric.unit == {Kind.EVENTS: MetricUnit.Count,
                               Kind.TIMING: MetricUnit.Milliseconds}.get(
            metric.kind, metric.unit), metric.name
        assert metric.unit in (MetricUnit.Count, MetricUnit.Bytes, MetricUnit.Milliseconds)
    assert M.AVATARS_REJECTED.dimension_set == {"service"}
    assert M.AVATAR_REJECTED.dimension_set == {"service", "reason"}


@pytest.mark.parametrize(("metric", "fits", "does_not_fit"), [
    (M.AVATARS_REJECTED, ["Sum", "SampleCount"],
     ["Average", "Maximum", "Minimum", "p99", "p50"]),
    (M.AVATAR_PROCESSING_TIME, ["p50", "p99", "p99.9", "p100", "Average", "Maximum", "Minimum",
                                "SampleCount"],
     ["Sum", "p", "p101", "P99", "tm99", "avg"]),
    (M.TEMP_BYTES_FREED, ["Sum", "SampleCount", "Average", "Maximum", "Minimum", "p90"],
     ["sum", "Total"]),
])
def test_statistics_that_mean_something_for_each_kind(metric, fits, does_not_fit) -> None:
    assert [s for s in fits if not statistic_fits(metric, s)] == []
    assert [s for s in does_not_fit if statistic_fits(metric, s)] == []
