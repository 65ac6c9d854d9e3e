from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "学校与人员"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's compliance rules)
