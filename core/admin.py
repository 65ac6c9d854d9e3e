from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from simple_history.admin import SimpleHistoryAdmin

from .models import SCHOOL_ROLES, DemoDataset, Role, User


class RoleScopeMixin(forms.ModelForm):
    """A school role needs a school, a 学区 viewer needs a 学区 (also enforced by database constraints)."""

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in SCHOOL_ROLES and not data.get("school"):
            self.add_error("school", "书记、校长、记录员必须选择所属学校。")
        if role == Role.XUEQU_VIEWER and not data.get("school_district"):
            self.add_error("school_district", "学区查看者必须选择所属学区。")
        return data


class PortalUserCreationForm(RoleScopeMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "role", "school_district", "school", "person"]


class PortalUserChangeForm(RoleScopeMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class PortalUserAdmin(UserAdmin, SimpleHistoryAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    list_display = ["username", "last_name", "first_name", "role", "school_district", "school", "is_active"]
    list_filter = ["role", "is_active", "school_district"]
    list_select_related = ["school_district", "school"]
    autocomplete_fields = ["school", "person"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("角色与范围", {"fields": ("role", "school_district", "school", "person")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("角色与范围", {"fields": ("role", "school_district", "school", "person")}),
    )


@admin.register(DemoDataset)
class DemoDatasetAdmin(admin.ModelAdmin):
    list_display = ["loaded_at", "note"]
