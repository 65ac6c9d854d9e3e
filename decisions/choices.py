"""Vocabularies of decisions, tasks and findings."""

from django.db import models

from meetings.choices import SANZHONG_YIDA_CATEGORIES, MatterCategory

__all__ = ["SANZHONG_YIDA_CATEGORIES", "DecisionStatus", "FindingSeverity", "MatterCategory", "Outcome", "Tier"]


class Tier(models.TextChoices):
    COLLECTIVE = "collective", "大事难事 集体讨论"
    CONSULT = "consult", "中事 征询意见"
    AUTONOMOUS = "autonomous", "小事 自主决策"


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", "拟议"
    COMMUNICATING = "communicating", "沟通中"
    ON_AGENDA = "on_agenda", "已上会"
    DECIDED = "decided", "已决策"
    IMPLEMENTING = "implementing", "落实中"
    CLOSED = "closed", "已办结"


class Outcome(models.TextChoices):
    PASSED = "passed", "通过"
    REJECTED = "rejected", "未通过"
    DEFERRED = "deferred", "暂缓"


class TaskStatus(models.TextChoices):
    OPEN = "open", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"


class ReviewConclusion(models.TextChoices):
    LAWFUL = "lawful", "合法合规"
    LAWFUL_AFTER_CHANGES = "lawful_after_changes", "修改后合法合规"
    UNLAWFUL = "unlawful", "不合法，不得决策"


class FindingSeverity(models.TextChoices):
    VIOLATION = "violation", "违规"
    WARNING = "warning", "提示"
