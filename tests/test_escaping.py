"""Hostile input is shown escaped: a <script> payload in names, titles, usernames and CSV
cells never reaches a page as markup (dashboard, lists, snapshots, import preview, messages).
"""

import pytest
from django.contrib.auth.models import User

from alerts.models import DeletionRecord, StockAlert
from tests.catalog.importing import PRODUCT_HEADER, csv_bytes, preview
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("xss-probe")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;xss-probe&quot;)&lt;/script&gt;"


def assert_escaped(response, *, expected_status: int = 200) -> str:
    """The payload is on the page, as text only."""
    assert response.status_code == expected_status
    content = response.content.decode()
    assert "xss-probe" in content, "the payload should be shown (escaped), not dropped"
    assert "<script>alert(" not in content
    assert ESCAPED in content
    return content


@pytest.fixture
def hostile_low_stock_product():
    return ProductFactory(name=PAYLOAD, stock=1, low_stock_threshold=5)


def test_dashboard(superuser_client, hostile_low_stock_product):
    assert StockAlert.objects.filter(product=hostile_low_stock_product).exists()
    assert_escaped(superuser_client.get("/admin/"))


def test_product_list(superuser_client, hostile_low_stock_product):
    assert_escaped(superuser_client.get("/admin/catalog/product/"))


def test_product_change_form(superuser_client, hostile_low_stock_product):
    assert_escaped(
        superuser_client.get(f"/admin/catalog/product/{hostile_low_stock_product.pk}/change/")
    )


def test_stock_alert_list(superuser_client, hostile_low_stock_product):
    assert_escaped(superuser_client.get("/admin/alerts/stockalert/"))


def test_article_list(superuser_client):
    ArticleFactory(title=PAYLOAD)
    assert_escaped(superuser_client.get("/admin/catalog/article/"))


def test_user_list_with_hostile_username_and_name(superuser_client):
    # The admin's username validator would refuse it; hostile data can come from elsewhere.
    User.objects.create(username=PAYLOAD, first_name=PAYLOAD, is_staff=True)
    content = assert_escaped(superuser_client.get("/admin/auth/user/"))
    assert content.count(ESCAPED) >= 2  # username and full name


def test_article_author_with_hostile_username(superuser_client):
    ArticleFactory(author=UserFactory(username=PAYLOAD))
    assert_escaped(superuser_client.get("/admin/catalog/article/"))


def test_deletion_record_list_and_snapshot(superuser_client):
    product = ProductFactory(name=PAYLOAD, description=PAYLOAD)
    pk = product.pk
    product.delete()
    record = DeletionRecord.objects.get(object_pk=str(pk))
    assert_escaped(superuser_client.get("/admin/alerts/deletionrecord/"))
    content = assert_escaped(
        superuser_client.get(f"/admin/alerts/deletionrecord/{record.pk}/change/")
    )
    assert content.count(ESCAPED) >= 2  # object name and the snapshot's name + description


def test_import_preview_of_valid_rows(superuser_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = csv_bytes(PRODUCT_HEADER, f'HOSTILE-1,"{PAYLOAD.replace(chr(34), chr(34) * 2)}",1,1')
    response = preview(superuser_client, "catalog_product", content)
    assert response.context["report"].error_count == 0
    assert_escaped(response)


def test_import_preview_of_an_invalid_cell(superuser_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cell = PAYLOAD.replace(chr(34), chr(34) * 2)
    content = csv_bytes(PRODUCT_HEADER, f'HOSTILE-1,Name,"{cell}",1')
    response = preview(superuser_client, "catalog_product", content)
    assert response.context["report"].error_count == 1
    assert_escaped(response)


def test_success_message_after_a_change(superuser_client):
    product = ProductFactory(name=PAYLOAD)
    response = superuser_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {
            "sku": product.sku,
            "name": PAYLOAD,
            "description": "",
            "is_active": "on",
            "price": "1.00",
            "stock": "3",
            "low_stock_threshold": "1",
        },
        follow=True,
    )
    content = assert_escaped(response)
    assert f"{ESCAPED}</a>” was changed successfully." in content  # the message itself


def test_message_after_restoring_a_deleted_object(superuser_client):
    product = ProductFactory(name=PAYLOAD)
    pk = product.pk
    product.delete()
    record = DeletionRecord.objects.get(object_pk=str(pk))
    response = superuser_client.post(
        f"/admin/alerts/deletionrecord/{record.pk}/restore/", follow=True
    )
    content = assert_escaped(response)
    assert f"{ESCAPED}” restored." in content  # the message itself


def test_message_after_acknowledging_an_alert_from_the_dashboard(superuser_client):
    product = ProductFactory(sku=PAYLOAD, stock=0, low_stock_threshold=5)
    alert = StockAlert.objects.get(product=product)
    response = superuser_client.post(
        f"/admin/alerts/stockalert/{alert.pk}/acknowledge/", {"next": "/admin/"}, follow=True
    )
    content = assert_escaped(response)
    assert f"Alert for {ESCAPED} acknowledged." in content
