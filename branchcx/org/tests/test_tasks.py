from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from branchcx.org.actions import do_create_token, do_revoke_token
from branchcx.org.models import ApiToken
from branchcx.org.tasks import prune_expired_credentials


def test_periodic_prune_removes_expired_sessions_and_dead_tokens(org):
    # given: one live and one expired session; a live, a long-revoked and a fresh-revoked token
    live = SessionStore()
    live.create()
    stale = SessionStore()
    stale.create()
    Session.objects.filter(session_key=stale.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    _keep, _ = do_create_token(org.teller_a, name="keep")
    old, _ = do_create_token(org.teller_a, name="old")
    do_revoke_token(org.teller_a, old)
    ApiToken.objects.filter(pk=old.pk).update(revoked_at=timezone.now() - timedelta(days=31))
    recent, _ = do_create_token(org.teller_a, name="recent")
    do_revoke_token(org.teller_a, recent)
    # when: the huey periodic task runs (immediate mode in tests)
    result = prune_expired_credentials.call_local()
    # then
    assert Session.objects.filter(session_key=live.session_key).exists()
    assert not Session.objects.filter(session_key=stale.session_key).exists()
    assert set(ApiToken.objects.values_list("name", flat=True)) == {"keep", "recent"}
    assert result["tokens"] == 1
    assert result["sessions"] >= 1


def test_prune_task_is_scheduled_hourly():
    from huey.contrib.djhuey import HUEY

    names = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert any(name.endswith("prune_expired_credentials") for name in names)
