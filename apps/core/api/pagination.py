import re

from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

MSG_PAGE_SIZE = gettext_lazy("Give a whole number from 1 to %(max)s.")


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination: constant cost on tables of millions of rows (no COUNT, no OFFSET)."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """A page size that is not a whole number in range is refused naming the parameter
        (DRF would silently use the default, or the maximum)."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,6}", value) or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [MSG_PAGE_SIZE % {"max": self.max_page_size}]})
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
