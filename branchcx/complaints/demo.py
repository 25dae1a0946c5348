"""Demo complaints: every state of the workflow, some due soon, some overdue, through the
same actions staff use (so timelines, clocks and due days are real)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from branchcx.complaints import actions
from branchcx.complaints.models import AssignmentRule, Classification, Complaint, RootCause
from branchcx.customers.models import Customer
from branchcx.org.models import Branch, Role, StaffProfile

# (business code, card sub-reason code or "", narrative in the customer's words)
NARRATIVES = [
    ("03", "03", "办理信用卡分期时说手续费很低，结果每期扣的手续费比宣传的高，要求退还多收部分。"),
    ("03", "02", "信用卡年费没有提前告知就直接扣了，我从来没同意过收年费。"),
    ("03", "04", "信用卡逾期后催收电话一天打十几次，还打给我单位同事，严重影响生活。"),
    ("03", "01", "我按时还款，征信报告却显示逾期，导致房贷申请被拒，要求更正征信记录。"),
    ("01", "", "定期存款到期后自动转存，利率比当时告知的低，柜员没有提醒我。"),
    ("02", "", "提前还房贷被收取违约金，合同里根本没有写清楚，要求说明依据。"),
    ("05", "", "手机银行转账显示成功，但收款人三天都没收到，客服一直说在核查。"),
    ("06", "", "刚在网点办完业务就接到推销电话，怀疑我的个人信息被泄露了。"),
    ("07", "", "理财经理说这款理财产品保本，结果到期亏损，当时没有做风险评估。"),
    ("08", "", "在网点存钱被推荐买了保险，说是存款产品，现在退保要损失本金。"),
    ("01", "", "网点排队两个小时只开一个窗口，大堂经理态度冷淡，没人管。"),
    ("05", "", "ATM 取款没有出钞但账户被扣款，已经一周了还没退回。"),
]
GRIEVANCES = [
    ("remark", "叫号系统又坏了，每次来都要等很久。"),
    ("contact", "客户电话中抱怨手机银行经常闪退。"),
    ("survey", "满意度调查打了 2 分：柜员解释不清楚。"),
]
# How far each demo complaint gets, and how many days ago it arrived.
PATHS: list[tuple[tuple[str, ...], int]] = [
    ((), 1),
    (("accepted",), 3),
    (("accepted", "investigating"), 13),  # due in two days
    (("accepted", "investigating"), 15),  # due today
    (("accepted", "investigating"), 19),  # overdue
    (("accepted", "investigating", "decided"), 9),
    (("accepted", "investigating", "decided", "notified"), 14),
    (("accepted", "investigating", "decided", "notified", "closed"), 25),
    (("accepted", "investigating", "decided", "notified", "review_requested"), 30),
    (
        ("accepted", "investigating", "decided", "notified", "review_requested", "review_decided"),
        50,
    ),
    (("withdrawn",), 6),
]


@dataclass
class DemoComplaints:
    complaints: int
    grievances: int


def build_complaints(seed: int = 1) -> DemoComplaints:
    """For each outlet: one complaint per workflow path, a paused one, a merged re-filing
    and a few grievances; assignment rules per branch; then the escalation sweep."""
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    business = {c.code: c for c in Classification.objects.filter(axis="business")}
    card = {c.code: c for c in Classification.objects.filter(axis="card_reason")}
    causes = list(RootCause.objects.filter(parent__isnull=False))
    made, grievances = 0, 0
    head_office = Branch.objects.get(level=Branch.Level.HEAD_OFFICE)
    for outlet in Branch.objects.filter(level=Branch.Level.OUTLET).select_related("parent"):
        receiver = _person(outlet, Role.TELLER)
        manager = _person(outlet.parent, Role.BRANCH_MANAGER)
        reviewer = _person(head_office, Role.HEAD_OFFICE_ADMIN)
        officers = StaffProfile.objects.filter(branch=outlet, role=Role.COMPLAINT_OFFICER)
        customers = list(Customer.objects.filter(home_outlet=outlet).order_by("pk")[:60])
        if receiver is None or manager is None or reviewer is None or not customers:
            continue
        rule, _created = AssignmentRule.objects.get_or_create(unit=outlet, business=None)
        rule.officers.set(officers)
        for steps, days_ago in PATHS:
            code, reason, text = rng.choice(NARRATIVES)
            complaint = actions.do_register_complaint(
                receiver.user,
                outlet=outlet,
                intake_channel=rng.choice(["counter", "hotline", "online", "letter"]),
                narrative=text,
                customer=rng.choice(customers),
                received_at=timezone.now() - timedelta(days=days_ago, hours=rng.randrange(8)),
                business=business[code],
                card_reason=card[reason] if reason else None,
            )
            if officers:
                complaint = actions.do_assign(
                    manager.user, complaint, expected_version=complaint.version
                )
            _walk(manager.user, reviewer.user, complaint, steps, rng.choice(causes), rng)
            made += 1
        paused = actions.do_register_complaint(
            receiver.user, outlet=outlet, intake_channel="counter", narrative=NARRATIVES[6][2],
            customer=customers[0], received_at=timezone.now() - timedelta(days=8),
            business=business["05"],
        )  # fmt: skip
        actions.do_pause(
            manager.user, paused, expected_version=paused.version, reason="appraisal",
            on=timezone.localdate() - timedelta(days=3), note="已送交清算中心核查交易记录",
        )  # fmt: skip
        again = actions.do_register_complaint(
            receiver.user, outlet=outlet, intake_channel="hotline",
            narrative="上周投诉的转账问题还没解决，今天再打电话问。", customer=customers[0],
            business=business["05"],
        )  # fmt: skip
        actions.do_merge(manager.user, again, paused, expected_version=1, new_facts=False)
        made += 2
        for source, text in GRIEVANCES:
            actions.do_record_grievance(
                receiver.user, outlet=outlet, source=source, text=text,
                customer=rng.choice(customers),
            )  # fmt: skip
            grievances += 1
    actions.sweep_escalations()
    return DemoComplaints(complaints=made, grievances=grievances)


def _person(unit: Branch, role: str) -> StaffProfile | None:
    return StaffProfile.objects.filter(branch=unit, role=role, is_active=True).first()


def _walk(
    manager: Any,
    reviewer: Any,
    complaint: Complaint,
    steps: tuple[str, ...],
    cause: RootCause,
    rng: Any,
) -> None:
    for state in steps:
        actor = reviewer if state == "review_decided" else manager
        if state in ("decided", "review_decided"):
            actions.do_record_decision(
                actor, complaint, expected_version=complaint.version,
                outcome=rng.choice(["upheld", "partly", "rejected"]),
                findings="经调阅业务凭证、录音录像并询问经办人员，情况基本属实。",
                basis="依据产品合同条款及本行业务管理规定。", root_cause=cause,
                remedy="向客户致歉，退还相关费用，并对经办人员进行培训。",
                compensation=Decimal(rng.choice(["0", "50.00", "200.00"])),
            )  # fmt: skip
            complaint.refresh_from_db()
        if state in ("notified", "review_decided"):
            actions.do_record_notification(
                actor, complaint, kind="decision" if state == "notified" else "review",
                method=rng.choice(["sms", "phone", "letter"]),
                content="您的投诉已处理完毕，处理结果如下……如有异议可在 30 日内申请复核。"
                if state == "notified" else "您的复核申请已处理完毕，复核结果如下……",
                proof=f"DEMO-{complaint.number}-{state}",
            )  # fmt: skip
        complaint = actions.do_transition(
            actor, complaint, state, expected_version=complaint.version,
            reason="客户主动撤回投诉" if state == "withdrawn" else "",
        )  # fmt: skip
