"""Filters of the subjects app's list pages (django-filter). None of them filters by a subject's
name or identifier: finding a subject is a logged lookup (the search page, DESIGN.md section 4,
"Query log"), not a list filter that would answer "has this person a record?" without a trace."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import Category, Matter, Severity
from apps.core.filters import DateRangeFilterSet, DateRangeWidget
from apps.core.models import Organization
from apps.subjects.choices import BatchStatus, Channel, CommitmentStatus, RecordStatus
from apps.subjects.models import Commitment, CreditRecord, ImportBatch


class CreditRecordFilter(django_filters.FilterSet):
    # `?item=GJ0301`, as the page took it before it had a filterset.
    item = django_filters.CharFilter(field_name="item__code", label=_("Catalog item code"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("Status"))
    provider = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Provided by"))
    determined = django_filters.DateFromToRangeFilter(
        field_name="determined_on", label=_("Determined between"), widget=DateRangeWidget()
    )

    class Meta:
        model = CreditRecord
        fields = ["item", "category", "severity", "status", "provider", "determined"]


class BatchFilter(DateRangeFilterSet):
    """`date_from` and `date_to` (the day the batch came in) from the shared date range."""

    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))
    item = django_filters.CharFilter(field_name="item__code", label=_("Catalog item code"))
    provider = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Provided by"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))

    class Meta:
        model = ImportBatch
        fields = ["status", "item", "provider", "channel", "date_from", "date_to"]


class CommitmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CommitmentStatus.choices, label=_("Status"))
    matter = django_filters.ChoiceFilter(choices=Matter.choices, label=_("Matter"))
    made_to = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Made to"))
    made = django_filters.DateFromToRangeFilter(field_name="made_on", label=_("Made between"), widget=DateRangeWidget())

    class Meta:
        model = Commitment
        fields = ["status", "matter", "made_to", "made"]
