"""Admin pages, actions and buttons of the alerts app, allowed and denied."""

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.messages import get_messages
from django.urls import reverse

from alerts.models import DeletionRecord, StockAlert
from alerts.services import stock_alerts_resolve as resolve
from backoffice.kit.actor import acting_as
from catalog.models import Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ALERTS_URL = reverse("admin:alerts_stockalert_changelist")
RECORDS_URL = reverse("admin:alerts_deletionrecord_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, url, action, pks, **extra):
    return client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks], **extra}, follow=True
    )


@pytest.fixture
def open_alert():
    return StockAlert.objects.get(product=ProductFactory(sku="ALERT-1", stock=1))


@pytest.fixture
def deleted_product_record():
    ProductFactory(sku="GONE-1", name="Gone").delete()
    return DeletionRecord.objects.get()


class TestStockAlertList:
    def test_lists_searches_and_filters(self, admin_client_for):
        client = admin_client_for("Viewers")
        ProductFactory(sku="FIND-ME", stock=1)
        ProductFactory(sku="OTHER", stock=1)
        html = client.get(ALERTS_URL, {"q": "FIND"}).content.decode()
        assert "FIND-ME" in html
        assert "OTHER" not in html
        html = client.get(ALERTS_URL, {"status": "resolved"}).content.decode()
        assert "FIND-ME" not in html
        html = client.get(ALERTS_URL, {"status": "unresolved"}).content.decode()
        assert "FIND-ME" in html
        assert "OTHER" in html

    def test_the_list_costs_the_same_number_of_queries_for_more_alerts(
        self, admin_client_for, django_assert_max_num_queries
    ):
        client = admin_client_for("Inventory managers")
        manager = client.user
        for n in range(30):
            ProductFactory(stock=n % 4)
        StockAlert.objects.filter(stock=0).update(status="acknowledged", acknowledged_by=manager)
        client.get(ALERTS_URL)  # warm caches (content types, permissions)
        with django_assert_max_num_queries(12):
            assert client.get(ALERTS_URL).status_code == 200

    def test_nobody_adds_edits_or_deletes_alerts(self, superuser_client, open_alert):
        assert superuser_client.get(reverse("admin:alerts_stockalert_add")).status_code == 403
        url = reverse("admin:alerts_stockalert_delete", args=[open_alert.pk])
        assert superuser_client.post(url, {"post": "yes"}).status_code == 403
        change = reverse("admin:alerts_stockalert_change", args=[open_alert.pk])
        superuser_client.post(change, {"status": "resolved"})
        open_alert.refresh_from_db()
        assert open_alert.status == StockAlert.Status.OPEN

    def test_users_without_view_permission_get_403(self, admin_client_for):
        assert admin_client_for("Editors").get(ALERTS_URL).status_code == 403


class TestStockAlertActions:
    @pytest.mark.parametrize("action", ["acknowledge", "resolve"])
    def test_inventory_managers_may(self, admin_client_for, open_alert, action):
        client = admin_client_for("Inventory managers")
        response = run_action(client, ALERTS_URL, action, [open_alert.pk])
        open_alert.refresh_from_db()
        expected = "acknowledged" if action == "acknowledge" else "resolved"
        assert open_alert.status == expected
        assert messages_of(response) == [f"1 alert {expected}."]

    @pytest.mark.parametrize("action", ["acknowledge", "resolve"])
    def test_viewers_may_not(self, admin_client_for, open_alert, action):
        client = admin_client_for("Viewers")
        run_action(client, ALERTS_URL, action, [open_alert.pk])
        open_alert.refresh_from_db()
        assert open_alert.status == StockAlert.Status.OPEN

    def test_acknowledging_nothing_open_says_so(self, superuser_client, open_alert):
        resolve(alerts=StockAlert.objects.all())
        response = run_action(superuser_client, ALERTS_URL, "acknowledge", [open_alert.pk])
        assert "not open" in messages_of(response)[0]

    def test_resolving_nothing_unresolved_says_they_were_resolved_already(
        self, superuser_client, open_alert
    ):
        resolve(alerts=StockAlert.objects.all())
        response = run_action(superuser_client, ALERTS_URL, "resolve", [open_alert.pk])
        # Not "were not open": acknowledged alerts are resolved too.
        assert messages_of(response) == [
            "No alert resolved: the selected ones were resolved already."
        ]


class TestAcknowledgeButton:
    def url(self, alert):
        return reverse("admin:alerts_stockalert_acknowledge", args=[alert.pk])

    def test_acknowledges_and_redirects_back_with_a_message(self, admin_client_for, open_alert):
        client = admin_client_for("Inventory managers")
        response = client.post(self.url(open_alert), {"next": reverse("admin:index")})
        assert response.status_code == 302
        assert response.url == reverse("admin:index")
        open_alert.refresh_from_db()
        assert (open_alert.status, open_alert.acknowledged_by) == ("acknowledged", client.user)
        assert messages_of(response) == ["Alert for ALERT-1 acknowledged."]

    def test_an_outside_next_url_is_ignored(self, superuser_client, open_alert):
        response = superuser_client.post(self.url(open_alert), {"next": "https://evil.example/"})
        assert response.url == ALERTS_URL

    def test_without_the_permission_it_is_403(self, admin_client_for, open_alert):
        response = admin_client_for("Viewers").post(self.url(open_alert))
        assert response.status_code == 403
        open_alert.refresh_from_db()
        assert open_alert.status == StockAlert.Status.OPEN

    def test_get_is_not_allowed(self, superuser_client, open_alert):
        assert superuser_client.get(self.url(open_alert)).status_code == 405


class TestDeletionRecordPages:
    def test_list_filters_by_type_and_user(self, admin_client_for):
        client = admin_client_for("Viewers")  # who may view products, articles and users
        ProductFactory(sku="P-GONE").delete()
        ArticleFactory(title="A gone").delete()
        html = client.get(RECORDS_URL, {"deleted_by": "-"}).content.decode()
        assert "P-GONE" in html
        assert "A gone" in html
        article_type = DeletionRecord.objects.get(object_repr="A gone").content_type_id
        html = client.get(RECORDS_URL, {"content_type__id__exact": article_type}).content.decode()
        assert "A gone" in html
        assert "P-GONE" not in html

    def test_the_type_filter_names_types_as_the_type_column_does(self, admin_client_for):
        client = admin_client_for("Viewers")
        ProductFactory(sku="P-GONE").delete()
        ArticleFactory(title="A gone").delete()

        response = client.get(RECORDS_URL)

        type_filter = response.context["cl"].filter_specs[0]
        assert type_filter.title == "type"  # was "content type"
        assert sorted(label for _pk, label in type_filter.lookup_choices) == ["Article", "Product"]
        html = response.content.decode()
        assert "Catalog | product" not in html
        assert '<option value="">type</option>' in html

    @pytest.mark.parametrize("size", [3, 60])
    def test_the_list_costs_the_same_number_of_queries_for_more_records(
        self, superuser_client, django_assert_num_queries, size
    ):
        products = ProductFactory.create_batch(size)
        with acting_as(superuser_client.user):
            for product in products:
                product.delete()
        DeletionRecord.objects.update(restored_by=superuser_client.user)
        superuser_client.get(RECORDS_URL)  # warm the content-type cache
        # Session, user, the type and "deleted by" filter choices, the total count, the
        # side-menu badge and the page of records (types and restorers joined); jazzmin's
        # menus come from the cache the first page filled (docs/architecture.md#rendering).
        with django_assert_num_queries(7):
            assert superuser_client.get(RECORDS_URL).status_code == 200

    def test_the_snapshot_is_a_table_without_the_password_hash(self, superuser_client):
        UserFactory(username="masked").delete()
        record = DeletionRecord.objects.get()
        assert "password" not in record.snapshot["fields"]
        html = superuser_client.get(
            reverse("admin:alerts_deletionrecord_change", args=[record.pk])
        ).content.decode()
        assert "<th scope='row'>Username</th><td>masked</td>" in html
        assert "md5$" not in html
        assert "Password" not in html

    def test_a_hash_in_a_record_written_before_is_masked(self, superuser_client):
        UserFactory(username="old").delete()
        record = DeletionRecord.objects.get()
        hashed = make_password("old-secret-1")
        record.snapshot["fields"]["password"] = hashed
        record.save()
        html = superuser_client.get(
            reverse("admin:alerts_deletionrecord_change", args=[record.pk])
        ).content.decode()
        assert hashed not in html
        assert hashed.split("$")[-1] not in html
        assert "•••••••• (hidden)" in html

    def test_snapshot_values_are_escaped(self, superuser_client):
        ProductFactory(name="<script>alert(1)</script>").delete()
        record = DeletionRecord.objects.get()
        html = superuser_client.get(
            reverse("admin:alerts_deletionrecord_change", args=[record.pk])
        ).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)" in html

    def test_records_cannot_be_edited_or_deleted(self, superuser_client, deleted_product_record):
        url = reverse("admin:alerts_deletionrecord_delete", args=[deleted_product_record.pk])
        assert superuser_client.post(url, {"post": "yes"}).status_code == 403
        assert DeletionRecord.objects.count() == 1


class TestRestore:
    def restore_url(self, record):
        return reverse("admin:alerts_deletionrecord_restore", args=[record.pk])

    def test_the_button_restores_with_a_message(self, admin_client_for, deleted_product_record):
        client = admin_client_for("Inventory managers")
        page = client.get(
            reverse("admin:alerts_deletionrecord_change", args=[deleted_product_record.pk])
        )
        assert self.restore_url(deleted_product_record) in page.content.decode()
        response = client.post(self.restore_url(deleted_product_record))
        assert Product.objects.filter(sku="GONE-1").exists()
        assert messages_of(response) == ["Product “GONE-1 — Gone” restored."]

    def test_the_button_is_refused_without_the_add_permission(
        self, admin_client_for, deleted_product_record
    ):
        client = admin_client_for("Viewers")
        page = client.get(
            reverse("admin:alerts_deletionrecord_change", args=[deleted_product_record.pk])
        )
        assert self.restore_url(deleted_product_record) not in page.content.decode()
        response = client.post(self.restore_url(deleted_product_record))
        assert not Product.objects.filter(sku="GONE-1").exists()
        assert "you may not add products" in messages_of(response)[0]

    def test_a_conflict_is_reported_and_changes_nothing(
        self, superuser_client, deleted_product_record
    ):
        ProductFactory(sku="GONE-1", name="Newcomer")
        response = superuser_client.post(self.restore_url(deleted_product_record))
        assert "SKU already exists" in messages_of(response)[0]
        assert Product.objects.get(sku="GONE-1").name == "Newcomer"

    def test_the_action_restores_what_it_may_and_reports_the_rest(self, admin_client_for):
        ProductFactory(sku="ACT-1").delete()
        ArticleFactory(title="Not mine").delete()
        client = admin_client_for("Inventory managers")
        pks = DeletionRecord.objects.values_list("pk", flat=True)
        response = run_action(client, RECORDS_URL, "restore", pks)
        assert Product.objects.filter(sku="ACT-1").exists()
        assert not ArticleFactory._meta.model.objects.filter(title="Not mine").exists()
        assert "you may not add articles" in " ".join(messages_of(response))
        assert "1 object restored." in messages_of(response)

    def test_the_action_is_not_offered_to_viewers(self, admin_client_for, deleted_product_record):
        client = admin_client_for("Viewers")
        html = client.get(RECORDS_URL).content.decode()
        assert 'value="restore"' not in html
        run_action(client, RECORDS_URL, "restore", [deleted_product_record.pk])
        assert not Product.objects.filter(sku="GONE-1").exists()


class TestDeletingThroughTheAdmin:
    def test_the_delete_view_records_who_deleted(self, admin_client_for):
        client = admin_client_for("Inventory managers")
        product = ProductFactory(sku="VIEW-DEL")
        client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"})
        record = DeletionRecord.objects.get()
        assert (record.object_repr, record.deleted_by) == (str(product), client.user)
        assert record.deleted_by_username == client.user.username

    def test_delete_selected_records_every_row_with_the_actor(self, admin_client_for):
        client = admin_client_for("Editors")
        articles = ArticleFactory.create_batch(3)
        client.post(
            reverse("admin:catalog_article_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [a.pk for a in articles],
                "post": "yes",
            },
        )
        records = DeletionRecord.objects.filter(content_type__model="article")
        assert records.count() == 3
        assert set(records.values_list("deleted_by", flat=True)) == {client.user.pk}

    def test_a_user_admin_deleting_a_user_keeps_their_articles(self, admin_client_for):
        client = admin_client_for("User admins")
        author = UserFactory(username="leaving-author")
        article = ArticleFactory(author=author)
        client.post(reverse("admin:auth_user_delete", args=[author.pk]), {"post": "yes"})
        record = DeletionRecord.objects.get(content_type__model="user")
        assert (record.object_repr, record.deleted_by) == ("leaving-author", client.user)
        article.refresh_from_db()
        assert article.author is None


def test_a_resolved_alert_shows_when_and_at_what_stock(superuser_client, settings):
    from datetime import UTC, datetime

    settings.TIME_ZONE = "UTC"
    product = ProductFactory(sku="RESTOCKED", stock=1)
    product.stock = 25
    product.save()
    StockAlert.objects.filter(sku="RESTOCKED").update(
        resolved_at=datetime(2026, 11, 12, 14, 5, tzinfo=UTC)
    )
    content = superuser_client.get(ALERTS_URL).content.decode()
    assert "resolved 12 Nov 2026, 14:05 at stock 25" in content


def test_a_fresh_alerts_age_is_under_a_minute(superuser_client):
    ProductFactory(stock=1)
    content = superuser_client.get(ALERTS_URL).content.decode()
    assert '<td class="field-age">under a minute</td>' in content


def test_a_resolved_alert_shows_how_long_it_stayed_unresolved(superuser_client):
    from datetime import UTC, datetime

    ProductFactory(stock=1)
    StockAlert.objects.update(
        raised_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
        resolved_at=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
        status=StockAlert.Status.RESOLVED,
    )
    response = superuser_client.get(ALERTS_URL)
    headers = [header["text"] for header in response.context["result_headers"]]
    # The column was "age", which read as the alert's age: "3 hours" for one weeks old.
    assert "unresolved for" in headers
    assert "age" not in headers
    assert '<td class="field-age">3\xa0hours</td>' in response.content.decode()


def test_an_alert_drops_its_deleted_mark_when_its_product_is_restored(superuser_client):
    product = ProductFactory(sku="LAMP-1", name="Desk lamp", stock=2)
    pk = product.pk
    product.delete()
    content = superuser_client.get(ALERTS_URL).content.decode()
    assert 'Desk lamp <span class="text-muted">(deleted)</span>' in content

    record = DeletionRecord.objects.get()
    superuser_client.post(reverse("admin:alerts_deletionrecord_restore", args=[record.pk]))

    content = superuser_client.get(ALERTS_URL).content.decode()
    assert "(deleted)" not in content
    change_url = reverse("admin:catalog_product_change", args=[pk])
    # Both alerts, the one the delete resolved and the new one, link the product again.
    assert content.count(f'<a href="{change_url}">Desk lamp</a>') == 2
