"""The API's filter backend: django-filter, strict about yes/no and choice parameters."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

MSG_BOOLEAN = gettext_lazy("Give true or false.")
BOOLEAN_VALUES = {"true", "false", "1", "0"}


class FilterBackend(DjangoFilterBackend):
    """django-filter ignores `?in_force=null` or `?status=` (the filter is silently dropped and
    every row comes back); the API refuses such a value naming the parameter, as its schema says."""

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
            if errors:
                raise ValidationError(errors)
        return filterset
