"""Errors that actions raise and every edge (web view, API endpoint) turns into a response."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """The record changed since the user loaded it (optimistic locking), or a state clash."""

    code = "conflict"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this record after you opened it. "
                "Reload it, check their change, and try again."
            )
        )
