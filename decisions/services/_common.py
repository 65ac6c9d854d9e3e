from core.errors import NotAllowedError
from core.models import User
from core.scope import can_edit_school_records

from ..models import Decision, DecisionTransition


def require_edit(user: User, school) -> None:
    if not can_edit_school_records(user, school):
        raise NotAllowedError("您没有登记或修改本校决策事项的权限。")


def record_transition(decision: Decision, *, user: User, from_status: str, note: str = "") -> None:
    DecisionTransition.objects.create(
        decision=decision, from_status=from_status, to_status=decision.status, by=user, note=note
    )


def lock(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("school").get(pk=decision.pk)
