"""The template's alarms evaluated by the local stack from the metrics its functions
publish: a burst of rejected avatar uploads moves AvatarRejectionsAlarm to ALARM and back
to OK; a message parked in a dead-letter queue fires that queue's alarm.

Alarm periods are minutes long: the local CloudWatch's clock runs fast for these tests
(`portrait alarms clock --speed 60`: a minute a second) and at real speed again after."""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.e2e.test_avatar_flow import _account, _upload, _wait_until_settled

pytestmark = pytest.mark.e2e
# A minute a second: a 5-minute period in 5 s.
SPEED = 60
# Five minutes a second: nothing to fit in a period, only a queue sampled each minute.
DLQ_SPEED = 300
DEADLINE_SECONDS = 120  # a busy machine is slow, not broken


@contextmanager
def fast_alarm_clock(stack, speed: float):
    """The alarms' clock at `speed` for the block, then real time again (what `portrait
    alarms clock --speed N` asks, without a Python start-up per call)."""
    _set_speed(stack, speed)
    try:
        yield
    finally:
        _set_speed(stack, 1)


def _set_speed(stack, speed: float) -> None:
    reply = requests.put(stack.url("/__local/cloudwatch/clock"), json={"speed": speed},
                         timeout=60)
    assert reply.status_code == 200 and reply.json()["speed"] == speed, reply.text


@contextmanager
def alarm_parameter(stack, name: str, value: str):
    """One alarm parameter changed on the running stack (what `portrait update` does,
    without its start-up: no function or mapping depends on it), then as it was."""
    before = requests.get(stack.url("/__local/parameters"), timeout=60).json()
    changed = requests.put(stack.url("/__local/parameters"), json={name: value}, timeout=60)
    assert changed.status_code == 200, changed.text
    assert changed.json()["functions_replaced"] == []
    try:
        yield
    finally:
        previous = before["parameter_overrides"].get(name)
        restored = requests.put(stack.url("/__local/parameters"), json={name: previous},
                                timeout=60)
        assert restored.status_code == 200, restored.text


def _alarm(stack, name: str) -> dict:
    reply = requests.get(stack.url("/__local/cloudwatch/alarms"), timeout=60)
    assert reply.status_code == 200, reply.text
    return next(a for a in reply.json()["alarms"] if a["name"] == name) | {
        "clock": reply.json()["clock"]}


def _wait_for_state(stack, name: str, state: str) -> dict:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        alarm = _alarm(stack, name)
        if alarm["state"] == state:
            return alarm
        time.sleep(0.2)
    pytest.fail(f"{name} not {state} after {DEADLINE_SECONDS} s: {alarm['state']}, "
                f"{alarm['reason']}\n{stack.output()[-3000:]}")


def _report(figures: dict) -> None:
    """The figures on the test's output, and beside the other artifacts when kept."""
    print(json.dumps(figures))
    keep = os.environ.get("PORTRAIT_TEST_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        with (Path(keep) / "alarm-timings.jsonl").open("a") as out:
            out.write(json.dumps(figures) + "\n")


def test_a_burst_of_rejected_uploads_alarms_then_clears(local_stack) -> None:
    name = "AvatarRejectionsAlarm"
    started = time.monotonic()
    with alarm_parameter(local_stack, "AvatarRejectionsAlarmThreshold", "3"), \
            fast_alarm_clock(local_stack, SPEED):
        assert _alarm(local_stack, name)["threshold"] == 3
        _wait_for_state(local_stack, name, "OK")  # earlier tests' rejections out of the window
        auth = _account(local_stack)
        # The burst at real speed, so that however long a busy machine takes over the four
        # uploads they fall in one 5-minute period; then fast again for the evaluation.
        _set_speed(local_stack, 1)
        first_real = time.monotonic()
        ids = [_upload(local_stack, auth, b"<html>not an image %d</html>" % n) for n in range(4)]
        for avatar_id in ids:
            assert _wait_until_settled(local_stack, auth, avatar_id)["status"] == "rejected"
        burst_real, burst_sim = time.monotonic(), _alarm(local_stack, name)["clock"]["now"]
        _set_speed(local_stack, SPEED)
        setup_real = first_real - started
        alarmed = _wait_for_state(local_stack, name, "ALARM")
        alarmed_real = time.monotonic()
        assert "greater than the threshold (3)" in alarmed["reason"], alarmed["reason"]
        assert max(v for _, v in alarmed["datapoints"] if v is not None) >= 4
        cleared = _wait_for_state(local_stack, name, "OK")
        cleared_real = time.monotonic()
        # One line each on the console, as an IAM denial is.
        output = local_stack.output()
        assert f"{name:<16} alarm OK -> ALARM: Threshold Crossed" in output
        assert f"{name:<16} alarm ALARM -> OK: Threshold Crossed" in output
    _report({"test": "avatar rejections", "speed": SPEED, "setup_real_s": round(setup_real, 2),
             "burst_seconds_real": round(burst_real - first_real, 2),
             "burst_to_alarm_real_s": round(alarmed_real - burst_real, 2),
             "burst_to_alarm_sim_min": round((alarmed["clock"]["now"] - burst_sim) / 60, 1),
             "alarm_to_ok_real_s": round(cleared_real - alarmed_real, 2),
             "alarm_to_ok_sim_min": round((cleared["clock"]["now"] - alarmed["clock"]["now"])
                                          / 60, 1)})
    assert _alarm(local_stack, name)["clock"]["speed"] == 1


def test_a_message_parked_in_a_dead_letter_queue_fires_its_alarm(local_stack) -> None:
    name = "AvatarUploadsDeadLetterAlarm"
    sqs = local_stack.aws("sqs")
    queue = sqs.get_queue_url(QueueName=local_stack.resources()["AvatarUploadsDeadLetterQueue"]
                              .rsplit("/", 1)[-1])["QueueUrl"]
    with fast_alarm_clock(local_stack, DLQ_SPEED):
        _wait_for_state(local_stack, name, "OK")
        started, started_sim = time.monotonic(), _alarm(local_stack, name)["clock"]["now"]
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"parked": "by the alarm test"}))
        try:
            alarmed = _wait_for_state(local_stack, name, "ALARM")
            alarmed_real = time.monotonic()
            assert "greater than the threshold (0)" in alarmed["reason"]
        finally:  # the shared stack's queue as it was
            for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                               WaitTimeSeconds=1).get("Messages", []):
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        emptied = time.monotonic()
        _wait_for_state(local_stack, name, "OK")
    _report({"test": "dead-letter queue", "speed": DLQ_SPEED,
             "message_to_alarm_real_s": round(alarmed_real - started, 2),
             "message_to_alarm_sim_min": round((alarmed["clock"]["now"] - started_sim) / 60, 1),
             "emptied_to_ok_real_s": round(time.monotonic() - emptied, 2)})
