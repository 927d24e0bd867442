"""The demo as a new user meets it (issue 17, item 12): after setup_demo, the dashboard shows
two weeks of a running shop, not a page of "just now"."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demo_dashboard_shows_two_weeks_of_work(page, signed_in, screenshot):
    call_command("setup_demo")
    signed_in(User.objects.get(username="admin"))
    page.goto("/admin/")

    # Alerts raised on several different days of the last 14.
    bars = page.locator("#alerts-chart svg rect")
    expect(bars).to_have_count(14)
    heights = [float(bar.get_attribute("height")) for bar in bars.all()]
    assert len([height for height in heights if height > 0]) >= 5, heights
    unresolved = page.locator("#count-unresolved-alerts")
    expect(unresolved).to_contain_text("open ·")
    assert "0 acknowledged" not in unresolved.inner_text()
    ages = page.locator("#open-alerts tbody td:nth-child(4)").all_inner_texts()
    assert len(set(ages)) >= 3, ages
    assert "just now" not in ages
    expect(page.locator("#recent-deletions tbody tr")).to_have_count(4)
    expect(page.locator("#recent-deletions")).to_contain_text("Restored")
    expect(page.locator("#recent-actions .recent-action")).to_have_count(8)
    screenshot(page, "dashboard_demo")

    # The deletion list has restores (and records still waiting for one).
    page.goto("/admin/alerts/deletionrecord/")
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text="Restored")).to_have_count(2)
    not_restored = page.locator("td.field-restored", has_text=re.compile(r"^\s*No\s*$"))
    expect(rows.filter(has=not_restored)).to_have_count(2)

    # The stock alert list: resolved ones say at what stock, a deleted product's is marked.
    page.goto("/admin/alerts/stockalert/?status=resolved")
    expect(page.locator("#result_list")).to_contain_text(" at stock ")
    expect(page.locator("#result_list")).to_contain_text("(deleted)")
