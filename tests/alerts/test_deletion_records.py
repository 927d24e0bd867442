"""Deletion records (pre_delete receivers) and restore, through the ORM and alerts.services."""

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from alerts import services
from alerts.models import DeletionRecord, StockAlert
from backoffice.kit.actor import acting_as
from catalog.models import Article, Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestRecording:
    def test_a_shell_delete_leaves_a_snapshot_of_every_field_and_no_actor(self):
        product = ProductFactory(sku="SNAP-1", name="Lamp", stock=7, description="Bright")
        pk = product.pk
        product.delete()
        record = DeletionRecord.objects.get()
        assert (record.object_pk, record.object_repr) == (str(pk), "SNAP-1 — Lamp")
        assert record.deleted_by is None
        assert record.deleted_by_username == ""
        fields = record.snapshot["fields"]
        concrete = {f.attname.removesuffix("_id") for f in Product._meta.concrete_fields} - {"id"}
        assert set(fields) == concrete
        assert (fields["stock"], fields["price"], fields["description"]) == (7, "9.90", "Bright")

    def test_the_actor_and_their_username_are_recorded(self):
        actor = UserFactory(username="deleter")
        article = ArticleFactory()
        with acting_as(actor):
            article.delete()
        record = DeletionRecord.objects.get(content_type__model="article")
        assert (record.deleted_by, record.deleted_by_username) == (actor, "deleter")

    def test_a_user_snapshot_holds_many_to_many_pks(self):
        user = UserFactory(groups=["Editors", "Viewers"])
        group_pks = sorted(user.groups.values_list("pk", flat=True))
        user.delete()
        record = DeletionRecord.objects.get(content_type__model="user")
        assert sorted(record.snapshot["fields"]["groups"]) == group_pks

    def test_a_queryset_delete_records_every_row(self):
        ProductFactory.create_batch(3)
        Product.objects.all().delete()
        assert DeletionRecord.objects.count() == 3

    def test_deleting_a_product_resolves_its_alerts(self):
        product = ProductFactory(stock=1)
        product.delete()
        alert = StockAlert.objects.get()
        assert (alert.status, alert.product) == (StockAlert.Status.RESOLVED, None)

    def test_a_rolled_back_delete_leaves_no_record(self):
        pk = ProductFactory().pk
        with pytest.raises(RuntimeError), transaction.atomic():
            Product.objects.get(pk=pk).delete()
            raise RuntimeError("changed my mind")
        assert DeletionRecord.objects.count() == 0
        assert Product.objects.filter(pk=pk).exists()

    def test_a_user_deleting_their_own_account_still_leaves_a_record(self):
        user = UserFactory(username="leaver")
        with acting_as(user):
            user.delete()
        record = DeletionRecord.objects.get()
        assert (record.deleted_by, record.deleted_by_username) == (None, "leaver")

    def test_deleting_a_user_keeps_their_records_and_their_articles(self):
        user = UserFactory(username="author")
        article = ArticleFactory(author=user)
        with acting_as(user):
            ProductFactory().delete()
        user.delete()
        made_by_them = DeletionRecord.objects.get(content_type__model="product")
        assert (made_by_them.deleted_by, made_by_them.deleted_by_username) == (None, "author")
        article.refresh_from_db()
        assert article.author is None


class TestRestore:
    def test_a_product_comes_back_with_its_pk_and_fields_and_its_alert(self, superuser):
        product = ProductFactory(sku="BACK-1", name="Lamp", stock=2, low_stock_threshold=5)
        pk = product.pk
        product.delete()
        record = DeletionRecord.objects.get()

        restored = services.deletion_record_restore(record=record, user=superuser)

        assert restored.pk == pk
        fresh = Product.objects.get(pk=pk)
        assert (fresh.sku, fresh.name, fresh.stock) == ("BACK-1", "Lamp", 2)
        record.refresh_from_db()
        assert (record.restored_by, record.restored_at is not None) == (superuser, True)
        # Its alert, resolved by the delete, is its own again (no longer "(deleted)"), and
        # a new one is open: it is still low.
        old, new = StockAlert.objects.filter(product=fresh).order_by("pk")
        assert (old.status, old.stock_at_resolution) == (StockAlert.Status.RESOLVED, 2)
        assert new.status == StockAlert.Status.OPEN
        assert not StockAlert.objects.filter(deleted_product_pk=pk).exists()

    def test_a_user_comes_back_with_groups_and_an_unusable_password(self, superuser):
        user = UserFactory(username="returning", groups=["Editors"])
        user.delete()
        record = DeletionRecord.objects.get()
        assert "password" not in record.snapshot["fields"]
        services.deletion_record_restore(record=record, user=superuser)
        back = User.objects.get(username="returning")
        assert not back.has_usable_password()
        assert not back.check_password("pass-for-tests-1")
        assert list(back.groups.values_list("name", flat=True)) == ["Editors"]

    def test_a_hash_kept_by_an_older_record_is_not_restored(self, superuser):
        UserFactory(username="older").delete()
        record = DeletionRecord.objects.get()
        record.snapshot["fields"]["password"] = make_password("old-secret-1")
        record.save()
        services.deletion_record_restore(record=record, user=superuser)
        back = User.objects.get(username="older")
        assert not back.has_usable_password()
        assert not back.check_password("old-secret-1")

    def test_links_to_rows_deleted_since_are_dropped(self, superuser):
        author = UserFactory(username="gone", groups=["Editors"])
        article = ArticleFactory(author=author)
        article.delete()
        author.delete()
        Group.objects.filter(name="Editors").delete()
        records = DeletionRecord.objects.order_by("pk")
        restored = services.deletion_record_restore(record=records[0], user=superuser)
        assert Article.objects.get(pk=restored.pk).author is None

    def test_a_taken_pk_is_a_conflict_that_changes_nothing(self, superuser):
        product = ProductFactory(sku="PK-1")
        pk = product.pk
        product.delete()
        Product.objects.create(pk=pk, sku="SQUATTER", name="Other", price=1)
        record = DeletionRecord.objects.get()
        with pytest.raises(ValidationError, match=rf"ID {pk} is taken by “SQUATTER"):
            services.deletion_record_restore(record=record, user=superuser)
        record.refresh_from_db()
        assert record.restored_at is None
        assert Product.objects.get(pk=pk).sku == "SQUATTER"

    def test_a_taken_unique_value_is_a_conflict_naming_the_field(self, superuser):
        product = ProductFactory(sku="DUP-1")
        product.delete()
        ProductFactory(sku="DUP-1")
        record = DeletionRecord.objects.get()
        with pytest.raises(ValidationError, match="SKU already exists"):
            services.deletion_record_restore(record=record, user=superuser)
        assert Product.objects.count() == 1
        record.refresh_from_db()
        assert record.restored_at is None

    def test_a_username_taken_in_other_case_is_a_conflict(self, superuser):
        # Django's add form and the user import refuse "anna" beside "Anna": restore too.
        UserFactory(username="Anna", groups=["Editors"]).delete()
        UserFactory(username="anna")
        record = DeletionRecord.objects.get()
        with pytest.raises(ValidationError, match="the username is taken by “anna”"):
            services.deletion_record_restore(record=record, user=superuser)
        assert sorted(User.objects.values_list("username", flat=True)) == ["anna", "root"]
        record.refresh_from_db()
        assert record.restored_at is None

    def test_a_value_taken_during_the_restore_is_a_fixed_message_not_the_databases(
        self, superuser, monkeypatch, caplog
    ):
        from alerts import deletions

        product = ProductFactory(sku="RACE-1")
        product.delete()
        record = DeletionRecord.objects.get()
        checked = deletions._check_restorable

        def check_then_someone_creates_it(instance, *, record):
            checked(instance, record=record)
            ProductFactory(sku="race-1")  # another session, between the check and the save

        monkeypatch.setattr(deletions, "_check_restorable", check_then_someone_creates_it)
        with pytest.raises(ValidationError) as raised:
            services.deletion_record_restore(record=record, user=superuser)
        message = " ".join(raised.value.messages)
        assert "its ID or a unique value was taken while it was being restored" in message
        assert "constraint" not in message.lower()
        assert "catalog_product" not in message
        assert "lost a race" in caplog.text
        record.refresh_from_db()
        assert record.restored_at is None

    def test_restoring_twice_is_refused(self, superuser):
        ProductFactory().delete()
        record = DeletionRecord.objects.get()
        services.deletion_record_restore(record=record, user=superuser)
        with pytest.raises(ValidationError, match="restored already"):
            services.deletion_record_restore(record=record, user=superuser)

    def test_restoring_needs_the_add_permission_on_the_model(self):
        ArticleFactory().delete()
        record = DeletionRecord.objects.get(content_type__model="article")
        manager = UserFactory(username="inv", groups=["Inventory managers"])  # view articles only
        with pytest.raises(PermissionDenied):
            services.deletion_record_restore(record=record, user=manager)
        editor = UserFactory(username="ed", groups=["Editors"])
        services.deletion_record_restore(record=record, user=editor)
        assert Article.objects.filter(pk=int(record.object_pk)).exists()
