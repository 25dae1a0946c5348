from __future__ import annotations

from django.urls import reverse

from branchcx.testing import client_for


def panels(user) -> list[str]:
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return [p["template"].rsplit("/", 1)[-1] for p in response.context["panels"]]


def test_teller_home_shows_their_outlet_only(org):
    assert panels(org.teller_a) == ["unit.html"]


def test_branch_manager_home_shows_units_and_audit(org):
    assert panels(org.manager_a) == ["unit.html", "team.html", "at_risk.html", "audit.html"]


def test_auditor_home_shows_network_and_audit(org):
    assert panels(org.auditor) == ["unit.html", "network.html", "audit.html"]


def test_head_office_home_shows_everything(org):
    assert panels(org.head_office) == [
        "unit.html", "network.html", "team.html", "at_risk.html", "audit.html",
    ]  # fmt: skip


def test_navigation_follows_permissions(org):
    teller_nav = client_for(org.teller_a).get(reverse("home")).context["nav_items"]
    auditor_nav = client_for(org.auditor).get(reverse("home")).context["nav_items"]
    assert reverse("audit:event_list") not in [i["url"] for i in teller_nav]
    assert reverse("audit:event_list") in [i["url"] for i in auditor_nav]


def test_only_the_most_specific_section_is_highlighted(org):
    nav = client_for(org.head_office).get(reverse("complaints:ref_index")).context["nav_items"]
    assert [i["url"] for i in nav if i["active"]] == [reverse("complaints:ref_index")]


def test_home_requires_sign_in(db):
    from django.test import Client

    assert Client().get(reverse("home"))["Location"].startswith(reverse("login"))
