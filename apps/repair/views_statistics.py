"""The repair statistics page (/repair/statistics/) and its CSV and XLSX exports (`?format=`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from apps.core.statistics import EXPORTS, PeriodForm, export_response, period_of
from apps.repair.choices import RefusalGround
from apps.repair.statistics import COUNTS, headers, repair_statistics


@login_required
def repair_statistics_view(request):
    if not request.user.has_perm("repair.view_repairapplication"):
        raise PermissionDenied
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": today.replace(month=1, day=1), "end": today})
    start, end = period_of(form, today)
    rows = repair_statistics(user=request.user, start=start, end=end)
    fmt = request.GET.get("format", "")
    if fmt in EXPORTS:
        return export_response(fmt, headers(), [row.cells() for row in rows], name=f"repair-{start}-{end}")
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
