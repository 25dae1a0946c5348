"""The client's IP address, believing forwarded-for headers only from our own proxies.

``X-Forwarded-For`` is written by the client first and by each proxy after it. It is read only
when the connection itself comes from one of ``BRANCHCX_TRUSTED_PROXIES`` (addresses or
networks of our reverse proxies); then the hops are walked from the right, skipping our
proxies, and the first other address is the client. Anyone else who sends the header is
ignored, so a client cannot choose the address that lockouts and rate limits count.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.BRANCHCX_TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if not is_trusted_proxy(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not is_trusted_proxy(hop):
            return hop
    return remote
