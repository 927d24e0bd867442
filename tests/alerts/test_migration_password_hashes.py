"""alerts/migrations/0006 removes the password hashes deletion records stored before."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection

from alerts.models import DeletionRecord
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("alerts.migrations.0006_snapshots_without_password_hashes")


def test_old_hashes_are_removed_and_nothing_else_changes():
    for name in ("old1", "old2"):
        UserFactory(username=name).delete()
    ProductFactory(sku="P-1").delete()
    for record in DeletionRecord.objects.filter(content_type__model="user"):
        record.snapshot["fields"]["password"] = make_password("old-secret-1")
        record.save()
    product_snapshot = DeletionRecord.objects.get(content_type__model="product").snapshot

    migration.strip_password_hashes(apps, SimpleNamespace(connection=connection))

    for record in DeletionRecord.objects.filter(content_type__model="user"):
        assert "password" not in record.snapshot["fields"]
        assert record.snapshot["fields"]["username"] in {"old1", "old2"}
    assert DeletionRecord.objects.get(content_type__model="product").snapshot == product_snapshot
