"""Vocabularies of communications, meetings and agenda items."""

from django.db import models


class CommunicationCategory(models.TextChoices):
    IMPORTANT = "important", "重要事项"
    SANZHONG_YIDA = "sanzhong_yida", "三重一大"
    INNOVATION = "innovation", "创新发展"
    EMERGENCY = "emergency", "突发事件"
    DAILY_TALK = "daily_talk", "日常沟通"
    REGULAR_TALK = "regular_talk", "一对一深度对话"


class CommunicationTiming(models.TextChoices):
    ROUTINE = "routine", "日常定期"
    BEFORE_DECISION = "before_decision", "重要决策事先"
    URGENT = "urgent", "紧急及时"


# The timing each category must have; categories not listed accept 日常定期 or 重要决策事先.
REQUIRED_TIMING = {
    CommunicationCategory.SANZHONG_YIDA: CommunicationTiming.BEFORE_DECISION,
    CommunicationCategory.EMERGENCY: CommunicationTiming.URGENT,
    CommunicationCategory.DAILY_TALK: CommunicationTiming.ROUTINE,
    CommunicationCategory.REGULAR_TALK: CommunicationTiming.ROUTINE,
}

# Talks that keep the pair's routine (REGULAR_TALK): a 一对一深度对话 also counts as that week's 日常沟通.
ROUTINE_TALK_CATEGORIES = (CommunicationCategory.DAILY_TALK, CommunicationCategory.REGULAR_TALK)


class CommunicationOutcome(models.TextChoices):
    CONSENSUS = "consensus", "达成共识"
    DISAGREEMENT = "disagreement", "存在分歧待再沟通"
    DEFERRED = "deferred", "暂缓"


class MeetingStatus(models.TextChoices):
    PREPARING = "preparing", "筹备"
    HELD = "held", "已召开"
    FINALISED = "finalised", "纪要已定稿"


class AttendanceKind(models.TextChoices):
    MEMBER = "member", "应到成员"
    OBSERVER = "observer", "列席"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class MatterCategory(models.TextChoices):
    """三重一大 categories, then 重要事项 (needs the pair's prior communication too), 党的建设 and 一般事项."""

    MAJOR_DECISION = "major_decision", "重大事项决策"
    PERSONNEL = "personnel", "重要干部任免"
    MAJOR_PROJECT = "major_project", "重要项目安排"
    LARGE_FUNDS = "large_funds", "大额度资金使用"
    IMPORTANT = "important", "重要事项"
    PARTY_BUILDING = "party_building", "党的建设"
    GENERAL = "general", "一般事项"


SANZHONG_YIDA_CATEGORIES = (
    MatterCategory.MAJOR_DECISION,
    MatterCategory.PERSONNEL,
    MatterCategory.MAJOR_PROJECT,
    MatterCategory.LARGE_FUNDS,
)


# Items the pair must have talked about before the meeting (PRE_COMMUNICATION): 三重一大 and 重要事项.
PRE_COMMUNICATION_CATEGORIES = (*SANZHONG_YIDA_CATEGORIES, MatterCategory.IMPORTANT)


class VoteChoice(models.TextChoices):
    FOR = "for", "赞成"
    AGAINST = "against", "反对"
    ABSTAIN = "abstain", "弃权"


class ItemResult(models.TextChoices):
    PENDING = "pending", "待表决"
    PASSED = "passed", "通过"
    REJECTED = "rejected", "未通过"
    DEFERRED = "deferred", "暂缓"


class PrincipalDecision(models.TextChoices):
    """校长办公会: after hearing the members' views the principal decides (意见 (六)); no vote is counted."""

    AGREE = "agree", "同意"
    DISAGREE = "disagree", "不同意"
    DEFER = "defer", "暂缓"


# The result of a 校长办公会 item follows the principal's decision.
PRINCIPAL_DECISION_RESULT = {
    PrincipalDecision.AGREE: ItemResult.PASSED,
    PrincipalDecision.DISAGREE: ItemResult.REJECTED,
    PrincipalDecision.DEFER: ItemResult.DEFERRED,
}
