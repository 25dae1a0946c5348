"""Forms of the complaint workflow's pages: one per action in ``actions.py``.

The forms only parse input (types, choices, lengths); the rules themselves (who may do what,
in which state, with which proof) live in the actions, whose errors land on these forms.
Every form that changes a complaint carries the version the user saw, so an action can
refuse a change made on top of someone else's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.complaints import files
from branchcx.complaints.actions import TRANSITIONS
from branchcx.complaints.models import (
    PAUSE_REASONS,
    Classification,
    Complaint,
    Decision,
    MajorReason,
    Notification,
    Priority,
    Revisit,
    RootCause,
    State,
)
from branchcx.complaints.templatetags.complaint_tags import code_name
from branchcx.lib.forms import DateInput
from branchcx.org.models import StaffProfile

BLANK: list[tuple[str, Any]] = [("", "—")]
TEXT_MAX = 4000  # long enough for a letter's paragraph, short enough to stay readable

# What each move in the workflow is called on its button and in the form's choice.
TRANSITION_LABELS: dict[str, Any] = {
    State.ACCEPTED: _("Accept the complaint"),
    State.INVESTIGATING: _("Start the investigation"),
    State.DECIDED: _("Mark as decided"),
    State.NOTIFIED: _("Mark the customer as told of the decision"),
    State.CLOSED: _("Close"),
    State.REVIEW_REQUESTED: _("Record the customer's request for a review"),
    State.REVIEW_DECIDED: _("Mark the review as decided"),
    State.WITHDRAWN: _("Withdraw (the customer withdraws the complaint)"),
}


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


def text(label: Any, *, required: bool = True, rows: int = 4, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class VersionedForm(forms.Form):
    """A change to a complaint: carries the version the user saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", complaint.version)
        super().__init__(*args, **kwargs)
        self.complaint = complaint


class StaffChoiceField(forms.ChoiceField):
    """A colleague chosen by uuid among the given ones; cleans to the StaffProfile."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff: dict[str, StaffProfile] = {}

    def set_staff(self, staff: QuerySet[StaffProfile] | list[StaffProfile]) -> None:
        self.staff = {str(s.uuid): s for s in staff}
        self.choices = BLANK + [
            (key, f"{s.full_name} · {s.get_role_display()} · {s.branch.name}")
            for key, s in self.staff.items()
        ]

    def clean(self, value: Any) -> StaffProfile | None:
        key = super().clean(value)
        return self.staff.get(key) if key else None


class TransitionForm(VersionedForm):
    to_state = forms.ChoiceField(label=_("New state"))
    reason = text(
        _("Reason or note"),
        required=False,
        help_text=_("Required when the complaint is withdrawn; kept on the timeline."),
    )
    requested_on = forms.DateField(
        label=_("The customer asked for the review on"),
        widget=DateInput,
        required=False,
        help_text=_(
            "For a review: the date of the customer's letter or call (today if left empty). "
            "The 30 days to decide it run from this day."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(self.complaint.state, set())
        if State.REVIEW_REQUESTED not in allowed:
            del self.fields["requested_on"]
        field: Any = self.fields["to_state"]
        field.choices = BLANK + [
            (state, TRANSITION_LABELS[state]) for state in State.values if state in allowed
        ]


class ClassificationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {code_name(obj)}"


def codes(axis: str, label: Any) -> ClassificationChoiceField:
    return ClassificationChoiceField(
        label=label,
        queryset=Classification.objects.filter(axis=axis, is_active=True),
        required=False,
        empty_label="—",
    )


class ClassifyForm(VersionedForm):
    channel = codes(Classification.Axis.CHANNEL, _("Channel"))
    business = codes(Classification.Axis.BUSINESS, _("Business category"))
    cause = codes(Classification.Axis.CAUSE, _("Cause"))
    card_reason = codes(
        Classification.Axis.CARD_REASON,
        _("Credit-card sub-reason (bank-card complaints only)"),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    reason = text(_("Why the codes change"), required=False, rows=2)

    @staticmethod
    def initial_for(complaint: Complaint) -> dict[str, Any]:
        return {
            "channel": complaint.channel_id,
            "business": complaint.business_id,
            "cause": complaint.cause_id,
            "card_reason": complaint.card_reason_id,
            "priority": complaint.priority,
        }


class GroupForm(VersionedForm):
    co_complainants = forms.IntegerField(
        label=_("Co-complainants"), min_value=0,
        help_text=_("Besides the complainant; 20 or more makes it a major complaint."),
    )  # fmt: skip
    representatives = forms.IntegerField(
        label=_("Representatives"), min_value=0, max_value=5,
        help_text=_("A group complaint names one to five representatives."),
    )  # fmt: skip
    reason = text(_("Why the group changes"), required=False, rows=2)

    @staticmethod
    def initial_for(complaint: Complaint) -> dict[str, Any]:
        return {
            "co_complainants": complaint.co_complainants,
            "representatives": complaint.representatives,
        }


class MajorForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Major complaint because"), choices=MajorReason.choices)
    note = text(_("What became known"), required=False, rows=2)


class AssignForm(VersionedForm):
    RULES, OFFICER = "rules", "officer"

    how = forms.ChoiceField(
        label=_("Assign"),
        choices=[
            (RULES, _("By the assignment rules (the least busy officer)")),
            (OFFICER, _("To the officer I name")),
        ],
        initial=RULES,
    )
    handler = StaffChoiceField(label=_("Officer"), required=False)
    reason = text(
        _("Why you choose the officer yourself"), required=False, rows=2,
        help_text=_("Required when you name the officer."),
    )  # fmt: skip

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["handler"]
        field.set_staff(officers)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == self.OFFICER and not data.get("handler"):
            self.add_error("handler", _("Choose the officer."))
        if data.get("how") == self.RULES:
            data["handler"] = None  # a name left in the list does not override the rules
        return data


class HandoverOfferForm(VersionedForm):
    to = StaffChoiceField(label=_("Colleague"))
    reason = text(_("Why you hand it over"), rows=3)

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to"]
        field.set_staff(colleagues)


class HandoverAnswerForm(VersionedForm):
    ACCEPT, DECLINE = "accept", "decline"

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            *BLANK,
            (ACCEPT, _("Accept: I become the owner")),
            (DECLINE, _("Decline: the owner stays responsible")),
        ],
    )
    reason = text(_("Reason"), required=False, rows=3, help_text=_("Required to decline."))


class ExtendForm(VersionedForm):
    reason = text(_("Why the case needs more time"), rows=3)
    customer_told_via = forms.ChoiceField(
        label=_("How the customer was told"), choices=BLANK + Notification.Method.choices
    )
    proof = forms.CharField(
        label=_("Proof of telling the customer"),
        max_length=120,
        help_text=_("Registered-letter number, SMS or email id, or call recording id."),
    )


class PauseForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Why the clock stops"), choices=BLANK + PAUSE_REASONS)
    on = forms.DateField(label=_("Paused from"), widget=DateInput)
    note = text(
        _("Note"), required=False, rows=2,
        help_text=_("Who appraises or mediates, and any reference."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate().isoformat()


class ResumeForm(VersionedForm):
    on = forms.DateField(label=_("Resumed on"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate().isoformat()


class RecuseForm(VersionedForm):
    reason = text(
        _("Your interest in the complaint"), rows=3,
        help_text=_("For example: a relative of the customer, or the complaint is about you."),
    )  # fmt: skip


class NotificationForm(VersionedForm):
    kind = forms.ChoiceField(
        label=_("What the customer was told about"), choices=BLANK + Notification.Kind.choices
    )
    method = forms.ChoiceField(label=_("How"), choices=BLANK + Notification.Method.choices)
    sent_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=DateTimeInput,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        # "now" to the second: a time typed to the minute may fall before the decision
        help_text=_("Leave empty for now."),
    )
    content = text(_("What the customer was told"), rows=5)
    proof = forms.CharField(
        label=_("Proof"),
        max_length=120,
        help_text=_("Registered-letter number, SMS or email id, or call recording id."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the decision, or the review decision once a review is under way
        review = self.complaint.state in (State.REVIEW_REQUESTED, State.REVIEW_DECIDED)
        self.fields["kind"].initial = (
            Notification.Kind.REVIEW if review else Notification.Kind.DECISION
        )


class RootCauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parent = f"{obj.parent.name} › " if obj.parent_id else ""
        return f"{obj.code} {parent}{obj.name}"


def root_causes() -> QuerySet[RootCause]:
    """The active causes to choose from: the leaves of the tree (a branch with active
    children is a heading, not a cause)."""
    return (
        RootCause.objects.filter(is_active=True)
        .annotate(live_children=Count("children", filter=Q(children__is_active=True)))
        .filter(live_children=0)
        .select_related("parent")
        .order_by("code")
    )


class DecisionForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=BLANK + Decision.Outcome.choices)
    findings = text(_("Findings: what the investigation established"), rows=5)
    basis = text(_("Basis: the rules, contract terms or laws applied"), rows=3)
    root_cause = RootCauseChoiceField(
        label=_("Root cause"), queryset=RootCause.objects.none(), empty_label="—"
    )
    root_cause_note = text(_("Root cause, in words"), required=False, rows=2)
    remedy = text(_("Remedy: what the bank will do for the customer"), rows=3)
    compensation = forms.DecimalField(
        label=_("Compensation (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
    )
    recovery_actions = text(
        _("Service-recovery actions"), required=False, rows=3,
        help_text=_("An apology, a visit, a fee waived: how the relationship is repaired."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["root_cause"]
        field.queryset = root_causes()


class ApproveForm(VersionedForm):
    """Approving a decision: nothing to type, the version is what matters."""


class MergeForm(VersionedForm):
    YES, NO = "yes", "no"

    into = forms.ChoiceField(label=_("Merge into"))
    new_facts = forms.ChoiceField(
        label=_("Does the re-filed complaint bring new facts?"),
        choices=[
            *BLANK,
            (YES, _("Yes: the 15-day clock starts again")),
            (NO, _("No: the clock runs on")),
        ],
    )

    def __init__(self, *args: Any, candidates: list[Complaint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(c.uuid): c for c in candidates}
        field: Any = self.fields["into"]
        field.choices = BLANK + [
            (
                key,
                f"{c.number} · {timezone.localtime(c.received_at):%Y-%m-%d} · "
                f"{c.get_state_display()}",
            )
            for key, c in self.candidates.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("into"):
            data["into"] = self.candidates[data["into"]]
        if "new_facts" in data:
            data["new_facts"] = data["new_facts"] == self.YES
        return data


class RevisitForm(VersionedForm):
    method = forms.ChoiceField(
        label=_("How the customer was reached"), choices=BLANK + Revisit.Method.choices
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        coerce=int,
        choices=[
            *BLANK,
            (5, _("5 · very satisfied")),
            (4, _("4 · satisfied")),
            (3, _("3 · neutral")),
            (2, _("2 · dissatisfied (reopens the complaint)")),
            (1, _("1 · very dissatisfied (reopens the complaint)")),
        ],
    )
    note = text(_("What the customer said, in their words"), rows=4)


class AttachmentForm(forms.Form):
    """Evidence adds to a complaint without changing it, so it takes no version: a colleague's
    change in between cannot contradict it, and the user need not pick the file again."""

    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An upload stopped at the size limit (``uploads.AttachmentLimit``) leaves no file:
        # say why, rather than "required".
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.too_large:
            mb = f"{files.max_bytes() / 1024 / 1024:g}"
            self.add_error("file", _("The file is larger than %(mb)s MB.") % {"mb": mb})
        return cleaned
