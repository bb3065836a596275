"""Issue 10: working days of years the calendar package does not cover (2027 on), from the
statutory holidays of the 全国年节及纪念日放假办法 (2024 revision, art. 2) until the State
Council's schedule is loaded as overrides (load_holiday_schedule, or the admin upload page)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from apps.core import holidays
from apps.core.models import HolidayOverride
from apps.core.workdays import add_working_days, estimated_holidays, is_working_day, year_is_covered
from tests.factories import AuthorityUserFactory, ClerkFactory, OfficerFactory

pytestmark = pytest.mark.django_db

D = dt.date

# A made-up schedule in the form of the yearly notice (the real 2027 notice is not published
# yet): New Year's Day 1–3 January; Spring Festival 5–13 February with Saturday 20 February a
# make-up working day.
SOURCE = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"
SCHEDULE = "日期,是否工作日,依据文件,说明\n" + "".join(
    f"{day},{'是' if working else '否'},{SOURCE},{note}\n"
    for day, working, note in [
        ("2027-01-01", False, "元旦"),
        ("2027-01-02", False, "元旦"),
        ("2027-01-03", False, "元旦"),
        *[(f"2027-02-{d:02d}", False, "春节") for d in range(5, 14)],
        ("2027-02-20", True, "春节调休上班"),
    ]
)


def _file(text: str, name="2027.csv"):
    handle = io.BytesIO(text.encode("utf-8"))
    handle.name = name
    return handle


def test_2027_is_not_in_the_package():
    assert not year_is_covered(2027)


def test_five_working_days_from_28_december_2026_end_on_5_january_2027_estimated():
    """全国年节及纪念日放假办法 art. 2 (1): New Year's Day, 1 January, is a holiday: 5 working days
    from 2026-12-28 are 29, 30, 31 December, 4 and 5 January; estimated (no 2027 schedule yet)."""
    due = add_working_days(D(2026, 12, 28), 5)
    assert due == D(2027, 1, 5)
    assert due.estimated is True
    assert not is_working_day(D(2027, 1, 1))


def test_2027_spring_festival_days_are_not_working_days():
    """Art. 2 (2): the Spring Festival is New Year's Eve and the first three days of the first
    lunar month; in 2027 正月初一 is 6 February (lunar calendar), so 5–8 February are off."""
    days = {day for day, name in estimated_holidays(2027).items() if name == "春节"}
    assert days == {D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)}
    assert not is_working_day(D(2027, 2, 5))  # Friday, New Year's Eve
    assert not is_working_day(D(2027, 2, 8))  # Monday, 初三
    due = add_working_days(D(2027, 2, 4), 1)
    assert due == D(2027, 2, 9) and due.estimated


def test_the_other_statutory_holidays_of_2027():
    """Art. 2 (3)–(7): Qingming (solar term), Labour Day 2 days, Dragon Boat (5/5 lunar),
    Mid-Autumn (8/15 lunar), National Day 3 days."""
    expected = {
        "清明节": {D(2027, 4, 5)},
        "劳动节": {D(2027, 5, 1), D(2027, 5, 2)},
        "端午节": {D(2027, 6, 9)},
        "中秋节": {D(2027, 9, 15)},
        "国庆节": {D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)},
        "元旦": {D(2027, 1, 1)},
    }
    found = estimated_holidays(2027)
    for name, days in expected.items():
        assert {day for day, holiday in found.items() if holiday == name} == days
    assert len(found) == 13


def test_the_loaded_official_schedule_decides_and_ends_the_estimate(policy):
    """The State Council's notice with its make-up days (调休), loaded as overrides: the year
    is counted as the notice says and no longer estimated."""
    saved = holidays.holiday_schedule_load(_file(SCHEDULE), by=None, reason="录入2027年放假安排")
    assert len(saved) == 13
    assert all(o.official_schedule and o.source_document == SOURCE for o in saved)
    due = add_working_days(D(2026, 12, 28), 5)
    assert due == D(2027, 1, 5) and due.estimated is False
    assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 15)  # 9–12 February off as the notice says
    assert is_working_day(D(2027, 2, 20))  # the make-up Saturday
    assert not add_working_days(D(2027, 3, 5), 1).estimated
    assert (
        HolidayOverride.objects.get(date=D(2027, 2, 20)).history.first().history_change_reason == "录入2027年放假安排"
    )


def test_a_bad_row_loads_nothing_and_every_error_names_its_row(policy):
    text = (
        SCHEDULE
        + "2027-02-30,否,通知,\n2027-03-01,也许,通知,\n2027-03-02,否,,\n2028-01-01,否,通知,\n2027-01-01,否,通知,\n"
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        holidays.holiday_schedule_load(_file(text), by=None, reason="录入")
    messages = caught.value.messages
    with translation.override("zh-hans"):
        assert messages == [
            str(holidays.MSG_DATE).format(row=15, value="2027-02-30"),
            str(holidays.MSG_WORKING).format(row=16, value="也许"),
            str(holidays.MSG_SOURCE).format(row=17),
            str(holidays.MSG_YEAR).format(row=18, date="2028-01-01", year=2027),
            str(holidays.MSG_DUPLICATE).format(row=19, date="2027-01-01", first=2),
        ]
        assert messages[0].startswith("第15行")
    assert not HolidayOverride.objects.exists()


def test_the_columns_are_checked_first(policy):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        holidays.holiday_schedule_load(_file("日期,工作\n2027-01-01,否\n"), by=None, reason="录入")
    assert any("是否工作日" in m and "依据文件" in m for m in caught.value.messages)


def test_the_command_loads_a_schedule_file(policy, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    call_command("load_holiday_schedule", str(path), "--reason", "录入2027年放假安排")
    assert HolidayOverride.objects.filter(official_schedule=True).count() == 13
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,是否工作日,依据文件\n2027-13-01,否,通知\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2027-13-01"):
        call_command("load_holiday_schedule", str(bad), "--reason", "录入")


def test_a_clerk_loads_the_schedule_in_the_admin(client, policy, django_capture_on_commit_callbacks):
    """The upload page beside the overrides: all or nothing, errors on the form."""
    url = reverse("admin:core_holidayoverride_upload")
    client.force_login(OfficerFactory())
    assert client.get(url).status_code == 403
    client.force_login(ClerkFactory())
    assert (
        reverse("admin:core_holidayoverride_upload")
        in client.get(reverse("admin:core_holidayoverride_changelist")).content.decode()
    )
    bad = SimpleUploadedFile("bad.csv", "日期,是否工作日,依据文件\n2027-01-01,否,\n".encode())
    page = client.post(url, {"file": bad, "change_reason": "录入"})
    assert page.status_code == 200 and "第2行" in page.content.decode()
    assert not HolidayOverride.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"file": SimpleUploadedFile("2027.csv", SCHEDULE.encode()), "change_reason": "录入2027年放假安排"}
        )
    assert response.status_code == 302
    assert HolidayOverride.objects.filter(official_schedule=True).count() == 13
    client.force_login(AuthorityUserFactory())
    assert client.get(url).status_code == 200
