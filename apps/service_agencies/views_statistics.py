"""The service agencies' statistics page (/agencies/statistics/) and its CSV and XLSX exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from apps.core.statistics import EXPORTS, PeriodForm, export_response, period_of
from apps.service_agencies.choices import ActionKind
from apps.service_agencies.statistics import BATCH, SPOT_CHECK_FINDINGS, agency_statistics, headers


@login_required
def agency_statistics_view(request):
    if not request.user.has_perm("service_agencies.view_supervisionaction"):
        raise PermissionDenied
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": today.replace(month=1, day=1), "end": today})
    start, end = period_of(form, today)
    rows = agency_statistics(user=request.user, start=start, end=end)
    fmt = request.GET.get("format", "")
    if fmt in EXPORTS:
        return export_response(fmt, headers(), [row.cells() for row in rows], name=f"agencies-{start}-{end}")
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "service_agencies/statistics.html",
        {
            "form": form,
            "rows": rows,
            "kinds": ActionKind.labels,
            "findings": [label for _finding, label in SPOT_CHECK_FINDINGS],
            "batch": [label for _name, label in BATCH],
            "start": start,
            "end": end,
            "query": query.urlencode(),
        },
    )
