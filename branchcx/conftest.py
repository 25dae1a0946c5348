from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from huey.contrib.djhuey import HUEY

from branchcx.testing import Org, build_org


@pytest.fixture(autouse=True)
def _test_environment(settings: Any) -> Any:
    # Tasks run inline (huey immediate mode, in-memory storage); rate-limit counters and
    # anything else cached start empty; a fast hasher keeps persona creation cheap (argon2
    # itself is checked in the security tests).
    HUEY.immediate = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db: Any) -> Org:
    """The two-branch organisation with its personas (see branchcx.testing)."""
    return build_org()


# Browser fixtures (headless Chromium via Playwright) for every app's end-to-end tests.
pytest_plugins = ["branchcx.browser_testing"]
