from rest_framework import serializers

from core.api.serializers import LabelField

from ..models import Appointment, CommitteeMembership, EducationGroup, Person, School, SchoolDistrict


class SchoolDistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchoolDistrict
        fields = ["id", "code", "name", "office_name", "updated_at"]


class EducationGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = EducationGroup
        fields = ["id", "code", "name", "updated_at"]


class SchoolSerializer(serializers.ModelSerializer):
    level_label = LabelField(source="get_level_display", label="学段名称")
    party_org_type_label = serializers.CharField(
        source="get_party_org_type_display", read_only=True, label="党组织类型名称"
    )

    class Meta:
        model = School
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_label",
            "party_org_type",
            "party_org_type_label",
            "district",
            "group",
            "parent",
            "address",
            "is_active",
            "updated_at",
        ]


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "code", "name", "gender", "note", "updated_at"]


class AppointmentSerializer(serializers.ModelSerializer):
    post_label = LabelField(source="get_post_display", label="职务名称")

    class Meta:
        model = Appointment
        fields = ["id", "person", "school", "post", "post_label", "start", "end", "note", "updated_at"]


class CommitteeMembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitteeMembership
        fields = ["id", "person", "school", "body", "start", "end", "updated_at"]


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="人员编号（内部）")
    code = serializers.CharField(label="人员编号")
    name = serializers.CharField(label="姓名")


class PairSerializer(serializers.Serializer):
    school = serializers.IntegerField(source="school_id", label="学校")
    secretary = PersonBriefSerializer(allow_null=True, label="书记")
    principal = PersonBriefSerializer(allow_null=True, label="校长（或执行校长）")
    principal_post = serializers.CharField(label="校长职务")
    is_combined = serializers.BooleanField(label="一肩挑")
    is_vacant = serializers.BooleanField(label="存在空缺")
    vacancy_label = serializers.CharField(label="空缺说明")
    start = serializers.DateField(allow_null=True, label="起始日期")
    end = serializers.DateField(allow_null=True, label="终止日期")
