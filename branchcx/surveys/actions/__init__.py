"""Every change to surveys: versions, invitations, answering (page by page, then once for
all), and the work an unhappy answer creates.

Answering happens without signing in, so these actions check the token or lobby code
instead of a user, lock the response they change, and never store anything twice: a second
submission of the same page (a double click, a retry after a timeout) finds the response
already moved on and changes nothing.

The actions live by concern: ``questionnaires``, ``invitations`` (with distribution and the
lobby's feedback codes), ``answering``, ``follow_ups``, ``beliefs`` and ``comments`` (shared
pieces in ``common``); import them from here.
"""

from branchcx.surveys.actions.answering import (
    HEADLINE_ROLES,
    answer_of,
    dimension_figures,
    dimension_rows,
    do_answer_section,
    do_leave_contact,
    follow_up_reasons,
    headline,
    is_submitted,
    next_section,
    open_invitation,
    open_lobby,
    resume_lobby,
    start_from_invitation,
    start_from_lobby,
    stored_answers,
)
from branchcx.surveys.actions.beliefs import (
    BELIEF_SCALE,
    belief_stamp,
    do_record_beliefs,
)
from branchcx.surveys.actions.comments import (
    analyse_comments,
    do_analyse_comments,
)
from branchcx.surveys.actions.common import (
    DETRACTOR_MAX,
    LOW_CSAT_MAX,
    SurveyUnavailable,
    token_hash,
)
from branchcx.surveys.actions.follow_ups import (
    CONTACT_METHODS,
    do_link_complaint,
    do_record_follow_up,
)
from branchcx.surveys.actions.invitations import (
    FIRST_SWEEP_HOURS,
    do_add_rule,
    do_invite,
    do_invite_by_hand,
    do_issue_feedback_code,
    do_retire_feedback_code,
    do_set_rule_active,
    fatigue_days,
    invitation_text,
    invitation_url,
    lobby_url,
    qr_svg,
    recently_surveyed,
    run_distribution,
)
from branchcx.surveys.actions.questionnaires import (
    do_close_survey,
    do_create_survey,
    do_publish,
    do_save_draft,
)

__all__ = [
    "BELIEF_SCALE",
    "CONTACT_METHODS",
    "DETRACTOR_MAX",
    "FIRST_SWEEP_HOURS",
    "HEADLINE_ROLES",
    "LOW_CSAT_MAX",
    "SurveyUnavailable",
    "analyse_comments",
    "answer_of",
    "belief_stamp",
    "dimension_figures",
    "dimension_rows",
    "do_add_rule",
    "do_analyse_comments",
    "do_answer_section",
    "do_close_survey",
    "do_create_survey",
    "do_invite",
    "do_invite_by_hand",
    "do_issue_feedback_code",
    "do_leave_contact",
    "do_link_complaint",
    "do_publish",
    "do_record_beliefs",
    "do_record_follow_up",
    "do_retire_feedback_code",
    "do_save_draft",
    "do_set_rule_active",
    "fatigue_days",
    "follow_up_reasons",
    "headline",
    "invitation_text",
    "invitation_url",
    "is_submitted",
    "lobby_url",
    "next_section",
    "open_invitation",
    "open_lobby",
    "qr_svg",
    "recently_surveyed",
    "resume_lobby",
    "run_distribution",
    "start_from_invitation",
    "start_from_lobby",
    "stored_answers",
    "token_hash",
]
