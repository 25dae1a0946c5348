from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from branchcx.org.models import Role
from branchcx.testing import client_for
from branchcx.web.navigation import nav_for, navigation


def test_healthz_answers_with_database_reachable(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr("branchcx.web.middleware.connection", Unreachable())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_root_leads_to_sign_in_when_signed_out(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_root_leads_home_when_signed_in(org):
    assert client_for(org.teller_a).get("/")["Location"] == reverse("home")


def test_pages_carry_security_headers(db):
    response = Client().get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_page_uses_inline_script_or_style(org):
    # CSP forbids them; check the rendered shell of the richest pages.
    client = client_for(org.head_office)
    for url in (reverse("home"), reverse("org:staff_list"), reverse("org:branch_list")):
        body = client.get(url).content.decode()
        assert "<script>" not in body
        assert " style=" not in body
        assert " onclick=" not in body


def test_passwords_are_hashed_with_argon2(settings):
    # the test run swaps in a fast hasher; the project's own setting is what production uses
    from django.contrib.auth.hashers import make_password

    from branchcx import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert make_password("Persona-pass-2026").startswith("argon2$")


def test_session_ends_after_idle_timeout(org, settings):
    # given: a signed-in session whose expiry is renewed on every request
    client = client_for(org.teller_a)
    assert client.get(reverse("home")).status_code == 200
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    # when: the stored session has passed its idle expiry
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    # then: the next request is treated as signed out, and the idle limit is the configured 30 min
    assert client.session.get_expiry_age() == 30 * 60
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_page_is_a_friendly_404(org):
    response = client_for(org.teller_a).get("/no-such-page/")
    assert response.status_code == 404
    assert "web/error.html" in [t.name for t in response.templates]


def test_healthz_answers_a_load_balancer_probing_by_ip_address(db, settings):
    settings.ALLOWED_HOSTS = ["branchcx.bank.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = Client(HTTP_HOST="10.1.2.3").get("/healthz")
    assert response.status_code == 200
    # while any other page on that Host is refused
    assert Client(HTTP_HOST="10.1.2.3").get(reverse("login")).status_code == 400


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_link_in_the_navigation_opens_for_whoever_sees_it(org, role):
    # the navigation asks for the permission the page itself requires: no link to a refusal,
    # no page hidden from someone allowed to open it
    from branchcx.testing import make_staff

    user = make_staff(f"nav-{role}", role, org.sh0101 if role != "head_office_admin" else org.ho,
                      900 + list(Role).index(Role(role))).user  # fmt: skip
    client = client_for(user)
    shown = nav_for(user, "/")
    assert shown or role == Role.AUDITOR
    for link in shown:
        assert client.get(link["url"]).status_code == 200, (role, link["url"])
    hidden = [
        i for i in navigation.registered() if i.permission and not user.has_perm(i.permission)
    ]
    for item in hidden:
        assert client.get(reverse(item.url_name)).status_code in (403, 302), (role, item.key)
