from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "决策与督办"

    def ready(self) -> None:
        from core.hooks import school_records_changed

        from . import rules  # noqa: F401  (registers this app's compliance rules)
        from .triggers import recheck_on_commit

        school_records_changed.connect(recheck_on_commit, dispatch_uid="decisions.recheck_on_commit")
