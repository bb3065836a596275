"""Filters of the list-case pages (django-filter). No filter by the subject's name or
identifier: finding a subject is a logged lookup (DESIGN.md section 4, "Query log"), not a list
filter that would answer "is this person on a case?" without a trace."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DateRangeWidget
from apps.core.models import Organization
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase


class ListingCaseFilter(django_filters.FilterSet):
    list_type = django_filters.ChoiceFilter(choices=ListType.choices, label=_("List"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    deciding_org = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Deciding agency"))
    filed = django_filters.DateFromToRangeFilter(
        field_name="created_at__date", label=_("Filed between"), widget=DateRangeWidget()
    )
    decided = django_filters.DateFromToRangeFilter(
        field_name="decided_on", label=_("Decided between"), widget=DateRangeWidget()
    )

    class Meta:
        model = ListingCase
        fields = ["list_type", "status", "deciding_org", "filed", "decided"]
