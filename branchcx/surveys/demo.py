"""Demo survey answers: 24 months of them at every outlet, so the dashboards tell a story on
first start.

The story: customers expect a little more every year (expectation drift) and service
improves more slowly; the bank does best on tangibles and assurance and worst on
responsiveness, which is worst of all at the busiest outlets (the most customers per outlet),
where waiting is long and satisfaction and recommendation lower. Responsiveness and
reliability drive the overall rating most, tangibles least. Branch managers underestimate
what customers expect on responsiveness (the knowledge gap). Unhappy answers of the last
weeks are follow-ups, some done, some open, some overdue.

SERVQUAL answers come from a latent-variable model, so that the scales hold together as real
ones do (Cronbach's alpha about 0.8): each respondent has an expectation level and, per
dimension, a perception level made of a general satisfaction factor shared by the dimensions
and a factor of the dimension's own; each item is its dimension's level plus item noise,
rounded to the 1-7 scale.

Answers are made the way customers give them (raw values checked against the shipped
questionnaires by the same code as the answering pages) and scored by the same functions;
only the writing is in bulk, so that thousands of responses load in seconds.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from branchcx.customers.models import Customer
from branchcx.lib.periods import quarter_start
from branchcx.org.models import Branch, Role, StaffProfile
from branchcx.surveys.actions import (
    answer_of,
    dimension_rows,
    headline,
    token_hash,
)
from branchcx.surveys.comments import analyse
from branchcx.surveys.definition import DIMENSIONS, check_answers
from branchcx.surveys.models import (
    Answer,
    DimensionScore,
    DistributionRule,
    ExpectationBelief,
    FeedbackCode,
    FollowUp,
    Invitation,
    Response,
    Survey,
)

# The SERVQUAL item numbers of each dimension (e01-e22 and p01-p22 in the questionnaire).
ITEMS = {"tangibles": range(1, 5), "reliability": range(5, 10),
         "responsiveness": range(10, 14), "assurance": range(14, 18),
         "empathy": range(18, 23)}  # fmt: skip
# Customers' mean expectation two years ago, and how much it has risen since.
EXPECTATION, DRIFT = 5.7, 0.4
# How far perception falls short of expectation, per dimension, at a quiet outlet; and how
# much more at the busiest one.
SHORTFALL = {"tangibles": 0.2, "reliability": 0.6, "responsiveness": 0.8, "assurance": 0.3,
             "empathy": 0.5}  # fmt: skip
BUSY_SHORTFALL = {"responsiveness": 1.3, "empathy": 0.4, "reliability": 0.2}
# Spreads (standard deviations) of the latent model. A general factor shared by the five
# perceptions next to a larger factor of each dimension's own keeps the dimensions related
# (r about 0.3) but apart enough that the driver analysis can tell them apart; item noise
# against the latent spread gives an alpha of about 0.8 to 0.9.
GENERAL, OWN, ITEM = 0.45, 0.75, 0.65
EXPECTED_SPREAD, EXPECTED_OWN, EXPECTED_ITEM = 0.45, 0.3, 0.4
# How much each dimension's perception weighs in overall satisfaction (the drivers).
WEIGHT = {"tangibles": 0.02, "reliability": 0.31, "responsiveness": 0.38, "assurance": 0.17,
          "empathy": 0.12}  # fmt: skip
IMPORTANCE = {"tangibles": 10, "reliability": 30, "responsiveness": 25, "assurance": 20,
              "empathy": 15}  # fmt: skip
# What branch managers believe customers expect, against what customers said: too low on
# responsiveness ("people are used to queuing"), about right on the rest.
BELIEF_OFFSET = {"responsiveness": (-1.2, -0.8)}
BELIEF_NOTES = {
    "responsiveness": "客户对排队已经习惯，等候二十分钟以内可以接受。",
    "reliability": "季度经营分析会评估。",
}
GOOD = [
    "柜员办理很快，态度也好。",
    "大堂经理主动帮我取号，很贴心。",
    "理财经理讲解很清楚，谢谢！",
    "网点环境干净整洁，座位也够。",
    "工作人员非常有耐心，对老年人很照顾。",
    "业务办理准确，一次就办好了。",
    "保安很热情，还帮我操作自助机。",
]
BAD = [
    "排队时间太长，只开了两个窗口。",
    "叫号机经常出问题，等了很久也没人解释。",
    "柜员业务不熟练，一笔转账办了二十分钟。",
    "电话预约了还是要排队，希望改进。",
    "柜员很专业，但是排队太久了。",
    "自助设备坏了两台，也没有人修。",
    "柜员算错了利息，还要我再跑一趟。",
    "态度冷淡，问什么都爱答不理。",
    "工作人员不够耐心，对老人说话很冲。",
    "希望多开几个窗口。",
    "希望周末也能营业。",
]
SERVQUAL_SHARE = 0.15
IDENTIFIED_SHARE = 0.6


@dataclass
class DemoSurveys:
    responses: int
    follow_ups: int


def _scale(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _month_start(today: date, back: int) -> date:
    month = today.month - 1 - back
    return date(today.year + month // 12, month % 12 + 1, 1)


def _servqual(
    rng: random.Random, busy: float, age: float, csat: random.Random | None
) -> dict[str, Any]:
    """A SERVQUAL answer; ``age`` 1 for two years ago, 0 for this month; ``csat`` (its own
    random numbers, so that the other answers are the same either way) when the
    questionnaire asks for it."""
    drift = DRIFT * (1 - age)
    expects = rng.gauss(0, EXPECTED_SPREAD)  # this customer's expectations against the mean
    general = rng.gauss(0, GENERAL)  # how satisfied this customer is overall
    answers: dict[str, Any] = {}
    satisfaction = 0.0
    for dimension, items in ITEMS.items():
        expected = EXPECTATION + drift + expects + rng.gauss(0, EXPECTED_OWN)
        # service improves at half the pace of expectations; demanding customers see it a
        # little less kindly than others
        perceived = (
            EXPECTATION + drift / 2 + 0.3 * expects + general + rng.gauss(0, OWN)
            - SHORTFALL[dimension] - BUSY_SHORTFALL.get(dimension, 0) * busy
        )  # fmt: skip
        for item in items:
            answers[f"e{item:02d}"] = _scale(expected + rng.gauss(0, EXPECTED_ITEM), 1, 7)
            answers[f"p{item:02d}"] = _scale(perceived + rng.gauss(0, ITEM), 1, 7)
        adequate = _scale(expected - 1.4 + rng.gauss(0, 0.5), 1, 7)
        desired = max(adequate, _scale(expected + 0.5 + rng.gauss(0, 0.35), 1, 7))
        answers[f"z_{dimension}"] = {"a": adequate, "d": desired}
        satisfaction += WEIGHT[dimension] * perceived
    points = {d: max(0, IMPORTANCE[d] + rng.randint(-5, 5)) for d in DIMENSIONS}
    points["reliability"] += 100 - sum(points.values())
    answers["importance"] = points
    satisfaction /= sum(WEIGHT.values())
    answers["overall"] = overall = _scale(satisfaction + rng.gauss(0, 0.5), 1, 7)
    answers["nps"] = _scale((satisfaction - 1) / 6 * 10 + rng.gauss(0, 1.2), 0, 10)
    if csat is not None:
        answers["csat"] = _scale((satisfaction - 1) / 6 * 4 + 1 + csat.gauss(0, 0.4), 1, 5)
    if rng.random() < 0.3:
        answers["comment"] = rng.choice(BAD if overall <= 4 else GOOD)
    return answers


def _visit(rng: random.Random, busy: float) -> dict[str, Any]:
    satisfaction = _scale(rng.gauss(4.4 - 1.1 * busy, 0.8), 1, 5)
    wait = min(3, max(0, round(rng.gauss(0.6 + 2 * busy, 0.8))))
    answers: dict[str, Any] = {
        "csat": satisfaction,
        "ces": _scale(rng.gauss(5.6 - 1.5 * busy, 1.0), 1, 7),
        "wait": ["under_5", "from_5_to_15", "from_15_to_30", "over_30"][wait],
        "nps": _scale((satisfaction - 1) * 2.5 + rng.gauss(0, 1.4), 0, 10),
    }
    if satisfaction <= 3:
        answers["reason"] = rng.sample(["waiting", "attitude", "knowledge", "facilities"],
                                       rng.randint(1, 2))  # fmt: skip
    if rng.random() < 0.25:
        answers["comment"] = rng.choice(BAD if satisfaction <= 3 else GOOD)
    return answers


def build_surveys(*, months: int = 24, seed: int = 1, per_month: int = 25) -> DemoSurveys:
    """About ``per_month`` answers per outlet per month over ``months`` months."""
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET, is_active=True))
    servqual = Survey.objects.get(code="servqual")
    visit = Survey.objects.get(code="post-visit")
    found = {s.pk: s.current() for s in (servqual, visit)}
    versions = {pk: v for pk, v in found.items() if v is not None}
    if not outlets or len(versions) < len(found):
        return DemoSurveys(0, 0)
    sizes = dict(
        Customer.objects.filter(home_outlet__in=outlets)
        .values("home_outlet")
        .annotate(n=Count("pk"))
        .values_list("home_outlet", "n")
    )
    low, high = min(sizes.values(), default=0), max(sizes.values(), default=1)
    busy = {o.pk: (sizes.get(o.pk, 0) - low) / ((high - low) or 1) for o in outlets}
    people: dict[int, list[Customer]] = {o.pk: [] for o in outlets}
    for person in Customer.objects.filter(home_outlet__in=outlets).only(
        "pk", "home_outlet_id", "tier_id", "value_orientation"
    ):
        people[person.home_outlet_id].append(person)
    stands = {
        o.pk: FeedbackCode.objects.get_or_create(survey=visit, outlet=o, is_active=True)[0]
        for o in outlets
    }
    root = Branch.objects.get(parent__isnull=True)
    DistributionRule.objects.get_or_create(
        survey=Survey.objects.get(code="post-complaint"), unit=root, trigger="complaint_closed",
        defaults={"channel": "sms", "daily_quota": 0},
    )  # fmt: skip
    DistributionRule.objects.get_or_create(
        survey=visit, unit=root, trigger="transaction",
        defaults={"channel": "sms", "sample_percent": 10, "daily_quota": 20,
                  "transaction_kinds": ["deposit", "withdrawal", "transfer_out"]},
    )  # fmt: skip

    asks_csat = "csat" in {q.key for q in versions[servqual.pk].parsed().questions()}
    csat_rng = random.Random(seed + 1) if asks_csat else None  # noqa: S311 (demo data)
    today = timezone.localdate()
    planned: list[tuple[Response, list[Any], Invitation | None]] = []
    for back in range(months):
        start = _month_start(today, back)
        days = ((start.replace(day=28) + timedelta(days=4)).replace(day=1) - start).days
        for outlet in outlets:
            for _n in range(max(1, round(rng.gauss(per_month, per_month / 4)))):
                day = start + timedelta(days=rng.randrange(days))
                if day > today:
                    continue
                long = rng.random() < SERVQUAL_SHARE
                survey = servqual if long else visit
                version = versions[survey.pk]
                raw = (
                    _servqual(rng, busy[outlet.pk], back / max(months - 1, 1), csat_rng)
                    if long
                    else _visit(rng, busy[outlet.pk])
                )
                rows = check_answers(version.parsed(), raw)
                planned.append(_response(rng, survey, version, outlet, day, rows, people,
                                         stands))  # fmt: skip
    Invitation.objects.bulk_create([i for _r, _rows, i in planned if i is not None])
    for response, _rows, invitation in planned:
        response.invitation = invitation
    Response.objects.bulk_create([r for r, _rows, _i in planned], batch_size=500)
    read = _comment_reader()
    Answer.objects.bulk_create(
        (answer_of(r, a, **read(a.text)) for r, rows, _i in planned for a in rows),
        batch_size=2000,
    )
    DimensionScore.objects.bulk_create(
        (
            score
            for r, rows, _i in planned
            for score in dimension_rows(r, [(a.role, a.dimension, a.item, a.number) for a in rows])
        ),
        batch_size=2000,
    )
    _beliefs(rng, servqual, today)
    return DemoSurveys(len(planned), _follow_ups(rng, [r for r, _rows, _i in planned], today))


def _beliefs(rng: random.Random, servqual: Survey, today: date) -> None:
    """What each branch's manager believed customers expect, for the last four quarters:
    customers' mean expectation in the branch and quarter (over the four quarters where a
    quarter has no answers yet), missed on responsiveness."""
    quarters = [quarter_start(today)]
    for _n in range(3):
        quarters.insert(0, quarter_start(quarters[0] - timedelta(days=1)))
    said: dict[tuple[int, date | None, str], list[float]] = {}
    for branch, month, dimension, total, n in (
        DimensionScore.objects.filter(
            survey=servqual, month__gte=quarters[0], expectation__isnull=False
        )
        .order_by()
        .values_list("outlet__parent", "month", "dimension")
        .annotate(total=Sum("expectation"), n=Count("pk"))
    ):
        for quarter in (quarter_start(month), None):  # None: the four quarters together
            into = said.setdefault((branch, quarter, dimension), [0.0, 0])
            into[0] += total
            into[1] += n
    managers = {
        p.branch_id: p
        for p in StaffProfile.objects.filter(
            branch__level=Branch.Level.BRANCH, role=Role.BRANCH_MANAGER
        ).order_by("pk")
    }
    beliefs, now = [], timezone.now()
    for branch, _all, dimension in sorted(k for k in said if k[1] is None):
        manager = managers.get(branch)
        if manager is None:
            continue
        low, high = BELIEF_OFFSET.get(dimension, (-0.2, 0.2))
        for quarter in quarters:
            total, n = said.get((branch, quarter, dimension)) or said[(branch, None, dimension)]
            level = total / n + rng.uniform(low, high)
            recorded = timezone.make_aware(datetime.combine(quarter, time(16)))
            beliefs.append(
                ExpectationBelief(
                    unit_id=branch,
                    dimension=dimension,
                    quarter=quarter,
                    expectation=round(max(1.0, min(7.0, level)), 1),
                    note=BELIEF_NOTES.get(dimension, ""),
                    recorded_by=manager,
                    recorded_at=min(now, recorded),
                )
            )
    ExpectationBelief.objects.bulk_create(beliefs)


def _comment_reader() -> Callable[[str], dict[str, Any]]:
    """The sentiment and themes of a comment, as the answering pages record them; each of the
    few distinct demo comments is read once."""
    known: dict[str, dict[str, Any]] = {}

    def read(text: str) -> dict[str, Any]:
        if not text:
            return {}
        if text not in known:
            found = analyse(text)
            known[text] = {"sentiment": found.sentiment, "themes": list(found.themes)}
        return known[text]

    return read


def _response(
    rng: random.Random,
    survey: Survey,
    version: Any,
    outlet: Branch,
    day: date,
    rows: list[Any],
    people: dict[int, list[Customer]],
    stands: dict[int, FeedbackCode],
) -> tuple[Response, list[Any], Invitation | None]:
    found = headline((a.role, a.number) for a in rows)
    at = timezone.make_aware(datetime.combine(day, time(9))) + timedelta(
        minutes=rng.randrange(8 * 60)
    )
    customers = people[outlet.pk]
    response = Response(
        survey=survey, survey_version=version, outlet=outlet, status=Response.Status.SUBMITTED,
        submitted_on=day, month=day.replace(day=1), sections_done=[
            s.key for s in version.parsed().sections
        ], nps=found.get("nps"), csat=found.get("csat"), ces=found.get("ces"),
        overall=found.get("overall"),
    )  # fmt: skip
    if customers and rng.random() < IDENTIFIED_SHARE:
        person = rng.choice(customers)
        response.source, response.customer, response.submitted_at = "invitation", person, at
        response.started_at = at - timedelta(minutes=4)
        response.tier_id, response.segment = person.tier_id, person.value_orientation
        invitation = Invitation(
            survey=survey, token_hash=token_hash(secrets.token_urlsafe(24)), customer=person,
            outlet=outlet, trigger="transaction", channel="sms",
            created_at=at - timedelta(hours=3), expires_at=at + timedelta(days=7), used_on=day,
        )  # fmt: skip
        return response, rows, invitation
    response.source, response.is_anonymous = "lobby_qr", True
    response.feedback_code = stands[outlet.pk]
    return response, rows, None


def _follow_ups(rng: random.Random, responses: list[Response], today: date) -> int:
    """Follow-ups of the unhappy answers of the last six weeks: older ones done, the rest
    open (some past their due time)."""
    made = []
    for response in responses:
        day = response.submitted_on
        if day is None or (today - day).days > 42:
            continue
        reasons = []
        if response.nps is not None and response.nps <= 6:
            reasons.append("detractor")
        if response.csat is not None and response.csat <= 2:
            reasons.append("low_csat")
        if not reasons or rng.random() < 0.5:  # the demo keeps the queue readable
            continue
        due = timezone.make_aware(datetime.combine(day, time(10))) + timedelta(days=2)
        done = (today - day).days > 10
        made.append(
            FollowUp(
                response=response,
                outlet=response.outlet,
                customer=response.customer,
                reasons=reasons,
                due_at=due,
                state=FollowUp.State.CLOSED if done else FollowUp.State.OPEN,
                contacted_at=due - timedelta(hours=20) if done else None,
                contact_method="phone" if done else "",
                outcome=f"[{due:%Y-%m-%d}] 已致电客户致歉，说明改进安排，客户表示理解。"
                if done
                else "",
                closed_at=due - timedelta(hours=19) if done else None,
            )
        )
    FollowUp.objects.bulk_create(made)
    return len(made)
