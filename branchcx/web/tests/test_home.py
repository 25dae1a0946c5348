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


def test_a_registered_home_panel_appears_for_whom_it_decides(org):
    # given a panel that an app registers, shown only to auditors
    from branchcx.web.panels import HomePanel, home_panels

    def build(user):
        return {"template": "audit/panels/audit.html"} if user == org.auditor else None

    home_panels.register(HomePanel("test-extra", build, order=15))
    try:
        # when each signs in
        auditor, teller = panels(org.auditor), panels(org.teller_a)
    finally:
        home_panels.unregister("test-extra")
    # then it stands in its order for the auditor alone
    assert auditor == ["unit.html", "audit.html", "network.html", "audit.html"]
    assert teller == ["unit.html"]


def test_a_registered_navigation_entry_appears_in_order_with_its_permission(org):
    from branchcx.web.navigation import NavItem, navigation

    item = NavItem("test-extra", "Extra", "audit:event_list", "audit.view_auditevent", "/x/", 15)
    navigation.register(item)
    try:
        auditor = client_for(org.auditor).get(reverse("home")).context["nav_items"]
        teller = client_for(org.teller_a).get(reverse("home")).context["nav_items"]
    finally:
        navigation.unregister("test-extra")
    assert [str(i["label"]) for i in auditor][1] == "Extra"  # after Home (10), before 20
    assert auditor[0]["url"] == reverse("home")
    assert "Extra" not in [i["label"] for i in teller]
