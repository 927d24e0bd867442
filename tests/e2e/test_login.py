"""Login flow in a real browser: themed page, wrong password, dashboard, logout."""

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import contrast_ratio
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inventory_manager():
    return UserFactory(username="inventory", groups=["Inventory managers"])


def test_login_page_is_themed(page, screenshot):
    page.goto("/admin/")

    expect(page).to_have_url("/admin/login/?next=/admin/")
    expect(page.locator(".login-box-msg")).to_have_text("Sign in to the shop's back office")
    # jazzmin's stylesheet is applied, not just linked: the login box is a centred card.
    card_width = page.locator(".login-box").evaluate("el => el.getBoundingClientRect().width")
    assert 300 <= card_width <= 500
    # backoffice.css caps the size-less SVG logo, which otherwise fills the box.
    logo = page.locator(".login-logo img").filter(visible=True)
    logo_height = logo.evaluate("el => el.offsetHeight")
    assert logo_height <= 100
    expect(page.locator("input[name=password]")).to_be_in_viewport()
    screenshot(page, "login")


def test_wrong_password_shows_an_error_and_stays_logged_out(page, log_in, inventory_manager):
    log_in("inventory", "not-the-password")

    expect(page).to_have_url("/admin/login/")
    expect(page.locator(".callout-danger")).to_contain_text(
        "Please enter the correct username and password"
    )
    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")


def test_right_password_lands_on_dashboard_and_logout_works(page, log_in, inventory_manager):
    log_in("inventory")

    expect(page).to_have_url("/admin/")
    expect(page.locator("#jazzy-usermenu")).to_be_attached()
    expect(page.get_by_role("heading", name="Dashboard").first).to_be_visible()
    # The top bar's links are readable: enough contrast against the bar (WCAG: 3:1 at least).
    assert contrast_ratio(page, "#jazzy-navbar .nav-link", "#jazzy-navbar") >= 3

    page.locator('a[title="inventory"][data-bs-toggle="dropdown"]').click()
    page.locator("#logout-form").get_by_role("button", name="Log out").click()

    expect(page.get_by_role("link", name="Log in again")).to_be_visible()
    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")


def test_repeated_failures_lock_the_login_out(
    page, log_in, inventory_manager, settings, browser_problems, screenshot
):
    # The lockout page is served with status 429, which Chromium logs to the console.
    browser_problems.allow(r"status of 429 \(Too Many Requests\).*/admin/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("inventory", "not-the-password")

    # Locked now: even the right password is refused, with the lockout message.
    log_in("inventory")

    expect(page.locator("#login-locked-out")).to_contain_text("Too many failed login attempts")
    screenshot(page, "login_locked_out")
    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")
