"""Every change to a complaint: validated, atomic, locked, on the complaint's timeline.

Callers fetch complaints, customers and outlets through ``access.py``, so what arrives here
is inside the actor's scope; each action still checks the actor's permission and, for a new
complaint, that the outlet is theirs. Every action that changes a complaint takes the
version the user saw and refuses with 409 if someone acted in between.

The actions by subject: ``registration`` (complaints, grievances, groups and major
complaints), ``workflow`` (states, merging, extensions, pauses), ``ownership`` (hand-over,
assignment, escalation, recusal), ``records`` (notifications, decisions, revisits,
attachments, classification); ``common`` holds what they share (the lock, the timeline
note, the due day).
"""

from branchcx.complaints.actions.common import (  # noqa: F401
    MAJOR_CO_COMPLAINANTS,
    MANAGERS,
    MAX_REPRESENTATIVES,
    NEEDS_REASON,
    REVISIT_WORKING_DAYS,
    TRANSITIONS,
    UNSATISFIED,
    above,
    due_on,
    interested_staff_ids,
    serves,
)
from branchcx.complaints.actions.ownership import (  # noqa: F401
    do_answer_handover,
    do_assign,
    do_offer_handover,
    do_recuse,
    least_loaded,
    ownership_history,
    rule_for,
    sweep_escalations,
)
from branchcx.complaints.actions.records import (  # noqa: F401
    attachment_bytes,
    do_add_attachment,
    do_approve_decision,
    do_classify,
    do_record_decision,
    do_record_notification,
    do_record_revisit,
)
from branchcx.complaints.actions.registration import (  # noqa: F401
    do_change_group,
    do_mark_major,
    do_promote_grievance,
    do_record_grievance,
    do_register_complaint,
)
from branchcx.complaints.actions.workflow import (  # noqa: F401
    PAUSABLE,
    PAUSE_BACKDATE_DAYS,
    RESTARTS,
    do_extend,
    do_merge,
    do_pause,
    do_resume,
    do_transition,
    open_duplicates,
)
