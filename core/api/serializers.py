from rest_framework import serializers

from ..models import ApiToken, Tombstone


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名")
    password = serializers.CharField(label="密码", style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(label="令牌用途", max_length=100, required=False, default="API 客户端")
    can_write = serializers.BooleanField(label="允许写入", required=False, default=False)


class TokenSerializer(serializers.ModelSerializer):
    token = serializers.CharField(label="令牌（只显示这一次）", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "can_write", "created_at", "token"]


class TombstoneSerializer(serializers.ModelSerializer):
    updated_at = serializers.DateTimeField(source="deleted_at", label="删除时间", read_only=True)

    class Meta:
        model = Tombstone
        fields = ["id", "model", "object_id", "school", "deleted_at", "updated_at"]
