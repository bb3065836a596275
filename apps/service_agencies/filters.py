import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DateRangeWidget
from apps.service_agencies.choices import FilingStatus
from apps.service_agencies.models import RegistryFiling


class FilingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FilingStatus.choices, label=_("Status"))
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))
    filed = django_filters.DateFromToRangeFilter(
        field_name="filed_on", label=_("Filed between"), widget=DateRangeWidget()
    )

    class Meta:
        model = RegistryFiling
        fields = ["status", "name", "filed"]
