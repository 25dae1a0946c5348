"""Lobby QR codes on the management pages: per outlet in scope, a new code retires the old
print, a retired code stops working, and the printable stand."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.surveys.models import FeedbackCode
from branchcx.testing import assert_scope_rules, client_for


def issue(user, survey, outlet):
    return client_for(user).post(reverse("surveys:lobby_issue"),
                                 {"survey": survey.pk, "outlet": outlet.pk})  # fmt: skip


def test_a_new_code_retires_the_outlets_previous_one(org, survey):
    # given: a stand printed from a first code
    assert issue(org.manager_a, survey, org.sh0101).status_code == 302
    old = FeedbackCode.objects.get()
    public = reverse("surveys_public:lobby", args=[old.code])
    assert Client().get(public).status_code == 200
    # when: a new code is issued for the same outlet and survey
    page = issue(org.manager_a, survey, org.sh0101)
    # then: the old print no longer opens the survey, the new one does; we land on its stand
    new = FeedbackCode.objects.get(is_active=True)
    assert page["Location"] == reverse("surveys:lobby_print", args=[new.pk])
    assert Client().get(public).status_code == 404
    assert Client().get(reverse("surveys_public:lobby", args=[new.code])).status_code == 200


def test_a_code_is_issued_only_for_an_outlet_in_scope(org, survey):
    issue(org.manager_a, survey, org.zj0101)  # another branch's outlet
    issue(org.manager_a, survey, org.sh01)  # a branch, not an outlet
    issue(org.teller_a, survey, org.sh0101)  # a teller keeps no codes
    assert not FeedbackCode.objects.exists()
    assert issue(org.teller_a, survey, org.sh0101).status_code == 403


def test_retiring_a_code_stops_its_link_and_is_audited(org, survey):
    lobby = FeedbackCode.objects.create(survey=survey, outlet=org.sh0101)
    url = reverse("surveys:lobby_retire", args=[lobby.pk])
    assert_scope_rules(url, method="post", insider=org.manager_a, outsider=org.manager_b,
                       read_only=org.auditor, ok_status=302)  # fmt: skip
    lobby.refresh_from_db()
    assert not lobby.is_active
    assert Client().get(reverse("surveys_public:lobby", args=[lobby.code])).status_code == 404
    assert AuditEvent.objects.filter(action="change", target_type="surveys.FeedbackCode").exists()


def test_the_list_shows_the_scopes_codes_without_the_codes(
    org, survey, django_assert_max_num_queries
):
    mine = FeedbackCode.objects.create(survey=survey, outlet=org.sh0101)
    FeedbackCode.objects.create(survey=survey, outlet=org.zj0101)
    client = client_for(org.manager_a)
    page = client.get(reverse("surveys:feedback_codes"))
    assert list(page.context["page"]) == [mine]
    assert mine.code not in page.content.decode()  # the public secret stays on the stand
    client.get(reverse("surveys:feedback_codes"))
    for outlet in (org.sh0101,) * 5:
        FeedbackCode.objects.create(survey=survey, outlet=outlet)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("surveys:feedback_codes") + "?show=all")
    assert len(page.context["page"]) == 6


def test_the_stand_shows_the_outlet_qr_code_and_short_url(org, survey):
    lobby = FeedbackCode.objects.create(survey=survey, outlet=org.sh0101)
    url = reverse("surveys:lobby_print", args=[lobby.pk])
    page = assert_scope_rules(url, insider=org.auditor, outsider=org.manager_b)
    text = page.content.decode()
    assert "浦东支行" in text and "<svg" in text and "viewBox" in text
    assert f"/s/q/{lobby.code}/" in text
    assert "http" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]  # drawn, not fetched
    a4 = client_for(org.manager_a).get(url + "?size=a4").content.decode()
    assert "stand-a4" in a4


def test_the_feedback_qr_code_is_not_named_after_the_lobby_app(db):
    # ``lobby`` is the app of the branch floor; the survey's QR code is a feedback code,
    # with permissions of that name
    from django.apps import apps
    from django.contrib.auth.models import Permission

    names = {m.__name__ for m in apps.get_app_config("surveys").get_models()}
    assert "FeedbackCode" in names and "LobbyCode" not in names
    codes = set(
        Permission.objects.filter(content_type__app_label="surveys").values_list(
            "codename", flat=True
        )
    )
    assert {"add_feedbackcode", "change_feedbackcode", "view_feedbackcode"} <= codes
    assert not {c for c in codes if c.endswith("_lobbycode")}
