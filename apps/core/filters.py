import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateInput
from apps.core.identifiers import normalize_identifier
from apps.core.models import AuthEvent, QueryFlag, QueryLog


class DateRangeFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"), widget=DateInput()
    )


class QueryLogFilter(DateRangeFilterSet):
    subject_identifier = django_filters.CharFilter(method="filter_identifier", label=_("Subject identifier"))
    username = django_filters.CharFilter(field_name="user__username", label=_("Username"))

    class Meta:
        model = QueryLog
        fields = ["channel", "mode", "purpose", "outcome"]

    def filter_identifier(self, queryset, name, value):
        return queryset.filter(subject_identifier=normalize_identifier(value))


class QueryFlagFilter(django_filters.FilterSet):
    class Meta:
        model = QueryFlag
        fields = ["status"]


class AuthEventFilter(DateRangeFilterSet):
    username = django_filters.CharFilter(field_name="username", label=_("Username"))

    class Meta:
        model = AuthEvent
        fields = ["kind"]
