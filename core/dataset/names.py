"""Name parts of the generated dataset: fictional places, schools and people (no real person is named)."""

from schools.demo.data import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

PLACES = [
    "东城",
    "西城",
    "朝阳",
    "丰台",
    "石景山",
    "海淀",
    "门头沟",
    "房山",
    "通州",
    "顺义",
    "昌平",
    "大兴",
    "怀柔",
    "平谷",
    "密云",
    "延庆",
    "中关村",
    "学院路",
    "四季青",
    "上地",
    "清河",
    "西三旗",
    "万寿路",
    "羊坊店",
    "北下关",
    "紫竹院",
    "燕园",
    "甘家口",
    "八里庄",
    "展览路",
    "德胜",
    "什刹海",
    "交道口",
    "和平里",
    "安贞",
    "望京",
    "双井",
    "劲松",
    "潘家园",
    "亚运村",
    "奥运村",
    "回龙观",
    "天通苑",
    "亦庄",
    "黄村",
    "良乡",
    "长阳",
    "永定",
    "卢沟桥",
    "方庄",
    "马家堡",
    "宋家庄",
    "青塔",
    "五棵松",
    "田村",
    "苹果园",
    "古城",
    "八角",
    "鲁谷",
    "金顶街",
    "广宁",
    "梨园",
    "永顺",
    "台湖",
    "马驹桥",
    "张家湾",
    "宋庄",
    "后沙峪",
    "天竺",
    "高丽营",
    "沙河",
    "南口",
    "阳坊",
    "小汤山",
]

LEVEL_SUFFIX = {
    "primary": ("小学", "实验小学", "中心小学", "第一小学", "第二小学"),
    "junior": ("中学", "实验中学", "第一中学"),
    "nine_year": ("学校", "实验学校"),
    "complete_secondary": ("中学", "第一中学", "实验中学"),
    "senior": ("高级中学", "第二中学"),
}

# What a school of each level is called after an ordinal (北京市朝阳第三小学), for names that would repeat.
LEVEL_KIND = {
    "primary": "小学",
    "junior": "中学",
    "nine_year": "学校",
    "complete_secondary": "中学",
    "senior": "高级中学",
}


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals (三, 十二, 四十五)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


ORDINALS = tuple(f"第{chinese_number(n)}" for n in range(3, 100))

TALK_SUBJECTS = ("本月工作交流", "学期工作安排", "班子建设与分工", "师德师风建设", "教育教学质量分析")
IMPORTANT_SUBJECTS = ("学期工作计划", "课后服务安排", "校园安全检查", "教师培训计划", "家校沟通工作")
INNOVATION_SUBJECTS = ("课程改革试点", "科技创新教育", "劳动教育基地建设", "智慧校园建设", "集团化办学协同")
EMERGENCY_SUBJECTS = ("学生意外受伤处置", "校园设施突发故障", "极端天气停课安排", "食堂食品安全事件", "舆情应对")
SANZHONG = {
    "major_decision": ("学校章程修订", "学校发展规划", "绩效工资分配方案", "教师职称评聘方案", "招生工作方案"),
    "personnel": ("中层干部聘任", "年级组长调整", "中层干部轮岗交流", "后备干部推荐"),
    "major_project": ("教学楼改造工程", "操场翻新工程", "实验室建设项目", "图书馆改造项目"),
    "large_funds": ("教学设备采购", "信息化设备采购", "校园安防升级采购", "年度大宗物资采购"),
}
GENERAL_ITEMS = ("教学工作安排", "德育活动方案", "校园安全工作", "学期考试安排", "社团活动安排", "后勤保障工作")
GENERAL_DECISIONS = ("办公用品采购", "教研活动安排", "校园绿化维护", "家长开放日安排", "运动会组织方案")
LEAVE_REASONS = ("外出参加培训", "因病请假", "参加区教委会议", "带队参加比赛")

__all__ = [
    "EMERGENCY_SUBJECTS",
    "GENERAL_DECISIONS",
    "GENERAL_ITEMS",
    "GIVEN_FEMALE",
    "GIVEN_MALE",
    "IMPORTANT_SUBJECTS",
    "INNOVATION_SUBJECTS",
    "LEAVE_REASONS",
    "LEVEL_KIND",
    "LEVEL_SUFFIX",
    "ORDINALS",
    "PLACES",
    "SANZHONG",
    "SURNAMES",
    "TALK_SUBJECTS",
]

# 分管工作 of each post on the committees (CommitteeMembership.portfolio; ABSENT_LEAD reads it).
PORTFOLIOS = {
    "secretary": "党的建设、干部工作、意识形态",
    "principal": "学校行政全面工作",
    "deputy_secretary": "德育、共青团和少先队",
    "deputy_principal": "教学、课程与教师发展",
    "committee_member": "组织、宣传和统战",
    "discipline_secretary": "纪检监察",
    "union_chair": "工会、教职工权益",
}
DELIBERATION_CIRCLES = ("党组织班子成员", "书记、校长和分管副校长", "党组织书记、校长和纪检委员")
VIEWS_HEARD = (
    "与会人员均表示同意，建议抓好落实。",
    "分管副校长建议细化实施方案，其他人员同意。",
    "与会人员同意，建议做好经费测算。",
    "有成员建议征求教职工意见后实施，校长采纳。",
)
