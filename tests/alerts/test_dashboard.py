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
from tests.factories import ArticleFactory, ProductFactory, UserFactory

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


def count_box(html: str, box_id: str) -> tuple[str, str, str]:
    """(count, label, detail line) of one of the dashboard's count boxes."""
    pattern = (
        rf'id="{box_id}">\s*<div class="inner">\s*<h3>(\d+)</h3>\s*<p class="mb-0">([^<]*)</p>'
        r'\s*<p class="small mb-0 count-detail">([^<]*)</p>'
    )
    match = re.search(pattern, html)
    assert match, f"no count box {box_id}"
    return match.group(1), match.group(2), match.group(3)


class TestContent:
    def test_counts_urgent_alerts_first_and_recent_deletions(self, superuser_client):
        ProductFactory(sku="HALF", name="Half", stock=2, low_stock_threshold=4)
        ProductFactory(sku="EMPTY", name="Empty", stock=0, low_stock_threshold=10)
        ProductFactory(sku="NEARLY", name="Nearly", stock=4, low_stock_threshold=5)
        ProductFactory(sku="GONE", stock=1).delete()  # its alert is resolved
        StockAlert.objects.filter(sku="NEARLY").update(status=StockAlert.Status.ACKNOWLEDGED)
        html = superuser_client.get(INDEX).content.decode()
        panel = html[html.index('id="operations-dashboard"') :]
        assert count_box(panel, "count-unresolved-alerts") == (
            "3",
            "Unresolved low-stock alerts",
            "2 open · 1 acknowledged",
        )
        assert count_box(panel, "count-out-of-stock") == ("1", "Product out of stock", "stock at 0")
        week_ago = timezone.localdate() - timedelta(days=7)
        assert count_box(panel, "count-deletions") == (
            "1",
            "Deletion in the past 7 days",
            f"since {week_ago.day} {week_ago:%b %Y}",
        )
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
        assert "No unresolved alerts: every product is at or above its low-stock threshold." in html
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
    # the Recent actions card (1). jazzmin's menus come from the cache the first page filled
    # (drawing them lists a superuser's permissions, 2: docs/architecture.md#rendering).
    with django_assert_num_queries(7):
        response = superuser_client.get(INDEX)
    assert response.status_code == 200


class TestWording:
    """Issue 17, item 10: the dashboard says exactly what it means."""

    def test_a_fresh_alert_and_deletion_were_raised_just_now(self, superuser_client):
        ProductFactory(sku="FRESH", stock=1)
        ProductFactory(sku="GONE", stock=9).delete()
        html = superuser_client.get(INDEX).content.decode()
        assert "0\xa0minutes ago" not in html
        assert html.count(">just now</td>") >= 2  # the alert, the deletion (and drops)

    def test_the_deletions_count_links_to_the_same_records(self, superuser_client):
        ProductFactory(sku="RECENT").delete()
        ProductFactory(sku="OLD").delete()
        DeletionRecord.objects.filter(object_repr__contains="OLD").update(
            deleted_at=timezone.now() - timedelta(days=9)
        )
        html = superuser_client.get(INDEX).content.decode()
        assert count_box(html, "count-deletions")[0] == "1"
        link = re.search(r'id="count-deletions">.*?<a href="([^"]+)"', html, re.S).group(1)
        assert "deleted_at__gte=" in link
        response = superuser_client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200  # a declared filter, not a 400
        assert [record.object_repr for record in response.context["cl"].result_list] == [
            DeletionRecord.objects.get(
                deleted_at__gte=timezone.now() - timedelta(days=1)
            ).object_repr
        ]
        # The list's own date filter shows "Past 7 days" as the chosen one.
        content = response.content.decode()
        assert re.search(r"<option[^>]*selected[^>]*>\s*Past 7 days", content) or re.search(
            r'class="selected"[^>]*>\s*<a[^>]*>Past 7 days', content
        ), "the deletion list does not show its Past 7 days filter as chosen"

    def test_recent_actions_say_who_did_what(self, admin_client_for):
        from backoffice.kit.admin_log import CHANGE, admin_log_entry

        manager = UserFactory(username="ines", groups=["Inventory managers"])
        product = ProductFactory(sku="LOGGED", name="Hand grinder")
        admin_log_entry(
            user=manager, model=Product, action_flag=CHANGE, obj=product, message="Acknowledged."
        )
        secret = UserFactory(username="hidden-account")
        admin_log_entry(user=manager, model=User, action_flag=CHANGE, obj=secret, message="x")
        html = admin_client_for("Viewers").get(INDEX).content.decode()
        card = html[html.index('id="recent-actions"') :]
        assert "Recent actions" in card
        rows = card[: card.index("</ul>")].split("<li ")
        (row,) = [row for row in rows if "Hand grinder" in row]
        url = reverse("admin:catalog_product_change", args=[product.pk])
        sentence = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", row))
        assert "ines changed product LOGGED — Hand grinder" in sentence
        assert f'<a href="{url}">LOGGED — Hand grinder</a>' in row
        assert "Acknowledged. · just now" in sentence
        # Editors may not view users: that entry is not theirs to see.
        editors_html = admin_client_for("Editors").get(INDEX).content.decode()
        assert "hidden-account" not in editors_html
        assert "Hand grinder" in editors_html  # editors view products

    def test_no_app_list_and_no_jazzmin_version(self, superuser_client):
        html = superuser_client.get(INDEX).content.decode()
        assert "Jazzmin version" not in html
        assert "All rights reserved." in html
        assert 'id="content-related"' not in html  # jazzmin's Recent actions column
        assert 'class="btn btn-sm btn-success addlink"' not in html  # jazzmin's app list

    def test_without_any_permission_an_empty_dashboard_points_to_the_menu(self, admin_client_for):
        html = admin_client_for(None).get(INDEX).content.decode()
        assert "No actions yet." in html
        assert "The menu on the left lists what you may open." in html
