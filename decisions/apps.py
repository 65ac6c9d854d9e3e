from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "决策与督办"

    def ready(self) -> None:
        from core.hooks import school_records_changed

        from . import rules  # noqa: F401  (registers this app's compliance rules)
        from .triggers import recheck_after_policy_change, recheck_on_commit

        school_records_changed.connect(recheck_on_commit, dispatch_uid="decisions.recheck_on_commit")
        policy = self.apps.get_model("schools", "Policy")
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(recheck_after_policy_change, sender=policy, dispatch_uid=f"decisions.policy_{name}")
