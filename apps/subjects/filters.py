"""Filters of the subjects app's list pages (django-filter). Only the records list filters by a
subject's name or identifier (`subject`), and a list so filtered is a logged lookup (the view
writes its query-log row, DESIGN.md section 4, "Query log"): no filter answers "has this person
a record?" without a trace."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import Category, Matter, Severity
from apps.core.filters import DateRangeFilterSet, DateRangeWidget
from apps.core.models import Organization
from apps.subjects.choices import BatchStatus, Channel, CommitmentStatus, RecordStatus
from apps.subjects.models import Commitment, CreditRecord, ImportBatch, Subject
from apps.subjects.selectors import subjects_matching


class CreditRecordFilter(django_filters.FilterSet):
    # Used, the list is a logged lookup (`subject_filter_used`, `apps.subjects.views.record_list`).
    subject = django_filters.CharFilter(method="filter_subject", label=_("Subject name or identifier"))
    # `?item=GJ0301`, as the page took it before it had a filterset.
    item = django_filters.CharFilter(field_name="item__code", label=_("Catalog item code"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("Status"))
    provider = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Provided by"))
    determined = django_filters.DateFromToRangeFilter(
        field_name="determined_on", label=_("Determined between"), widget=DateRangeWidget()
    )
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("Batch number"), min_value=1)

    class Meta:
        model = CreditRecord
        fields = ["subject", "item", "category", "severity", "status", "provider", "determined", "batch"]

    def filter_subject(self, queryset, name, value):
        return queryset.filter(subject__in=subjects_matching(Subject.objects.all(), value.strip()))

    @property
    def subject_filter_used(self) -> bool:
        """Whether the valid filter names a subject (the list is then a logged lookup)."""
        return self.is_bound and self.is_valid() and bool((self.form.cleaned_data.get("subject") or "").strip())


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
