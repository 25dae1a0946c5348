"""Invitations: one by one or by hand, the distribution rules that send them after a
contact, and the lobby's feedback codes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.complaints.models import Complaint
from branchcx.customers.models import Customer
from branchcx.lib.errors import ConflictError
from branchcx.messaging.actions import enqueue
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys.actions.common import token_hash
from branchcx.surveys.models import (
    DistributionRule,
    FeedbackCode,
    Invitation,
    Response,
    Survey,
)

# --- invitations ----------------------------------------------------------------------------


def fatigue_days() -> int:
    return int(settings.BRANCHCX_SURVEY_FATIGUE_DAYS)


def recently_surveyed(customer: Customer, days: int | None = None) -> bool:
    """Whether the customer was invited (or answered) within the fatigue window."""
    since = timezone.now() - timedelta(days=fatigue_days() if days is None else days)
    return (
        Invitation.objects.filter(customer=customer, created_at__gte=since).exists()
        or Response.objects.filter(
            customer=customer, submitted_on__gte=timezone.localdate(since)
        ).exists()
    )


@transaction.atomic
def do_invite(
    actor: Any,
    survey: Survey,
    customer: Customer,
    *,
    outlet: Branch,
    trigger: str,
    channel: str,
    complaint: Any = None,
    rule: DistributionRule | None = None,
) -> tuple[Invitation, str]:
    """A one-time link for ``customer``. Returns the invitation and its token, which goes
    into the message and is not kept (only its hash is). Refused when the survey is not
    live or the customer was surveyed within the fatigue window."""
    if trigger == Invitation.Trigger.MANUAL:
        require_perm(actor, "surveys.add_invitation")
    # one invitation at a time per customer: concurrent triggers cannot both pass the check
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    errors: dict[str, str] = {}
    if survey.status != Survey.Status.LIVE or survey.current() is None:
        errors["survey"] = _("This survey is not live.")
    if trigger not in Invitation.Trigger.values:
        errors["trigger"] = _("Choose what the invitation follows.")
    if channel not in Invitation.Channel.values:
        errors["channel"] = _("Choose how the invitation is sent.")
    if outlet.level != Branch.Level.OUTLET:
        errors["outlet"] = _("Invite on behalf of an outlet.")
    if recently_surveyed(customer):
        errors["customer"] = _(
            "This customer was surveyed in the last %(days)d days: we do not ask again so soon."
        ) % {"days": fatigue_days()}
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        survey=survey, token_hash=token_hash(token), customer=customer, outlet=outlet,
        trigger=trigger, channel=channel, complaint=complaint, rule=rule,
        created_by=own_staff_profile(actor) if actor is not None else None,
        expires_at=timezone.now() + timedelta(days=survey.invitation_days),
    )  # fmt: skip
    record(Action.CREATE, actor=actor, target=invitation, target_label=survey.code,
           detail={"trigger": trigger, "channel": channel})  # fmt: skip
    return invitation, token


# --- distribution ---------------------------------------------------------------------------

FIRST_SWEEP_HOURS = 24  # a new rule looks back this far on its first run


def invitation_url(token: str) -> str:
    return settings.BRANCHCX_PUBLIC_URL.rstrip("/") + reverse(
        "surveys_public:respond", args=[token]
    )


def invitation_text(invitation: Invitation, token: str) -> str:
    """The message inviting the customer, in Chinese (customers are written to in the
    bank's language), naming the outlet and how long the link is valid."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "%(bank)sThank you for visiting %(outlet)s. Please take a minute to tell us how we "
            "did: %(url)s (valid for %(days)d days)"
        ) % {
            "bank": f"【{settings.BRANCHCX_BANK_NAME}】" if settings.BRANCHCX_BANK_NAME else "",
            "outlet": invitation.outlet.name,
            "url": invitation_url(token),
            "days": invitation.survey.invitation_days,
        }


def _send_invitation(invitation: Invitation, token: str) -> bool:
    """Queue the invitation's message; False when the customer has no address for it."""
    customer = invitation.customer
    recipient = customer.mobile if invitation.channel == Invitation.Channel.SMS else customer.email
    if not recipient:
        return False
    enqueue(
        channel=invitation.channel,
        recipient=recipient,
        subject=str(invitation.survey.name),
        body=invitation_text(invitation, token),
        purpose="survey_invitation",
        outlet=invitation.outlet,
    )
    return True


def run_distribution(now: datetime | None = None) -> dict[str, int]:
    """Invite the customers the active rules select since each rule's last run: a share of
    them (sampling), within each outlet's daily quota, none surveyed within the fatigue
    window, and only those with an address for the rule's channel. Each rule's run is one
    transaction; a rule that fails leaves its window to the next run."""
    from branchcx.surveys.queries import invitation_candidates, invited_today

    now = now or timezone.now()
    counts = {"invited": 0, "no_address": 0, "over_quota": 0}
    for rule in DistributionRule.objects.filter(is_active=True).select_related("survey", "unit"):
        with transaction.atomic():
            locked = DistributionRule.objects.select_for_update().get(pk=rule.pk)
            since = locked.swept_until or now - timedelta(hours=FIRST_SWEEP_HOURS)
            if locked.survey.status == Survey.Status.LIVE:
                used = invited_today(locked, timezone.localdate(now))
                candidates = invitation_candidates(locked, since, now)
                customers = Customer.objects.in_bulk([c for c, _o, _x in candidates])
                outlets = Branch.objects.in_bulk({o for _c, o, _x in candidates})
                complaints = Complaint.objects.in_bulk({x for _c, _o, x in candidates if x})
                for customer_id, outlet_id, complaint_id in candidates:
                    if locked.daily_quota and used.get(outlet_id, 0) >= locked.daily_quota:
                        counts["over_quota"] += 1
                        continue
                    try:
                        with transaction.atomic():
                            invitation, token = do_invite(
                                None, locked.survey, customers[customer_id],
                                outlet=outlets[outlet_id], trigger=locked.trigger,
                                channel=locked.channel, complaint=complaints.get(complaint_id),
                                rule=locked,
                            )  # fmt: skip
                            if not _send_invitation(invitation, token):
                                raise _NoAddress
                    except _NoAddress:
                        counts["no_address"] += 1
                        continue
                    except ValidationError:  # surveyed meanwhile: the fatigue rule holds
                        continue
                    used[outlet_id] = used.get(outlet_id, 0) + 1
                    counts["invited"] += 1
            locked.swept_until = now
            locked.save(update_fields=["swept_until"])
    return counts


class _NoAddress(Exception):
    """The customer has no mobile (or email) to send the invitation to."""


# --- rules and lobby codes -----------------------------------------------------------------


@transaction.atomic
def do_issue_feedback_code(actor: Any, *, survey: Survey, outlet: Branch) -> FeedbackCode:
    """A new QR code for an outlet's lobby stand; the outlet's previous code for the survey
    stops working (a reprinted stand retires the old print)."""
    require_perm(actor, "surveys.add_feedbackcode")
    if outlet.level != Branch.Level.OUTLET:
        raise ValidationError({"outlet": _("Lobby codes belong to outlets.")})
    FeedbackCode.objects.filter(survey=survey, outlet=outlet, is_active=True).update(
        is_active=False
    )
    created = FeedbackCode.objects.create(survey=survey, outlet=outlet)
    record(Action.CREATE, actor=actor, target=created, target_label=str(outlet),
           detail={"survey": survey.code})  # fmt: skip
    return created


def lobby_url(lobby: FeedbackCode) -> str:
    return settings.BRANCHCX_PUBLIC_URL.rstrip("/") + reverse(
        "surveys_public:lobby", args=[lobby.code]
    )


def qr_svg(url: str, *, scalable: bool = False) -> str:
    """The URL as a QR code (SVG), with error correction that survives a worn print;
    ``scalable``: a viewBox instead of a size, so that print CSS sizes it."""
    import segno

    code = segno.make(url, error="q", micro=False)
    if scalable:
        return str(code.svg_inline(border=4, omitsize=True))
    return str(code.svg_inline(scale=8, border=4))


@transaction.atomic
def do_add_rule(
    actor: Any,
    *,
    survey: Survey,
    unit: Branch,
    trigger: str,
    channel: str,
    sample_percent: int = 100,
    daily_quota: int = 50,
    transaction_kinds: list[str] | None = None,
) -> DistributionRule:
    """A new rule for inviting the customers of ``unit``'s outlets: head office for any unit,
    a branch manager for the units of their own branch; not for a closed survey."""
    from branchcx.customers.models import Transaction

    require_perm(actor, "surveys.add_distributionrule")
    kinds = sorted(set(transaction_kinds or []))
    errors: dict[str, str] = {}
    if not Branch.objects.visible_to(actor).filter(pk=unit.pk).exists():
        errors["unit"] = _("Choose one of your units.")
    if survey.status != Survey.Status.LIVE:
        # a draft's events would be swept past unanswered: rules start with a live survey
        errors["survey"] = _("Only a live survey can bring invitations.")
    if trigger not in (Invitation.Trigger.COMPLAINT_CLOSED, Invitation.Trigger.TRANSACTION,
                       Invitation.Trigger.QUEUE_VISIT):  # fmt: skip
        errors["trigger"] = _("Choose what the invitation follows.")
    if channel not in (Invitation.Channel.SMS, Invitation.Channel.EMAIL):
        errors["channel"] = _("Invitations go by SMS or email.")
    if not 1 <= sample_percent <= 100:
        errors["sample_percent"] = _("Give a share from 1 to 100 per cent.")
    if daily_quota < 0:
        errors["daily_quota"] = _("The number cannot be negative.")
    if trigger == Invitation.Trigger.TRANSACTION and (
        not kinds or not set(kinds) <= set(Transaction.Kind.values)
    ):
        errors["transaction_kinds"] = _("Choose the transaction types that bring an invitation.")
    if errors:
        raise ValidationError(errors)
    if trigger != Invitation.Trigger.TRANSACTION:
        kinds = []  # only a transaction rule looks at the types
    created = DistributionRule.objects.create(
        survey=survey, unit=unit, trigger=trigger, channel=channel,
        sample_percent=sample_percent, daily_quota=daily_quota, transaction_kinds=kinds,
    )  # fmt: skip
    record(Action.CREATE, actor=actor, target=created, target_label=str(created),
           detail={"trigger": trigger, "sample_percent": sample_percent,
                   "daily_quota": daily_quota, "transaction_kinds": kinds})  # fmt: skip
    return created


@transaction.atomic
def do_set_rule_active(
    actor: Any, rule: DistributionRule, *, active: bool, expected_version: int
) -> DistributionRule:
    """Switch a rule off (no more invitations from it) or on again. A rule switched back on
    starts from now: the events while it was off do not bring invitations."""
    require_perm(actor, "surveys.change_distributionrule")
    locked = (
        DistributionRule.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=rule.pk)
    )
    if locked.version != expected_version:
        raise ConflictError
    if locked.is_active != active:
        locked.is_active = active
        if active:
            locked.swept_until = timezone.now()
        locked.version += 1
        locked.save(update_fields=["is_active", "swept_until", "version"])
        record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked),
               detail={"is_active": active})  # fmt: skip
    return locked


@transaction.atomic
def do_retire_feedback_code(actor: Any, lobby: FeedbackCode) -> FeedbackCode:
    """Stop a lobby code: its printed QR code answers "not valid" from now on."""
    require_perm(actor, "surveys.change_feedbackcode")
    locked = FeedbackCode.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=lobby.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked.outlet),
               detail={"survey": locked.survey.code, "is_active": False})  # fmt: skip
    return locked


@transaction.atomic
def do_invite_by_hand(
    actor: Any, survey: Survey, customer: Customer, *, outlet: Branch, channel: str
) -> tuple[Invitation, str]:
    """A member of staff invites one customer: by SMS or email (queued in the outbox with the
    invitation, or neither when the customer has no address for it), or handed over printed
    or on screen (the caller shows the token once; it is kept nowhere)."""
    invitation, token = do_invite(
        actor, survey, customer, outlet=outlet, trigger=Invitation.Trigger.MANUAL,
        channel=channel,
    )  # fmt: skip
    if channel != Invitation.Channel.PRINTED and not _send_invitation(invitation, token):
        raise ValidationError({"channel": _("The customer has no address for this channel.")})
    return invitation, token
