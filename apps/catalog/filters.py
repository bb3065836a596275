import django_filters
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import Category, Disclosure, Matter, MeasureKind, MeasureTarget, SubjectType
from apps.catalog.models import CatalogItem, Measure


def json_list_contains(queryset, field: str, value: str):
    """Rows whose JSON list `field` holds `value`; portable across SQLite and PostgreSQL (the
    lists are short and the tables small: catalogs and measure lists, not records)."""
    return queryset.filter(pk__in=[pk for pk, values in queryset.values_list("pk", field) if value in (values or [])])


class ListDocumentFilter(django_filters.FilterSet):
    """Shared by catalogs, measure lists and exemption lists (the model is set per view)."""

    title = django_filters.CharFilter(lookup_expr="icontains", label=_("Title"))

    class Meta:
        model = None
        fields = ["level", "status"]


class CatalogItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    disclosure = django_filters.ChoiceFilter(choices=Disclosure.choices, label=_("Disclosure"))
    subject_type = django_filters.ChoiceFilter(
        choices=SubjectType.choices, method="by_subject_type", label=_("Subject type")
    )

    class Meta:
        model = CatalogItem
        fields = ["q", "category", "disclosure", "subject_type"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def by_subject_type(self, queryset, name, value):
        return json_list_contains(queryset, "subject_types", value)


class MeasureFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MeasureKind.choices, label=_("Kind"))
    applies_to = django_filters.ChoiceFilter(choices=MeasureTarget.choices, label=_("Applies to"))
    matter = django_filters.ChoiceFilter(choices=Matter.choices, method="by_matter", label=_("Matter"))

    class Meta:
        model = Measure
        fields = ["kind", "applies_to", "matter"]

    def by_matter(self, queryset, name, value):
        return json_list_contains(queryset, "matters", value)
