"""How a decision is classified: 三重一大 categories are collective; money at or above the policy threshold
is forced into 大额度资金使用 and the collective tier."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from schools.models import School
from schools.selectors import policy_in_force

from .choices import SANZHONG_YIDA_CATEGORIES, MatterCategory, Tier


def classify(*, school: School, on: date, category: str, tier: str, amount: Decimal | None) -> tuple[str, str]:
    """Return the (category, tier) the rules require, refusing a 三重一大 matter outside the collective tier."""
    threshold = policy_in_force(school=school, on=on).large_amount_threshold
    if amount is not None and amount >= threshold:
        return MatterCategory.LARGE_FUNDS, Tier.COLLECTIVE
    if category in SANZHONG_YIDA_CATEGORIES and tier != Tier.COLLECTIVE:
        raise ValidationError({"tier": "三重一大事项必须由集体讨论决定，请选择“大事难事 集体讨论”。"})
    return category, tier
