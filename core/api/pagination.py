from rest_framework.pagination import CursorPagination


class SyncCursorPagination(CursorPagination):
    """Cursor pages ordered by last change, newest first; stable while rows are inserted concurrently."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-updated_at", "-id")
