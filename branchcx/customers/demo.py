"""Demonstration customers for the demo organisation: realistic enough to make every page and
analysis look like a real branch network.

- Chinese names from common surnames; valid-format resident IDs whose birth date and sex digit
  agree with the record; valid mobile prefixes.
- Skewed wealth: assets are log-normal, so a few per cent of customers hold most of the AUM.
- Heterogeneous activity: frequent, occasional, dormant and churned customers.
- Seasonality: salary credits at month-end, spending and withdrawals up before Spring Festival.
- Holdings and transactions agree: every transaction moves money on one of the customer's
  holdings, and AUM and tier are computed from the holdings.

Rows are written with ``bulk_create`` in batches (encryption and blind indexes still apply:
they run in the fields), then AUM and tiers are refreshed set-based.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from branchcx.customers.models import (
    ContactChannel,
    Customer,
    Gender,
    Holding,
    Interaction,
    Product,
    Tag,
    Temperament,
    Transaction,
    ValueOrientation,
)
from branchcx.customers.queries import refresh_aum
from branchcx.org.models import Branch, Role, StaffProfile

# Weighted by frequency in the population (王 李 张 刘 陈 are about a third of all Chinese).
_COMMON = "王" * 7 + "李" * 7 + "张" * 7 + "刘" * 5 + "陈" * 5 + "杨" * 3 + "黄" * 2 + "赵" * 2
_OTHERS = (
    "吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱"
    "严覃武戴莫孔向汤"
)
SURNAMES = _COMMON + _OTHERS
_GIVEN = (
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华 文 华 "
    "红 玉兰 鹏 辉 建国 建军 晓东 晓燕 志强 海燕 丹 萍 鑫 宇 浩 欣怡 子涵 梓轩 一诺 雨桐 "
    "思远 嘉怡 俊杰 佳琪 博文 心怡 宇航 晨曦 诗涵 子墨 若曦 天佑 家豪 美玲 国庆 春梅 红梅"
)
GIVEN = _GIVEN.split()
OCCUPATIONS = [
    "教师",
    "医生",
    "公务员",
    "工程师",
    "个体工商户",
    "企业职员",
    "企业主",
    "退休人员",
    "自由职业",
    "学生",
    "会计",
    "销售",
    "律师",
    "护士",
    "程序员",
    "司机",
]
MOBILE_PREFIXES = [
    "139",
    "138",
    "137",
    "136",
    "135",
    "150",
    "151",
    "158",
    "186",
    "188",
    "189",
    "177",
]
# Region codes (stable over the decades stdnum checks) for each demo city.
REGIONS = {"上海": "310104", "杭州": "330106", "深圳": "440303", "北京": "110105", "成都": "510104"}
SEGMENTS = [("frequent", 0.30), ("occasional", 0.40), ("dormant", 0.20), ("churned", 0.10)]
MONTHLY_TXNS = {"frequent": 14.0, "occasional": 3.0, "dormant": 0.15, "churned": 2.0}
CHANNEL_WEIGHTS = [
    (Transaction.Channel.MOBILE_BANKING, 52),
    (Transaction.Channel.POS, 16),
    (Transaction.Channel.COUNTER, 10),
    (Transaction.Channel.ATM, 9),
    (Transaction.Channel.THIRD_PARTY, 8),
    (Transaction.Channel.ONLINE_BANKING, 5),
]
SPENDING_KINDS = [
    (Transaction.Kind.CARD_SPEND, Transaction.Direction.DEBIT, 40),
    (Transaction.Kind.PAYMENT, Transaction.Direction.DEBIT, 25),
    (Transaction.Kind.TRANSFER_OUT, Transaction.Direction.DEBIT, 12),
    (Transaction.Kind.WITHDRAWAL, Transaction.Direction.DEBIT, 8),
    (Transaction.Kind.TRANSFER_IN, Transaction.Direction.CREDIT, 10),
    (Transaction.Kind.DEPOSIT, Transaction.Direction.CREDIT, 5),
]
# (purpose, what was noted): the note always fits the purpose of the contact
CONTACT_NOTES = [
    ("enquiry", "客户咨询大额存单利率，已介绍三年期产品。"),
    ("service", "客户反映手机银行转账限额不够用，已协助调整。"),
    ("care", "生日问候电话，客户表示感谢。"),
    ("follow_up", "客户关心理财产品到期后的续作安排，约定下周回电。"),
    ("service", "客户办理银行卡挂失，情绪较急，已安抚并加急处理。"),
    ("advice", "邀请客户参加周末理财沙龙，客户有兴趣。"),
    ("enquiry", "客户询问养老保险产品，已提供资料。"),
    ("complaint", "客户对排队时间较长有抱怨，已致歉并引导使用自助设备。"),
    ("complaint", "客户对信用卡分期手续费有异议，已解释收费标准并记录诉求。"),
    ("advice", "为客户做资产配置检视，建议适当增加稳健类产品。"),
]
BATCH = 2000


@dataclass
class DemoCounts:
    customers: int
    holdings: int
    transactions: int
    contacts: int


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _resident_id(rng: random.Random, region: str, born: date, male: bool) -> tuple[str, date]:
    """A valid ID for this birth date and sex; if the region code did not exist on that date,
    the birth date moves a little until it did."""
    while True:
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd digit 17: male
        body = f"{region}{born:%Y%m%d}{sequence:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number, born
        born += timedelta(days=rng.randrange(30, 400))


def _month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(date(year, month + 1, 1))
    return starts


def _spring_festival_boost(day: date) -> float:
    # Spending peaks in the weeks before Spring Festival (late January to mid-February).
    return 1.7 if (day.month == 1 and day.day >= 15) or (day.month == 2 and day.day <= 10) else 1.0


def _aware(day: date, rng: random.Random) -> datetime:
    """A business-hours moment of ``day``, never later than now (today is only half over)."""
    moment = time(hour=rng.randrange(8, 22), minute=rng.randrange(60), second=rng.randrange(60))
    aware = timezone.make_aware(datetime.combine(day, moment))
    now = timezone.now()
    return aware if aware <= now else now - timedelta(minutes=rng.randrange(1, 90))


def _money(value: float) -> Decimal:
    return Decimal(str(round(max(value, 1.0), 2)))


@transaction.atomic
def build_customers(customers: int = 2000, months: int = 12, seed: int = 1) -> DemoCounts:
    """Create ``customers`` across the demo outlets with ``months`` of history."""
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET, is_active=True))
    if not outlets or customers <= 0:
        return DemoCounts(0, 0, 0, 0)
    products = {p.code: p for p in Product.objects.all()}
    tags = list(Tag.objects.filter(is_active=True))
    staff_by_outlet: dict[int, list[StaffProfile]] = {}
    rm_by_outlet: dict[int, StaffProfile] = {}
    for member in StaffProfile.objects.filter(branch__in=outlets, is_active=True):
        staff_by_outlet.setdefault(member.branch_id, []).append(member)
        if member.role == Role.RELATIONSHIP_MANAGER:
            rm_by_outlet.setdefault(member.branch_id, member)
    today = timezone.localdate()
    month_starts = _month_starts(months, today)
    start_no = Customer.objects.count() + 1

    people: list[Customer] = []
    profiles: list[dict[str, Any]] = []
    for n in range(customers):
        outlet = rng.choice(outlets)
        male = rng.random() < 0.5
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        id_number, born = _resident_id(rng, REGIONS.get(outlet.city, "310104"), born, male)
        wealth = math.exp(rng.gauss(10.6, 1.7))  # median ≈ CNY 40,000, long tail
        segment = _pick(rng, SEGMENTS)
        since = today - timedelta(days=rng.randrange(60, 365 * 20))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        people.append(
            Customer(
                customer_no=f"D{start_no + n:09d}",
                name=name,
                gender=Gender.MALE if male else Gender.FEMALE,
                birth_date=born,
                id_type="resident_id",
                id_number=id_number,
                mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                address=_address(rng, outlet),
                occupation=rng.choice(OCCUPATIONS),
                home_outlet=outlet,
                relationship_manager=rm_by_outlet.get(outlet.pk) if wealth > 500_000 else None,
                kyc_risk=_pick(rng, [("low", 85), ("medium", 12), ("high", 3)]),
                marketing_consent=rng.random() < 0.6,
                preferred_channel=_pick(
                    rng,
                    [
                        (ContactChannel.MOBILE_BANKING, 45),
                        (ContactChannel.PHONE, 25),
                        (ContactChannel.COUNTER, 20),
                        (ContactChannel.WECHAT, 10),
                    ],
                ),
                temperament=rng.choice([*Temperament.values, ""]),
                value_orientation=rng.choice([*ValueOrientation.values, ""]),
                became_customer_on=since,
                is_active=segment != "churned" or rng.random() < 0.5,
            )
        )
        profiles.append({"wealth": wealth, "segment": segment, "since": since, "outlet": outlet})
    for person in people:
        if person.marketing_consent:
            person.marketing_consent_at = _aware(person.became_customer_on, rng)
    Customer.objects.bulk_create(people, batch_size=BATCH)
    people = list(
        Customer.objects.filter(customer_no__in=[p.customer_no for p in people]).order_by(
            "customer_no"
        )
    )

    holdings: list[Holding] = []
    account_seq = Holding.objects.count() * 10 + 1
    for person, profile in zip(people, profiles, strict=True):
        wealth = profile["wealth"]
        plan = [("demand-cny", 0.25 if wealth > 200_000 else 0.8)]
        if wealth > 30_000:
            plan.append((rng.choice(["time-1y", "time-3y", "large-cd"]), 0.35))
        if wealth > 150_000:
            plan.append((rng.choice(["wm-fixed", "wm-cash"]), 0.3))
        if wealth > 800_000:
            plan += [(rng.choice(["fund-bond", "fund-equity"]), 0.07), ("ins-annuity", 0.03)]
        total = sum(share for _c, share in plan)
        for code, share in plan:
            account_seq += 1
            holding = Holding(
                customer=person,
                product=products[code],
                account_number=f"62{account_seq:014d}",
                balance=_money(wealth * share / total),
                opened_on=profile["since"],
            )
            holdings.append(holding)
        if rng.random() < 0.4:
            account_seq += 1
            holdings.append(
                Holding(
                    customer=person,
                    product=products["card-credit"],
                    account_number=f"52{account_seq:014d}",
                    balance=-_money(rng.uniform(0, 20_000)),
                    credit_limit=Decimal(rng.choice([10_000, 30_000, 50_000, 100_000])),
                    opened_on=profile["since"],
                )
            )
        if rng.random() < 0.15:
            account_seq += 1
            holdings.append(
                Holding(
                    customer=person,
                    product=products["loan-mortgage"],
                    account_number=f"80{account_seq:014d}",
                    balance=-_money(rng.uniform(200_000, 2_000_000)),
                    opened_on=profile["since"],
                )
            )
    Holding.objects.bulk_create(holdings, batch_size=BATCH)
    main = {
        h.customer_id: h
        for h in Holding.objects.filter(customer__in=people, product__code="demand-cny")
    }

    txns: list[Transaction] = []
    contacts: list[Interaction] = []
    written = 0
    for person, profile in zip(people, profiles, strict=True):
        account = main.get(person.pk)
        segment = profile["segment"]
        scale = max(50.0, profile["wealth"] ** 0.6)
        churned_after = (
            today - timedelta(days=rng.randrange(180, 330)) if segment == "churned" else None
        )
        last_seen = None
        for month_start in month_starts:
            if month_start < person.became_customer_on.replace(day=1):
                continue
            # salary at month-end for the employed, on their main account
            if segment in ("frequent", "occasional") and rng.random() < 0.7:
                pay_day = (month_start + timedelta(days=32)).replace(day=1) - timedelta(
                    days=rng.randrange(1, 4)
                )
                if pay_day <= today and (churned_after is None or pay_day < churned_after):
                    txns.append(
                        Transaction(
                            customer=person,
                            holding=account,
                            amount=_money(scale * rng.uniform(2, 6)),
                            direction=Transaction.Direction.CREDIT,
                            kind=Transaction.Kind.SALARY,
                            channel=Transaction.Channel.SYSTEM,
                            occurred_at=_aware(pay_day, rng),
                        )
                    )
            # More transactions, and larger ones, before Spring Festival.
            season = 1.3 if month_start.month in (1, 2) else 1.0
            for _ in range(_poisson(rng, MONTHLY_TXNS[segment] * season)):
                day = month_start + timedelta(days=rng.randrange(0, 28))
                if day > today or (churned_after is not None and day >= churned_after):
                    continue
                kind, direction = _pick(rng, [((k, d), w) for k, d, w in SPENDING_KINDS])
                channel = _pick(rng, CHANNEL_WEIGHTS)
                at_outlet = channel in (Transaction.Channel.COUNTER, Transaction.Channel.ATM)
                moment = _aware(day, rng)
                txns.append(
                    Transaction(
                        customer=person,
                        holding=account,
                        amount=_money(
                            scale * rng.lognormvariate(-1.2, 1.0) * _spring_festival_boost(day)
                        ),
                        direction=direction,
                        kind=kind,
                        channel=channel,
                        outlet=profile["outlet"] if at_outlet else None,
                        occurred_at=moment,
                    )
                )
                last_seen = moment if last_seen is None or moment > last_seen else last_seen
        person.last_activity_at = last_seen
        staff = staff_by_outlet.get(profile["outlet"].pk) or []
        if staff and segment != "churned":
            for _ in range(rng.randrange(0, 4 if profile["wealth"] > 200_000 else 2)):
                day = today - timedelta(days=rng.randrange(1, 30 * months))
                purpose, note = rng.choice(CONTACT_NOTES)
                contacts.append(
                    Interaction(
                        customer=person,
                        staff=rng.choice(staff),
                        channel=_pick(
                            rng,
                            [
                                (ContactChannel.COUNTER, 45),
                                (ContactChannel.PHONE, 40),
                                (ContactChannel.WECHAT, 15),
                            ],
                        ),
                        purpose=purpose,
                        presentation=_pick(
                            rng,
                            [("calm", 70), ("confused", 15), ("demanding", 10), ("agitated", 5)],
                        ),
                        notes=note,
                        outcome=_pick(
                            rng, [("resolved", 75), ("referred", 10), ("no_contact", 15)]
                        ),
                        occurred_at=_aware(day, rng),
                    )
                )
        if len(txns) >= 20_000:
            Transaction.objects.bulk_create(txns, batch_size=BATCH)
            written += len(txns)
            txns = []
    Transaction.objects.bulk_create(txns, batch_size=BATCH)
    written += len(txns)
    Interaction.objects.bulk_create(contacts, batch_size=BATCH)
    Customer.objects.bulk_update(people, ["last_activity_at"], batch_size=BATCH)
    through = Customer.tags.through
    through.objects.bulk_create(
        [
            through(customer_id=person.pk, tag_id=tag.pk)
            for person in people
            for tag in rng.sample(tags, k=min(len(tags), rng.choice([0, 1, 1, 2, 3])))
        ],
        batch_size=BATCH,
    )
    refresh_aum(Customer.objects.filter(pk__in=[p.pk for p in people]))
    return DemoCounts(len(people), len(holdings), written, len(contacts))


def _address(rng: random.Random, outlet: Branch) -> str:
    """An address in the outlet's district: "上海市浦东新区…路12号3栋501室"."""
    district = outlet.address[: outlet.address.find("区") + 1] if "区" in outlet.address else ""
    street = rng.choice(["人民路", "解放路", "建设路", "中山路", "和平路", "新华路", "文化路"])
    return (
        f"{district or outlet.city}{street}{rng.randrange(1, 400)}号"
        f"{rng.randrange(1, 20)}栋{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室"
    )


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; the means here are small."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
