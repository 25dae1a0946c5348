"""End-to-end browser fixtures (headless Chromium through Playwright) every app can reuse.

Registered as a pytest plugin in ``branchcx/conftest.py``. A browser test looks like::

    @pytest.mark.browser
    def test_something(page: Page, live_org: Org) -> None:
        page.goto("/")          # relative to the live server
        ...

Fixtures:

``browser``
    One headless Chromium per test session, Debian's ``/usr/bin/chromium``. Playwright never
    downloads a browser here (the machines have no internet access).
``page``
    A fresh browser context (cookies, storage) and page per test, ``base_url`` set to the live
    server and the locale ``zh-CN`` (override the ``browser_locale`` fixture for another one).
    Console errors, uncaught JavaScript errors, failed requests to our own server and
    Content-Security-Policy violations are collected; any of them fails the test at teardown.
``browser_problems``
    What the ``page`` collected, for tests that provoke a problem on purpose: inspect it,
    ``wait_for()`` it, then ``clear()`` it (or ``allow()`` a pattern) so teardown passes.
``live_org``
    The two-branch organisation of ``branchcx.testing`` in a transactional database, which the
    live server's thread can see (the plain ``org`` fixture's transaction would hide it).

Tests marked ``browser`` (or using ``page``) are skipped, with a line in the terminal summary,
when ``/usr/bin/chromium`` is missing, and always run last: see ``pytest_collection_modifyitems``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from branchcx.testing import Org, build_org

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Request,
        Response,
        WebError,
    )
    from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = (
    "browser tests skipped: /usr/bin/chromium not installed "
    "(apt-get install chromium chromium-driver)"
)
# The machines have no internet access: without the background-networking flags Chromium keeps
# trying (and failing) to reach Google services, which slows every test down.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Everything happens on localhost: a step that takes this long is stuck, and failing after 10 s
# beats Playwright's default of 30 s per step.
TIMEOUT_MS = 10_000

# Name of the function the init script calls on a CSP violation (see ``_CSP_LISTENER``).
_CSP_BINDING = "__branchcxCspViolation"
# Runs before any page script, in every document of the context. Init scripts are injected by
# the DevTools protocol, so the page's own CSP (no inline scripts) does not apply to them.
_CSP_LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{_CSP_BINDING}(
    `${{event.effectiveDirective}} refused ${{event.blockedURI || "(inline)"}}` +
    ` in ${{event.sourceFile || event.documentURI}}:${{event.lineNumber}}`
  );
}});
"""


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


# --- what a page reported --------------------------------------------------------------------


@dataclass
class BrowserProblems:
    """Everything a test's pages reported that should not happen on a healthy page."""

    origin: str  # our live server: requests elsewhere are not our failures
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    # Pages of ours answered with a 4xx: tests visit 403/404 pages on purpose (see _on_response).
    error_documents: set[str] = field(default_factory=set)

    def allow(self, pattern: str) -> None:
        """Ignore problems matching ``pattern`` (a regex), e.g. a 404 a test provokes."""
        self.allowed.append(re.compile(pattern))

    def clear(self) -> None:
        for problems in self._lists().values():
            problems.clear()

    def all(self) -> list[str]:
        return [
            f"{kind}: {problem}"
            for kind, problems in self._lists().items()
            for problem in problems
            if not any(pattern.search(problem) for pattern in self.allowed)
        ]

    def wait_for(self, page: Page, condition: Callable[[], object], timeout_ms: int = 5000) -> None:
        """Wait until ``condition()`` is true, letting Playwright deliver events meanwhile.

        Events reach Python only while a Playwright call runs, so a plain ``time.sleep`` loop
        would wait forever; ``page.wait_for_timeout`` keeps the event loop turning.
        """
        deadline = time.monotonic() + timeout_ms / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"browser problems not reported in time: {self.all()}")
            page.wait_for_timeout(50)

    def watch(self, context: BrowserContext) -> None:
        """Listen on the whole context, so pop-ups and later pages are covered too."""
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)
        context.expose_binding(_CSP_BINDING, self._on_csp_violation)
        context.add_init_script(_CSP_LISTENER)

    def _lists(self) -> dict[str, list[str]]:
        return {
            "CSP violation": self.csp_violations,
            "JavaScript error": self.page_errors,
            "console error": self.console_errors,
            "failed request": self.failed_requests,
        }

    def _ours(self, url: str) -> bool:
        return url == self.origin or url.startswith(self.origin + "/")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and where in self.error_documents:
            return  # Chromium logs every 4xx, even a 403/404 page the test opened on purpose
        text = f"{message.text} ({where})" if where else message.text
        # Chromium reports CSP refusals on the console, worded "Refused to load/apply ..." or
        # (recent versions, inline scripts) "Executing inline script violates the following
        # Content Security Policy directive ...".
        if message.text.startswith("Refused to") or "Content Security Policy" in message.text:
            self.csp_violations.append(text)
        else:
            self.console_errors.append(text)

    def _on_web_error(self, error: WebError) -> None:
        self.page_errors.append(str(error.error))

    def _on_request_failed(self, request: Request) -> None:
        if self._ours(request.url):
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response: Response) -> None:
        if not self._ours(response.url):
            return
        # A server error is always a problem. A 4xx *document* may be what the test checks (the
        # 403/404 pages); a 4xx script, stylesheet or fetch means the page is broken.
        request = response.request
        document = request.resource_type == "document"
        if response.status >= 500 or (response.status >= 400 and not document):
            self.failed_requests.append(f"{request.method} {response.url}: {response.status}")
        elif response.status >= 400:
            self.error_documents.add(response.url)

    def _on_csp_violation(self, _source: dict[str, Any], detail: str) -> None:
        self.csp_violations.append(detail)


# --- pytest hooks ----------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_marker = pytest.mark.browser
    skip = pytest.mark.skip(reason=SKIP_REASON)
    others: list[pytest.Item] = []
    browser_items: list[pytest.Item] = []
    for item in items:
        uses_page = "page" in getattr(item, "fixturenames", ())
        if item.get_closest_marker("browser") is None and uses_page:
            # So that `-m "not browser"` also leaves out tests that forgot the marker.
            item.add_marker(browser_marker)
        if item.get_closest_marker("browser") is None:
            others.append(item)
            continue
        if not chromium_available():
            item.add_marker(skip)
        browser_items.append(item)
    # Run browser tests last (trylast: after pytest-django's own ordering). While Playwright's
    # sync API is started, the main thread looks like it runs an event loop, so the session
    # fixture turns Django's async-safety check off until the session ends; running the
    # browser tests last keeps every other test under the check.
    items[:] = others + browser_items


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    # Read the skip reports rather than remembering what was collected: under pytest-xdist the
    # workers collect, and only the reports reach the process that prints the summary.
    for report in terminalreporter.stats.get("skipped", []):
        if SKIP_REASON in str(getattr(report, "longrepr", "")):
            terminalreporter.write_line(SKIP_REASON, yellow=True, bold=True)
            return


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (launching one takes about a second)."""
    if not chromium_available():
        pytest.skip(SKIP_REASON)
    # Imported here so that the plugin loads (and other tests run) without Playwright.
    from playwright.sync_api import sync_playwright

    # Playwright's sync API marks an asyncio loop as running in this thread between its calls,
    # and Django then refuses ORM calls here ("You cannot call this from an async context").
    # Nothing is async in these tests, so the check is off while Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_locale() -> str:
    """The browser's language (Accept-Language); staff use Chinese, so that is the default."""
    return "zh-CN"


@pytest.fixture
def browser_problems(live_server: LiveServer) -> BrowserProblems:
    return BrowserProblems(origin=live_server.url)


@pytest.fixture
def page(
    browser: Browser,
    live_server: LiveServer,
    browser_locale: str,
    browser_problems: BrowserProblems,
) -> Iterator[Page]:
    """A new page in a fresh context; fails the test if the browser reported problems."""
    context = browser.new_context(
        base_url=live_server.url,
        locale=browser_locale,
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},  # wide enough for the expanded navbar
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    browser_problems.watch(context)
    try:
        page = context.new_page()
        yield page
        # Events reach Python only during Playwright calls: one round trip delivers whatever
        # the page reported after the test's last call.
        if not page.is_closed():
            page.evaluate("0")
    finally:
        context.close()
    problems = browser_problems.all()
    if problems:
        pytest.fail(
            "the browser reported problems:\n" + "\n".join(f"  - {p}" for p in problems),
            pytrace=False,
        )


# Data migrations that load reference data (module, function): a transactional test empties
# every table when it ends, so each browser test loads them again when they are missing.
REFERENCE_DATA = [
    ("branchcx.customers.migrations.0002_reference_data", "load", "customers.Product"),
    ("branchcx.complaints.migrations.0002_reference_data", "load", "complaints.Classification"),
    (
        "branchcx.complaints.migrations.0005_handling_guidance",
        "seed",
        "complaints.HandlingGuidance",
    ),
]


def _reload_reference_data() -> None:
    import importlib

    from django.apps import apps
    from django.db import connection

    for module, function, model in REFERENCE_DATA:
        if not apps.get_model(model).objects.exists():
            getattr(importlib.import_module(module), function)(apps, connection.schema_editor())


@pytest.fixture
def live_org(transactional_db: None) -> Org:
    """The personas of ``branchcx.testing``, committed so that the live server sees them,
    with the migrations' reference data (products, complaint codes, guidance)."""
    _reload_reference_data()
    return build_org()
