"""The surveys API: questionnaires, invitations (listed without their links, sent by hand),
responses (anonymous ones never tied to a customer; the detail audited) and the scores, each
scoped, each refusing the roles that may not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_create_customer
from branchcx.messaging.models import OutboxMessage
from branchcx.org.models import Role
from branchcx.surveys.actions import (
    do_invite,
    do_issue_feedback_code,
    open_invitation,
    start_from_invitation,
    start_from_lobby,
    token_hash,
)
from branchcx.surveys.models import Invitation, Response
from branchcx.surveys.tests.test_answering import QUALITY, answer_all
from branchcx.testing import api_client_for, assert_scope_rules, call, make_staff

COMMENT = "柜台只开了一个窗口，等了五十分钟。请回电13812345678。"
COMMENT_SHOWN = "柜台只开了一个窗口，等了五十分钟。请回电138****5678。"  # its number masked


@dataclass
class Answered:
    """Submitted responses: identified at SH0101 (unhappy, with a comment), anonymous through
    an invitation at SH0101, anonymous from the lobby at SH0101, identified at ZJ0101."""

    identified: Response
    anonymous: Response
    lobby: Response
    theirs: Response
    customer: Any
    quiet: Any  # the customer who answered anonymously
    their_customer: Any


def make_customer(actor: Any, outlet: Any, n: int, name: str, **extra: Any) -> Any:
    return do_create_customer(
        actor, customer_no=f"C90{n:02d}", home_outlet=outlet,
        became_customer_on=date(2020, 1, 1), name=name, id_type="passport",
        id_number=f"E9000{n:04d}", **extra,
    )  # fmt: skip


def answer_invited(
    org: Any, survey: Any, customer: Any, outlet: Any, *, by: Any = None, **kwargs: Any
) -> Response:
    _invitation, token = do_invite(by or org.teller_a, survey, customer, outlet=outlet,
                                   trigger="manual", channel="sms")  # fmt: skip
    return answer_all(start_from_invitation(open_invitation(token)), **kwargs)


def answer_in_lobby(org: Any, survey: Any) -> Response:
    lobby = do_issue_feedback_code(org.manager_a, survey=survey, outlet=org.sh0101)
    response, _secret = start_from_lobby(lobby)
    return answer_all(response, QUALITY, {"csat": 4, "nps": 8})


def answered_set(org: Any, survey: Any) -> Answered:
    customer = make_customer(org.teller_a, org.sh0101, 1, "欧阳明", mobile="13900001111")
    quiet = make_customer(org.teller_a, org.sh0101, 2, "周静")
    their_customer = make_customer(org.teller_b, org.zj0101, 3, "吴越")
    identified = answer_invited(org, survey, customer, org.sh0101, quality=QUALITY | {"p11": 6},
                                overall={"csat": 2, "nps": 3, "why": COMMENT})  # fmt: skip
    anonymous = answer_invited(org, survey, quiet, org.sh0101, anonymous=True)
    lobby = answer_in_lobby(org, survey)
    theirs = answer_invited(org, survey, their_customer, org.zj0101, by=org.teller_b)
    return Answered(identified, anonymous, lobby, theirs, customer, quiet, their_customer)


@pytest.fixture
def answered(org, survey):
    return answered_set(org, survey)


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


# --- questionnaires --------------------------------------------------------------------------


def test_surveys_are_listed_with_status_and_current_version(org, survey):
    rows = items(api_client_for(org.teller_a).get("/api/v1/surveys"))
    row = next(r for r in rows if r["code"] == "outlet-service")
    assert (row["status"], row["current_version"], row["uuid"]) == ("live", 1, str(survey.uuid))


def test_a_survey_shows_its_current_definition(org, survey):
    body = api_client_for(org.auditor).get(f"/api/v1/surveys/{survey.uuid}").json()
    assert body["current_version"] == 1
    keys = [q["key"] for s in body["definition"]["sections"] for q in s["questions"]]
    assert keys == ["e11", "p11", "z_resp", "importance", "csat", "nps", "why"]
    missing = api_client_for(org.auditor).get(f"/api/v1/surveys/{Invitation().uuid}")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_surveys_need_a_signed_in_user(org, survey):
    from django.test import Client

    assert Client().get("/api/v1/surveys").status_code == 401


def test_malformed_ids_are_not_found_and_reads_refuse_writes(org, answered):
    api = api_client_for(org.head_office)
    for path in ("/api/v1/surveys/not-a-uuid", "/api/v1/responses/not-a-uuid"):
        malformed = api.get(path)
        assert (malformed.status_code, malformed.json()["code"]) == (404, "not_found")
    for path in (
        "/api/v1/responses",
        f"/api/v1/responses/{answered.identified.uuid}",
        "/api/v1/surveys/scores",
    ):
        assert call(api, "post", path, {}, as_json=True).status_code == 405
    assert api.delete("/api/v1/invitations").status_code == 405


# --- invitations -----------------------------------------------------------------------------


def test_invitations_are_scoped_filtered_and_never_show_the_link(org, answered):
    api = api_client_for(org.manager_a)
    rows = items(api.get("/api/v1/invitations"))
    assert {r["customer"]["customer_no"] for r in rows} == {"C9001", "C9002"}
    # the link answered anonymously looks like one not answered yet: nothing ties it to the
    # anonymous answer (whose source, outlet and day the responses list does show)
    states = {r["customer"]["customer_no"]: r["state"] for r in rows}
    assert states == {"C9001": "answered", "C9002": "open"}
    assert rows[0]["customer"]["name"] in ("欧*明", "周*")
    text = api.get("/api/v1/invitations").content.decode()
    for invitation in Invitation.objects.all():
        assert invitation.token_hash not in text
    assert "token" not in text
    by_customer = items(api.get(f"/api/v1/invitations?customer={answered.customer.uuid}"))
    assert [r["customer"]["customer_no"] for r in by_customer] == ["C9001"]
    answered_ones = items(api.get("/api/v1/invitations?state=answered"))
    assert [r["customer"]["customer_no"] for r in answered_ones] == ["C9001"]
    assert items(api.get("/api/v1/invitations?trigger=transaction")) == []
    assert len(items(api.get("/api/v1/invitations?survey=outlet-service&outlet=SH0101"))) == 2
    # another branch sees only theirs
    theirs = items(api_client_for(org.manager_b).get("/api/v1/invitations"))
    assert [r["customer"]["customer_no"] for r in theirs] == ["C9003"]


def test_invitations_need_the_right_to_read_them(org, answered):
    officer = make_staff("officer_a", Role.COMPLAINT_OFFICER, org.sh01, 50).user
    denied = api_client_for(officer).get("/api/v1/invitations")
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")


def test_an_invitation_opens_and_expires(org, survey):
    customer = make_customer(org.teller_a, org.sh0101, 4, "郑和")
    do_invite(org.teller_a, survey, customer, outlet=org.sh0101, trigger="manual", channel="sms")
    api = api_client_for(org.teller_a)
    assert [r["state"] for r in items(api.get("/api/v1/invitations?state=open"))] == ["open"]
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert items(api.get("/api/v1/invitations?state=open")) == []
        assert len(items(api.get("/api/v1/invitations?state=expired"))) == 1


def test_inviting_by_hand_queues_the_sms_and_says_so(org, survey):
    customer = make_customer(org.teller_a, org.sh0101, 5, "林则", mobile="13900002222")
    body = {"survey": "outlet-service", "customer": str(customer.uuid), "channel": "sms"}
    response = assert_scope_rules(
        "/api/v1/invitations", method="post", data=body, insider=org.teller_a,
        outsider=org.teller_b, read_only=org.auditor, ok_status=201, api=True,
    )  # fmt: skip
    created = response.json()
    assert created["queued"] is True and created["link"] is None
    assert created["invitation"]["outlet"]["code"] == "SH0101"
    assert created["invitation"]["state"] == "open"
    (message,) = OutboxMessage.objects.filter(purpose="survey_invitation")
    assert message.recipient == "13900002222"
    invitation = Invitation.objects.get(uuid=created["invitation"]["uuid"])
    assert invitation.trigger == "manual" and invitation.customer == customer


def test_a_printed_invitation_gives_its_link_once_and_queues_nothing(org, survey):
    customer = make_customer(org.teller_a, org.sh0101, 6, "孙文")
    response = call(api_client_for(org.teller_a), "post", "/api/v1/invitations",
                    {"survey": str(survey.uuid), "customer": str(customer.uuid),
                     "channel": "printed"}, as_json=True)  # fmt: skip
    assert response.status_code == 201
    created = response.json()
    assert created["queued"] is False
    token = created["link"].rstrip("/").rsplit("/", 1)[-1]
    assert Invitation.objects.get().token_hash == token_hash(token)
    assert not OutboxMessage.objects.exists()


def test_inviting_is_refused_clearly(org, survey):
    api = api_client_for(org.teller_a)
    no_mobile = make_customer(org.teller_a, org.sh0101, 7, "黄兴")

    def invite(**body: Any) -> Any:
        data = {"survey": "outlet-service", "customer": str(no_mobile.uuid), "channel": "sms"}
        return call(api, "post", "/api/v1/invitations", data | body, as_json=True)

    missing = invite()
    assert missing.status_code == 422 and "channel" in missing.json()["errors"]
    assert not Invitation.objects.exists()  # nothing kept of a refused invitation
    assert invite(survey="no-such-survey").json()["errors"] == {"survey": ["无此调查。"]}
    assert invite(outlet="ZJ0101").status_code == 422  # not an outlet of the teller's
    assert invite(channel="pigeon").status_code == 422
    assert invite(token="x").status_code == 422  # unknown fields are refused
    # the fatigue rule: asked once, not again within the window
    assert invite(channel="printed").status_code == 201
    again = invite(channel="printed")
    assert again.status_code == 422 and "customer" in again.json()["errors"]


def test_a_branch_manager_invites_for_the_customers_home_outlet(org, survey):
    customer = make_customer(org.teller_a, org.sh0101, 8, "蔡锷")
    response = call(api_client_for(org.manager_a), "post", "/api/v1/invitations",
                    {"survey": "outlet-service", "customer": str(customer.uuid),
                     "channel": "printed"}, as_json=True)  # fmt: skip
    assert response.json()["invitation"]["outlet"]["code"] == "SH0101"


# --- responses -------------------------------------------------------------------------------


def test_responses_list_headline_answers_and_no_customer_when_anonymous(org, answered):
    api = api_client_for(org.manager_a)
    rows = items(api.get("/api/v1/responses"))
    by_uuid = {r["uuid"]: r for r in rows}
    assert set(by_uuid) == {
        str(answered.identified.uuid),
        str(answered.anonymous.uuid),
        str(answered.lobby.uuid),
    }
    mine = by_uuid[str(answered.identified.uuid)]
    assert (mine["nps"], mine["csat"], mine["is_anonymous"], mine["source"]) == (
        3, 2, False, "invitation",
    )  # fmt: skip
    assert mine["customer"] == {
        "uuid": str(answered.customer.uuid), "customer_no": "C9001", "name": "欧*明",
    }  # fmt: skip
    assert mine["follow_up"]["state"] == "open"
    assert mine["answered_on"] == timezone.localdate().isoformat()
    for anonymous in (answered.anonymous, answered.lobby):
        row = by_uuid[str(anonymous.uuid)]
        assert row["is_anonymous"] is True and row["customer"] is None
    text = api.get("/api/v1/responses").content.decode()
    assert str(answered.quiet.uuid) not in text and "C9002" not in text
    assert "柜台只开了一个窗口" not in text  # comments only in the detail


def test_responses_filter_by_customer_survey_outlet_period_and_anonymity(org, answered):
    api = api_client_for(org.head_office)

    def uuids(query: str) -> set[str]:
        return {r["uuid"] for r in items(api.get(f"/api/v1/responses?{query}"))}

    assert uuids(f"customer={answered.customer.uuid}") == {str(answered.identified.uuid)}
    # the customer who answered anonymously has no responses at all
    assert uuids(f"customer={answered.quiet.uuid}") == set()
    assert uuids("outlet=ZJ0101") == {str(answered.theirs.uuid)}
    assert len(uuids("survey=outlet-service")) == 4
    assert uuids("anonymous=true") == {str(answered.anonymous.uuid), str(answered.lobby.uuid)}
    today = timezone.localdate()
    assert uuids(f"start={today + timedelta(days=1)}") == set()
    assert len(uuids(f"start={today}&end={today}")) == 4
    bad = api.get(f"/api/v1/responses?start={today}&end={today - timedelta(days=1)}")
    assert bad.status_code == 422 and "end" in bad.json()["errors"]
    assert api.get("/api/v1/responses?survey=nothing").status_code == 422


def test_responses_need_the_right_to_read_them(org, answered):
    denied = api_client_for(org.teller_a).get("/api/v1/responses")
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")


def test_a_response_in_full_is_scoped_worded_and_audited(org, answered):
    url = f"/api/v1/responses/{answered.identified.uuid}"
    response = assert_scope_rules(
        url, insider=org.manager_a, outsider=org.manager_b, read_only=org.teller_a, api=True
    )
    assert response.json()["answers"][-1]["question"] == "哪里让您不满意？"  # Chinese first
    english = api_client_for(org.manager_a).get(url, headers={"Accept-Language": "en"})
    body = english.json()
    answers = {(a["question_key"], a["role"], a["dimension"]): a for a in body["answers"]}
    assert answers[("why", "text", "")]["text"] == COMMENT_SHOWN
    assert answers[("why", "text", "")]["question"] == "What disappointed you?"
    assert answers[("p11", "perception", "responsiveness")]["number"] == 6
    assert answers[("z_resp", "adequate", "responsiveness")]["question"] == (
        "Lowest acceptable and desired level (lowest acceptable)"
    )
    assert answers[("importance", "importance", "reliability")]["number"] == 30
    assert [a["question_key"] for a in body["answers"]][:2] == ["e11", "p11"]
    dimensions = {d["dimension"]: d for d in body["dimensions"]}
    assert len(dimensions) == 5  # the importance points reach every dimension
    assert (dimensions["responsiveness"]["gap"], dimensions["tangibles"]["gap"]) == (-1.0, None)
    assert body["customer"]["name"] == "欧*明"
    events = AuditEvent.objects.filter(
        action="view_personal", target_id=str(answered.identified.uuid)
    )
    assert [e.actor for e in events] == [org.manager_a, org.manager_a]  # refusals not recorded
    assert "欧阳明" not in events[0].target_label


def test_an_anonymous_response_in_full_names_nobody(org, answered):
    body = api_client_for(org.manager_a).get(f"/api/v1/responses/{answered.anonymous.uuid}")
    assert body.status_code == 200
    data = body.json()
    assert data["customer"] is None and data["is_anonymous"] is True
    assert "C9002" not in body.content.decode() and "周" not in body.content.decode()


def test_the_response_list_costs_the_same_queries_however_many(org, survey):
    api = api_client_for(org.manager_a)
    api.get("/api/v1/me")
    first = make_customer(org.teller_a, org.sh0101, 10, "甲乙")
    answer_invited(org, survey, first, org.sh0101, overall={"csat": 1, "nps": 1})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/responses").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(11, 15):
        answer_invited(org, survey, make_customer(org.teller_a, org.sh0101, n, "丙丁"), org.sh0101)
    answer_in_lobby(org, survey)
    assert count() == few


# --- scores ----------------------------------------------------------------------------------


def test_scores_by_outlet_with_intervals_and_servqual(org, answered):
    body = api_client_for(org.head_office).get("/api/v1/surveys/scores?by=outlet").json()
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {"SH0101", "ZJ0101"}
    sh = groups["SH0101"]
    assert (sh["n"], sh["small_sample"], sh["label"]) == (3, True, "浦东支行")
    # one detractor (3), one passive (8) and one promoter (10)
    assert sh["nps"]["n"] == 3 and sh["nps"]["score"] == pytest.approx(0.0)
    assert sh["nps"]["low"] < 0 < sh["nps"]["high"] and sh["nps"]["se"] > 0
    assert sh["csat"]["score"] == pytest.approx(200 / 3)
    responsiveness = {d["dimension"]: d for d in sh["dimensions"]}["responsiveness"]
    assert responsiveness["gap"] == pytest.approx((-1 - 3 - 3) / 3)
    assert responsiveness["importance"] == pytest.approx(30)
    assert sh["servqual"] is None  # four of five dimensions unmeasured
    assert sh["servperf"] == pytest.approx((6 + 4 + 4) / 3)


def test_scores_are_scoped_grouped_and_checked(org, answered):
    api = api_client_for(org.manager_a)
    (network,) = api.get("/api/v1/surveys/scores").json()["groups"]
    assert (network["key"], network["n"]) == ("all", 3)  # their branch's answers only
    months = api.get("/api/v1/surveys/scores?by=month&survey=outlet-service").json()["groups"]
    assert [g["key"] for g in months] == [timezone.localdate().replace(day=1).isoformat()]
    (unit,) = api.get("/api/v1/surveys/scores?by=branch&unit=SH0101").json()["groups"]
    assert (unit["key"], unit["n"]) == ("SH01", 3)
    outside = api.get("/api/v1/surveys/scores?unit=ZJ01")
    assert outside.status_code == 422 and "unit" in outside.json()["errors"]
    assert api.get("/api/v1/surveys/scores?by=colour").status_code == 422
    assert api_client_for(org.teller_a).get("/api/v1/surveys/scores").status_code == 403


def test_an_outlet_filter_outside_the_scope_is_refused_not_answered_empty(org, answered):
    api = api_client_for(org.manager_a)
    for path in ("/api/v1/responses", "/api/v1/invitations"):
        refused = api.get(f"{path}?outlet=ZJ0101")  # Hangzhou's outlet: not Shanghai's
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid")
        assert api.get(f"{path}?outlet=NOPE").status_code == 422
        assert api.get(f"{path}?outlet=SH0101").status_code == 200
