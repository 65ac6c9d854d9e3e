from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Cursor pages of up to 500 rows; a cursor that was not issued by the API is a 400 on `cursor`, not a 404
    (the list exists, the request is wrong)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = "分页游标无效：请使用上一页返回的 next / previous 链接。"

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from exc


class SyncCursorPagination(ApiCursorPagination):
    """Cursor pages ordered by last change, newest first; stable while rows are inserted concurrently."""

    ordering = ("-updated_at", "-id")
