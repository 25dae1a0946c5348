"""Test helpers every app reuses: a two-branch organisation with personas, clients for them,
and one assertion for the scoping rules (anonymous refused, other branch 404, read-only 403).

Personas (``Org`` attributes), each a real user made through the real actions::

    head office  HO ──┬─ SH01 上海分行 ── SH0101 浦东支行
                      └─ ZJ01 杭州分行 ── ZJ0101 西湖支行

    head_office   head-office administrator at HO (whole network)
    auditor       auditor at HO (whole network, read-only)
    manager_a     branch manager at SH01 (SH01 and its outlets)
    teller_a      teller at SH0101
    manager_b     branch manager at ZJ01
    teller_b      teller at ZJ0101 (the "other branch")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from branchcx.org.actions import SystemActor, do_create_branch, do_create_staff, do_create_token
from branchcx.org.models import Branch, Role, StaffProfile

PASSWORD = "Persona-pass-2026"


@dataclass
class Org:
    ho: Branch
    sh01: Branch
    sh0101: Branch
    zj01: Branch
    zj0101: Branch
    head_office: Any
    auditor: Any
    manager_a: Any
    teller_a: Any
    manager_b: Any
    teller_b: Any

    def staff(self, user: Any) -> StaffProfile:
        return StaffProfile.objects.get(user=user)


def make_staff(username: str, role: str, branch: Branch, n: int) -> StaffProfile:
    """One more persona (as head office would create it), password ``PASSWORD``, mobile
    ``1391234nnnn``; ``n`` must be unique within the test."""
    staff, _ = do_create_staff(
        SystemActor(),
        branch=branch,
        username=username,
        full_name=f"测试{username}",
        employee_no=f"T{n:05d}",
        role=role,
        mobile=f"1391234{n:04d}",
        password=PASSWORD,
    )
    return staff


def build_org() -> Org:
    actor = SystemActor()

    def unit(code: str, name: str, level: str, parent: Branch | None) -> Branch:
        return do_create_branch(actor, code=code, name=name, level=level, parent=parent)

    def person(username: str, role: str, branch: Branch, n: int) -> Any:
        return make_staff(username, role, branch, n).user

    ho = unit("HO", "总行", Branch.Level.HEAD_OFFICE, None)
    sh01 = unit("SH01", "上海分行", Branch.Level.BRANCH, ho)
    sh0101 = unit("SH0101", "浦东支行", Branch.Level.OUTLET, sh01)
    zj01 = unit("ZJ01", "杭州分行", Branch.Level.BRANCH, ho)
    zj0101 = unit("ZJ0101", "西湖支行", Branch.Level.OUTLET, zj01)
    return Org(
        ho=ho,
        sh01=sh01,
        sh0101=sh0101,
        zj01=zj01,
        zj0101=zj0101,
        head_office=person("head_office", Role.HEAD_OFFICE_ADMIN, ho, 1),
        auditor=person("auditor", Role.AUDITOR, ho, 2),
        manager_a=person("manager_a", Role.BRANCH_MANAGER, sh01, 3),
        teller_a=person("teller_a", Role.TELLER, sh0101, 4),
        manager_b=person("manager_b", Role.BRANCH_MANAGER, zj01, 5),
        teller_b=person("teller_b", Role.TELLER, zj0101, 6),
    )


def client_for(user: Any) -> Client:
    """A client signed in as ``user`` through the session. Like Django's test client it skips
    CSRF checks; tests of CSRF itself use ``Client(enforce_csrf_checks=True)``."""
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def api_client_for(user: Any) -> Client:
    """A client that authenticates with a fresh bearer token of ``user``."""
    _token, secret = do_create_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def call(client: Client, method: str, url: str, data: Any = None, *, as_json: bool) -> Any:
    if as_json:
        body = json.dumps(data) if data is not None else None
        return client.generic(method.upper(), url, body or "", content_type="application/json")
    if method.lower() == "post":
        return client.post(url, data or {})
    return getattr(client, method.lower())(url)


def assert_scope_rules(
    url: str,
    *,
    method: str = "get",
    data: Any = None,
    insider: Any,
    outsider: Any,
    read_only: Any = None,
    ok_status: int | tuple[int, ...] = 200,
    api: bool = False,
) -> Any:
    """The rules every page and endpoint keeps; returns the insider's response.

    - anonymous: API 401, page redirect to sign-in;
    - ``outsider`` (another branch, even with the same role): 404, never 403;
    - ``read_only`` (e.g. the auditor, in scope) on a write: 403;
    - ``insider``: ``ok_status``.

    Each persona's call must change nothing when refused; callers check their own data.
    """
    make = api_client_for if api else client_for
    anonymous = call(Client(), method, url, data, as_json=api)
    if api:
        assert anonymous.status_code == 401, (url, anonymous.status_code)
        assert anonymous.json()["code"] == "not_authenticated"
    else:
        assert anonymous.status_code == 302, (url, anonymous.status_code)
        assert anonymous["Location"].startswith("/login/")
    refused = call(make(outsider), method, url, data, as_json=api)
    assert refused.status_code == 404, (url, "outsider", refused.status_code)
    if read_only is not None:
        denied = call(make(read_only), method, url, data, as_json=api)
        assert denied.status_code == 403, (url, "read-only", denied.status_code)
    allowed = call(make(insider), method, url, data, as_json=api)
    expected = ok_status if isinstance(ok_status, tuple) else (ok_status,)
    assert allowed.status_code in expected, (url, "insider", allowed.status_code)
    return allowed
