"""The survey management pages: the list, a new survey, the wording as JSON (validated, with
where each problem is, never overwriting a colleague's edit), publishing and closing."""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings
from django.test import Client
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_create_customer
from branchcx.surveys.actions import do_invite, open_invitation, start_from_invitation
from branchcx.surveys.models import FeedbackCode, Response, Survey
from branchcx.surveys.tests.test_answering import DEFINITION, answer_all
from branchcx.testing import client_for


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def answered(org, survey, n=1):
    """``n`` submitted answers at SH0101, each from a new customer."""
    for i in range(n):
        customer = do_create_customer(
            org.teller_a, customer_no=f"C86{survey.version}{i:02d}", home_outlet=org.sh0101,
            became_customer_on=date(2020, 1, 1), name="钱九", id_type="passport",
            id_number=f"E86{survey.version}{i:04d}",
        )  # fmt: skip
        _invitation, token = do_invite(org.teller_a, survey, customer, outlet=org.sh0101,
                                       trigger="manual", channel="printed")  # fmt: skip
        answer_all(start_from_invitation(open_invitation(token)))


# --- the list -------------------------------------------------------------------------------


def test_the_list_counts_answers_rules_and_codes_in_the_users_scope(org, survey):
    # given: an answer and a lobby code at SH0101 (Shanghai)
    answered(org, survey)
    FeedbackCode.objects.create(survey=survey, outlet=org.sh0101)
    url = reverse("surveys:manage")
    # when / then: Shanghai's manager sees them, Hangzhou's sees the survey without them
    mine = {s.code: s for s in client_for(org.manager_a).get(url).context["surveys"]}
    other = {s.code: s for s in client_for(org.manager_b).get(url).context["surveys"]}
    assert (mine["outlet-service"].response_count, mine["outlet-service"].lobby_count) == (1, 1)
    assert (other["outlet-service"].response_count, other["outlet-service"].lobby_count) == (0, 0)
    assert mine["outlet-service"].current_number == 1
    assert mine["post-visit"].current_number == 1  # the shipped questionnaires are listed


def test_the_list_takes_a_fixed_number_of_queries(org, survey, django_assert_max_num_queries):
    client = client_for(org.head_office)
    client.get(reverse("surveys:manage"))  # warm the session and permission caches
    for i in range(5):
        Survey.objects.create(code=f"extra-{i}", kind="custom", name=f"调查{i}")
    with django_assert_max_num_queries(15):
        page = client.get(reverse("surveys:manage"))
    assert len(page.context["surveys"]) == 9


def test_the_list_needs_a_sign_in_and_view_survey(org, django_user_model):
    assert Client().get(reverse("surveys:manage")).status_code == 302
    outsider = django_user_model.objects.create_user("no_role", password="x")
    assert client_for(outsider).get(reverse("surveys:manage")).status_code == 403
    assert client_for(org.teller_a).get(reverse("surveys:manage")).status_code == 200


# --- a new survey ---------------------------------------------------------------------------


def new_survey(**changes):
    return {
        "code": "wealth-2026", "kind": "custom", "name": "理财客户调查",
        "name_en": "Wealth clients", "allow_anonymous": "on", "invitation_days": "10",
        "start_from": "shipped:post_visit",
    } | changes  # fmt: skip


def test_head_office_creates_a_draft_from_a_shipped_questionnaire(org):
    page = client_for(org.head_office).post(reverse("surveys:survey_add"), new_survey())
    assert page.status_code == 302
    survey = Survey.objects.get(code="wealth-2026")
    assert (survey.status, survey.invitation_days, survey.allow_anonymous) == ("draft", 10, True)
    (version,) = survey.versions.all()
    assert version.published_at is None and version.definition["sections"][0]["key"] == "visit"
    assert AuditEvent.objects.filter(action="create", target_label="wealth-2026").exists()


def test_a_new_survey_may_copy_another_surveys_current_version(org, survey):
    client_for(org.head_office).post(
        reverse("surveys:survey_add"), new_survey(start_from="copy:outlet-service")
    )
    copy = Survey.objects.get(code="wealth-2026").versions.get()
    assert copy.definition == survey.current().definition


def test_only_head_office_creates_surveys_and_a_code_is_used_once(org, survey):
    assert client_for(org.manager_a).get(reverse("surveys:survey_add")).status_code == 403
    assert client_for(org.auditor).post(reverse("surveys:survey_add"),
                                        new_survey()).status_code == 403  # fmt: skip
    again = english(org.head_office).post(
        reverse("surveys:survey_add"), new_survey(code="outlet-service")
    )
    assert "exists already" in str(again.context["form"].errors["code"])
    reserved = client_for(org.head_office).post(
        reverse("surveys:survey_add"), new_survey(code="rules")
    )
    assert "code" in reserved.context["form"].errors
    assert not Survey.objects.filter(code__in=["rules", "wealth-2026"]).exists()


# --- the survey and its wording -------------------------------------------------------------


def test_the_survey_page_shows_the_current_version_read_only(org, survey):
    page = english(org.teller_a).get(reverse("surveys:survey", args=[survey.code]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="question-why"' in text and "csat ≤ 3" in text  # the condition, readable
    assert "Zone of tolerance" in text and "1-7" in text
    assert 'id="survey-actions"' not in text  # a teller reads, does not edit


def test_an_unknown_survey_is_404(org):
    page = client_for(org.head_office).get(reverse("surveys:survey", args=["nope"]))
    assert page.status_code == 404


def edit(client, survey, document, version):
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return client.post(reverse("surveys:survey_edit", args=[survey.code]),
                       {"definition": text, "version": version})  # fmt: skip


def changed_wording():
    document = json.loads(json.dumps(DEFINITION))
    document["sections"][1]["questions"][0]["text"] = {"zh": "今天满意吗？", "en": "Happy today?"}
    return document


def test_publishing_makes_a_new_current_version_and_old_answers_keep_theirs(org, survey):
    # given: an answer to version 1
    answered(org, survey)
    client = client_for(org.head_office)
    # when: the wording is edited (a draft v2) and published
    assert edit(client, survey, changed_wording(), survey.version).status_code == 302
    survey.refresh_from_db()
    assert survey.current().number == 1  # a draft is not yet what respondents see
    published = client.post(reverse("surveys:survey_publish", args=[survey.code]),
                            {"version": survey.version})  # fmt: skip
    assert published.status_code == 302
    # then: v2 is current, the earlier answer still points at v1, a new answer gets v2
    survey.refresh_from_db()
    assert survey.current().number == 2 and survey.status == "live"
    assert list(Response.objects.values_list("survey_version__number", flat=True)) == [1]
    answered(org, survey)
    assert sorted(Response.objects.values_list("survey_version__number", flat=True)) == [1, 2]
    page = client.get(reverse("surveys:survey", args=[survey.code]))
    counts = {v.number: v.response_count for v in page.context["versions"]}
    assert counts == {1: 1, 2: 1}


def test_an_invalid_questionnaire_says_what_is_wrong_where(org, survey):
    document = changed_wording()
    del document["sections"][1]["questions"][1]["text"]  # nps without its wording
    document["sections"][0]["questions"][0]["scale"] = {"min": 1, "max": 40}
    page = english(org.head_office).post(
        reverse("surveys:survey_edit", args=[survey.code]),
        {"definition": json.dumps(document), "version": survey.version},
    )
    assert page.status_code == 422
    errors = page.context["form"].errors["definition"]
    assert any("section 2 (overall) > question 2 (nps) > text" in e for e in errors)
    assert any("section 1 (quality) > question 1 (e11) > scale > max" in e for e in errors)
    assert 'id="definition-errors"' in page.content.decode()
    assert survey.versions.count() == 1  # nothing saved


def test_a_json_syntax_error_says_its_line(org, survey):
    page = english(org.head_office).post(
        reverse("surveys:survey_edit", args=[survey.code]),
        {
            "definition": '{\n  "title": {"zh": "x"},\n  "sections": [,]\n}',
            "version": survey.version,
        },
    )
    assert page.status_code == 422
    assert "line 3 column" in str(page.context["form"].errors["definition"])
    assert 'data-error-line="3"' in page.content.decode()


def test_two_editors_do_not_overwrite_each_other(org, survey):
    # given: two keepers open the editor at the same version
    seen = survey.version
    first, second = client_for(org.head_office), english(org.head_office)
    assert edit(first, survey, changed_wording(), seen).status_code == 302
    # when: the second saves from the page they opened
    late = changed_wording()
    late["title"] = {"zh": "晚到的修改", "en": "Late edit"}
    page = edit(second, survey, late, seen)
    # then: 409, their text is kept on the page, the first edit stands
    assert page.status_code == 409
    assert "Someone else changed" in page.content.decode() and "晚到的修改" in page.content.decode()
    draft = survey.versions.get(number=2)
    assert draft.definition["title"]["zh"] == "网点服务调查"
    # a stale publish is refused the same way
    stale = second.post(reverse("surveys:survey_publish", args=[survey.code]), {"version": seen})
    assert stale.status_code == 409 and survey.current().number == 1


def test_closing_ends_the_survey_for_open_links(org, survey):
    client = client_for(org.head_office)
    closed = client.post(reverse("surveys:survey_close", args=[survey.code]),
                         {"version": survey.version})  # fmt: skip
    assert closed.status_code == 302
    survey.refresh_from_db()
    assert survey.status == "closed"


def test_only_keepers_edit_publish_or_close(org, survey):
    for name in ("survey_edit", "survey_publish", "survey_close"):
        url = reverse(f"surveys:{name}", args=[survey.code])
        for user in (org.manager_a, org.auditor):
            assert client_for(user).post(url, {"version": survey.version}).status_code == 403
    assert (
        client_for(org.manager_a)
        .get(reverse("surveys:survey_publish", args=[survey.code]))
        .status_code
        == 405
    )
    survey.refresh_from_db()
    assert (survey.status, survey.versions.count()) == ("live", 1)


def test_publishing_without_a_draft_is_refused(org, survey):
    page = english(org.head_office).post(
        reverse("surveys:survey_publish", args=[survey.code]), {"version": survey.version}
    )
    assert page.status_code == 422 and "no draft" in page.content.decode()


# --- preview --------------------------------------------------------------------------------


def test_a_draft_is_previewed_page_by_page_and_nothing_is_saved(org, survey):
    client = english(org.head_office)
    edit(client, survey, changed_wording(), survey.version)
    url = reverse("surveys:survey_preview", args=[survey.code, 2])
    first = client.get(url)
    assert first.status_code == 200 and 'id="preview-banner"' in first.content.decode()
    missing = client.post(url, {"section": "quality"})
    assert missing.status_code == 422
    second = client.get(url + "?page=2")
    assert "Happy today?" in second.content.decode()
    assert not Response.objects.exists()
