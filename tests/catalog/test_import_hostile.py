"""The hostile-input corpus (tests/data/hostile/) through the admin's import pages.

Every file gets its clear message and changes nothing; the decompression bombs are refused
within 2 s and 50 MB of memory (issue 12.3); the files that are valid after all import.
Runs on SQLite and on PostgreSQL, like the rest of the suite.
"""

import json
import time
from pathlib import Path

import pytest

from catalog.models import Article, Product
from tests.catalog.importing import confirm, preview, report_text

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
MANIFEST = json.loads((HOSTILE / "manifest.json").read_text(encoding="utf-8"))["files"]
SECONDS = 2.0
EXTRA_MEGABYTES = 50

pytestmark = pytest.mark.usefixtures("upload_media")


@pytest.fixture(autouse=True)
def the_limit_the_corpus_was_built_for(settings):
    # The manifest's sizes and messages are computed against a 20 MB upload limit (the
    # XLSX bounds scale with it); the default is now 100 MB, for 1M-row product files.
    settings.BACKOFFICE_IMPORT_MAX_BYTES = 20 * 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def peak_growth_mb(work) -> float:
    """How far this process's resident memory peaks above where it started, in MB.

    Writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current size.
    """
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    work()
    return (_status_kb("VmHWM") - before) / 1024


def test_the_corpus_is_complete():
    on_disk = {path.name for path in HOSTILE.iterdir() if path.suffix in (".csv", ".xlsx")}
    assert on_disk == {entry["file"] for entry in MANIFEST}
    assert {Path(name).suffix for name in on_disk} == {".csv", ".xlsx"}


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_hostile_file_through_the_admin_import(superuser_client, entry):
    content = (HOSTILE / entry["file"]).read_bytes()
    name = entry.get("upload_name", entry["file"])
    model = entry.get("model", "catalog_product")

    started = time.perf_counter()
    response = preview(superuser_client, model, content, name)
    seconds = time.perf_counter() - started

    assert response.status_code == 200
    report = response.context["report"]
    if "expect" in entry:
        assert entry["expect"] in report_text(response)
        assert "confirm_form" not in response.context
        assert "nothing was written" in response.content.decode()
        assert not Product.objects.exists()
        assert not Article.objects.exists()
    else:
        assert report.totals == entry["totals"], report_text(response)
        if "note" in entry:
            assert any(entry["note"] in note for note in report.notes), report.notes
            assert entry["note"] in response.content.decode()
        result = confirm(superuser_client, model, response)
        assert result.status_code == 302
        assert Product.objects.count() == entry["totals"]["new"]
    if entry.get("bomb"):
        assert seconds < SECONDS, f"{entry['file']}: {seconds:.2f} s"


@pytest.mark.parametrize(
    "entry",
    [entry for entry in MANIFEST if entry.get("bomb")],
    ids=[entry["file"] for entry in MANIFEST if entry.get("bomb")],
)
def test_bombs_are_refused_with_little_memory(superuser_client, entry):
    content = (HOSTILE / entry["file"]).read_bytes()
    responses = []

    def upload() -> None:
        responses.append(preview(superuser_client, "catalog_product", content, entry["file"]))

    growth = peak_growth_mb(upload)

    assert responses[0].status_code == 200
    assert growth < EXTRA_MEGABYTES, f"{entry['file']}: {growth:.0f} MB"


@pytest.mark.parametrize(
    "entry",
    [entry for entry in MANIFEST if entry.get("bomb") and "expect" in entry],
    ids=[entry["file"] for entry in MANIFEST if entry.get("bomb") and "expect" in entry],
)
@pytest.mark.parametrize("limit_mb", [None, 100], ids=["default-limit", "100-mb-limit"])
def test_bombs_are_refused_at_larger_upload_limits(superuser_client, settings, entry, limit_mb):
    # The corpus's messages are written for a 20 MB limit; the XLSX size bounds grow with
    # the limit (100 MB for 1M-row files), so the compression-ratio bound must refuse every
    # bomb there too, in time and memory.
    from backoffice.settings import base

    settings.BACKOFFICE_IMPORT_MAX_BYTES = (
        limit_mb * 1024 * 1024 if limit_mb else base.BACKOFFICE_IMPORT_MAX_BYTES
    )
    content = (HOSTILE / entry["file"]).read_bytes()
    responses = []

    def upload() -> None:
        responses.append(preview(superuser_client, "catalog_product", content, entry["file"]))

    started = time.perf_counter()
    growth = peak_growth_mb(upload)
    seconds = time.perf_counter() - started

    report = responses[0].context["report"]
    assert report.has_errors
    assert "confirm_form" not in responses[0].context
    assert seconds < SECONDS, f"{entry['file']}: {seconds:.2f} s"
    assert growth < EXTRA_MEGABYTES, f"{entry['file']}: {growth:.0f} MB"
    assert not Product.objects.exists()
