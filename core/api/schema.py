"""OpenAPI description of the API: the token authentication (imported by `core.apps`), the one error shape
documented on every status code an operation can answer with, the If-Match header of updates and local times.

`ApiAutoSchema` (settings `DEFAULT_SCHEMA_CLASS`) adds to each operation the 4xx codes the API really returns —
a client (and the schemathesis run of `.ci/api-fuzz`) can rely on every documented code and on nothing else:

- 400 when the operation takes query parameters or a body; 401 and 403 when it needs a signed-in user
  (403 also for a read-only token that writes, or a role that may not); 404 on a record named in the path;
- 409 on service writes (finalised records); 412 / 428 where an If-Match header is taken; 415 with a body;
- 429 wherever a throttle applies.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .exceptions import DEFAULT_MESSAGES


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "个人 API 令牌：`Token <令牌>`。",
        }


class LocalTimeFieldScheme(OpenApiSerializerFieldExtension):
    """Times of day are local (Asia/Shanghai) and carry no offset, e.g. "14:00:00". JSON Schema's `time` format is
    RFC 3339 `full-time`, which requires an offset, so the values are described as RFC 3339 `partial-time`."""

    target_class = "rest_framework.fields.TimeField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "format": "partial-time",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "example": "14:00:00",
        }


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer: a code, a message in Chinese and the messages of each field."""

    code = serializers.CharField(label="错误代码", help_text="如 invalid、not_found、precondition_failed、finalised。")
    message = serializers.CharField(label="说明（中文）")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), label="各字段的错误（字段名 → 错误说明列表）"
    )

    class Meta:
        ref_name = "Error"


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="读取记录时返回的 ETag；缺少时返回 428，记录已被修改时返回 412。",
)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        """Every service update needs If-Match, declared or not (a view's own declaration comes later and wins)."""
        parameters = super().get_override_parameters()
        return [IF_MATCH, *parameters] if self._is_service_update() else parameters

    def _is_service_update(self) -> bool:
        from .viewsets import ServiceWriteMixin

        return isinstance(self.view, ServiceWriteMixin) and getattr(self.view, "action", None) in (
            "update",
            "partial_update",
        )

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        error = {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        for code in self._error_codes(operation):
            responses.setdefault(str(code), {"description": DEFAULT_MESSAGES[code]})
        for code, response in responses.items():
            if code.startswith("4"):
                response.setdefault("content", {"application/json": error})
        return operation

    def _error_codes(self, operation) -> list[int]:
        from .viewsets import ServiceWriteMixin

        parameters = operation.get("parameters", [])
        kinds = {p["in"] for p in parameters}
        codes = set()
        if "query" in kinds or "requestBody" in operation:
            codes.add(400)
        if "requestBody" in operation:
            codes.add(415)
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes.update((401, 403))
        elif not self.view.get_authenticators():
            codes.add(403)  # a refused credential without an authentication scheme to challenge
        if "path" in kinds:
            codes.add(404)
        if self.method in WRITE_METHODS and isinstance(self.view, ServiceWriteMixin):
            codes.add(409)
        for parameter in parameters:
            if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                codes.add(412)
                if parameter.get("required"):
                    codes.add(428)
        if self.view.get_throttles():
            codes.add(429)
        return sorted(codes)


def add_etag_links(result, generator, request, public):
    """Postprocessing hook: OpenAPI links from the answers that carry a record's ETag (its read, its update, its
    creation) to the writes on that record, passing the ETag as If-Match — how a client chains read → write, and
    what lets schemathesis's stateful phase get past 412 into the writes' own validation."""
    paths = result.get("paths", {})
    writes: dict[str, list[str]] = {}
    for path, operations in paths.items():
        for method, operation in operations.items():
            takes_if_match = any(
                p.get("in") == "header" and p.get("name") == "If-Match" for p in operation.get("parameters", [])
            )
            if method in ("put", "patch", "post") and takes_if_match:
                record = path if method != "post" else path.rsplit("/", 2)[0] + "/"
                writes.setdefault(record, []).append(operation["operationId"])
    for record, targets in writes.items():
        operations = paths.get(record, {})
        sources = [
            (operations[m]["responses"].get("200"), "$request.path.id")
            for m in ("get", "put", "patch")
            if m in operations
        ]
        collection = paths.get(record.removesuffix("{id}/"), {})
        if "post" in collection:
            sources.append((collection["post"]["responses"].get("201"), "$response.body#/id"))
        for response, record_id in sources:
            if not response or "content" not in response:
                continue
            response.setdefault("headers", {})["ETag"] = {
                "schema": {"type": "string"},
                "description": "记录的 ETag：修改该记录时放在 If-Match 请求头中。",
            }
            links = response.setdefault("links", {})
            for target in targets:
                links[target] = {
                    "operationId": target,
                    "parameters": {"path.id": record_id, "header.If-Match": "$response.header.ETag"},
                    "description": "以本响应的 ETag 作为 If-Match 修改同一记录。",
                }
    return result
