from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "沟通与会议"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's compliance rules)
