"""Browser-test plumbing: one headless Chromium per session, a fresh context per test,
console-error and failed-request capture that fails the test, and a screenshot helper.

The tests run whenever Debian's Chromium is at /usr/bin/chromium and are reported as
skipped, with the reason, when it is not.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.checks import DESKTOP, PHONE

# Playwright's sync API runs an asyncio event loop in the test thread, so Django's
# async-safety check would raise SynchronousOnlyOperation on every ORM call the test makes
# itself (creating users, reading results). The ORM is not used from a coroutine here, only
# from plain test code that happens to share a thread with Playwright's loop: this is the
# documented escape hatch for exactly that case. Test-only; never set it in settings.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("BACKOFFICE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pass-for-tests-1"  # tests.factories.UserFactory's password
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "docs" / "screenshots"


def pytest_collection_modifyitems(config, items):
    # Playwright itself is a pinned dev requirement: without it the test modules fail to
    # import, loudly. Only the system browser may be missing, and that is a skip.
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium: not found at {CHROMIUM} (apt-get install -y chromium)"
    )
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    # One line that says whether the browser tests really ran (CI output, README command).
    counts = {
        outcome: sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if "e2e" in getattr(report, "keywords", {}) and report.when in ("call", "setup")
        )
        for outcome in ("passed", "failed", "error", "skipped")
    }
    if any(counts.values()):
        summary = ", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count)
        terminalreporter.write_line(f"browser tests (Chromium at {CHROMIUM}): {summary}")


@dataclass
class BrowserProblems:
    """Everything the page complained about: JavaScript errors and failed requests."""

    messages: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept problems matching `pattern` (a regex): for tests expecting an error page."""
        self.allowed.append(re.compile(pattern))

    @property
    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.messages.append(f"console error: {message.text} at {message.location}")

    def _on_request_failed(self, request) -> None:
        # A navigation (form submit, link click) cancels requests still in flight; that is
        # the browser's normal behaviour, not a missing file.
        if request.failure == "net::ERR_ABORTED":
            return
        self.messages.append(f"request failed: {request.url} ({request.failure})")

    def _on_response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.messages.append(f"HTTP {response.status}: {response.url}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Checked after the test body, in the call phase, so the test itself is reported as
    # failed (not as an error in teardown) when the browser complained.
    result = yield
    problems = item.funcargs.get("browser_problems")
    if problems is not None and problems.unexpected:
        raise AssertionError("the browser reported problems:\n" + "\n".join(problems.unexpected))
    return result


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(browser, live_server, browser_problems) -> Iterator:
    """A page in a fresh browser context (own cookies), pointed at the live server."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    browser_problems.watch(page)
    yield page
    context.close()


@pytest.fixture
def screenshot(request, tmp_path_factory):
    """Save full-page screenshots of the current page at 1280x800 and at 390x844.

    With BACKOFFICE_SCREENSHOTS=1 they go to docs/screenshots/ (what the README shows);
    otherwise to pytest's temporary directory, so every run still renders both sizes.
    Each call also checks that nothing spills sideways off the phone screen.
    """
    if os.environ.get("BACKOFFICE_SCREENSHOTS") == "1":
        directory = SCREENSHOT_DIR
        directory.mkdir(parents=True, exist_ok=True)
    else:
        directory = tmp_path_factory.mktemp("screenshots", numbered=True)

    def shoot(page, size: dict, path: Path) -> None:
        # A full-page capture keeps 100vh at the window's height, so jazzmin's fixed sidebar
        # would stop part-way down a long page. Grow the window to the page instead.
        page.set_viewport_size(size)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.screenshot(path=path)

    def take(page, name: str) -> Path:
        assert re.fullmatch(r"[a-z0-9_]+", name), name
        desktop_path = directory / f"{name}.png"
        try:
            shoot(page, DESKTOP, desktop_path)
            page.set_viewport_size(PHONE)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name}: page is {overflow}px wider than a 390px phone screen"
            shoot(page, PHONE, directory / f"{name}_phone.png")
        finally:
            page.set_viewport_size(DESKTOP)
        return desktop_path

    return take


@pytest.fixture
def signed_in(page, live_server):
    """Start the page's session as `user` without the login form (tested on its own)."""

    def sign_in(user) -> None:
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return sign_in


@pytest.fixture
def log_in(page):
    """Fill and submit jazzmin's login form (its inputs have names, not ids)."""

    def submit(username: str, password: str = PASSWORD) -> None:
        page.goto("/admin/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return submit
