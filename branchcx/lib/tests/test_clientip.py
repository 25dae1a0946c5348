"""The client IP trusts X-Forwarded-For hops only from our own reverse proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from branchcx.lib.clientip import client_ip

PROXY = "10.0.0.5"


def request(forwarded_for: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = 0

    ip = client_ip(request("1.2.3.4", remote="198.51.100.20"))

    assert ip == "198.51.100.20"


def test_with_one_proxy_the_right_most_hop_is_the_client(settings):
    # given a client that sent its own X-Forwarded-For, to which our proxy appended
    settings.BRANCHCX_TRUSTED_PROXIES = 1

    # when
    ip = client_ip(request("1.2.3.4, 203.0.113.7"))

    # then the hop our proxy wrote is used, not the one the client chose
    assert ip == "203.0.113.7"


def test_with_two_proxies_the_second_hop_from_the_right_is_the_client(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = 2

    ip = client_ip(request("1.2.3.4,203.0.113.7, 10.0.0.9"))

    assert ip == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for"),
    [(1, None), (1, ""), (1, " , "), (2, "203.0.113.7"), (3, "1.2.3.4, 203.0.113.7")],
)
def test_fewer_hops_than_proxies_falls_back_to_remote_addr(settings, proxies, forwarded_for):
    settings.BRANCHCX_TRUSTED_PROXIES = proxies

    assert client_ip(request(forwarded_for)) == PROXY


def test_ipv6_hops_are_returned_as_written(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = 1

    assert client_ip(request("2001:db8::1")) == "2001:db8::1"


def test_without_a_remote_address_the_result_is_empty(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = 0
    req = RequestFactory().get("/")
    req.META.pop("REMOTE_ADDR", None)

    assert client_ip(req) == ""
