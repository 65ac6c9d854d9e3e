from core.errors import NotAllowedError
from core.models import User
from core.scope import can_edit_school_records, can_finalise_school_records


def require_edit(user: User, school) -> None:
    if not can_edit_school_records(user, school):
        raise NotAllowedError("您没有登记或修改本校记录的权限。")


def require_finalise(user: User, school, action: str) -> None:
    if not can_finalise_school_records(user, school):
        raise NotAllowedError(f"只有本校书记或校长可以{action}。")
