"""Working days of mainland China (工作日), for every statutory deadline.

Built on the `chinesecalendar` package, which knows each year's published holiday schedule
(holidays and make-up working days, 调休), plus the `HolidayOverride` table maintained in the
admin, which wins over the package. For a year the package does not cover yet, days fall back to
Monday–Friday plus the overrides, and results are marked `estimated` so pages can warn; nothing
here raises for an uncovered year.

Conventions:
- `add_working_days(start, n)` is the n-th working day after `start`; `n=0` is `start` itself when
  it is a working day, else the next working day.
- `working_days_between(a, b)` counts the working days after `a` up to and including `b`, so
  `working_days_between(a, add_working_days(a, n)) == n` for n >= 1.
"""

from __future__ import annotations

import datetime
from functools import cache

import chinese_calendar

# Longest run of consecutive non-working days we expect (Spring Festival with weekends).
_MAX_GAP = 20


class WorkingDate(datetime.date):
    """A date that remembers whether an uncovered year was involved in computing it."""

    estimated: bool = False

    def __new__(cls, year, month, day, estimated=False):
        obj = super().__new__(cls, year, month, day)
        obj.estimated = estimated
        return obj

    @classmethod
    def of(cls, day: datetime.date, estimated: bool) -> WorkingDate:
        return cls(day.year, day.month, day.day, estimated=estimated)

    def __reduce__(self):
        return (WorkingDate, (self.year, self.month, self.day, self.estimated))


class WorkingDayCount(int):
    """An int that remembers whether an uncovered year was involved in counting it."""

    estimated: bool = False

    def __new__(cls, value: int, estimated: bool = False):
        obj = super().__new__(cls, value)
        obj.estimated = estimated
        return obj


@cache
def year_is_covered(year: int) -> bool:
    """Whether `chinesecalendar` has the official holiday schedule of `year`."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    from apps.core.models import HolidayOverride

    return dict(HolidayOverride.objects.filter(date__range=(start, end)).values_list("date", "is_working_day"))


def _is_working(day: datetime.date, overrides: dict[datetime.date, bool]) -> tuple[bool, bool]:
    """(is working day, estimated) for one day, given the overrides around it."""
    if day in overrides:
        return overrides[day], False
    if year_is_covered(day.year):
        return chinese_calendar.is_workday(day), False
    return day.weekday() < 5, True


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        raise TypeError("Pass a local date, not a datetime: use timezone.localdate(value).")
    return value


def is_working_day(day: datetime.date) -> bool:
    day = _as_date(day)
    return _is_working(day, _overrides(day, day))[0]


def add_working_days(start: datetime.date, n: int) -> WorkingDate:
    """The n-th working day after `start` (n >= 0)."""
    start = _as_date(start)
    if n < 0:
        raise ValueError("n must be zero or positive")
    window_end = start + datetime.timedelta(days=n * 2 + _MAX_GAP * (n // 5 + 2))
    overrides = _overrides(start, window_end)
    estimated = False
    day = start
    working, est = _is_working(day, overrides)
    estimated |= est
    remaining = n
    if n == 0:
        while not working:
            day += datetime.timedelta(days=1)
            working, est = _is_working(day, overrides)
            estimated |= est
        return WorkingDate.of(day, estimated)
    while remaining:
        day += datetime.timedelta(days=1)
        if day > window_end:  # pragma: no cover - the window is generous; extend if ever reached
            window_end = day + datetime.timedelta(days=n * 2 + _MAX_GAP)
            overrides.update(_overrides(day, window_end))
        working, est = _is_working(day, overrides)
        estimated |= est
        if working:
            remaining -= 1
    return WorkingDate.of(day, estimated)


def working_days_between(a: datetime.date, b: datetime.date) -> WorkingDayCount:
    """Working days after `a` up to and including `b`; negative when `b` is before `a`."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        count = working_days_between(b, a)
        return WorkingDayCount(-count, count.estimated)
    overrides = _overrides(a, b)
    count = 0
    estimated = False
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        working, est = _is_working(day, overrides)
        estimated |= est
        count += working
    return WorkingDayCount(count, estimated)


def covered_until() -> int:
    """The last year whose official holiday schedule the calendar knows."""
    year = datetime.date.today().year + 1
    while year > 2004 and not year_is_covered(year):
        year -= 1
    return year
