"""整改建议: for each rule of the compliance engine, one sentence telling the school what to do."""

REMEDIES: dict[str, str] = {
    "WRONG_BODY": "请将该三重一大事项提交党组织会议讨论决定，校长办公会只负责研究提出和部署落实。",
    "AMOUNT_TIER": "请将该事项按“大额度资金使用”归类，提交党组织会议集体讨论决定。",
    "MEETING_ORDER": "请补齐决策链：校长办公会研究提出、党组织会议讨论决定、校长办公会部署落实，并关联相应议题。",
    "LEGAL_REVIEW": "请在决策前完成合法性审查，并在决策事项中登记审查人、审查日期和结论。",
    "TASK_OVERDUE": "请责任人尽快完成督办任务并登记完成日期；确需延期的，请登记进展并说明原因。",
    "QUORUM": "请确认出席情况；实到人数未超过应到人数半数时，应重新召开会议再作决定。",
    "QUORUM_PERSONNEL": "干部任免议题须有三分之二以上应到成员出席，请补齐出席人数后重新研究决定。",
    "MAJORITY": "请核对表决票数；赞成票未超过应到人数半数的议题不能记为通过，应重新表决或暂缓。",
    "PRE_COMMUNICATION": "请在上会前由书记校长就该议题充分沟通，并将沟通记录关联到议题。",
    "GATE_OVERRIDE": "请书记校长补充沟通、形成共识并登记沟通记录，今后议题应先沟通后上会。",
    "DISAGREEMENT_FORCED": "书记校长存在分歧的议题应暂缓上会，请再次沟通达成共识后重新提交会议。",
    "SECRETARY_LAST": "党组织会议表决时请书记最后表态（末位表态），并在议题中如实登记。",
    "RECUSAL": "申请回避的成员不得参加表决，请核对表决记录，必要时重新表决。",
    "STAFF_CONGRESS": "涉及教职工切身利益的事项请提交教职工代表大会审议，并关联教代会议题。",
    "MINUTES_LATE": "请书记或校长尽快审定并签发会议纪要。",
    "REGULAR_TALK": "请书记校长按制度要求开展一对一深度对话，并及时登记沟通记录。",
    "EMERGENCY_LATE": "突发事件发生后请书记校长立即沟通，并在规定时限内登记沟通记录。",
    "PAIR_VACANCY": "请尽快补齐书记或校长人选，并在任职记录中登记。",
}


def remedy_for(code: str) -> str:
    return REMEDIES.get(code, "请对照相关制度要求整改。")
