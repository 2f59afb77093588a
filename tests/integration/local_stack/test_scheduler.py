"""Schedules from the template fire at the right times with EventBridge's payload."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from portrait_local.scheduler import Scheduler, schedule_rules

from .conftest import wait_for

T0 = datetime(2030, 5, 6, 2, 30, 15, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_rules_come_from_the_template(stack_template, aws):
    rules = {r.event_name: r for r in schedule_rules(stack_template)}
    assert {name: r.expression for name, r in rules.items()} == {
        "Hourly": "rate(1 hour)", "Nightly": "cron(0 3 * * ? *)"}
    # create_resources made them as EventBridge rules too, with the function as target.
    rule = aws("events").describe_rule(Name=rules["Nightly"].name)
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    (target,) = aws("events").list_targets_by_rule(Rule=rules["Nightly"].name)["Targets"]
    assert target["Arn"] == stack_template.get_att("ScheduledFunction", "Arn")
    assert target["Input"] == '{"job": "nightly"}'


def test_rate_and_cron_fire_at_their_times_with_the_right_payload(stack_template):
    clock = FakeClock(T0)
    fired = []
    scheduler = Scheduler(stack_template, schedule_rules(stack_template),
                          lambda rule, event: fired.append((rule.event_name, event)), clock=clock)
    try:
        def tick_at(delta: timedelta) -> list[str]:
            clock.now = T0 + delta
            return [rule.event_name for rule, _ in scheduler.tick(clock.now)]

        assert tick_at(timedelta(minutes=29)) == []  # 02:59:15
        assert tick_at(timedelta(minutes=29, seconds=45)) == ["Nightly"]  # 03:00:00
        assert tick_at(timedelta(minutes=59)) == []
        assert tick_at(timedelta(hours=1)) == ["Hourly"]  # an hour after the start
        assert tick_at(timedelta(hours=1, seconds=1)) == []
        assert tick_at(timedelta(hours=2)) == ["Hourly"]
        assert tick_at(timedelta(days=1, minutes=29, seconds=45)) == ["Hourly", "Nightly"]
        wait_for(lambda: len(fired) == 5, timeout=5)
    finally:
        scheduler.stop()
    hourly = next(event for name, event in fired if name == "Hourly")
    EventBridgeModel.model_validate(hourly)
    assert hourly["detail-type"] == "Scheduled Event" and hourly["source"] == "aws.events"
    assert hourly["time"] == "2030-05-06T03:30:15Z"
    assert hourly["resources"] == [
        "arn:aws:events:us-east-1:123456789012:rule/fixture-ScheduledFunctionHourly"]
    assert hourly["detail"] == {} and hourly["account"] == "123456789012"
    assert next(event for name, event in fired if name == "Nightly") == {"job": "nightly"}


def test_a_fired_schedule_reaches_the_function(stack_template, runtime, recorder):
    recorder.clear("ScheduledFunction")
    scheduler = Scheduler(stack_template, schedule_rules(stack_template),
                          lambda rule, event: runtime.invoke(rule.function_id, event))
    try:
        rule, event = scheduler.fire_now("ScheduledFunction", "Hourly")
        assert runtime.invoke(rule.function_id, event).result == {"fired": True}
    finally:
        scheduler.stop()
    (received,) = recorder.events("ScheduledFunction")
    assert received == event
