"""The operations panel on the admin index and the side-menu badge."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from alerts import selectors
from alerts.models import DeletionRecord, StockAlert
from alerts.services import stock_alerts_sync_many
from backoffice.kit.actor import acting_as
from catalog.models import Article, Product
from tests.factories import ArticleFactory, ProductFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def seed(size: int) -> None:
    """size low products (so size open alerts, some acknowledged) and size deletion records."""
    products = Product.objects.bulk_create(
        Product(sku=f"D-{n:04}", name=f"Item {n}", price=1, stock=n % 4, low_stock_threshold=5)
        for n in range(size)
    )
    stock_alerts_sync_many(product_ids=[p.pk for p in products])
    StockAlert.objects.filter(stock=3).update(status=StockAlert.Status.ACKNOWLEDGED)
    actor = User.objects.get(username="root")
    with acting_as(actor):
        Product.objects.filter(pk__in=[p.pk for p in products[: size // 2]]).delete()
        ArticleFactory.create_batch(size - size // 2)
        Article.objects.all().delete()


def count_box(html: str, box_id: str) -> tuple[str, str]:
    pattern = rf'id="{box_id}">\s*<div class="inner">\s*<h3>(\d+)</h3>\s*<p>([^<]*)</p>'
    match = re.search(pattern, html)
    assert match, f"no count box {box_id}"
    return match.group(1), match.group(2)


class TestContent:
    def test_counts_urgent_alerts_first_and_recent_deletions(self, superuser_client):
        ProductFactory(sku="HALF", name="Half", stock=2, low_stock_threshold=4)
        ProductFactory(sku="EMPTY", name="Empty", stock=0, low_stock_threshold=10)
        ProductFactory(sku="NEARLY", name="Nearly", stock=4, low_stock_threshold=5)
        ProductFactory(sku="GONE", stock=1).delete()  # its alert is resolved
        html = superuser_client.get(INDEX).content.decode()
        panel = html[html.index('id="operations-dashboard"') :]
        assert count_box(panel, "count-open-alerts") == ("3", "Open low-stock alerts")
        assert count_box(panel, "count-out-of-stock") == ("1", "Product out of stock")
        assert count_box(panel, "count-deletions") == ("1", "Deletion in the last 7 days")
        assert panel.index("EMPTY") < panel.index("HALF") < panel.index("NEARLY")
        empty_alert = StockAlert.objects.get(sku="EMPTY")
        assert reverse("admin:alerts_stockalert_acknowledge", args=[empty_alert.pk]) in panel
        assert 'name="csrfmiddlewaretoken"' in panel
        assert "GONE" in panel
        assert "Restore</button>" in panel

    def test_the_selector_counts_alerts_per_day_for_14_days(self):
        ProductFactory(stock=1)
        old = ProductFactory(stock=1)
        StockAlert.objects.filter(product=old).update(raised_at=timezone.now() - timedelta(days=2))
        ancient = ProductFactory(stock=1)
        StockAlert.objects.filter(product=ancient).update(
            raised_at=timezone.now() - timedelta(days=30)
        )
        chart = selectors.dashboard_get(user=User(is_superuser=True, is_active=True)).chart
        assert len(chart) == 14
        assert chart[-1].day == timezone.localdate()
        assert [day.count for day in chart][-3:] == [1, 0, 1]
        assert (chart[-1].height, chart[-1].top, chart[0].height) == (100, 0, 0)

    def test_names_are_escaped(self, superuser_client):
        ProductFactory(sku="XSS", name="<script>alert('x')</script>", stock=1).delete()
        ProductFactory(sku="XSS2", name="<img src=x onerror=alert(1)>", stock=1)
        html = superuser_client.get(INDEX).content.decode()
        assert "<script>alert('x')" not in html
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html

    def test_empty_states(self, superuser_client):
        html = superuser_client.get(INDEX).content.decode()
        assert "No open alerts: every product is at or above its low-stock threshold." in html
        assert "No alerts raised in the last 14 days." in html
        assert "Nothing deleted yet." in html


class TestWhoSeesWhat:
    def test_viewers_see_alerts_without_acknowledge_or_restore_buttons(self, admin_client_for):
        ProductFactory(stock=1)
        ProductFactory().delete()
        html = admin_client_for("Viewers").get(INDEX).content.decode()
        assert 'id="open-alerts"' in html
        assert 'id="recent-deletions"' in html
        assert ">Acknowledge</button>" not in html
        assert ">Restore</button>" not in html

    def test_editors_see_deletions_but_no_alerts(self, admin_client_for):
        ProductFactory(sku="SECRET-ALERT", stock=1)
        ArticleFactory(title="Old news").delete()
        html = admin_client_for("Editors").get(INDEX).content.decode()
        assert 'id="recent-deletions"' in html
        assert "Old news" in html
        assert ">Restore</button>" in html  # editors may add articles
        assert 'id="open-alerts"' not in html
        assert "SECRET-ALERT" not in html
        assert "data-open-alerts" not in html

    def test_staff_without_permissions_see_no_panel(self, admin_client_for):
        ProductFactory(stock=1)
        html = admin_client_for(None).get(INDEX).content.decode()
        assert 'id="operations-dashboard"' not in html


class TestSideMenuBadge:
    def test_the_badge_counts_unresolved_alerts(self, admin_client_for):
        ProductFactory(stock=1)
        ProductFactory(stock=2)
        ProductFactory(stock=3).delete()  # resolved: not counted
        html = admin_client_for("Viewers").get(reverse("admin:catalog_product_changelist"))
        assert 'data-open-alerts="2">2</span>' in html.content.decode()

    def test_the_dashboard_badge_shows_the_dashboards_count(self, admin_client_for):
        for stock in (1, 2, 3):
            ProductFactory(stock=stock)
        html = admin_client_for("Viewers").get(INDEX).content.decode()
        assert html.count('data-open-alerts="3">3</span>') == 1

    def test_no_badge_without_open_alerts(self, admin_client_for):
        html = admin_client_for("Viewers").get(INDEX).content.decode()
        assert "data-open-alerts" not in html


@pytest.mark.parametrize("size", [3, 300])
def test_the_dashboard_renders_in_a_constant_number_of_queries(
    superuser_client, django_assert_num_queries, size
):
    seed(size)
    assert StockAlert.objects.unresolved().count() == size - size // 2
    assert DeletionRecord.objects.count() == size
    superuser_client.get(INDEX)  # warm the content-type cache
    # Session and user (2); the dashboard's counts and chart in one statement (1), its
    # open alerts with the movements that raised them (1), the largest stock drops (1) and
    # latest deletions (1); the side-menu badge reuses the dashboard's open-alert count (0);
    # jazzmin's top menu lists a superuser's permissions (2, see
    # docs/architecture.md#rendering); jazzmin's recent actions (1).
    with django_assert_num_queries(9):
        response = superuser_client.get(INDEX)
    assert response.status_code == 200
