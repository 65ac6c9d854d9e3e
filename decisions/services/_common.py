import functools

from core.models import User
from core.scope import require_edit as core_require_edit

from ..models import Decision, DecisionTransition

# core.scope.require_edit, its message naming the decisions ("您没有登记或修改本校决策事项的权限。")
require_edit = functools.partial(core_require_edit, records="本校决策事项")


def record_transition(decision: Decision, *, user: User, from_status: str, note: str = "") -> None:
    DecisionTransition.objects.create(
        decision=decision, from_status=from_status, to_status=decision.status, by=user, note=note
    )


def lock(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("school").get(pk=decision.pk)
