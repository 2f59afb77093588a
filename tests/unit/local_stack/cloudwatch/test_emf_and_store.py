import json

from portrait_local.cloudwatch.emf import parse_line
from portrait_local.cloudwatch.store import MetricStore, aggregate, Bucket, percentile


def emf(**members):
    return json.dumps({"_aws": {"Timestamp": 1_700_000_000_000, "CloudWatchMetrics": [
        {"Namespace": "Portrait/dev", "Dimensions": [["service"], ["service", "reason"]],
         "Metrics": [{"Name": "AvatarRejected", "Unit": "Count"}]}]}, **members})


def test_each_dimension_set_is_its_own_metric():
    found = parse_line(emf(service="portrait", reason="corrupt", AvatarRejected=[1.0, 2.0]))
    assert [(d.name, d.dimensions, d.values) for d in found] == [
        ("AvatarRejected", (("service", "portrait"),), (1.0, 2.0)),
        ("AvatarRejected", (("reason", "corrupt"), ("service", "portrait")), (1.0, 2.0))]
    assert found[0].namespace == "Portrait/dev" and found[0].unit == "Count"


def test_a_scalar_value_and_a_missing_dimension():
    found = parse_line(emf(service="portrait", AvatarRejected=1))
    assert [(d.dimensions, d.values) for d in found] == [((("service", "portrait"),), (1.0,))]


def test_not_emf_yields_nothing():
    assert parse_line('{"level": "INFO", "message": "avatar ready"}') == []
    assert parse_line("START RequestId: 1") == []
    assert parse_line('{"_aws": {"CloudWatchMetrics": "no"}}') == []
    assert parse_line('{"_aws": ') == []
    assert parse_line(emf(service="portrait", AvatarRejected="one")) == []


def test_statistics_over_minutes():
    store = MetricStore()
    dims = {"service": "portrait"}
    for t, values in ((0, [1, 5]), (60, [3]), (120, [10]), (300, [100])):
        store.put("P", "T", dims, values, 1_000_020 // 60 * 60 + t)
    base = 1_000_020 // 60 * 60
    assert store.statistic("P", "T", dims, base, base + 180, "Sum") == 19
    assert store.statistic("P", "T", dims, base, base + 180, "SampleCount") == 4
    assert store.statistic("P", "T", dims, base, base + 180, "Average") == 19 / 4
    assert store.statistic("P", "T", dims, base, base + 180, "Minimum") == 1
    assert store.statistic("P", "T", dims, base, base + 180, "Maximum") == 10
    assert store.statistic("P", "T", dims, base + 180, base + 300, "Sum") is None
    # another dimension set is another metric
    assert store.statistic("P", "T", {"service": "portrait", "reason": "x"}, base,
                           base + 600, "Sum") is None
    assert [v for _, v in store.series("P", "T", dims, base, base + 360, 60, "Sum")] == [
        6, 3, 10, None, None, 100]


def test_percentiles_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 99.5) == 100
    assert percentile([7], 95) == 7
    bucket = Bucket()
    for v in (100, 200, 300, 4000):
        bucket.add(v)
    assert aggregate([bucket], "p50") == 200
    assert aggregate([bucket], "p95") == 4000
    assert aggregate([Bucket()], "p95") is None


def test_prune_drops_old_minutes():
    store = MetricStore(retention_seconds=600)
    store.put("P", "T", {}, [1], 0)
    store.put("P", "T", {}, [1], 1200)
    store.prune(1300)
    assert store.statistic("P", "T", {}, 0, 2000, "Sum") == 1
