"""A large import in a real browser with a real Celery worker: the progress bar moves while
the worker validates, the preview follows, the confirmed import runs in the worker, the page
shows it done and the dashboard shows the new alerts and the "your import finished" notice."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from backoffice.kit.jobs.models import ImportJob
from catalog.models import Product
from tests.factories import UserFactory
from tests.workers import celery_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = 250_000  # a few seconds of validation on an idle machine (~1.1 s per 100k rows)
LOW = 3  # products below their threshold: the alerts the dashboard shows


def large_csv(path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("sku,name,price,stock,low_stock_threshold\n")
        for n in range(ROWS):
            stock = 0 if n < LOW else 50
            handle.write(f"BIG-{n:07d},Product {n},{n % 500 + 1}.50,{stock},5\n")


def progress_values(page, timeout: float, seen: list[str]) -> list[str]:
    """The rows the bar shows, read until the page turns into the preview."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator("#import-report").count():
            return seen
        rows = page.locator(".job-progress-rows")
        try:
            text = rows.inner_text(timeout=1000) if rows.count() else ""
        except Exception:  # the page reloaded between count() and inner_text()
            text = ""
        if text and (not seen or seen[-1] != text):
            seen.append(text)
        time.sleep(0.1)
    raise AssertionError(f"no preview after {timeout} s; the bar showed {seen}")


def test_a_large_import_shows_a_moving_progress_bar_then_the_preview_then_done(
    page, signed_in, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = UserFactory(username="inventory", groups=["Inventory managers"])
    signed_in(manager)
    csv_path = tmp_path / "supplier.csv"
    large_csv(csv_path)

    with celery_worker(tmp_path, media_root=settings.MEDIA_ROOT) as worker:
        page.goto(reverse("admin:catalog_product_import"))
        page.locator("input[name=import_file]").set_input_files(csv_path)
        page.get_by_role("button", name="Upload and preview").click()

        job = ImportJob.objects.get()
        expect(page).to_have_url(f"{reverse('admin:catalog_product_import')}?job={job.pk}")
        bar = page.locator("#job-progress .progress-bar")
        # The worker is counting: the bar shows a share of the rows.
        expect(bar).to_have_text(re.compile(r"[1-9]\d*%"), timeout=120_000)
        expect(page.locator("#import-job .card-title")).to_contain_text(
            f"Import job #{job.pk}: supplier.csv"
        )
        seen = [page.locator(".job-progress-rows").inner_text()]
        screenshot(page, "import_progress")
        seen = progress_values(page, timeout=300, seen=seen)
        assert len(set(seen)) >= 2, seen  # the bar moved while the worker validated
        assert all(value.endswith(f"of {ROWS:,} rows") for value in seen), seen

        report = page.locator("#import-report")
        expect(report.locator(".import-totals")).to_contain_text(f"{ROWS} new")
        assert not Product.objects.exists(), "validation wrote nothing"
        page.get_by_role("button", name="Confirm import").click()

        # The worker imports; the page follows the job and reloads when it is done.
        expect(page.locator(".import-job-result")).to_contain_text(
            f"Import finished: {ROWS} new", timeout=600_000
        )
        assert Product.objects.count() == ROWS, worker.log_text()[-2000:]

        page.goto(reverse("admin:jobs_importjob_changelist"))
        expect(page.locator("#result_list")).to_contain_text("supplier.csv")
        expect(page.locator("#result_list")).to_contain_text("Done")
        screenshot(page, "import_jobs_list")

        page.goto(reverse("admin:index"))
        expect(page.locator(".import-finished-notice")).to_contain_text(
            f"Your import of supplier.csv finished: {ROWS} new"
        )
        expect(page.locator("#count-unresolved-alerts h3")).to_have_text(str(LOW))
        skus = page.locator("#open-alerts tbody tr td:first-child").all_inner_texts()
        assert sorted(skus) == [f"BIG-{n:07d}" for n in range(LOW)]
