"""The staff lifecycle in a real browser: an invitation accepted, a password reset, and
two-factor login (enrol, log out, log in with a code computed here, a recovery code once)."""

import re
import time
from base64 import b32decode

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "A-new-long-passphrase-42"


def emailed_path(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [to])
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def choose_password(page, path: str) -> None:
    page.goto(path)
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page.locator(".login-card-body")).to_contain_text("Your password has been set")


def log_out(page) -> None:
    page.locator("#jazzy-usermenu").locator("..").locator("a[data-bs-toggle=dropdown]").click()
    page.locator("#logout-form").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in again")).to_be_visible()


def code_from(secret: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_an_invited_user_chooses_a_password_and_logs_in(page, signed_in, log_in, browser):
    signed_in(UserFactory(username="root", is_superuser=True))
    page.goto("/admin/auth/user/add/")
    expect(page.locator("input[name=password1]")).to_have_count(0)
    page.locator("input[name=username]").fill("newbie")
    page.locator("input[name=email]").fill("newbie@shop.example")
    # Django's two-box group picker: a double click moves a group to "chosen".
    page.locator("#id_groups_from option", has_text="Viewers").dblclick()
    expect(page.locator("#id_groups_to option")).to_have_text(["Viewers"])
    page.locator("input[name=_save]").click()
    expect(page.locator(".alert-success").first).to_contain_text(
        "An invitation to choose a password was sent to newbie@shop.example"
    )
    page.goto("/admin/auth/user/?q=newbie")
    expect(page.locator("#result_list")).to_contain_text("not accepted")

    page.context.clear_cookies()
    choose_password(page, emailed_path("newbie@shop.example"))
    log_in("newbie", NEW_PASSWORD)
    expect(page).to_have_url("/admin/")
    expect(page.get_by_role("heading", name="Dashboard").first).to_be_visible()


def test_a_forgotten_password_is_reset_from_the_login_page(page, log_in):
    UserFactory(username="anna", email="anna@shop.example")
    page.goto("/admin/login/")
    page.get_by_role("link", name="Forgotten your password or username?").click()
    page.locator("input[name=email]").fill("anna@shop.example")
    page.get_by_role("button", name="Reset my password").click()
    expect(page.locator(".login-card-body")).to_contain_text("emailed you instructions")

    choose_password(page, emailed_path("anna@shop.example"))
    log_in("anna", NEW_PASSWORD)
    expect(page).to_have_url("/admin/")


def test_two_factor_enrol_then_log_in_with_a_code_and_a_recovery_code_once(
    page, log_in, settings, screenshot, browser_problems
):
    # A wrong code is answered with 400, which Chromium logs to the console.
    browser_problems.allow(r"status of 400 \(Bad Request\).*/admin/two-factor/verify/")
    settings.BACKOFFICE_TWO_FACTOR_REQUIRED = ["superusers"]
    UserFactory(username="root", is_superuser=True)

    log_in("root")
    expect(page).to_have_url("/admin/two-factor/")
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "two_factor_enrol")
    page.locator("input[name=code]").fill(code_from(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "two_factor_recovery_codes")
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page).to_have_url("/admin/")
    log_out(page)

    log_in("root")
    expect(page).to_have_url(re.compile(r"/admin/two-factor/verify/"))
    screenshot(page, "two_factor_verify")
    # The enrolment used this 30-second step's code; the next step's is accepted too.
    page.locator("input[name=code]").fill(code_from(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url("/admin/")
    log_out(page)

    log_in("root")
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url("/admin/")
    expect(page.locator(".alert-warning").first).to_contain_text("9 left")
    log_out(page)

    log_in("root")
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".callout-danger")).to_contain_text("That code is not right")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/two-factor/verify/"))
