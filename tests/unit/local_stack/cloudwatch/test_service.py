"""The local CloudWatch fed as the stack feeds it, on the real template, with a clock of
the test's own."""
import json
import time
from pathlib import Path

import pytest

from portrait_local.cloudwatch import endpoints
from portrait_local.cloudwatch.clock import SimulatedClock
from portrait_local.cloudwatch.page import dashboard
from portrait_local.cloudwatch.service import LocalCloudWatch
from portrait_local.template import Template

ROOT = Path(__file__).resolve().parents[4]


class Real:
    t = 1_800_000_000.0 // 3600 * 3600 + 5

    def __call__(self):
        return self.t


def rejected_line(reason="corrupt"):
    return json.dumps({"_aws": {"Timestamp": 0, "CloudWatchMetrics": [
        {"Namespace": "Portrait/dev", "Dimensions": [["service"]],
         "Metrics": [{"Name": "AvatarsRejected", "Unit": "Count"}]},
        {"Namespace": "Portrait/dev", "Dimensions": [["service", "reason"]],
         "Metrics": [{"Name": "AvatarRejected", "Unit": "Count"}]}]},
        "service": "portrait", "reason": reason, "AvatarsRejected": [1.0],
        "AvatarRejected": [1.0]})


@pytest.fixture
def stack():
    template = Template.load(ROOT / "template.yaml",
                             parameter_overrides={"AvatarRejectionsAlarmThreshold": "3"})
    real, changes = Real(), []
    depths = {}
    cw = LocalCloudWatch(template, clock=SimulatedClock(real=real),
                         queue_depths=lambda names: {n: depths[n] for n in names if n in depths},
                         announce=lambda *change: changes.append(change))
    cw.evaluate_all(cw.clock.now())  # the initial states, quietly
    return cw, real, changes, depths, template


def test_a_burst_of_rejections_alarms_then_clears(stack):
    cw, real, changes, _, _ = stack
    for _ in range(4):
        cw.record_line("ResizeFunction", rejected_line())
    cw.record_line("ResizeFunction", '{"level": "INFO", "message": "not a metric"}')
    real.t += 60
    cw.evaluate_all(cw.clock.now())
    assert changes[-1][:3] == ("AvatarRejectionsAlarm", "OK", "ALARM")
    assert "[4 (" in changes[-1][3]
    real.t += 300  # the burst leaves the 5-minute window
    cw.evaluate_all(cw.clock.now())
    assert changes[-1][:3] == ("AvatarRejectionsAlarm", "ALARM", "OK")
    history = cw.alarms_document()["alarms"]
    entry = next(a for a in history if a["name"] == "AvatarRejectionsAlarm")
    assert [h["to"] for h in entry["history"]] == ["OK", "ALARM", "OK"]


def test_a_message_in_a_dead_letter_queue(stack):
    cw, real, changes, depths, _ = stack
    depths["portrait-local-AvatarUploadsDeadLetterQueue"] = (1, 30.0)
    cw.sample_queues(cw.clock.now())
    real.t += 60
    cw.evaluate_all(cw.clock.now())
    assert ("AvatarUploadsDeadLetterAlarm", "OK", "ALARM") in [c[:3] for c in changes]


def test_lambda_error_rate_from_invocations(stack):
    cw, real, changes, _, _ = stack
    for n in range(10):
        cw.record_invocation("ResizeFunction", {"Records": []}, 120.0, ok=n > 0)
    real.t += 60
    cw.evaluate_all(cw.clock.now())
    assert ("ResizeFunctionErrorRateAlarm", "OK", "ALARM") in [c[:3] for c in changes]


def test_a_stream_batch_behind_its_writes(stack):
    """IteratorAge is the age of the batch's last record in real time, whatever the clock's
    speed: a fast clock compresses periods, not the system's latencies."""
    cw, real, changes, _, _ = stack
    cw.set_speed(300)
    record = {"eventSource": "aws:dynamodb",
              "dynamodb": {"ApproximateCreationDateTime": int(time.time()) - 700}}
    cw.record_invocation("EventPublisherFunction", {"Records": [record]}, 50.0, ok=True)
    fresh = {**record, "dynamodb": {"ApproximateCreationDateTime": int(time.time())}}
    cw.record_invocation("EventPublisherFunction", {"Records": [fresh]}, 50.0, ok=True)
    real.t += 60 / 300
    cw.evaluate_all(cw.clock.now())
    change = next(c for c in changes if c[0] == "DomainEventsDelayAlarm")
    age = cw.states["DomainEventsDelayAlarm"].datapoints[-1][1]
    assert change[2] == "ALARM" and 700_000 <= age < 705_000  # the Maximum: 700 s, not x300


def test_a_new_threshold_keeps_the_state(stack):
    cw, real, changes, _, template = stack
    for _ in range(4):
        cw.record_line("ResizeFunction", rejected_line())
    real.t += 60
    cw.evaluate_all(cw.clock.now())
    cw.load(Template.load(ROOT / "template.yaml",
                          parameter_overrides={"AvatarRejectionsAlarmThreshold": "10"}))
    assert cw.states["AvatarRejectionsAlarm"].state == "ALARM"
    cw.evaluate_all(cw.clock.now())
    assert changes[-1][:3] == ("AvatarRejectionsAlarm", "ALARM", "OK")


def test_the_endpoints_and_the_dashboard(stack):
    cw, real, _, _, _ = stack
    cw.record_line("ResizeFunction", rejected_line("too_small"))
    cw.record_request("api1", 404, 12.0)
    handle = endpoints.handler(cw, lambda: dashboard(cw))
    status, clock = handle("PUT", "clock", b'{"speed": 60}')
    assert status == 200 and clock["speed"] == 60
    assert handle("PUT", "clock", b'{"speed": 0}')[0] == 400
    status, doc = handle("POST", "series", json.dumps({"minutes": 5, "queries": [
        {"namespace": "AWS/ApiGateway", "name": "4xx", "dimensions": {"ApiId": "api1"}}]}).encode())
    assert status == 200 and [v for _, v in doc["series"][0]["points"]][-1] == 1
    assert handle("POST", "series", b'{"queries": [{"namespace": "x"}]}')[0] == 400
    status, page = handle("GET", "dashboard", b"")
    avatars = next(c for c in page["charts"] if c["id"] == "avatars")
    labels = [s["label"] for s in avatars["series"]]
    assert "AvatarRejected too_small" in labels and avatars["svg"].startswith("<svg")
    assert any(a["name"] == "AvatarRejectionsAlarm" for a in page["alarms"])
    assert handle("GET", "nothing", b"")[0] == 404
