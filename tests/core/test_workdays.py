import datetime as dt

import pytest

from apps.core.workdays import add_working_days, is_working_day, working_days_between
from tests.factories import HolidayOverrideFactory

pytestmark = pytest.mark.django_db


def test_national_day_holiday_is_skipped():
    """2026 National Day: 1–7 October off; the next working day after 30 September is 8 October."""
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert not add_working_days(dt.date(2026, 9, 30), 1).estimated


def test_make_up_saturday_is_a_working_day():
    """14 February 2026 (a Saturday) is a make-up working day before the Spring Festival."""
    assert is_working_day(dt.date(2026, 2, 14))
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)


def test_five_working_days_from_30_september_2026():
    """A notice issued on 2026-09-30 with 5 working days: 8, 9, 10 (make-up Saturday), 12, 13 October."""
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)


def test_zero_days_is_the_same_day_or_the_next_working_day():
    assert add_working_days(dt.date(2026, 9, 30), 0) == dt.date(2026, 9, 30)
    assert add_working_days(dt.date(2026, 10, 1), 0) == dt.date(2026, 10, 8)


def test_uncovered_year_falls_back_to_weekdays_and_is_marked_estimated():
    friday = dt.date(2027, 3, 5)
    result = add_working_days(friday, 1)
    assert result == dt.date(2027, 3, 8)
    assert result.estimated is True
    assert working_days_between(friday, dt.date(2027, 3, 12)).estimated is True


def test_override_wins_over_the_package_and_the_fallback():
    HolidayOverrideFactory(date=dt.date(2027, 3, 8), is_working_day=False, note="地方假日")
    assert not is_working_day(dt.date(2027, 3, 8))
    assert add_working_days(dt.date(2027, 3, 5), 1) == dt.date(2027, 3, 9)
    HolidayOverrideFactory(date=dt.date(2026, 10, 3), is_working_day=True, note="测试")
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 3)


def test_working_days_between_is_the_inverse_of_add():
    start = dt.date(2026, 9, 25)
    for n in range(1, 30):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(dt.date(2026, 10, 8), dt.date(2026, 9, 30)) == -1


def test_datetimes_are_refused():
    with pytest.raises(TypeError):
        add_working_days(dt.datetime(2026, 9, 30, 10), 1)
