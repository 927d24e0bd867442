"""Fixtures for the job tests."""

import pytest


@pytest.fixture(autouse=True)
def job_media(settings, tmp_path):
    """Uploads and export files in a private folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
