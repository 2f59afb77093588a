"""rate() and AWS cron(): next fire times (UTC), and clear errors for what AWS rejects."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from portrait_local.cron import Rate, ScheduleError, parse_schedule


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def fires(expression: str, after: datetime, count: int = 3) -> list[datetime]:
    schedule, out = parse_schedule(expression), []
    for _ in range(count):
        after = schedule.next_fire(after, after)
        out.append(after)
    return out


@pytest.mark.parametrize("expression, seconds", [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600),
    ("rate(12 hours)", 43200), ("rate(1 day)", 86400), ("rate(7 days)", 604800)])
def test_rates(expression, seconds):
    assert parse_schedule(expression) == Rate(seconds)


def test_rate_counts_from_the_anchor():
    anchor = utc(2030, 1, 1, 10, 0, 30)
    rate = parse_schedule("rate(5 minutes)")
    assert rate.next_fire(anchor, anchor) == utc(2030, 1, 1, 10, 5, 30)
    assert rate.next_fire(utc(2030, 1, 1, 10, 5, 30), anchor) == utc(2030, 1, 1, 10, 10, 30)
    assert rate.next_fire(utc(2030, 1, 1, 11, 0, 0), anchor) == utc(2030, 1, 1, 11, 0, 30)


@pytest.mark.parametrize("expression, message", [
    ("rate(1 minutes)", "use 'minute' for 1"), ("rate(2 hour)", "'hours' for more"),
    ("rate(0 minutes)", "positive"), ("rate(5 weeks)", "rate wants"),
    ("cron(0 3 * * *)", "6 fields"), ("cron(0 3 * * * *)", "exactly one of"),
    ("cron(0 3 ? * ? *)", "exactly one of"), ("cron(61 3 * * ? *)", "61 is outside 0-59"),
    ("cron(0 3 * FOO ? *)", "unsupported token 'FOO'"), ("cron(0 3 ? * 5W *)", "'5W'"),
    ("cron(0 3 1L * ? *)", "'L'"), ("every(5 minutes)", "expected rate"),
])
def test_invalid_expressions_name_the_problem(expression, message):
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(")):
        parse_schedule(expression)


@pytest.mark.parametrize("expression, after, expected", [
    # daily at 03:00
    ("cron(0 3 * * ? *)", utc(2030, 1, 1, 2, 59), [utc(2030, 1, 1, 3), utc(2030, 1, 2, 3),
                                                   utc(2030, 1, 3, 3)]),
    # strictly after: at 03:00 exactly, the next is tomorrow
    ("cron(0 3 * * ? *)", utc(2030, 1, 1, 3), [utc(2030, 1, 2, 3), utc(2030, 1, 3, 3),
                                               utc(2030, 1, 4, 3)]),
    # every 15 minutes from 0, and steps from an offset
    ("cron(0/15 * * * ? *)", utc(2030, 1, 1, 0, 7), [utc(2030, 1, 1, 0, 15),
                                                     utc(2030, 1, 1, 0, 30), utc(2030, 1, 1, 0, 45)]),
    ("cron(10-40/15 8 * * ? *)", utc(2030, 1, 1), [utc(2030, 1, 1, 8, 10), utc(2030, 1, 1, 8, 25),
                                                   utc(2030, 1, 1, 8, 40)]),
    # weekdays by name; 2030-01-04 is a Friday
    ("cron(0 9 ? * MON-FRI *)", utc(2030, 1, 4, 10), [utc(2030, 1, 7, 9), utc(2030, 1, 8, 9),
                                                      utc(2030, 1, 9, 9)]),
    # day of week by number: 1 = Sunday
    ("cron(0 12 ? * 1 *)", utc(2030, 1, 1), [utc(2030, 1, 6, 12), utc(2030, 1, 13, 12),
                                             utc(2030, 1, 20, 12)]),
    # wrapping range FRI-MON
    ("cron(0 0 ? * FRI-MON *)", utc(2030, 1, 1), [utc(2030, 1, 4), utc(2030, 1, 5),
                                                  utc(2030, 1, 6)]),
    # lists, month names and a year
    ("cron(30 6 1,15 JAN,JUL ? 2031)", utc(2030, 6, 1), [utc(2031, 1, 1, 6, 30),
                                                         utc(2031, 1, 15, 6, 30),
                                                         utc(2031, 7, 1, 6, 30)]),
    # last day of the month (leap February)
    ("cron(0 0 L * ? *)", utc(2032, 1, 31, 1), [utc(2032, 2, 29), utc(2032, 3, 31),
                                                utc(2032, 4, 30)]),
    # last weekday of the month: 2030-03-31 is a Sunday, so Friday the 29th
    ("cron(0 0 LW * ? *)", utc(2030, 3, 1), [utc(2030, 3, 29), utc(2030, 4, 30),
                                             utc(2030, 5, 31)]),
    # nearest weekday to the 1st: 2030-06-01 is a Saturday -> Monday the 3rd (never May)
    ("cron(0 0 1W 6 ? *)", utc(2030, 5, 1), [utc(2030, 6, 3), utc(2031, 6, 2), utc(2032, 6, 1)]),
    # 15W when the 15th is a Sunday (2030-09-15) -> Monday the 16th
    ("cron(0 0 15W 9 ? 2030)", utc(2030, 1, 1), [utc(2030, 9, 16)]),
    # third Friday, last Friday
    ("cron(0 0 ? * 6#3 *)", utc(2030, 1, 1), [utc(2030, 1, 18), utc(2030, 2, 15),
                                              utc(2030, 3, 15)]),
    ("cron(0 0 ? * 6L *)", utc(2030, 1, 1), [utc(2030, 1, 25), utc(2030, 2, 22),
                                             utc(2030, 3, 29)]),
    # 29 February only
    ("cron(0 0 29 2 ? *)", utc(2030, 1, 1), [utc(2032, 2, 29), utc(2036, 2, 29),
                                             utc(2040, 2, 29)]),
])
def test_cron_next_fire_times(expression, after, expected):
    assert fires(expression, after, len(expected)) == expected


def test_a_finished_year_list_never_fires_again():
    schedule = parse_schedule("cron(0 0 1 1 ? 2030)")
    assert schedule.next_fire(utc(2030, 1, 1), utc(2030, 1, 1)) is None


def test_cron_in_a_time_zone_fires_at_local_time():
    schedule = parse_schedule("cron(0 9 * * ? *)", tz="Europe/Paris")
    assert schedule.next_fire(utc(2030, 1, 1), None) == utc(2030, 1, 1, 8)  # CET = UTC+1
    assert schedule.next_fire(utc(2030, 7, 1), None) == utc(2030, 7, 1, 7)  # CEST = UTC+2


def test_at_fires_once():
    at = parse_schedule("at(2030-01-01T10:00:00)")
    assert at.next_fire(utc(2029, 1, 1), None) == utc(2030, 1, 1, 10)
    assert at.next_fire(utc(2030, 1, 1, 10), None) is None
