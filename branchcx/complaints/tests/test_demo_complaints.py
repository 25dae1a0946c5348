"""The demo network has complaints in every state, some due soon and some overdue."""

from __future__ import annotations

import pytest
from django.utils import timezone

from branchcx.complaints.demo import build_complaints
from branchcx.complaints.models import Complaint, Grievance, State
from branchcx.complaints.queries import due_soon, overdue
from branchcx.customers.demo import build_customers
from branchcx.org.demo import build_organisation


@pytest.fixture
def demo(db):
    build_organisation(branches=1, seed=2)
    build_customers(customers=120, months=2, seed=2)
    return build_complaints(seed=2)


def test_every_state_appears_with_work_due_soon_and_overdue(demo):
    today = timezone.localdate()
    states = set(Complaint.objects.values_list("state", flat=True))
    assert states == set(State.values)  # paused one counts as registered
    assert due_soon(Complaint.objects.all(), today).exists()
    assert overdue(Complaint.objects.all(), today).exists()
    assert Complaint.objects.filter(escalation=2).exists()  # the sweep ran
    assert Complaint.objects.filter(due_on__isnull=True, state="registered").exists()  # paused
    assert demo.complaints == Complaint.objects.count()
    assert demo.grievances == Grievance.objects.count() > 0
    # every complaint went through the actions: a timeline from its registration
    assert not Complaint.objects.filter(timeline__isnull=True).exists()
