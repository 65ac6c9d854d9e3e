"""The constant data of the demo district: real 学区 and school names, fictional name parts, dates and posts."""

from dataclasses import dataclass
from datetime import date

from ..choices import PartyOrgType, Post, SchoolLevel

DEFAULT_PASSWORD = "haidian2026"  # noqa: S105 - the published password of the demo accounts

# --- Organisation -----------------------------------------------------------------------------------
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("XQ01", "四季青学区"),
    ("XQ02", "学院路学区"),
    ("XQ03", "中关村学区"),
    ("XQ04", "上地学区"),
    ("XQ05", "海淀学区"),
    ("XQ06", "万寿路学区"),
    ("XQ07", "北下关学区"),
    ("XQ08", "羊坊店学区"),
    ("XQ09", "紫竹院学区"),
    ("XQ10", "燕园学区"),
)

GROUP_CODE = "JT01"
GROUP_NAME = "海淀实验小学教育集团"


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    level: str
    party_org_type: str
    district: str


P, J, N, C = SchoolLevel.PRIMARY, SchoolLevel.JUNIOR, SchoolLevel.NINE_YEAR, SchoolLevel.COMPLETE_SECONDARY
COMMITTEE, GENERAL, BRANCH = PartyOrgType.COMMITTEE, PartyOrgType.GENERAL_BRANCH, PartyOrgType.BRANCH

LEAD_SCHOOL = "HD001"  # 海淀实验小学, lead school of the group; the demo school accounts belong here
OTHER_SCHOOL = "HD002"  # 上地实验小学, in another 学区 (clerk_b)
# 培星小学: 一肩挑, the same person is 书记 and 校长 although its party organisation is a 党总支 (DUAL_POSTS: open)
COMBINED_SCHOOL = "HD022"
VACANT_SCHOOL = "HD021"  # 北洼路小学: the principal left on VACANCY_SINCE - ONE_DAY, nobody since
VACANCY_SINCE = date(2026, 9, 1)

SCHOOLS: tuple[SchoolSpec, ...] = (
    # The lead school of an education group has a 党委 over the campuses' 党支部 (雁阵管理).
    SchoolSpec("HD001", "海淀实验小学", P, COMMITTEE, "XQ01"),
    SchoolSpec("HD002", "上地实验小学", P, GENERAL, "XQ04"),
    SchoolSpec("HD003", "北京石油学院附属小学", P, GENERAL, "XQ02"),
    SchoolSpec("HD004", "翠微小学", P, GENERAL, "XQ06"),
    SchoolSpec("HD005", "中关村第一小学", P, GENERAL, "XQ03"),
    SchoolSpec("HD006", "中关村第二小学", P, GENERAL, "XQ03"),
    SchoolSpec("HD007", "中关村第三小学", P, GENERAL, "XQ03"),
    SchoolSpec("HD008", "中国人民大学附属中学", C, COMMITTEE, "XQ05"),
    SchoolSpec("HD009", "北京大学附属中学", C, COMMITTEE, "XQ10"),
    SchoolSpec("HD010", "清华大学附属中学", C, COMMITTEE, "XQ02"),
    SchoolSpec("HD011", "北京一零一中学", C, COMMITTEE, "XQ10"),
    SchoolSpec("HD012", "北京理工大学附属中学", C, COMMITTEE, "XQ09"),
    SchoolSpec("HD013", "首都师范大学附属中学", C, COMMITTEE, "XQ07"),
    SchoolSpec("HD014", "北京市育英学校", N, COMMITTEE, "XQ06"),
    SchoolSpec("HD015", "北京市八一学校", N, COMMITTEE, "XQ05"),
    SchoolSpec("HD016", "玉泉小学", P, BRANCH, "XQ01"),
    SchoolSpec("HD017", "羊坊店中心小学", P, GENERAL, "XQ08"),
    SchoolSpec("HD018", "万泉小学", P, GENERAL, "XQ05"),
    SchoolSpec("HD019", "海淀区第二实验小学", P, GENERAL, "XQ08"),
    SchoolSpec("HD020", "七一小学", P, BRANCH, "XQ08"),
    SchoolSpec("HD021", "北洼路小学", P, BRANCH, "XQ09"),
    SchoolSpec("HD022", "培星小学", P, GENERAL, "XQ07"),
    SchoolSpec("HD023", "双榆树第一小学", P, BRANCH, "XQ03"),
    SchoolSpec("HD024", "海淀区民族小学", P, GENERAL, "XQ09"),
    SchoolSpec("HD025", "花园村第二小学", P, BRANCH, "XQ09"),
    SchoolSpec("HD026", "五一小学", P, GENERAL, "XQ06"),
    SchoolSpec("HD027", "图强第二小学", P, BRANCH, "XQ06"),
    SchoolSpec("HD028", "北京市十一学校", C, COMMITTEE, "XQ06"),
    SchoolSpec("HD029", "北京交通大学附属中学", C, COMMITTEE, "XQ07"),
    SchoolSpec("HD030", "北京市第二十中学", C, COMMITTEE, "XQ02"),
    SchoolSpec("HD031", "北京市中关村中学", C, COMMITTEE, "XQ03"),
    SchoolSpec("HD032", "北京市玉渊潭中学", C, GENERAL, "XQ08"),
    SchoolSpec("HD033", "北京市海淀区万寿寺中学", J, GENERAL, "XQ09"),
    SchoolSpec("HD034", "清华大学附属小学", P, GENERAL, "XQ10"),
    SchoolSpec("HD035", "北京大学附属小学", P, GENERAL, "XQ10"),
    SchoolSpec("HD036", "中国人民大学附属小学", P, GENERAL, "XQ05"),
    SchoolSpec("HD037", "北京科技大学附属小学", P, BRANCH, "XQ02"),
    SchoolSpec("HD038", "北京市第十九中学", C, COMMITTEE, "XQ05"),
)

# Campuses of the group: each run by an 执行校长 who is also its 支部书记.
CAMPUSES: tuple[SchoolSpec, ...] = (
    SchoolSpec("HD101", "海淀实验小学苏州街校区", P, BRANCH, "XQ05"),
    SchoolSpec("HD102", "海淀实验小学四季青校区", P, BRANCH, "XQ01"),
)
GROUP_FOUNDED = date(2021, 9, 1)

# --- People (fictional) -----------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙段雷钱汤尹黎易常武乔贺赖龚文"
)


# Common two-character given names; combined with a surname at random they name no one in particular.
def _two_char_names(text: str) -> tuple[str, ...]:
    return tuple(text[i : i + 2] for i in range(0, len(text), 2))


GIVEN_MALE = _two_char_names(
    "志强建华晓东海涛文博立新振华国栋宏伟浩然明辉永刚建军卫东春生德明鹏飞晨阳立军伟民庆华志远"
    "思远嘉诚天宇博文云峰海峰建平卫国向阳光明新民长青国强振宇子健一鸣家乐宇航冠宇明杰泽宇晓光"
    "少华永强锦程宏亮文涛国华启航瑞峰铭远绍辉志明俊峰玉林保国兴华维民"
)
GIVEN_FEMALE = _two_char_names(
    "秀英丽华晓燕慧敏静怡雅琴淑华美玲玉兰红梅海燕丽娟桂芳雪梅婷婷佳慧思琪欣怡雨萱晓梅春燕艳华"
    "晓丽淑芬凤英燕萍晓霞立红颖慧雅婷晓琳璐瑶梦瑶佳琪诗涵若兰亚楠素芳翠萍秀兰海霞晓蕾爱华美华"
    "月华玉梅慧琳红霞瑞芳晓红文娟丽霞雪莲亚琴晓静婉婷冬梅春梅艳玲"
)

# Accounts that are not tied to a Person get fictional names as well (surname, given name).
USER_NAMES = {
    "district_admin": ("郑", "明远"),
    "district_viewer": ("孙", "慧敏"),
    "xuequ_viewer": ("何", "静怡"),
    "clerk": ("韩", "雨桐"),
    "clerk_b": ("邓", "子涵"),
}

DEPARTMENTS = (
    "教学处主任",
    "德育处主任",
    "总务处主任",
    "办公室主任",
    "科研室主任",
    "人力资源部主任",
    "学生发展中心主任",
    "课程中心主任",
    "安全保卫处主任",
    "信息中心主任",
    "年级组长",
    "教研组长",
)

BASELINES = (date(2019, 9, 1), date(2020, 3, 1), date(2020, 9, 1), date(2021, 9, 1))
# Last days in office of a predecessor; the successor starts the next day.
HANDOVERS = (
    date(2023, 1, 31),
    date(2023, 7, 31),
    date(2023, 8, 31),
    date(2024, 1, 31),
    date(2024, 7, 31),
    date(2024, 8, 31),
)

PARTY_COMMITTEE_POSTS = {
    Post.DEPUTY_SECRETARY,
    Post.COMMITTEE_MEMBER,
    Post.DISCIPLINE_SECRETARY,
    Post.UNION_CHAIR,
}
PRINCIPAL_OFFICE_POSTS = {Post.DEPUTY_PRINCIPAL, Post.DEPUTY_SECRETARY}
