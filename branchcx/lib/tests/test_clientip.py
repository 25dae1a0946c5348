"""The client IP believes X-Forwarded-For only on connections from our own reverse proxies."""

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
    settings.BRANCHCX_TRUSTED_PROXIES = []

    assert client_ip(request("1.2.3.4", remote="198.51.100.20")) == "198.51.100.20"


def test_a_direct_connection_cannot_choose_its_address_even_when_proxies_exist(settings):
    # given a proxy is configured, but this client connects to the app server directly
    settings.BRANCHCX_TRUSTED_PROXIES = [PROXY]

    # when it sends a forwarded-for header of its own choosing
    ip = client_ip(request("10.1.1.7", remote="10.9.9.9"))

    # then its real address counts (lockouts and rate limits cannot be dodged)
    assert ip == "10.9.9.9"


def test_behind_our_proxy_the_hop_it_appended_is_the_client(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = [PROXY]

    # the client wrote 1.2.3.4 itself; our proxy appended the address it saw
    assert client_ip(request("1.2.3.4, 203.0.113.7")) == "203.0.113.7"


def test_chained_proxies_in_a_trusted_network_are_skipped(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = ["10.0.0.0/24"]

    assert client_ip(request("1.2.3.4, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"


@pytest.mark.parametrize("forwarded_for", [None, "", " , ", "10.0.0.9"])
def test_no_usable_hop_falls_back_to_the_connection_address(settings, forwarded_for):
    settings.BRANCHCX_TRUSTED_PROXIES = ["10.0.0.0/24"]

    assert client_ip(request(forwarded_for)) == PROXY


def test_ipv6_hops_are_returned_as_written(settings):
    settings.BRANCHCX_TRUSTED_PROXIES = [PROXY]

    assert client_ip(request("2001:db8::1")) == "2001:db8::1"
