"""Fixtures for the catalog tests."""

import pytest


@pytest.fixture
def upload_media(settings, tmp_path):
    """Keep import uploads waiting between preview and confirm in a private folder."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
