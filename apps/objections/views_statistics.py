"""The objection statistics page (/objections/statistics/) and its CSV and XLSX exports
(`?format=csv|xlsx`, the same table with one column per figure)."""

from __future__ import annotations

import datetime

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.filters import DateRangeWidget
from apps.core.models import Organization
from apps.core.statistics import EXPORTS, export_response
from apps.objections.statistics import (
    STEPS,
    objection_statistics,
    statistics_headers,
    statistics_organizations,
)


def _organizations(request):
    return statistics_organizations(request.user) if request is not None else Organization.objects.none()


class StatisticsFilter(django_filters.FilterSet):
    """The period the figures count (this year by default) and the organisation whose row to
    show; the rows are the organisations the user may see, so no choice reveals another's."""

    period = django_filters.DateFromToRangeFilter(
        label=pgettext_lazy("statistics", "Period"), widget=DateRangeWidget(), method="counted_over"
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Handled by"), queryset=_organizations, method="only", empty_label=_("All organisations")
    )

    class Meta:
        model = Organization
        fields = ["period", "agency"]

    def counted_over(self, queryset, name, value):
        return queryset  # the period bounds the figures, not the rows

    def only(self, queryset, name, value):
        return queryset.filter(pk=value.pk)


def _period(filterset, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start, end = today.replace(month=1, day=1), today
    if filterset.is_valid() and filterset.form.cleaned_data.get("period"):
        # django-filter gives the range as the first and last moment of the days chosen
        chosen = filterset.form.cleaned_data["period"]
        start = timezone.localdate(chosen.start) if chosen.start else start
        end = timezone.localdate(chosen.stop) if chosen.stop else end
    return start, end


@login_required
def objection_statistics_view(request):
    if not request.user.has_perm("objections.view_objection"):
        raise PermissionDenied
    today = timezone.localdate()
    params = request.GET.copy()
    fmt = params.pop("format", [""])[-1]
    params.setdefault("period_after", today.replace(month=1, day=1).isoformat())
    params.setdefault("period_before", today.isoformat())
    # As `filter_list` does: a filter only narrows what the user may see; invalid input is shown
    # as the form's errors and leaves the rows (and the default period) as they are.
    filterset = StatisticsFilter(params, queryset=statistics_organizations(request.user), request=request)
    organizations = filterset.qs if filterset.is_valid() else filterset.queryset
    start, end = _period(filterset, today)
    rows = objection_statistics(user=request.user, start=start, end=end, organizations=organizations, today=today)
    if fmt in EXPORTS:
        table = [row.cells() for row in rows]
        return export_response(fmt, statistics_headers(), table, name=f"objections-{start}-{end}")
    return render(
        request,
        "objections/statistics.html",
        {
            "filter": filterset,
            "rows": rows,
            "steps": [label for _kind, label in STEPS],
            "start": start,
            "end": end,
            "query": params.urlencode(),
        },
    )
