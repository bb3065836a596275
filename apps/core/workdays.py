"""Working days of mainland China (工作日), for every statutory deadline.

Built on the `chinesecalendar` package, which knows each year's published holiday schedule
(holidays and make-up working days, 调休), plus the `HolidayOverride` table maintained in the
admin, which wins over the package. For a year the package does not cover yet:
- once the State Council's schedule for that year has been loaded as overrides
  (`load_holiday_schedule`, marked `official_schedule`), the year is known: its listed days as
  loaded, every other day Monday–Friday;
- before that, the statutory holidays are computed from the 全国年节及纪念日放假办法 (as revised
  in 2024, in force from 2025-01-01, art. 2) with the lunar dates from `lunar_python` and the
  solar term from `chinesecalendar`, without the make-up working days that only the yearly notice
  fixes; results are marked `estimated` so pages can warn. Nothing here raises for an uncovered
  year.

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
from lunar_python import Lunar

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


# 全国年节及纪念日放假办法 (2024 revision) art. 2: the holidays of all citizens, with their days.
# (name, calendar, month, day, days); a lunar "day 0" is the last day of the previous lunar year
# (New Year's Eve, 农历除夕). Qingming is the day of the solar term 清明.
STATUTORY_HOLIDAYS = (
    ("元旦", "solar", 1, 1, 1),
    ("春节", "lunar", 1, 0, 4),  # New Year's Eve and the first three days of the first month
    ("清明节", "solar_term", 0, 0, 1),
    ("劳动节", "solar", 5, 1, 2),
    ("端午节", "lunar", 5, 5, 1),
    ("中秋节", "lunar", 8, 15, 1),
    ("国庆节", "solar", 10, 1, 3),
)


@cache
def estimated_holidays(year: int) -> dict[datetime.date, str]:
    """{day off: holiday} of `year` by the statutory days alone (no make-up working days)."""
    days: dict[datetime.date, str] = {}
    for name, kind, month, day, length in STATUTORY_HOLIDAYS:
        if kind == "solar":
            first = datetime.date(year, month, day)
        elif kind == "lunar":
            solar = Lunar.fromYmd(year, month, max(day, 1)).getSolar()
            first = datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())
            if day == 0:
                first -= datetime.timedelta(days=1)
        else:
            terms = chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 10))
            first = next(term_day for term_day, term in terms if term == "清明")
        for offset in range(length):
            days[first + datetime.timedelta(days=offset)] = name
    return days


class _Overrides(dict):
    """{date: working} of the overrides in a window, and the years whose official schedule was
    loaded (`official_years`)."""

    official_years: set[int]


def _overrides(start: datetime.date, end: datetime.date) -> _Overrides:
    from apps.core.models import HolidayOverride

    rows = HolidayOverride.objects.filter(date__range=(start, end)).values_list(
        "date", "is_working_day", "official_schedule"
    )
    found = _Overrides()
    found.official_years = set()
    for day, working, official in rows:
        found[day] = working
        if official:
            found.official_years.add(day.year)
    uncovered = {year for year in range(start.year, end.year + 1) if not year_is_covered(year)}
    if uncovered - found.official_years:
        loaded = HolidayOverride.objects.filter(official_schedule=True, date__year__in=uncovered - found.official_years)
        found.official_years |= {day.year for day in loaded.dates("date", "year")}
    return found


def _is_working(day: datetime.date, overrides: _Overrides) -> tuple[bool, bool]:
    """(is working day, estimated) for one day, given the overrides around it."""
    if day in overrides:
        return overrides[day], False
    if year_is_covered(day.year):
        return chinese_calendar.is_workday(day), False
    if day.year in overrides.official_years:
        return day.weekday() < 5, False
    return day.weekday() < 5 and day not in estimated_holidays(day.year), True


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
            more = _overrides(day, window_end)
            overrides.update(more)
            overrides.official_years |= more.official_years
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
