"""Filters of the objection list (django-filter). No filter by the subject's name or identifier:
finding a subject is a logged lookup, not a list filter."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.filters import DateRangeWidget
from apps.core.models import Organization
from apps.objections.choices import Channel, ObjectionStatus, Outcome
from apps.objections.models import Objection


class ObjectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ObjectionStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=pgettext_lazy("objection", "Decision"))
    forwarded_to = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Forwarded to"))
    received = django_filters.DateFromToRangeFilter(
        field_name="received_on", label=_("Received between"), widget=DateRangeWidget()
    )

    class Meta:
        model = Objection
        fields = ["status", "channel", "outcome", "forwarded_to", "received"]
