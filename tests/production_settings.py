"""Load backoffice.settings.production inside a test, to check the values it really sets."""

import importlib
import sys
from types import ModuleType

import pytest


def load_production_settings(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The production settings module, executed afresh with its required variables set."""
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    sys.modules.pop("backoffice.settings.production", None)
    return importlib.import_module("backoffice.settings.production")
