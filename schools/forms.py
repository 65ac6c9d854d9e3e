"""Forms of the schools app."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django_filters.fields import ChoiceField, ModelChoiceField

from core.filters import ScopedFilterForm

from .choices import SchoolLevel
from .importing import MAX_FILE_SIZE
from .models import EducationGroup, SchoolDistrict


class SchoolImportForm(forms.Form):
    """The upload of one .xlsx workbook for `importing.import_workbook`."""

    file = forms.FileField(
        label="Excel 文件",
        help_text="仅限 .xlsx 格式，不超过 5 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（旧版 .xls 请先另存为 .xlsx）。")
        if upload.size > MAX_FILE_SIZE:
            raise forms.ValidationError("文件超过 5 MB，请拆分后分批导入。")
        return upload


class SchoolFilterForm(ScopedFilterForm):
    """The school list's filters (`schools.filters.SchoolFilter`): every 学区 and 集团 is offered."""

    scoped_choices = ()

    q = forms.CharField(label="名称或代码", required=False)
    district = ModelChoiceField(
        label="学区", queryset=SchoolDistrict.objects.all(), empty_label="全部学区", required=False
    )
    group = ModelChoiceField(
        label="教育集团", queryset=EducationGroup.objects.all(), empty_label="全部集团", required=False
    )
    level = ChoiceField(label="学段", choices=SchoolLevel.choices, empty_label="全部学段", required=False)
