"""Complaints (投诉) and their classification.

Classification follows JR/T 0169-2018's three axes (channel, business category, cause), plus
the credit-card sub-reasons of the bank's own practice. The codes and names ship as
reference data reconstructed from public summaries of the standard: head office corrects
them against its copy of the standard, retires codes instead of deleting them (complaints
keep pointing at them), and adds its own.

The models live in ``complaint`` (the complaint, its codes, states and clock), ``records``
(the timeline and the append-only records of what was done) and ``policy`` (what head office
keeps: assignment rules, root causes, handling guidance); import them from here.
"""

from branchcx.audit.models import AppendOnlyError
from branchcx.complaints.models.complaint import (
    FINAL_STATES,
    OPEN_STATES,
    PAUSE_REASONS,
    SAID_FIELDS,
    Classification,
    ClockPause,
    Complaint,
    ComplaintManager,
    ComplaintQuerySet,
    Escalation,
    IntakeChannel,
    MajorReason,
    Priority,
    ServiceTarget,
    State,
    coded,
)
from branchcx.complaints.models.policy import (
    AssignmentRule,
    HandlingGuidance,
    RootCause,
)
from branchcx.complaints.models.records import (
    AppendOnlyManager,
    AppendOnlyQuerySet,
    AppendOnlyRecord,
    Attachment,
    Decision,
    Grievance,
    Notification,
    Recusal,
    Revisit,
    TimelineEntry,
    TimelineManager,
    TimelineQuerySet,
)
from branchcx.complaints.rollup_models import (  # the rollup tables belong to the app too
    ComplaintLevels,
    ComplaintRootCauses,
    ComplaintTally,
    ComplaintTimes,
)

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "PAUSE_REASONS",
    "SAID_FIELDS",
    "AppendOnlyError",
    "AppendOnlyManager",
    "AppendOnlyQuerySet",
    "AppendOnlyRecord",
    "AssignmentRule",
    "Attachment",
    "Classification",
    "ClockPause",
    "Complaint",
    "ComplaintLevels",
    "ComplaintManager",
    "ComplaintQuerySet",
    "ComplaintRootCauses",
    "ComplaintTally",
    "ComplaintTimes",
    "Decision",
    "Escalation",
    "Grievance",
    "HandlingGuidance",
    "IntakeChannel",
    "MajorReason",
    "Notification",
    "Priority",
    "Recusal",
    "Revisit",
    "RootCause",
    "ServiceTarget",
    "State",
    "TimelineEntry",
    "TimelineManager",
    "TimelineQuerySet",
    "coded",
]
