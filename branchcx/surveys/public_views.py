"""The pages customers answer surveys on: no sign-in, phone-sized, one page of questions at a
time, resumable.

Two ways in: a one-time invitation link (``/s/<token>/``) and an outlet's lobby QR code
(``/s/q/<code>/``). A lobby respondent's half-answered survey is found again through their
browser session, which holds the response's id and a secret the database keeps only as a
hash. Every POST is answered with a redirect (or the thank-you page), so reloading a page
never submits it twice; a stale page submitted again is ignored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from branchcx.surveys import actions
from branchcx.surveys.actions import SurveyUnavailable
from branchcx.surveys.definition import AnswerError, Question, Section
from branchcx.surveys.models import Dimension, FeedbackCode, Response

TEMPLATE = "surveys/public/respond.html"
SESSION_KEY = "survey_lobby"  # {code: [response uuid, secret]}
ANSWERED_KEY = "survey_lobby_answered"  # {code: ISO day of the last answer}
STATUS = {"unknown": 404, "expired": 410, "closed": 410, "used": 200}


def _unavailable(request: HttpRequest, exc: SurveyUnavailable) -> HttpResponse:
    return render(
        request,
        "surveys/public/unavailable.html",
        {"message": str(exc), "reason": exc.reason},
        status=STATUS.get(exc.reason, 410),
    )


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """Answer through an invitation link."""
    try:
        invitation = actions.open_invitation(token)
        response = actions.start_from_invitation(invitation)
    except SurveyUnavailable as exc:
        return _unavailable(request, exc)
    return _page(request, response, offer_anonymity=response.survey.allow_anonymous)


@require_http_methods(["GET", "POST"])
def lobby(request: HttpRequest, code: str) -> HttpResponse:
    """Answer through an outlet's lobby QR code: anonymous unless the customer leaves a name
    and number to be contacted."""
    try:
        stand = actions.open_lobby(code)
    except SurveyUnavailable as exc:
        return _unavailable(request, exc)
    response = _lobby_response(request, stand)
    if response is None:
        answered = request.session.get(ANSWERED_KEY, {}).get(code)
        if answered == timezone.localdate().isoformat():
            return _unavailable(
                request, SurveyUnavailable("used", _("You have answered today. Thank you!"))
            )
        if request.method == "POST" and request.POST.get("start"):
            try:
                response, secret = actions.start_from_lobby(stand)
            except SurveyUnavailable as exc:
                return _unavailable(request, exc)
            started = request.session.get(SESSION_KEY, {})
            started[code] = [str(response.uuid), secret]
            request.session[SESSION_KEY] = started
            return redirect("surveys_public:lobby", code=code)
        version = stand.survey.current()
        if version is None:
            return _unavailable(request, SurveyUnavailable("closed", _("This survey has ended.")))
        return render(
            request,
            "surveys/public/lobby_start.html",
            {"definition": version.parsed(), "outlet": stand.outlet},
        )
    page = _page(request, response, lobby=True)
    if actions.is_submitted(response):
        started = request.session.get(SESSION_KEY, {})
        started.pop(code, None)
        request.session[SESSION_KEY] = started
        request.session[ANSWERED_KEY] = {
            **request.session.get(ANSWERED_KEY, {}),
            code: timezone.localdate().isoformat(),
        }
    return page


def _lobby_response(request: HttpRequest, stand: FeedbackCode) -> Response | None:
    remembered = request.session.get(SESSION_KEY, {}).get(stand.code)
    if not remembered:
        return None
    return actions.resume_lobby(stand, remembered[0], remembered[1])


def _page(
    request: HttpRequest, response: Response, *, offer_anonymity: bool = False, lobby: bool = False
) -> HttpResponse:
    definition = response.survey_version.parsed()
    section_key = actions.next_section(response)
    if section_key is None:
        return _thanks(request, response)
    sections = list(definition.sections)
    index = next(i for i, s in enumerate(sections) if s.key == section_key)
    section = sections[index]
    values = actions.stored_answers(response)
    errors: dict[str, str] = {}
    first_page = index == 0
    if request.method == "POST":
        if request.POST.get("section") != section_key:
            return redirect(request.path)  # a page answered already (back button, retry)
        answers = read_answers(section, request.POST)
        values |= answers
        try:
            if lobby and first_page and request.POST.get("contact") == "1":
                actions.do_leave_contact(
                    response,
                    name=request.POST.get("contact_name", ""),
                    mobile=request.POST.get("contact_mobile", ""),
                )
            anonymous = None
            if offer_anonymity and first_page:
                anonymous = request.POST.get("anonymous") == "1"
            response = actions.do_answer_section(
                response, section_key, answers, anonymous=anonymous
            )
        except AnswerError as exc:
            errors = exc.errors
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        except SurveyUnavailable as exc:
            return _unavailable(request, exc)
        else:
            if response.status == Response.Status.SUBMITTED:
                return _thanks(request, response)
            return redirect(request.path)
    return render(
        request,
        TEMPLATE,
        {
            "definition": definition,
            "section": section,
            "questions": _questions(section, values, errors),
            "errors": errors,
            # errors not about one question of this page (the contact details, the order)
            "page_errors": [
                m for k, m in errors.items() if k not in {q.key for q in section.questions}
            ],
            "page_number": index + 1,
            "page_count": len(sections),
            "progress": round(100 * index / len(sections)),
            "offer_anonymity": offer_anonymity and first_page,
            "offer_contact": lobby and first_page,
            "post": request.POST if request.method == "POST" else {},
            "outlet": response.outlet,
        },
        status=422 if errors else 200,
    )


def _thanks(request: HttpRequest, response: Response) -> HttpResponse:
    return render(
        request,
        "surveys/public/thanks.html",
        {"definition": response.survey_version.parsed(), "response": response},
    )


# --- reading the form -------------------------------------------------------------------------

PARTS = {"pair": ("e", "p"), "zone": ("a", "d")}


def read_answers(section: Section, data: Any) -> dict[str, Any]:
    """The raw answers of one page from the posted form (checked by the definition)."""
    answers: dict[str, Any] = {}
    for question in section.questions:
        name = f"q-{question.key}"
        if question.type == "multiple":
            picked = data.getlist(name)
            answers[question.key] = picked or None
        elif question.type in PARTS:
            parts = {p: data.get(f"{name}-{p}", "").strip() for p in PARTS[question.type]}
            answers[question.key] = parts if any(parts.values()) else None
        elif question.type == "importance":
            points = {d: data.get(f"{name}-{d}", "").strip() for d in question.dimensions}
            answers[question.key] = points if any(points.values()) else None
        else:
            value = data.get(name, "")
            answers[question.key] = value if value.strip() else None
    return answers


def _text(value: Any) -> Any:
    """Values as the form posts them (strings), so the page can tick what was chosen."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _questions(section: Section, values: dict[str, Any], errors: dict[str, str]) -> list[Any]:
    """What the template needs per question: its name, value, error and scale points."""
    labels = dict(Dimension.choices)
    shown = []
    for question in section.questions:
        bounds = question.bounds
        value = _text(values.get(question.key))
        condition = question.show_if
        shown.append(
            {
                "q": question,
                "name": f"q-{question.key}",
                "value": value,
                "error": errors.get(question.key, ""),
                "points": [str(p) for p in range(bounds[0], bounds[1] + 1)] if bounds else [],
                "parts": _parts(question, value),
                "dimensions": [
                    (d, labels[d], (value or {}).get(d, "")) for d in question.dimensions
                ]
                if question.type == "importance"
                else [],
                "condition": condition,
                "condition_values": "|".join(str(v) for v in _listed(condition.value))
                if condition
                else "",
            }
        )
    return shown


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _parts(question: Question, value: Any) -> list[tuple[str, str, Any]]:
    """(part, label, value) for pairs and zones."""
    value = value or {}
    if question.type == "pair":
        return [
            ("e", str(question.expectation_text), value.get("e", "")),
            ("p", str(question.perception_text), value.get("p", "")),
        ]
    if question.type == "zone":
        return [
            ("a", _("The lowest level you would accept"), value.get("a", "")),
            ("d", _("The level you desire"), value.get("d", "")),
        ]
    return []
