"""Rules on the pair itself: posts filled in time (PAIR_VACANCY) and 双正职 where the party organisation is a
党委 or 党总支 (DUAL_POSTS)."""

from collections import defaultdict
from datetime import date, timedelta

from django.utils import timezone

from core.rules import Context, Rule, register

from .choices import PRINCIPAL_POSTS, SECRETARY_POSTS, PartyOrgType
from .models import Appointment, School
from .selectors import pair_people_on


def _vacant_since(appointments: list[Appointment], posts, today: date, registered: date) -> date | None:
    """The day a post became vacant (None when filled today); a post never filled counts from registration."""
    holders = [a for a in appointments if a.post in posts]
    if any(a.start <= today and (a.end is None or a.end >= today) for a in holders):
        return None
    ended = [a.end for a in holders if a.end is not None and a.end < today]
    return max(ended) + timedelta(days=1) if ended else registered


def vacant_days(since: date, today: date) -> int:
    """The day of the vacancy `today` is, the first vacant day being day 1 (空缺第 N 天)."""
    return (today - since).days + 1


POSTS_CHECKED = (("secretary", "书记", SECRETARY_POSTS), ("principal", "校长", PRINCIPAL_POSTS))


@register
class PairVacancy(Rule):
    code = "PAIR_VACANCY"
    title = "书记校长空缺及时补齐"
    summary = "学校书记或校长（执行校长）空缺超过 30 天（制度参数）的，列为违规，直至补齐。"
    edge = "空缺第 30 天：不违规；第 31 天：违规。"
    source = "district"
    quote = "（本区管理要求，无公开条文依据）"
    parameters = ("vacancy_days",)
    remedy = "请尽快补齐书记或校长人选，并在任职记录中登记。"

    def check(self, ctx: Context):
        by_school: dict[int, list[Appointment]] = defaultdict(list)
        posts = (*SECRETARY_POSTS, *PRINCIPAL_POSTS)
        appointments = ctx.scope(Appointment.objects.filter(post__in=posts)).only("school_id", "post", "start", "end")
        for appointment in appointments:
            by_school[appointment.school_id].append(appointment)
        for school_id, created_at in ctx.schools().values_list("pk", "created_at"):
            registered = timezone.localdate(created_at)
            policy = ctx.policies.on(school_id, ctx.today)
            for key, label, post_set in POSTS_CHECKED:
                since = _vacant_since(by_school[school_id], post_set, ctx.today, registered)
                if since is None:
                    continue
                days = vacant_days(since, ctx.today)
                if days > policy.vacancy_days:
                    yield self.breach(
                        School,
                        school_id,
                        school_id,
                        f"{label}自 {since:%Y-%m-%d} 起空缺，今天是第 {days} 天，超过 {policy.vacancy_days} 天。",
                        key=key,
                        policy=policy,
                    )


DUAL_POST_ORGS = (PartyOrgType.COMMITTEE, PartyOrgType.GENERAL_BRANCH)


@register
class DualPosts(Rule):
    code = "DUAL_POSTS"
    title = "党委、党总支学校书记校长分设"
    summary = "设党委或党总支的学校，书记和校长分别由两人担任（“双正职”）；一肩挑只适用于设党支部的学校。"
    edge = "党委学校同一人任书记和校长：违规；党支部学校一肩挑：符合。"
    source = "beijing"
    quote = "党委和党总支设置的学校为“双正职”。"
    remedy = "设党委或党总支的学校应分设书记和校长，请按干部管理权限配齐。"

    @staticmethod
    def allows_combined(party_org_type: str) -> bool:
        return party_org_type not in DUAL_POST_ORGS

    def check(self, ctx: Context):
        schools = list(ctx.schools().filter(party_org_type__in=DUAL_POST_ORGS).values_list("pk", "party_org_type"))
        pairs = pair_people_on(school_ids=[pk for pk, _type in schools], on=ctx.today)
        for school_id, party_org_type in schools:
            secretary, principal = pairs.get(school_id, (None, None))
            if secretary is not None and secretary == principal:
                yield self.breach(
                    School,
                    school_id,
                    school_id,
                    f"学校设{PartyOrgType(party_org_type).label}，书记和校长由同一人担任（应为双正职）。",
                )
