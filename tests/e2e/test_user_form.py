"""The user form and the password page in a real browser (issue 17, item 9): the group
chooser has room, says nothing before anything is done, and password inputs have the theme's
look (backoffice/static/backoffice/backoffice.css and backoffice.js)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOX = "el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; }"
LOOK = "el => [getComputedStyle(el).borderTopLeftRadius, getComputedStyle(el).height]"


def test_the_group_chooser_has_room_and_no_error_before_anything_is_done(
    page, signed_in, screenshot
):
    signed_in(UserFactory(username="root", is_superuser=True))
    member = UserFactory(username="member", groups=["Viewers"])
    page.goto(f"/admin/auth/user/{member.pk}/change/")
    page.get_by_text("Permissions", exact=True).click()
    available = page.locator("#id_groups_from")
    expect(available).to_be_visible()

    # Issue 17, item 9: 'shows "Please select an item in the list." before anything is done'.
    expect(page.get_by_text("Please select an item in the list.")).to_have_count(0)
    expect(page.locator(".selector .is-invalid, .selector .invalid-feedback")).to_have_count(0)
    # '... squeezed to ~100 px with word-per-line help text'.
    width, _ = available.evaluate(BOX)
    assert width >= 150
    help_width, help_height = page.locator("#id_groups_from_title .helptext").evaluate(BOX)
    assert help_width >= 120
    assert help_height <= 6 * 18  # a few lines, not one word a line (~14 lines before)
    # The arrows are icons, not their full text beside the lists.
    add_width, _ = page.locator("#id_groups_add").evaluate(BOX)
    assert add_width <= 40
    screenshot(page, "user_change")

    available.select_option(label="Editors")
    page.locator("#id_groups_add").click()
    expect(page.locator("#id_groups_to option")).to_have_text(["Viewers", "Editors"])
    expect(page.get_by_text("Please select an item in the list.")).to_have_count(0)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert sorted(member.groups.values_list("name", flat=True)) == ["Editors", "Viewers"]


def test_password_inputs_have_the_themes_look(page, signed_in):
    signed_in(UserFactory(username="editor", groups=["Editors"]))
    page.goto("/admin/password_change/")
    # 'password inputs are unstyled': the same corners and height as jazzmin's text inputs.
    for name in ["old_password", "new_password1", "new_password2"]:
        radius, height = page.locator(f"input[name={name}]").evaluate(LOOK)
        assert radius == "6px", name
        assert height == "38px", name


def test_the_reset_page_shows_only_the_password_inputs(page):
    user = UserFactory(username="viewer", groups=["Viewers"])
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    page.goto(
        reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    )
    # The username input for password managers (class "hidden") showed as a bare text box.
    expect(page.locator("input[autocomplete=username]")).to_be_hidden()
    expect(page.locator("input[type=password]")).to_have_count(2)
