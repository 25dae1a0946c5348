"""Roles and what each may do, as Django groups with explicit permissions.

This table is the single source of truth: ``sync_roles`` makes the groups match it after
every migration, and ``docs/permissions.md`` is generated from it (a test keeps the two
equal). Later apps add their permissions here. Scope (which branch's rows a role sees) is
decided separately, by the unit the person is assigned to; see ``branchcx.org.scoping``.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from branchcx.org.models import Role

VIEW_ORG = {"org.view_branch", "org.view_staffprofile"}
USE_API = {"org.add_apitoken"}
# Everyone who serves customers reads the 360 and records contacts; front-line roles also
# open customers and correct their details.
SERVE = {"customers.view_customer", "customers.view_interaction", "customers.add_interaction"}
MAINTAIN = {"customers.add_customer", "customers.change_customer"}
# Bulk work on customer data: loading the core system's files, and lists leaving the system.
IMPORT = {"customers.import_customers"}
EXPORT = {"customers.export_customers"}
# The complaint classification (JR/T 0169 codes): read by all who file complaints, kept by
# head office.
CLASSIFY = {"complaints.view_classification"}
KEEP_CLASSIFICATION = {
    "complaints.add_classification",
    "complaints.change_classification",
}
# Complaints: whoever serves customers registers one (and owns it first, 首问负责制); complaint
# officers and managers handle them.
RECEIVE = CLASSIFY | {
    "complaints.view_complaint",
    "complaints.add_complaint",
    "complaints.view_handlingguidance",
}
HANDLE = RECEIVE | {"complaints.change_complaint", "complaints.view_rootcause"}
# Complaint statistics for the regulator, by JR/T 0169 code (masked nowhere: no personal data).
REPORT = {"complaints.export_statistics"}
# The bank's complaint policy: the cause tree, service targets, handling guidance, assignment
# rules and the holiday calendar, kept by head office (assignment rules also by branches).
KEEP_POLICY = {
    "complaints.add_rootcause",
    "complaints.change_rootcause",
    "complaints.view_servicetarget",
    "complaints.change_servicetarget",
    "complaints.add_handlingguidance",
    "complaints.change_handlingguidance",
    "complaints.view_assignmentrule",
    "complaints.add_assignmentrule",
    "complaints.change_assignmentrule",
    "org.view_calendarday",
    "org.add_calendarday",
    "org.change_calendarday",
}
ASSIGN = {
    "complaints.view_assignmentrule",
    "complaints.add_assignmentrule",
    "complaints.change_assignmentrule",
}

# Surveys: front-line staff invite customers; scores are read by managers and overseers;
# follow-ups of unhappy answers are worked at the outlet; head office keeps the questionnaires.
INVITE = {"surveys.view_survey", "surveys.add_invitation", "surveys.view_invitation"}
SEE_SCORES = {
    "surveys.view_survey",
    "surveys.view_scores",
    "surveys.view_response",
    "surveys.view_expectationbelief",
}
FOLLOW_UP = {"surveys.view_followup", "surveys.change_followup"}
KEEP_SURVEYS = {
    "surveys.add_survey",
    "surveys.change_survey",
    "surveys.add_feedbackcode",
    "surveys.change_feedbackcode",
    "surveys.view_feedbackcode",
}
BELIEVE = {"surveys.add_expectationbelief", "surveys.change_expectationbelief"}
# Distribution rules (who is invited after what): head office for the network, branch managers
# for their own units (scope decides which units), auditors read them.
KEEP_RULES = {
    "surveys.view_distributionrule",
    "surveys.add_distributionrule",
    "surveys.change_distributionrule",
}
EXPORT_RESPONSES = {"surveys.export_responses"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.HEAD_OFFICE_ADMIN: VIEW_ORG
    | USE_API
    | SERVE
    | MAINTAIN
    | IMPORT
    | EXPORT
    | HANDLE
    | KEEP_CLASSIFICATION
    | KEEP_POLICY
    | REPORT
    | INVITE
    | SEE_SCORES
    | FOLLOW_UP
    | KEEP_SURVEYS
    | KEEP_RULES
    | BELIEVE
    | EXPORT_RESPONSES
    | {
        "org.add_branch",
        "org.change_branch",
        "org.add_staffprofile",
        "org.change_staffprofile",
        "audit.view_auditevent",
        "audit.unmask_personal_data",
        "audit.export_personal_data",
    },
    Role.BRANCH_MANAGER: VIEW_ORG
    | USE_API
    | SERVE
    | MAINTAIN
    | IMPORT
    | EXPORT
    | HANDLE
    | REPORT
    | ASSIGN
    | INVITE
    | SEE_SCORES
    | FOLLOW_UP
    | KEEP_RULES
    | BELIEVE
    | EXPORT_RESPONSES
    | {"surveys.add_feedbackcode", "surveys.change_feedbackcode", "surveys.view_feedbackcode"}
    | {
        "org.change_branch",
        "org.add_staffprofile",
        "org.change_staffprofile",
        "audit.view_auditevent",
        "audit.unmask_personal_data",
        "audit.export_personal_data",
    },
    Role.LOBBY_MANAGER: VIEW_ORG | USE_API | SERVE | RECEIVE | INVITE | SEE_SCORES | FOLLOW_UP,
    Role.TELLER: VIEW_ORG | USE_API | SERVE | MAINTAIN | RECEIVE | INVITE,
    Role.RELATIONSHIP_MANAGER: VIEW_ORG
    | USE_API
    | SERVE
    | MAINTAIN
    | EXPORT
    | RECEIVE
    | INVITE
    | SEE_SCORES
    | FOLLOW_UP,
    Role.COMPLAINT_OFFICER: VIEW_ORG
    | USE_API
    | SERVE
    | HANDLE
    | FOLLOW_UP
    | {"audit.unmask_personal_data", "surveys.view_survey", "surveys.view_response"},
    # Auditors read everything in their scope and change nothing (a test enforces view_* only,
    # apart from the personal API token they read through).
    Role.AUDITOR: VIEW_ORG
    | USE_API
    | EXPORT
    | CLASSIFY
    | REPORT
    | SEE_SCORES
    | EXPORT_RESPONSES
    | {
        "audit.view_auditevent",
        "surveys.view_invitation",
        "surveys.view_followup",
        "surveys.view_feedbackcode",
        "surveys.view_distributionrule",
        "customers.view_customer",
        "customers.view_interaction",
        "complaints.view_complaint",
        "complaints.view_rootcause",
        "complaints.view_servicetarget",
        "complaints.view_handlingguidance",
        "complaints.view_assignmentrule",
        "org.view_calendarday",
    },
}

# Which roles a manager may give. Nobody below head office can create administrators or
# auditors: that would let a branch widen its own powers or choose its own overseers.
ASSIGNABLE_ROLES: dict[str, set[str]] = {
    Role.HEAD_OFFICE_ADMIN: set(Role.values),
    Role.BRANCH_MANAGER: {
        Role.LOBBY_MANAGER,
        Role.TELLER,
        Role.RELATIONSHIP_MANAGER,
        Role.COMPLAINT_OFFICER,
    },
}

# Roles that act on the whole network and therefore must sit at head office.
HEAD_OFFICE_ROLES = {Role.HEAD_OFFICE_ADMIN}


def group_name(role: str) -> str:
    return f"role:{role}"


def _permission_objects(codes: set[str]) -> list[Permission]:
    found = []
    for code in sorted(codes):
        app_label, codename = code.split(".", 1)
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is None:
            raise LookupError(f"Permission {code} named in ROLE_PERMISSIONS does not exist.")
        found.append(perm)
    return found


@transaction.atomic
def sync_roles() -> None:
    """Create one group per role and give it exactly the permissions in the table."""
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set(_permission_objects(codes))


def permission_matrix_markdown() -> str:
    """docs/permissions.md, generated from ROLE_PERMISSIONS (English, for the operators)."""
    all_codes = sorted(set().union(*ROLE_PERMISSIONS.values()))
    roles = list(ROLE_PERMISSIONS)
    lines = [
        "# Permission matrix",
        "",
        "Generated by `branchcx permissions-matrix` from `branchcx/org/roles.py`; a test fails",
        "when this file and the code disagree. Roles decide what a person may **do**; the unit",
        "they are assigned to decides what they may **see** (their outlet, their branch and its",
        "outlets, or the whole network for head office). Out-of-scope records answer 404.",
        "",
        "| permission | " + " | ".join(Role(r).name.lower() for r in roles) + " |",
        "| --- |" + " :-: |" * len(roles),
    ]
    for code in all_codes:
        marks = " | ".join("✔" if code in ROLE_PERMISSIONS[r] else "" for r in roles)
        lines.append(f"| `{code}` | {marks} |")
    lines += [
        "",
        "## Roles a manager may assign",
        "",
    ]
    for role, assignable in ASSIGNABLE_ROLES.items():
        given = ", ".join(Role(r).name.lower() for r in Role.values if r in assignable)
        lines.append(f"- {Role(role).name.lower()}: {given}")
    lines += ["- every other role: none", ""]
    return "\n".join(lines)


def role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else _("No role")
