"""The request an audit event is recorded under (for IP address and user agent).

Actions run deep below the view; rather than threading the request through every call, the
middleware puts it in a context variable for the duration of the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

# Set while an action changes group membership and records the change itself, so the
# generic m2m receiver (which catches edits made in the Django admin) does not record it twice.
_m2m_audited_by_action: ContextVar[bool] = ContextVar("m2m_audited_by_action", default=False)


@contextmanager
def suppress_m2m_audit() -> Iterator[None]:
    token = _m2m_audited_by_action.set(True)
    try:
        yield
    finally:
        _m2m_audited_by_action.reset(token)


def m2m_audit_suppressed() -> bool:
    return _m2m_audited_by_action.get()
