"""The API's filter backend: django-filter, strict about yes/no, choice, date and whole-number
parameters."""

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

MSG_BOOLEAN = gettext_lazy("Give true or false.")
MSG_BLANK = gettext_lazy("Give a value, or leave the parameter out.")
MSG_WHOLE_NUMBER = gettext_lazy("Give a whole number.")
BOOLEAN_VALUES = {"true", "false", "1", "0"}


class FilterBackend(DjangoFilterBackend):
    """django-filter ignores `?in_force=null`, `?status=` or `?given_on=` (the filter is silently
    dropped and every row comes back) and takes `?year=0.5` for a number; the API refuses such a
    value naming the parameter, as its schema says."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, filter_ in filterset.filters.items():
                if name not in filterset.data:
                    continue
                value = filterset.data.get(name)
                if isinstance(filter_, django_filters.BooleanFilter) and value.lower() not in BOOLEAN_VALUES:
                    errors[name] = [str(MSG_BOOLEAN)]
                elif isinstance(filter_, django_filters.ChoiceFilter) and value == "":
                    message = forms.ChoiceField.default_error_messages["invalid_choice"]
                    errors[name] = [str(message) % {"value": value}]
                elif isinstance(filter_, django_filters.DateFilter) and value == "":
                    errors[name] = [str(MSG_BLANK)]
                elif isinstance(filter_, django_filters.NumberFilter) and not _whole_number(value, filter_, queryset):
                    errors[name] = [str(MSG_WHOLE_NUMBER)]
            if errors:
                raise ValidationError(errors)
        return filterset


def _whole_number(value, filter_, queryset):
    """Whether `value` suits a number filter: a whole number where the model field holds whole
    numbers (the schema says integer); anything else is left to django-filter's own check."""
    try:
        field = queryset.model._meta.get_field(filter_.field_name)
    except FieldDoesNotExist:  # a lookup path or an annotation
        return True
    return value.strip().lstrip("+-").isdigit() or field.get_internal_type() not in {
        "IntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
    }
