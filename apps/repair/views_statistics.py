"""The repair statistics page (/repair/statistics/) and its CSV and XLSX exports (`?format=`)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateInput
from apps.core.tabular import write_csv, write_xlsx
from apps.repair.choices import RefusalGround
from apps.repair.statistics import COUNTS, headers, repair_statistics

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


def _period(form: PeriodForm, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start, end = today.replace(month=1, day=1), today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    return start, end


@login_required
def repair_statistics_view(request):
    if not request.user.has_perm("repair.view_repairapplication"):
        raise PermissionDenied
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": today.replace(month=1, day=1), "end": today})
    start, end = _period(form, today)
    rows = repair_statistics(user=request.user, start=start, end=end)
    fmt = request.GET.get("format", "")
    if fmt in EXPORTS:
        table = [row.cells() for row in rows]
        content = write_xlsx(headers(), table, title="repair") if fmt == "xlsx" else write_csv(headers(), table)
        response = HttpResponse(content, content_type=EXPORTS[fmt])
        response["Content-Disposition"] = f'attachment; filename="repair-{start}-{end}.{fmt}"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "repair/statistics.html",
        {
            "form": form,
            "rows": rows,
            "counts": [label for _name, label in COUNTS],
            "grounds": list(RefusalGround),
            "start": start,
            "end": end,
            "query": query.urlencode(),
        },
    )
