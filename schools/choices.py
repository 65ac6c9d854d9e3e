"""Closed vocabularies of the schools domain, shared by the other apps."""

from django.db import models


class SchoolLevel(models.TextChoices):
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    NINE_YEAR = "nine_year", "九年一贯制"
    COMPLETE_SECONDARY = "complete_secondary", "完全中学"
    SENIOR = "senior", "高中"


class PartyOrgType(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"


class Post(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    PRINCIPAL = "principal", "校长"
    DEPUTY_PRINCIPAL = "deputy_principal", "副校长"
    EXECUTIVE_PRINCIPAL = "executive_principal", "执行校长"
    COMMITTEE_MEMBER = "committee_member", "党组织委员"
    DISCIPLINE_SECRETARY = "discipline_secretary", "纪检委员"
    UNION_CHAIR = "union_chair", "工会主席"
    DEPARTMENT_HEAD = "department_head", "中层干部"


# Posts held by one person at a time in a school (the pair itself).
SOLE_POSTS = (Post.SECRETARY, Post.PRINCIPAL)
SECRETARY_POSTS = (Post.SECRETARY,)
# A campus run by an executive principal has him or her as the principal of the pair.
PRINCIPAL_POSTS = (Post.PRINCIPAL, Post.EXECUTIVE_PRINCIPAL)


class MeetingBody(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", "党组织会议"
    PRINCIPAL_OFFICE = "principal_office", "校长办公会"
    STAFF_CONGRESS = "staff_congress", "教代会"
    JOINT = "joint", "党政联席会"


# Bodies that decide by vote (MAJORITY). At a 校长办公会 the principal decides after hearing views (意见 (六)).
VOTING_BODIES = (MeetingBody.PARTY_COMMITTEE, MeetingBody.STAFF_CONGRESS, MeetingBody.JOINT)
# Bodies whose quorum is 半数以上 of the 应到 members (QUORUM); the 教代会 needs ⅔ of its 代表 (STAFF_CONGRESS).
QUORUM_BODIES = (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE, MeetingBody.JOINT)


class Gender(models.TextChoices):
    FEMALE = "F", "女"
    MALE = "M", "男"


class TalkPeriod(models.TextChoices):
    WEEK = "week", "每周"
    MONTH = "month", "每月"
