"""Token issue, the tombstone list and the JSON 404 of unknown API paths."""

import django_filters
from django.contrib.auth import authenticate
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from ..models import Tombstone
from ..scope import restrict
from ..tokens import api_token_create
from .exceptions import DEFAULT_MESSAGES
from .filters import SyncDateTimeFilter
from .pagination import ApiCursorPagination
from .serializers import TokenRequestSerializer, TokenSerializer, TombstoneSerializer


class TokenObtainView(APIView):
    """Exchange a username and password for a personal API token (read-only unless `can_write`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "token_obtain"

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer}, summary="获取 API 令牌")
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,  # noqa: SLF001 - axes needs Django's HttpRequest, which DRF keeps as `_request`
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("用户名或密码错误，或账号已被锁定。")
        token, key = api_token_create(
            user=user, name=data.validated_data["name"], can_write=data.validated_data["can_write"]
        )
        token.token = key
        return Response(TokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TombstoneFilter(django_filters.FilterSet):
    updated_since = SyncDateTimeFilter(field_name="deleted_at", lookup_expr="gt", label="删除时间晚于")
    model = django_filters.CharFilter(label="对象类型，如 meetings.vote")

    class Meta:
        model = Tombstone
        fields = ["updated_since", "model"]


class TombstonePagination(ApiCursorPagination):
    ordering = ("-deleted_at", "-id")


class TombstoneViewSet(ReadOnlyModelViewSet):
    """Records deleted in the user's scope, for clients that mirror the data."""

    serializer_class = TombstoneSerializer
    filterset_class = TombstoneFilter
    pagination_class = TombstonePagination

    def get_queryset(self):
        return restrict(Tombstone.objects.all(), self.request.user)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any /api/v1/ path no route matches (e.g. `/api/v1/schools/0.5/`): the API's JSON error, not the HTML page."""
    return JsonResponse(
        {"code": "not_found", "message": DEFAULT_MESSAGES[404], "fields": {}},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
