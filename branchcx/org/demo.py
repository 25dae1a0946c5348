"""A demonstration organisation: head office, branches in real cities, outlets, and staff in
every role, with valid-format (but invented) mobiles and ID numbers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric

from branchcx.org.actions import SystemActor, do_create_branch, do_create_staff
from branchcx.org.models import Branch, Role

DEMO_PASSWORD = "BranchCX-demo-2026"  # noqa: S105 (printed on purpose: demo data only)

HOURS_WEEKDAY = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00")

# (code, branch name, city, region code for ID numbers, outlets)
BRANCHES = [
    (
        "SH01",
        "上海分行",
        "上海",
        "310115",
        [
            ("SH0101", "浦东支行", "上海市浦东新区世纪大道100号"),
            ("SH0102", "徐汇支行", "上海市徐汇区漕溪北路88号"),
        ],
    ),
    (
        "ZJ01",
        "杭州分行",
        "杭州",
        "330106",
        [
            ("ZJ0101", "西湖支行", "浙江省杭州市西湖区文三路200号"),
            ("ZJ0102", "滨江支行", "浙江省杭州市滨江区江南大道15号"),
        ],
    ),
    (
        "GD01",
        "深圳分行",
        "深圳",
        "440305",
        [
            ("GD0101", "南山支行", "广东省深圳市南山区科技园路9号"),
            ("GD0102", "福田支行", "广东省深圳市福田区深南大道6008号"),
        ],
    ),
    (
        "BJ01",
        "北京分行",
        "北京",
        "110105",
        [
            ("BJ0101", "朝阳支行", "北京市朝阳区建国路77号"),
            ("BJ0102", "海淀支行", "北京市海淀区中关村大街27号"),
        ],
    ),
    (
        "SC01",
        "成都分行",
        "成都",
        "510107",
        [
            ("SC0101", "武侯支行", "四川省成都市武侯区人民南路四段1号"),
            ("SC0102", "锦江支行", "四川省成都市锦江区红星路三段1号"),
        ],
    ),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建国",
    "晓燕",
    "志强",
    "海燕",
    "文博",
    "雨涵",
]
OUTLET_ROLES = [
    (Role.LOBBY_MANAGER, "lobby"),
    (Role.TELLER, "teller"),
    (Role.RELATIONSHIP_MANAGER, "rm"),
    (Role.COMPLAINT_OFFICER, "complaints"),
]


@dataclass
class DemoLogin:
    username: str
    role: str
    unit: str


def resident_id(rng: random.Random, region: str) -> str:
    """A checksum-valid ID. stdnum also checks that the region code existed at the birth
    date (codes were created and retired over the years), so draw until one passes."""
    while True:
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
        body = f"{region}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = body + ric.calc_check_digit(body + "0")  # it ignores the last character
        if ric.is_valid(number):
            return number


def mobile(rng: random.Random) -> str:
    return rng.choice(["139", "138", "136", "150", "186", "188"]) + f"{rng.randrange(10**8):08d}"


def build_organisation(branches: int = 2, seed: int = 1) -> list[DemoLogin]:
    """Create the demo organisation unless a head office exists; return the demo logins."""
    if Branch.objects.filter(level=Branch.Level.HEAD_OFFICE).exists():
        return []
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    actor = SystemActor()
    logins: list[DemoLogin] = []
    employee_no = iter(range(10001, 99999))

    def staff(unit: Branch, username: str, role: str, region: str) -> None:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        do_create_staff(
            actor,
            branch=unit,
            username=username,
            full_name=name,
            employee_no=f"E{next(employee_no)}",
            role=role,
            mobile=mobile(rng),
            id_number=resident_id(rng, region),
            password=DEMO_PASSWORD,
        )
        logins.append(DemoLogin(username, str(Role(role).label), unit.name))

    head = do_create_branch(
        actor,
        code="HO",
        name="总行",
        level=Branch.Level.HEAD_OFFICE,
        parent=None,
        city="上海",
        address="上海市黄浦区中山东一路1号",
        phone="021-95500",
        opening_hours=HOURS_WEEKDAY,
    )
    staff(head, "admin", Role.HEAD_OFFICE_ADMIN, "310101")
    staff(head, "auditor", Role.AUDITOR, "310101")
    for code, name, city, region, outlets in BRANCHES[: max(1, min(branches, len(BRANCHES)))]:
        branch = do_create_branch(
            actor,
            code=code,
            name=name,
            level=Branch.Level.BRANCH,
            parent=head,
            city=city,
            opening_hours=HOURS_WEEKDAY,
        )
        staff(branch, f"{code.lower()}.manager", Role.BRANCH_MANAGER, region)
        for outlet_code, outlet_name, address in outlets:
            outlet = do_create_branch(
                actor,
                code=outlet_code,
                name=outlet_name,
                level=Branch.Level.OUTLET,
                parent=branch,
                city=city,
                address=address,
                phone=f"{rng.randrange(10**7, 10**8)}",
                opening_hours={**HOURS_WEEKDAY, "sat": "09:30-16:00"},
            )
            staff(outlet, f"{outlet_code.lower()}.manager", Role.BRANCH_MANAGER, region)
            for role, suffix in OUTLET_ROLES:
                staff(outlet, f"{outlet_code.lower()}.{suffix}", role, region)
    return logins


def existing_logins(limit: int = 40) -> list[DemoLogin]:
    """The sign-ins of an organisation already loaded, in tree order (for ``make run``)."""
    from branchcx.org.models import StaffProfile

    staff = StaffProfile.objects.filter(is_active=True).select_related("user", "branch")
    return [
        DemoLogin(s.user.get_username(), str(Role(s.role).label), s.branch.name)
        for s in staff.order_by("branch__path", "employee_no")[:limit]
    ]
