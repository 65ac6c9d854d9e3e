"""The rulebook's frame (DESIGN §3): what a rule is, the documents rules come from, what a check finds.

Each rule is one `Rule` subclass in the rules module of the app whose records it reads (`meetings.rules`,
`decisions.rules`, `schools.rules`): its code, title, plain-Chinese summary, source and quote, severity, the
`Policy` parameters it reads, its exact edge, its remedy, the set-based `check` the engine runs and, where the
rule forbids something, the predicate a service calls before it writes. The apps register their rules when
Django starts (`AppConfig.ready`); `decisions.rules.engine` runs them and stores findings.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

if TYPE_CHECKING:
    from schools.models import Policy

VIOLATION = "violation"  # decisions.choices.FindingSeverity.VIOLATION
WARNING = "warning"  # decisions.choices.FindingSeverity.WARNING


@dataclass(frozen=True)
class Source:
    """A document the rules quote: national, Beijing's, or a school's own rules (local practice)."""

    key: str
    title: str
    issuer: str
    kind: str  # 国家 / 北京市 / 学校制度 / 本区
    note: str = ""


SOURCES: dict[str, Source] = {
    source.key: source
    for source in (
        Source(
            "opinion",
            "《关于建立中小学校党组织领导的校长负责制的意见（试行）》",
            "中共中央办公厅（2022年1月）",
            "国家",
        ),
        Source(
            "beijing",
            "《北京市关于建立中小学校党组织领导的校长负责制的实施方案（试行）》及配套文件",
            "北京市委全面深化改革委员会（2022年）",
            "北京市",
            "配套的事项清单和议事规则示范文本未公开发布全文。",
        ),
        Source(
            "branch_regulation",
            "《中国共产党支部工作条例（试行）》",
            "中共中央（2018年）",
            "党内法规",
            "同一句中区分“半数以上”（开会）与“超过半数”（通过）。",
        ),
        Source("staff_congress", "《学校教职工代表大会规定》（教育部令第32号）", "教育部（2011年）", "国家"),
        Source(
            "school_rules",
            "学校党组织会议、校长办公会议事规则",
            "各校制度（如绍兴一中章程、郑州十一中党委议事规则）",
            "学校制度",
            "各校做法，作为本区默认参数，可在制度参数中调整。",
        ),
        Source(
            "talk_rules",
            "书记和校长经常性沟通制度",
            "各校制度（如小学党组织书记和校长经常性沟通制度，2023）",
            "学校制度",
            "“每周不少于1次”日常沟通、“每月不少于1次”谈心谈话。",
        ),
        Source("legal_review_rules", "学校重大事项决策合法合规性审查制度", "各校制度", "学校制度"),
        Source(
            "seed",
            "海淀区教育党校第九期校长会客厅（2025年3月）",
            "海淀区教育党校",
            "本区",
            "“四沟通”：日常定期、重要决策事先、紧急及时。",
        ),
        Source(
            "district", "本区管理要求", "区委教育工委", "本区", "无公开条文依据，本区默认做法，可在制度参数中调整。"
        ),
    )
}


class PolicyBookLike(Protocol):
    def on(self, school_id: int, day: date) -> "Policy": ...

    def least(self, parameter: str): ...

    def most(self, parameter: str): ...

    def all(self) -> "list[Policy]": ...


@dataclass(frozen=True)
class Breach:
    """One record breaking one rule; `key` separates several breaches of one record (e.g. months)."""

    rule: str
    severity: str
    school_id: int
    content_type_id: int
    object_id: int
    message: str
    key: str = ""
    policy_id: int | None = None

    @property
    def identity(self) -> tuple[str, int, int, str]:
        return (self.rule, self.content_type_id, self.object_id, self.key)


@dataclass(frozen=True)
class Context:
    """What every check receives: the schools to check (None = all), today, and the policy versions."""

    school_ids: list[int] | None
    today: date
    policies: PolicyBookLike
    calendar_gaps: set[int] = field(default_factory=set)  # years the official calendar does not cover yet

    def scope(self, queryset: QuerySet, school_field: str = "school") -> QuerySet:
        if self.school_ids is None:
            return queryset
        return queryset.filter(**{f"{school_field}__in": self.school_ids})

    def schools(self) -> QuerySet:
        return self.scope(apps.get_model("schools", "School").objects.filter(is_active=True), "pk")


class Rule:
    """One rule of DESIGN §3. Subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]  # what it checks, in plain Chinese
    edge: ClassVar[str]  # the exact edge, in words (e.g. 恰好半数：可以开会)
    source: ClassVar[str]  # a key of SOURCES
    article: ClassVar[str] = ""
    quote: ClassVar[str] = ""
    severity: ClassVar[str] = VIOLATION
    parameters: ClassVar[tuple[str, ...]] = ()  # `Policy` fields the rule reads
    remedy: ClassVar[str]

    @property
    def source_document(self) -> Source:
        return SOURCES[self.source]

    @property
    def citation(self) -> str:
        """The source and article as users read them: 《意见》（五）, 学校议事规则（绍兴一中章程 §16）."""
        article = self.article
        if article and not article.startswith("（"):
            article = f"（{article}）"
        return f"{self.source_document.title}{article}"

    def check(self, ctx: Context) -> Iterable[Breach]:
        raise NotImplementedError

    def breach(
        self,
        model: type[Model],
        object_id: int,
        school_id: int,
        message: str,
        *,
        key: str = "",
        policy: "Policy | None" = None,
    ) -> Breach:
        return Breach(
            rule=self.code,
            severity=self.severity,
            school_id=school_id,
            content_type_id=ContentType.objects.get_for_model(model).pk,
            object_id=object_id,
            message=message,
            key=key,
            policy_id=policy.pk if policy is not None else None,
        )


# The order of DESIGN §3's table: the engine, the 制度依据 page and the reports list rules in it.
ORDER = (
    "QUORUM",
    "QUORUM_PERSONNEL",
    "MAJORITY",
    "WRONG_BODY",
    "PRE_COMMUNICATION",
    "DISAGREEMENT_FORCED",
    "GATE_OVERRIDE",
    "PERSONNEL_DELIBERATION",
    "AGENDA_NOTICE",
    "SECRETARY_LAST",
    "RECUSAL",
    "ABSENT_LEAD",
    "STAFF_CONGRESS",
    "AMOUNT_TIER",
    "LEGAL_REVIEW",
    "MEETING_ORDER",
    "MINUTES_LATE",
    "TASK_OVERDUE",
    "REPORT_BACK",
    "EMERGENCY_DECISION",
    "REGULAR_TALK",
    "EMERGENCY_LATE",
    "MEETING_FREQUENCY",
    "PAIR_VACANCY",
    "DUAL_POSTS",
)


class Registry:
    """The rules by code, in DESIGN's order."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule_class: type[Rule]) -> type[Rule]:
        if rule_class.code not in ORDER:
            raise ValueError(f"{rule_class.code} is not in core.rules.ORDER")
        self._rules[rule_class.code] = rule_class()
        return rule_class

    def __getitem__(self, code: str) -> Rule:
        return self._rules[code]

    def __contains__(self, code: object) -> bool:
        return code in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._rules, key=ORDER.index))

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, code: str, default=None) -> Rule | None:
        return self._rules.get(code, default)

    def items(self) -> list[tuple[str, Rule]]:
        return [(code, self._rules[code]) for code in self]

    def values(self) -> list[Rule]:
        return [self._rules[code] for code in self]


RULES = Registry()
register = RULES.add
