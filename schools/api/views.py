import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from core.api.viewsets import ScopedReadOnlyViewSet
from core.scope import restrict

from .. import selectors
from ..filters import (
    AppointmentFilter,
    EducationGroupFilter,
    MembershipFilter,
    PersonFilter,
    SchoolDistrictFilter,
    SchoolFilter,
)
from ..models import EducationGroup, School, SchoolDistrict
from .serializers import (
    AppointmentSerializer,
    CommitteeMembershipSerializer,
    EducationGroupSerializer,
    PairSerializer,
    PersonSerializer,
    SchoolDistrictSerializer,
    SchoolSerializer,
)


class SchoolDistrictViewSet(ScopedReadOnlyViewSet):
    """学区. Every signed-in user may list them (names only)."""

    serializer_class = SchoolDistrictSerializer
    filterset_class = SchoolDistrictFilter

    @staticmethod
    def selector(*, user):
        return SchoolDistrict.objects.all()


class EducationGroupViewSet(ScopedReadOnlyViewSet):
    """教育集团."""

    serializer_class = EducationGroupSerializer
    filterset_class = EducationGroupFilter

    @staticmethod
    def selector(*, user):
        return EducationGroup.objects.all()


class SchoolViewSet(ScopedReadOnlyViewSet):
    """学校 and 校区 in the user's scope."""

    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter

    @staticmethod
    def selector(*, user):
        return restrict(School.objects.all(), user, "")


class PersonViewSet(ScopedReadOnlyViewSet):
    """People holding or having held a post or membership in a school in scope."""

    serializer_class = PersonSerializer

    filterset_class = PersonFilter

    @staticmethod
    def selector(*, user):
        return selectors.person_list(user=user)


class AppointmentViewSet(ScopedReadOnlyViewSet):
    """任职 records."""

    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter

    @staticmethod
    def selector(*, user):
        return selectors.appointment_list(user=user)


class MembershipViewSet(ScopedReadOnlyViewSet):
    """会议组成人员 (who is expected at which meeting body)."""

    serializer_class = CommitteeMembershipSerializer
    filterset_class = MembershipFilter

    @staticmethod
    def selector(*, user):
        return selectors.membership_list(user=user)


class PairViewSet(viewsets.ViewSet):
    """书记校长搭档 of each school in scope on a date (default today), 一肩挑 and vacancies included."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="日期（默认今天）"),
            OpenApiParameter("school", OpenApiTypes.INT, description="学校"),
        ],
        responses=PairSerializer(many=True),
        summary="书记校长搭档",
    )
    def list(self, request):
        on = request.query_params.get("date")
        try:
            day = datetime.date.fromisoformat(on) if on else timezone.localdate()
        except ValueError as exc:
            raise exceptions.ValidationError({"date": ["日期格式应为 YYYY-MM-DD。"]}) from exc
        schools = selectors.school_list(user=request.user)
        if request.query_params.get("school"):
            try:
                schools = schools.filter(pk=int(request.query_params["school"]))
            except ValueError as exc:
                raise exceptions.ValidationError({"school": ["学校编号应为整数。"]}) from exc
        pairs = selectors.pairs_on(schools=schools.order_by("code"), on=day)
        return Response(PairSerializer(list(pairs.values()), many=True).data)
