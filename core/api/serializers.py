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


class LabelField(serializers.CharField):
    """The display label of a choice (`source="get_<field>_display"`), read without DRF's per-row
    `inspect.signature` check of the bound method, which was the largest cost of a 100-row list page
    (docs/benchmarks.md)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self._labels = None
        *path, method = self.source_attrs
        model = getattr(getattr(parent, "Meta", None), "model", None)
        if not path and model is not None and method.startswith("get_") and method.endswith("_display"):
            choices = model._meta.get_field(method[4:-8]).flatchoices
            self._field = method[4:-8]
            self._labels = {value: str(label) for value, label in choices}

    def get_attribute(self, instance):
        if self._labels is not None:  # what get_<field>_display() returns, from a dict built once
            value = getattr(instance, self._field)
            return self._labels.get(value, value)
        for attr in self.source_attrs:
            if instance is None:
                return None
            instance = getattr(instance, attr)
        return instance() if callable(instance) else instance
