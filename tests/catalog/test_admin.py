"""Catalog admin pages: lists, search, filters, actions, query counts."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Article, Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PRODUCT_LIST = reverse("admin:catalog_product_changelist")
ARTICLE_LIST = reverse("admin:catalog_article_changelist")
USER_LIST = reverse("admin:auth_user_changelist")


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response


def _row_count(response) -> int:
    return len(response.context["cl"].result_list)


def _users_in_two_groups(size: int) -> None:
    for _ in range(size):
        UserFactory(groups=["Editors", "Viewers"])


# list url, role, how to create `size` rows, most queries allowed at any size
LIST_PAGES = {
    "product": (PRODUCT_LIST, "Inventory managers", ProductFactory.create_batch, 8),
    "article": (ARTICLE_LIST, "Editors", ArticleFactory.create_batch, 10),
    "user": (USER_LIST, "User admins", _users_in_two_groups, 9),
}


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("page", sorted(LIST_PAGES))
def test_list_pages_use_a_constant_number_of_queries(
    admin_client_for, django_assert_max_num_queries, page, size
):
    url, role, create_rows, max_queries = LIST_PAGES[page]
    client = admin_client_for(role)
    create_rows(size)
    with django_assert_max_num_queries(max_queries):
        response = _get(client, url)
    # The role's own user is listed too on the user page.
    expected_rows = min(size + (page == "user"), 50)
    assert _row_count(response) == expected_rows
    if page == "user":
        assert b"Editors, Viewers" in response.content


def test_product_list_shows_stock_badges(admin_client_for):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="OUT-1", stock=0, low_stock_threshold=5)
    ProductFactory(sku="LOW-1", stock=2, low_stock_threshold=5)
    ProductFactory(sku="OK-1", stock=20, low_stock_threshold=5)
    content = _get(client, PRODUCT_LIST).content.decode()
    assert '<span class="badge text-bg-danger">Out of stock</span>' in content
    assert '<span class="badge text-bg-warning">Low</span>' in content
    assert '<span class="badge text-bg-success">OK</span>' in content


@pytest.mark.parametrize(
    ("state", "expected"), [("out", {"OUT-1"}), ("low", {"LOW-1"}), ("ok", {"OK-1", "EDGE-1"})]
)
def test_product_stock_state_filter(admin_client_for, state, expected):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="OUT-1", stock=0, low_stock_threshold=5)
    ProductFactory(sku="LOW-1", stock=2, low_stock_threshold=5)
    ProductFactory(sku="OK-1", stock=20, low_stock_threshold=5)
    ProductFactory(sku="EDGE-1", stock=5, low_stock_threshold=5)
    response = _get(client, PRODUCT_LIST, stock_state=state)
    assert {p.sku for p in response.context["cl"].result_list} == expected


def test_product_active_filter(admin_client_for):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="ON-1")
    ProductFactory(sku="OFF-1", is_active=False)
    response = _get(client, PRODUCT_LIST, is_active__exact="0")
    assert [p.sku for p in response.context["cl"].result_list] == ["OFF-1"]


def test_product_search_by_sku_prefix_and_name(admin_client_for):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="TEA-001", name="Assam")
    ProductFactory(sku="COF-001", name="Coffee, scented")
    ProductFactory(sku="XTEA-9", name="Other")
    by_prefix = _get(client, PRODUCT_LIST, q="TEA-")
    assert {p.sku for p in by_prefix.context["cl"].result_list} == {"TEA-001"}
    by_name = _get(client, PRODUCT_LIST, q="scented")
    assert {p.sku for p in by_name.context["cl"].result_list} == {"COF-001"}


def test_product_list_is_ordered_by_sku(admin_client_for):
    client = admin_client_for("Inventory managers")
    for sku in ["B-2", "A-1", "C-3"]:
        ProductFactory(sku=sku)
    response = _get(client, PRODUCT_LIST)
    assert [p.sku for p in response.context["cl"].result_list] == ["A-1", "B-2", "C-3"]


def _post_list_stock(client, product, stock: str):
    """Submit the product list's list_editable form for one row."""
    return client.post(
        PRODUCT_LIST,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-stock": stock,
            "_save": "Save",
        },
    )


def test_stock_is_editable_from_the_list(admin_client_for):
    client = admin_client_for("Inventory managers")
    product = ProductFactory(stock=10)
    response = _post_list_stock(client, product, "3")
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock == 3


def test_negative_stock_from_the_list_is_refused_with_a_message(admin_client_for):
    client = admin_client_for("Inventory managers")
    product = ProductFactory(stock=10)
    response = _post_list_stock(client, product, "-4")
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    product.refresh_from_db()
    assert product.stock == 10


def test_product_change_form_shows_readonly_timestamps(superuser_client):
    product = ProductFactory()
    response = _get(superuser_client, reverse("admin:catalog_product_change", args=[product.pk]))
    form = response.context["adminform"].form
    assert "created_at" not in form.fields
    assert "updated_at" not in form.fields
    assert b"Created at" in response.content


def test_mark_inactive_action(admin_client_for):
    client = admin_client_for("Inventory managers")
    products = ProductFactory.create_batch(2)
    response = client.post(
        PRODUCT_LIST,
        {"action": "mark_inactive", "_selected_action": [p.pk for p in products]},
        follow=True,
    )
    assert "2 products marked inactive." in response.content.decode()
    assert not Product.objects.filter(is_active=True).exists()


def test_article_list_search_and_status_filter(admin_client_for):
    client = admin_client_for("Editors")
    ArticleFactory(title="Espresso guide", status=Article.Status.PUBLISHED)
    ArticleFactory(title="Tea guide", status=Article.Status.DRAFT)
    drafts = _get(client, ARTICLE_LIST, status__exact="draft")
    assert [a.title for a in drafts.context["cl"].result_list] == ["Tea guide"]
    found = _get(client, ARTICLE_LIST, q="espresso")
    assert [a.title for a in found.context["cl"].result_list] == ["Espresso guide"]


def test_publish_action_sets_published_at_once(admin_client_for):
    client = admin_client_for("Editors")
    fresh = ArticleFactory(status=Article.Status.DRAFT)
    first_published = timezone.now() - timezone.timedelta(days=30)
    republished = ArticleFactory(status=Article.Status.DRAFT, published_at=first_published)
    response = client.post(
        ARTICLE_LIST,
        {"action": "publish", "_selected_action": [fresh.pk, republished.pk]},
        follow=True,
    )
    assert "2 articles published." in response.content.decode()
    fresh.refresh_from_db()
    republished.refresh_from_db()
    assert fresh.status == republished.status == Article.Status.PUBLISHED
    assert fresh.published_at is not None
    assert republished.published_at == first_published


def test_unpublish_action_keeps_published_at(admin_client_for):
    client = admin_client_for("Editors")
    article = ArticleFactory(status=Article.Status.PUBLISHED, published_at=timezone.now())
    stamp = article.published_at
    response = client.post(
        ARTICLE_LIST, {"action": "unpublish", "_selected_action": [article.pk]}, follow=True
    )
    assert "1 article moved back to draft." in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_at == stamp


def test_publish_action_is_not_offered_to_viewers(admin_client_for):
    client = admin_client_for("Viewers")
    article = ArticleFactory(status=Article.Status.DRAFT)
    response = _get(client, ARTICLE_LIST)
    # A Viewer may only export (the README's roles table: export needs view): no other action.
    offered = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert offered == ["", "export_admin_action"]
    client.post(ARTICLE_LIST, {"action": "publish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_new_article_defaults_to_the_current_user_and_stamps_publication(admin_client_for):
    client = admin_client_for("Editors")
    add_url = reverse("admin:catalog_article_add")
    response = _get(client, add_url)
    assert response.context["adminform"].form.initial["author"] == client.user.pk
    response = client.post(
        add_url,
        {
            "title": "Hello",
            "slug": "hello",
            "body": "Hi",
            "status": "published",
            "author": client.user.pk,
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="hello")
    assert article.author == client.user
    assert article.published_at is not None


def test_slug_is_prepopulated_from_title(superuser_client):
    response = _get(superuser_client, reverse("admin:catalog_article_add"))
    assert response.context["adminform"].prepopulated_fields[0]["field"].name == "slug"


def test_user_list_filters_by_group(admin_client_for):
    client = admin_client_for("User admins")
    UserFactory(username="ed", groups=["Editors"])
    UserFactory(username="vi", groups=["Viewers"])
    from django.contrib.auth.models import Group

    editors = Group.objects.get(name="Editors")
    response = _get(client, USER_LIST, groups__id__exact=editors.pk)
    assert [u.username for u in response.context["cl"].result_list] == ["ed"]


def test_a_search_matching_nothing_says_so_and_offers_to_clear_it(admin_client_for):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="ACC-001")

    response = _get(client, PRODUCT_LIST, q="nothing-like-this", stock_state="low")

    assert _row_count(response) == 0
    assert b"No products match the search or filters." in response.content
    assert b"Clear the search and filters" in response.content
    assert b"No products yet." not in response.content
    # No action bar over nothing to select.
    assert b'name="action"' not in response.content


def test_an_empty_list_says_it_is_empty(admin_client_for):
    client = admin_client_for("Editors")

    response = _get(client, ARTICLE_LIST)

    assert b"No articles yet." in response.content
    assert b"Clear the search and filters" not in response.content


def test_a_list_with_rows_has_no_empty_state(admin_client_for):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="ACC-001")

    response = _get(client, PRODUCT_LIST, q="ACC")

    assert _row_count(response) == 1
    assert b"No products" not in response.content
    assert b'name="action"' in response.content


def test_a_view_only_product_page_shows_the_price_with_the_currency(admin_client_for):
    product = ProductFactory(price=Decimal("1249.50"))
    url = reverse("admin:catalog_product_change", args=[product.pk])
    viewer = _get(admin_client_for("Viewers"), url).content.decode()
    assert re.search(r'for="id_price_with_currency">\s*Price\s*<', viewer)
    assert '<div class="readonly">€1,249.50</div>' in viewer
    assert "1249.50" not in viewer
    # Whoever may change it gets the input, with the plain number to edit.
    editor = _get(admin_client_for("Inventory managers"), url).content.decode()
    assert 'name="price" value="1249.50"' in editor
