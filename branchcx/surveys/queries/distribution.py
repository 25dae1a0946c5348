"""Survey distribution: which customers a rule invites after an event (a closed complaint, a
transaction, a served counter visit), sampled and spared when surveyed recently."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, IntegerField, Value
from django.db.models.functions import Mod

from branchcx.surveys.models import Invitation, Response

# A multiplicative hash spreads customer ids evenly over 0-99: the same customer is in or out
# of a rule's sample every time, whichever database computes it.
SAMPLE_MULTIPLIER = 2654435761


def invitation_candidates(
    rule: Any, since: datetime, until: datetime
) -> list[tuple[int, int, Any]]:
    """(customer id, outlet id, complaint id or None) for the events of ``rule`` between
    ``since`` (excluded) and ``until``, in the rule's unit, one per customer (their latest
    event), in the rule's sample and not surveyed within the fatigue window."""
    from branchcx.complaints.models import State, TimelineEntry
    from branchcx.customers.models import ContactChannel, Interaction, Transaction

    if rule.trigger == Invitation.Trigger.COMPLAINT_CLOSED:
        events = TimelineEntry.objects.filter(
            kind=TimelineEntry.Kind.TRANSITION,
            to_state=State.CLOSED,
            at__gt=since,
            at__lte=until,
            complaint__customer__isnull=False,
            complaint__outlet__path__startswith=rule.unit.path,
            complaint__outlet__level="outlet",
        ).values_list("complaint__customer_id", "complaint__outlet_id", "complaint_id", "at")
    elif rule.trigger == Invitation.Trigger.TRANSACTION:
        events = Transaction.objects.filter(
            occurred_at__gt=since,
            occurred_at__lte=until,
            kind__in=rule.transaction_kinds,
            outlet__path__startswith=rule.unit.path,
            outlet__level="outlet",
        ).values_list("customer_id", "outlet_id", Value(None, IntegerField()), "occurred_at")
    elif rule.trigger == Invitation.Trigger.QUEUE_VISIT:
        # a served visit: a contact at the counter of an outlet, with the customer served
        # (resolved or passed to a colleague) by a member of that outlet's staff
        events = Interaction.objects.filter(
            channel=ContactChannel.COUNTER,
            outcome__in=(Interaction.Outcome.RESOLVED, Interaction.Outcome.REFERRED),
            occurred_at__gt=since,
            occurred_at__lte=until,
            staff__branch__path__startswith=rule.unit.path,
            staff__branch__level="outlet",
        ).values_list("customer_id", "staff__branch_id", Value(None, IntegerField()),
                      "occurred_at")  # fmt: skip
    else:
        return []
    fatigue = until - timedelta(days=int(settings.BRANCHCX_SURVEY_FATIGUE_DAYS))
    column = (
        "complaint__customer_id"
        if rule.trigger == Invitation.Trigger.COMPLAINT_CLOSED
        else "customer_id"
    )
    events = (
        events.alias(
            bucket=Mod(F(column) * SAMPLE_MULTIPLIER + rule.pk, 100)
        )
        .filter(bucket__lt=rule.sample_percent)
        .exclude(**{f"{column}__in": Invitation.objects.filter(created_at__gte=fatigue)
                   .values("customer_id")})
        .exclude(**{f"{column}__in": Response.objects.filter(
            customer__isnull=False, submitted_on__gte=fatigue.date()).values("customer_id")})
        .order_by()
    )  # fmt: skip
    # one sweep's window of events (an hour's), so deduplicating here stays small
    latest: dict[int, tuple[int, int, Any, datetime]] = {}
    for customer_id, outlet_id, complaint_id, at in events:
        if customer_id not in latest or at > latest[customer_id][3]:
            latest[customer_id] = (customer_id, outlet_id, complaint_id, at)
    return [row[:3] for row in sorted(latest.values(), key=lambda r: r[3])]


def invited_today(rule: Any, day: date) -> dict[int, int]:
    """Invitations this rule made on ``day``, per outlet (the quota counts them)."""
    return dict(
        Invitation.objects.filter(rule=rule, created_at__date=day)
        .values("outlet_id")
        .annotate(n=Count("pk"))
        .values_list("outlet_id", "n")
    )
