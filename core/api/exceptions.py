"""One JSON error shape for every 4xx: {"code", "message", "fields"} with Chinese messages."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..errors import RecordFinalisedError

DEFAULT_MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "请求内容有误。",
    status.HTTP_401_UNAUTHORIZED: "请先登录或提供有效的 API 令牌。",
    status.HTTP_403_FORBIDDEN: "没有权限执行此操作。",
    status.HTTP_404_NOT_FOUND: "对象不存在或不在您的权限范围内。",
    status.HTTP_405_METHOD_NOT_ALLOWED: "不支持该请求方法。",
    status.HTTP_406_NOT_ACCEPTABLE: "不支持请求的返回格式。",
    status.HTTP_409_CONFLICT: "记录已定稿，不能修改。",
    status.HTTP_412_PRECONDITION_FAILED: "记录已被他人修改，请重新读取后再提交。",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "不支持的请求内容类型。",
    status.HTTP_428_PRECONDITION_REQUIRED: "修改记录须携带 If-Match 请求头（记录的 ETag）。",
    status.HTTP_429_TOO_MANY_REQUESTS: "请求过于频繁，请稍后再试。",
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = DEFAULT_MESSAGES[412]


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = DEFAULT_MESSAGES[428]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "finalised"
    default_detail = DEFAULT_MESSAGES[409]


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.APIException:
    if isinstance(exc, RecordFinalisedError):
        return Conflict(detail=" ".join(exc.messages))
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(detail=dict(exc.message_dict))
    return exceptions.ValidationError(detail={"non_field_errors": exc.messages})


def _split(detail) -> tuple[str, dict]:
    """The first message and the per-field messages of a DRF error detail."""
    if isinstance(detail, dict):
        fields = {
            key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()
        }
        general = fields.pop("non_field_errors", []) or fields.pop("detail", [])
        first = general[0] if general else next((msgs[0] for msgs in fields.values() if msgs), "")
        return first, fields
    if isinstance(detail, list):
        return (str(detail[0]) if detail else ""), {}
    return str(detail), {}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or DEFAULT_MESSAGES[403])
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(detail=DEFAULT_MESSAGES[404])
    response = exception_handler(exc, context)
    if response is None:
        return None
    message, fields = _split(response.data)
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.NotFound, exceptions.MethodNotAllowed)):
        message = DEFAULT_MESSAGES.get(response.status_code, message)
    if isinstance(exc, exceptions.Throttled):
        message = DEFAULT_MESSAGES[429]
    body = {
        "code": code,
        "message": message or DEFAULT_MESSAGES.get(response.status_code, "请求失败。"),
        "fields": fields,
    }
    return Response(body, status=response.status_code, headers=dict(response.items()))
