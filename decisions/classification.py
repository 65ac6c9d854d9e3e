"""How a decision is classified: 三重一大 categories are collective; money at or above the policy threshold
is forced into 大额度资金使用 and the collective tier, counting the amounts of one matter split across decisions
within the policy's window (AMOUNT_TIER)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from schools.models import School
from schools.selectors import policy_in_force

from .choices import SANZHONG_YIDA_CATEGORIES, MatterCategory, Tier
from .models import Decision
from .rules.matters import AmountTier


def matter_total(
    *, on: date, amount: Decimal, days: int, decision: Decision | None, same_matter_as: Decision | None
) -> Decimal:
    """The amount of the matter this decision belongs to, dated within `days` days up to `on`: its own amount
    plus those of the root (`same_matter_as`) and the root's other parts, or of its own parts if it is a root."""
    own_pk = decision.pk if decision is not None else None
    root_id = same_matter_as.pk if same_matter_as is not None else own_pk
    others = [] if root_id is None else AmountTier.matter_amounts(matter_id=root_id, exclude_pk=own_pk)
    return AmountTier.window_total([*others, (on, amount)], on, days)


def classify(
    *,
    school: School,
    on: date,
    category: str,
    tier: str,
    amount: Decimal | None,
    decision: Decision | None = None,
    same_matter_as: Decision | None = None,
) -> tuple[str, str]:
    """Return the (category, tier) the rules require, refusing a 三重一大 matter outside the collective tier."""
    policy = policy_in_force(school=school, on=on)
    if amount is not None:
        total = matter_total(
            on=on, amount=amount, days=policy.amount_split_days, decision=decision, same_matter_as=same_matter_as
        )
        if AmountTier.is_large(total=total, policy=policy):
            return MatterCategory.LARGE_FUNDS, Tier.COLLECTIVE
    if category in SANZHONG_YIDA_CATEGORIES and tier != Tier.COLLECTIVE:
        raise ValidationError({"tier": "三重一大事项必须由集体讨论决定，请选择“大事难事 集体讨论”。"})
    return category, tier


def check_same_matter(*, school: School, decision: Decision | None, target: Decision | None) -> None:
    """同一事项（分次决策）: the target is a decision of the same school, itself the first part of its matter
    (a root), and not the decision itself; a decision others already point at cannot become a part."""
    if target is None:
        return
    if target.school_id != school.pk:
        raise ValidationError({"same_matter_as": "只能选择本校的决策事项。"})
    if decision is not None and target.pk == decision.pk:
        raise ValidationError({"same_matter_as": "不能选择事项本身。"})
    if target.same_matter_as_id is not None:
        raise ValidationError({"same_matter_as": "所选事项本身是分次决策的一部分，请选择该事项首次决策的记录。"})
    if decision is not None and decision.split_parts.exists():
        raise ValidationError({"same_matter_as": "已有其他事项作为本事项的分次决策，本事项不能再指向其他事项。"})
