"""Filters of the repair list (django-filter). No filter by the subject's name or identifier:
finding a subject is a logged lookup, not a list filter."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.choices import OrganizationKind
from apps.core.filters import DateRangeWidget
from apps.core.models import Organization
from apps.repair.choices import Channel, Outcome, RepairStatus
from apps.repair.models import RepairApplication


class RepairFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RepairStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("Decision"))
    agency = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY), label=_("Determining agency")
    )
    received = django_filters.DateFromToRangeFilter(
        field_name="received_on", label=_("Received between"), widget=DateRangeWidget()
    )

    class Meta:
        model = RepairApplication
        fields = ["status", "channel", "outcome", "agency", "received"]
