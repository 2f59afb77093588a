"""The alarms evaluated as CloudWatch does, on a store filled by hand at known times."""
from pathlib import Path

import pytest

from portrait_local.cloudwatch.alarms import (ALARM, INSUFFICIENT, OK, AlarmDefinitionError,
                                              alarm_from_properties, evaluate, template_alarms)
from portrait_local.cloudwatch.store import MetricStore
from portrait_local.template import Template

ROOT = Path(__file__).resolve().parents[4]
T0 = 1_800_000_000 // 3600 * 3600  # a whole hour: periods line up with the minutes below
DIMS = [{"Name": "service", "Value": "portrait"}]


def simple(**overrides) -> dict:
    return {"Namespace": "Portrait/dev", "MetricName": "AvatarsRejected", "Dimensions": DIMS,
            "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 2,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            **overrides}


def put(store, minute, *values, name="AvatarsRejected"):
    store.put("Portrait/dev", name, {"service": "portrait"}, values, T0 + minute * 60 + 5)


def at(minute):
    """Evaluation at the start of `minute`: the minutes before it are complete."""
    return T0 + minute * 60 + 1


def state_at(alarm, store, minute, state=INSUFFICIENT):
    return evaluate(alarm, store.statistic, at(minute), state)


def test_ok_to_alarm_to_ok():
    alarm, store = alarm_from_properties("A", simple()), MetricStore()
    assert state_at(alarm, store, 1).state == OK  # no data, notBreaching
    put(store, 1, 1, 1, 1)
    result = state_at(alarm, store, 2, OK)
    assert result.state == ALARM
    assert "1 out of the last 1 datapoints [3 (" in result.reason
    assert "greater than the threshold (2)" in result.reason
    assert state_at(alarm, store, 3, ALARM).state == OK  # the next minute has no data


def test_the_minute_in_progress_is_not_evaluated():
    alarm, store = alarm_from_properties("A", simple()), MetricStore()
    put(store, 1, 5)
    assert state_at(alarm, store, 1).state == OK
    assert state_at(alarm, store, 2).state == ALARM


def test_threshold_comparisons():
    store = MetricStore()
    put(store, 0, 2)
    for op, expected in (("GreaterThanThreshold", OK), ("GreaterThanOrEqualToThreshold", ALARM),
                         ("LessThanThreshold", OK), ("LessThanOrEqualToThreshold", ALARM)):
        alarm = alarm_from_properties("A", simple(ComparisonOperator=op))
        assert state_at(alarm, store, 1).state == expected, op


def test_period_sums_its_minutes():
    alarm = alarm_from_properties("A", simple(Period=300))
    store = MetricStore()
    put(store, 0, 1)
    put(store, 3, 1)
    assert state_at(alarm, store, 5).state == OK  # 2, not > 2
    put(store, 4, 1)
    assert state_at(alarm, store, 5).state == ALARM
    assert state_at(alarm, store, 6).state == OK  # minute 0 left the window: 2


def test_m_of_n():
    alarm = alarm_from_properties("A", simple(EvaluationPeriods=3, DatapointsToAlarm=2))
    store = MetricStore()
    put(store, 0, 5)
    put(store, 1, 0)
    assert state_at(alarm, store, 3).state == OK  # 1 of 3
    put(store, 2, 9)
    result = state_at(alarm, store, 3)
    assert result.state == ALARM and "2 out of the last 3 datapoints" in result.reason
    assert [v for _, v in result.datapoints] == [5, 0, 9]
    assert state_at(alarm, store, 4).state == OK  # minutes 1..3: 0, 9, missing


def _three_of_three(missing):
    return alarm_from_properties("A", simple(EvaluationPeriods=3, DatapointsToAlarm=3,
                                             TreatMissingData=missing))


@pytest.mark.parametrize("missing, previous, expected", [
    ("notBreaching", ALARM, OK), ("breaching", OK, ALARM),
    ("missing", OK, INSUFFICIENT), ("ignore", ALARM, ALARM), ("ignore", OK, OK)])
def test_no_data_at_all(missing, previous, expected):
    assert state_at(_three_of_three(missing), MetricStore(), 5, previous).state == expected


@pytest.mark.parametrize("missing, expected", [
    # one breaching datapoint among two missing, 3 of 3 needed
    ("notBreaching", OK), ("breaching", ALARM), ("missing", ALARM), ("ignore", ALARM)])
def test_one_breaching_datapoint_and_two_missing(missing, expected):
    store = MetricStore()
    put(store, 3, 9)
    assert state_at(_three_of_three(missing), store, 4, OK).state == expected


@pytest.mark.parametrize("missing, expected", [
    ("notBreaching", OK), ("breaching", OK), ("missing", OK), ("ignore", OK)])
def test_a_good_datapoint_among_missing_ones_keeps_ok(missing, expected):
    store = MetricStore()
    put(store, 2, 9)
    put(store, 3, 0)
    # breaching: 2 filled + the 9 but the 0 -> 2 of 3 -> OK; missing/ignore: 1 of 2 -> OK
    assert state_at(_three_of_three(missing), store, 4, ALARM).state == expected


def test_breaching_missing_data_fills_to_alarm():
    store = MetricStore()
    put(store, 3, 9)
    put(store, 2, 9)
    assert state_at(_three_of_three("breaching"), store, 4).state == ALARM


def test_default_treatment_is_missing():
    alarm = alarm_from_properties("A", {k: v for k, v in simple().items()
                                        if k != "TreatMissingData"})
    assert alarm.treat_missing_data == "missing"
    assert state_at(alarm, MetricStore(), 3).state == INSUFFICIENT


def test_extended_statistic_percentile():
    alarm = alarm_from_properties("A", {k: v for k, v in {
        **simple(Period=300, Threshold=5000, MetricName="AvatarProcessingTime"),
        "ExtendedStatistic": "p95"}.items() if k != "Statistic"})
    store = MetricStore()
    put(store, 0, *([100] * 96 + [9000] * 4), name="AvatarProcessingTime")
    assert state_at(alarm, store, 5).state == OK  # p95 is 100
    put(store, 1, *([9000] * 10), name="AvatarProcessingTime")
    result = state_at(alarm, store, 5)
    assert result.state == ALARM and result.datapoints[-1][1] == 9000


def error_rate(**overrides):
    def stat(metric):
        return {"Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": [
            {"Name": "FunctionName", "Value": "f"}]}, "Period": 300, "Stat": "Sum"}
    return {"Metrics": [
        {"Id": "error_rate", "Expression": "100 * errors / invocations"},
        {"Id": "errors", "ReturnData": False, "MetricStat": stat("Errors")},
        {"Id": "invocations", "ReturnData": False, "MetricStat": stat("Invocations")}],
        "EvaluationPeriods": 1, "Threshold": "5", "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching", **overrides}


def lambda_calls(store, minute, errors, calls):
    for n in range(calls):
        for metric, value in (("Invocations", 1), ("Errors", int(n < errors))):
            store.put("AWS/Lambda", metric, {"FunctionName": "f"}, [value], T0 + minute * 60)


def test_metric_math_error_rate():
    alarm = alarm_from_properties("A", error_rate())
    assert alarm.period == 300
    store = MetricStore()
    lambda_calls(store, 0, 1, 20)  # 5 %: not over
    assert state_at(alarm, store, 5).state == OK
    lambda_calls(store, 1, 1, 1)  # one more call, failed: 2 errors in 21 calls
    result = state_at(alarm, store, 5)
    assert result.state == ALARM and result.datapoints[-1][1] == pytest.approx(200 / 21)
    assert state_at(alarm, store, 11, ALARM).state == OK  # no calls: no rate, notBreaching


def test_metric_math_without_data_is_missing():
    alarm = alarm_from_properties("A", error_rate(TreatMissingData="missing"))
    assert state_at(alarm, MetricStore(), 10).state == INSUFFICIENT


@pytest.mark.parametrize("props, message", [
    (simple(ComparisonOperator="GreaterThanUpperThreshold"), "ComparisonOperator"),
    (simple(TreatMissingData="sometimes"), "TreatMissingData"),
    (simple(EvaluationPeriods=2, DatapointsToAlarm=3), "DatapointsToAlarm"),
    (simple(Statistic="Median"), "statistic"),
    (simple(Threshold="lots"), "Threshold"),
    (error_rate(Metrics=[{"Id": "e", "Expression": "SUM(METRICS())"}]), "not supported"),
])
def test_definitions_refused(props, message):
    with pytest.raises(AlarmDefinitionError, match=message):
        alarm_from_properties("A", props)


def test_an_aws_metric_the_stack_does_not_publish():
    alarm = alarm_from_properties("A", simple(Namespace="AWS/SageMaker",
                                              MetricName="Invocation5XXErrors"))
    result = state_at(alarm, MetricStore(), 3, OK)
    assert result.state == INSUFFICIENT and "AWS/SageMaker Invocation5XXErrors" in result.reason


def test_every_alarm_of_the_template_is_read_with_its_parameters():
    template = Template.load(ROOT / "template.yaml",
                             parameter_overrides={"AvatarRejectionsAlarmThreshold": "3"})
    alarms, refused = template_alarms(template)
    assert refused == {}
    by_name = {a.logical_id: a for a in alarms}
    assert len(by_name) == len(template.resources_of_type("AWS::CloudWatch::Alarm"))
    rejections = by_name["AvatarRejectionsAlarm"]
    assert rejections.threshold == 3 and rejections.period == 300
    assert rejections.metrics[0].name == "AvatarsRejected"
    assert rejections.metrics[0].dimensions == (("service", "portrait"),)
    assert by_name["ApiFunctionErrorRateAlarm"].queries[0].expression is not None
