from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from branchcx.web.navigation import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": nav_for(user, request.path),
        # A user without a staff profile raises RelatedObjectDoesNotExist, an AttributeError.
        "staff_profile": getattr(user, "staff", None),
    }
