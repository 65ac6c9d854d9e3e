from core.errors import NotAllowedError
from core.models import User
from core.scope import can_finalise_school_records, require_edit

__all__ = ["require_edit", "require_finalise"]


def require_finalise(user: User, school, action: str) -> None:
    if not can_finalise_school_records(user, school):
        raise NotAllowedError(f"只有本校书记或校长可以{action}。")
