"""The portal's error types. Services raise these (or Django's ValidationError / PermissionDenied);
views and the API render them with their Chinese messages."""

from django.core.exceptions import PermissionDenied, ValidationError

FINALISED_MESSAGE = "该记录已定稿，不能修改；如需更正，请提交更正记录。"


class RecordFinalisedError(ValidationError):
    """A write to a finalised record (signed minutes, confirmed communication, decided item): HTTP 409."""

    def __init__(self, message: str = FINALISED_MESSAGE):
        super().__init__(message, code="finalised")


class NotAllowedError(PermissionDenied):
    """The user sees the record but his or her role may not do this (e.g. a clerk finalising): HTTP 403."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


__all__ = ["NotAllowedError", "PermissionDenied", "RecordFinalisedError", "ValidationError"]
