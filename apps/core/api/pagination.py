from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination: constant cost on tables of millions of rows (no COUNT, no OFFSET)."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500
