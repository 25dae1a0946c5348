"""The client's IP address, trusting only the proxies we were told about.

``X-Forwarded-For`` is written by the client first and by each proxy after it, so only the
hops appended by our own ``BRANCHCX_TRUSTED_PROXIES`` reverse proxies can be believed; the
first hop is whatever the client chose to send.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.BRANCHCX_TRUSTED_PROXIES
    if not trusted:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < trusted:
        return remote
    return hops[-trusted]
