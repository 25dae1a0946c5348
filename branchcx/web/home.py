"""What each role sees first after signing in: the home panels that apps register (see
:mod:`branchcx.web.panels`), each deciding from the user whether it is shown."""

from __future__ import annotations

from typing import Any

from branchcx.org import access as org_access
from branchcx.org.models import Role
from branchcx.web.panels import home_panels_for


def context_for(user: Any) -> dict[str, Any]:
    role = org_access.role_of(user)
    return {
        "staff": org_access.own_staff_profile(user),
        "role": role,
        "role_label": Role(role).label if role else "",
        "panels": home_panels_for(user),
    }
