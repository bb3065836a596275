"""What every statistics page shares: the period it counts (this year to today by default) and
its CSV and XLSX exports (`?format=csv|xlsx`, the table on the page with one column per figure)."""

from __future__ import annotations

import datetime

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateInput
from apps.core.tabular import write_csv, write_xlsx

EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("To"), widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is after its start."))
        return data


def period_of(form: PeriodForm, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period the form chose; this year to today where it chose none or is not valid (its
    errors are shown beside the fields)."""
    start, end = today.replace(month=1, day=1), today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    return start, end


def export_response(fmt: str, headers: list[str], table: list[list], *, name: str) -> HttpResponse:
    """The table as a CSV or XLSX download named `<name>.<fmt>`; `fmt` is a key of EXPORTS."""
    content = write_xlsx(headers, table, title=name[:31]) if fmt == "xlsx" else write_csv(headers, table)
    response = HttpResponse(content, content_type=EXPORTS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
