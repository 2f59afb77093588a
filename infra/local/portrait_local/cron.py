"""EventBridge schedule expressions, and when they next fire. Pure: no clock, no I/O.

    rate(5 minutes)              every period, counted from when the rule was created
    cron(0 3 * * ? *)            AWS's six fields: minute hour day-of-month month day-of-week year
    at(2030-01-01T00:00:00)      once (EventBridge Scheduler)

Cron supports `*`, `?`, lists, ranges, steps (`0/15`, `*/5`, `10-40/5`), month
and day names, `L` (last day of month, or `5L` last Friday), `W` (`15W`
nearest weekday, `LW` last weekday) and `#` (`6#3` third Friday). Day of
week counts 1 = Sunday .. 7 = Saturday, as AWS does. Cron fields are read in
UTC unless a time zone is given (EventBridge Scheduler's
ScheduleExpressionTimezone).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo


class ScheduleError(ValueError):
    """The expression is not one EventBridge would accept."""


_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_SEARCH_DAYS = 366 * 8  # covers the rarest schedules (29 February on a given weekday)


@dataclass(frozen=True)
class Rate:
    seconds: int

    def next_fire(self, after: datetime, anchor: datetime) -> datetime:
        """The first anchor + k*period (k >= 1) strictly after `after`."""
        period = timedelta(seconds=self.seconds)
        if after < anchor:
            return anchor + period
        periods = int((after - anchor) / period) + 1
        return anchor + periods * period


@dataclass(frozen=True)
class At:
    when: datetime

    def next_fire(self, after: datetime, anchor: datetime) -> datetime | None:
        return self.when if self.when > after else None


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int] | None  # None: every year
    day_matches: Callable[[date], bool] = field(compare=False)
    tz: timezone | ZoneInfo = timezone.utc

    def next_fire(self, after: datetime, anchor: datetime | None = None) -> datetime | None:
        """The first whole minute strictly after `after` that the expression matches."""
        local = after.astimezone(self.tz)
        start = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.date()
        for _ in range(_SEARCH_DAYS):
            if (day.month in self.months and (self.years is None or day.year in self.years)
                    and self.day_matches(day)):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime(day.year, day.month, day.day, hour, minute,
                                             tzinfo=self.tz)
                        if candidate >= start:
                            return candidate.astimezone(timezone.utc)
            if self.years is not None and day.year > max(self.years):
                return None
            day += timedelta(days=1)
        return None


Schedule = Rate | Cron | At


def parse_schedule(expression: str, tz: str | None = None) -> Schedule:
    expression = expression.strip()
    match = re.fullmatch(r"(rate|cron|at)\((.*)\)", expression)
    if not match:
        raise ScheduleError(f"{expression!r}: expected rate(...), cron(...) or at(...)")
    kind, body = match.groups()
    if kind == "rate":
        return _parse_rate(expression, body)
    if kind == "at":
        try:
            when = datetime.fromisoformat(body.strip())
        except ValueError:
            raise ScheduleError(f"{expression!r}: at() wants yyyy-mm-ddThh:mm:ss") from None
        zone = ZoneInfo(tz) if tz else timezone.utc
        return At(when.replace(tzinfo=zone).astimezone(timezone.utc))
    return _parse_cron(expression, body, ZoneInfo(tz) if tz else timezone.utc)


def _parse_rate(expression: str, body: str) -> Rate:
    match = re.fullmatch(r"\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*", body)
    if not match:
        raise ScheduleError(f"{expression!r}: rate wants 'N minute(s)|hour(s)|day(s)'")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ScheduleError(f"{expression!r}: the rate value must be a positive integer")
    # EventBridge insists: singular for 1, plural otherwise.
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleError(f"{expression!r}: use '{unit.rstrip('s')}' for 1 and "
                            f"'{unit.rstrip('s')}s' for more")
    return Rate(value * _UNITS[unit.rstrip("s")])


def _parse_cron(expression: str, body: str, tz) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleError(f"{expression!r}: cron wants 6 fields "
                            f"(minute hour day-of-month month day-of-week year), got {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(f"{expression!r}: exactly one of day-of-month and day-of-week "
                            "must be '?'")
    ctx = expression
    years = None if year == "*" else _values(year, 1970, 2199, {}, ctx, "year")
    if dom == "?":
        day_matches = _day_of_week(dow, ctx)
    else:
        day_matches = _day_of_month(dom, ctx)
    return Cron(minutes=_values(minute, 0, 59, {}, ctx, "minute"),
                hours=_values(hour, 0, 23, {}, ctx, "hour"),
                months=_values(month, 1, 12, _MONTHS, ctx, "month"),
                years=years, day_matches=day_matches, tz=tz)


def _number(token: str, names: dict[str, int], ctx: str, what: str) -> int:
    if token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise ScheduleError(f"{ctx!r}: {what} field: unsupported token {token!r}")
    return int(token)


def _values(spec: str, low: int, high: int, names: dict[str, int], ctx: str,
            what: str) -> frozenset[int]:
    """A field of plain values: lists, ranges (wrapping allowed), steps, names, *."""
    out: set[int] = set()
    for part in spec.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, {}, ctx, what) if step_text else 1
        if step < 1:
            raise ScheduleError(f"{ctx!r}: {what} field: step must be positive in {part!r}")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _number(a, names, ctx, what), _number(b, names, ctx, what)
        else:
            first = _number(base, names, ctx, what)
            last = high if step_text else first
        for value in (first, last):
            if not low <= value <= high:
                raise ScheduleError(f"{ctx!r}: {what} field: {value} is outside {low}-{high}")
        span = (last - first) % (high - low + 1)  # a wrapping range like FRI-MON
        out.update(low + (first - low + offset) % (high - low + 1)
                   for offset in range(0, span + 1, step))
    return frozenset(out)


def _aws_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Python: Monday=0; AWS: Sunday=1


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: date, target: int) -> int:
    """W: the weekday nearest to `target` in the same month (never crossing it)."""
    last = _last_day(day)
    target = min(target, last)
    weekday = date(day.year, day.month, target).weekday()
    if weekday == 5:  # Saturday -> Friday, unless that leaves the month
        return target - 1 if target > 1 else target + 2
    if weekday == 6:  # Sunday -> Monday, unless that leaves the month
        return target + 1 if target < last else target - 2
    return target


def _day_of_month(spec: str, ctx: str) -> Callable[[date], bool]:
    if spec == "L":
        return lambda d: d.day == _last_day(d)
    if spec == "LW":
        def last_weekday(d: date) -> bool:
            last = _last_day(d)
            back = max(0, date(d.year, d.month, last).weekday() - 4)
            return d.day == last - back
        return last_weekday
    if re.fullmatch(r"\d+W", spec):
        target = int(spec[:-1])
        if not 1 <= target <= 31:
            raise ScheduleError(f"{ctx!r}: day-of-month field: {target} is outside 1-31")
        return lambda d: d.day == _nearest_weekday(d, target)
    for token in ("L", "W", "#"):
        if token in spec:
            raise ScheduleError(f"{ctx!r}: day-of-month field: {token!r} is only valid as "
                                f"'L', 'LW' or 'NW', not in {spec!r}")
    days = _values(spec, 1, 31, {}, ctx, "day-of-month")
    return lambda d: d.day in days


def _day_of_week(spec: str, ctx: str) -> Callable[[date], bool]:
    if "#" in spec:
        weekday_text, _, nth_text = spec.partition("#")
        weekday = _number(weekday_text, _DAYS, ctx, "day-of-week")
        nth = _number(nth_text, {}, ctx, "day-of-week")
        if not (1 <= weekday <= 7 and 1 <= nth <= 5):
            raise ScheduleError(f"{ctx!r}: day-of-week field: bad '#' expression {spec!r}")
        return lambda d: _aws_weekday(d) == weekday and (d.day - 1) // 7 + 1 == nth
    if spec == "L":  # the last day of the week: Saturday
        return lambda d: _aws_weekday(d) == 7
    if spec.endswith("L"):
        weekday = _number(spec[:-1], _DAYS, ctx, "day-of-week")
        return lambda d: _aws_weekday(d) == weekday and d.day + 7 > _last_day(d)
    days = _values(spec, 1, 7, _DAYS, ctx, "day-of-week")
    return lambda d: _aws_weekday(d) in days
