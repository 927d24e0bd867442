"""Two people on one product or article: a change page opened before another writer saved
never puts its old values back over theirs. A field left as shown keeps the other change; a
field changed on both sides is refused, naming the value stored now; a save sent again from
the page shown then goes through (backoffice.kit.seen_values, docs/architecture.md#lost-edits).
The stock has its own rule (tests/catalog/test_stock_edit_conflicts.py)."""

import html
import json
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from catalog.models import Article
from tests.factories import ArticleFactory, ProductFactory, UserFactory
from tests.threads import CONCURRENT_WRITERS, THREADS, role_clients, run_at_once

pytestmark = pytest.mark.django_db

PRODUCT_FIELDS = ["sku", "name", "description", "price", "stock", "low_stock_threshold"]
ARTICLE_FIELDS = ["title", "slug", "body", "status", "author"]


def product_url(product) -> str:
    return reverse("admin:catalog_product_change", args=[product.pk])


def article_url(article) -> str:
    return reverse("admin:catalog_article_change", args=[article.pk])


def posted_back(page, fields: list[str], checkboxes: tuple[str, ...] = ()) -> dict:
    """What the browser posts back from a change page as it was rendered: its hidden inputs
    (the shown values, the stock shown, Django's initial-… copies) and the stored values."""
    text = page.content.decode()
    form = page.context["adminform"].form
    data = {name: "" if form.initial[name] is None else form.initial[name] for name in fields}
    data.update({name: "on" for name in checkboxes if form.initial[name]})
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text):
        if name != "csrfmiddlewaretoken":
            data[name] = html.unescape(value)
    return data


def seen_values_of(page) -> str:
    (seen,) = re.findall(
        r'<input type="hidden" name="_seen_values" value="([^"]*)"', page.content.decode()
    )
    return html.unescape(seen)


def opened_product(client, product) -> dict:
    page = client.get(product_url(product))
    assert page.status_code == 200
    data = posted_back(page, PRODUCT_FIELDS, checkboxes=("is_active",))
    assert set(json.loads(data["_seen_values"])) == {
        "sku",
        "name",
        "description",
        "price",
        "low_stock_threshold",
        "is_active",
    }, "the page carries what it shows but the stock, which has its own input"
    return data


def opened_article(client, article) -> dict:
    page = client.get(article_url(article))
    assert page.status_code == 200
    return posted_back(page, ARTICLE_FIELDS)


@pytest.fixture
def two_clerks(admin_client_for):
    return (
        admin_client_for("Inventory managers", username="anna"),
        admin_client_for("Inventory managers", username="ben"),
    )


@pytest.fixture
def two_editors(admin_client_for):
    return (
        admin_client_for("Editors", username="erin"),
        admin_client_for("Editors", username="frank"),
    )


def test_a_field_left_as_shown_keeps_the_change_saved_meanwhile(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", name="Filter", price=Decimal("12.50"))
    page = opened_product(anna, product)
    assert ben.post(product_url(product), {**opened_product(ben, product), "price": "14"})

    response = anna.post(product_url(product), {**page, "name": "Paper filter"}, follow=True)

    assert response.redirect_chain[0][1] == 302
    assert "Kept what someone else saved since you opened the page: Price." in [
        str(message) for message in response.context["messages"]
    ]
    product.refresh_from_db()
    assert (product.name, product.price) == ("Paper filter", Decimal("14.00"))
    # Recent actions say what anna changed, not the price she left as it was shown.
    entry = LogEntry.objects.filter(user__username="anna").get()
    assert entry.get_change_message() == "Changed Name."


def test_a_stored_text_with_outer_spaces_left_alone_keeps_the_change_saved_meanwhile(two_clerks):
    # The form strips what it posts: " Ceramic dripper " comes back as "Ceramic dripper".
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", name="Filter", description=" Ceramic dripper ")
    page = opened_product(anna, product)
    ben.post(product_url(product), {**opened_product(ben, product), "description": "Glass"})

    response = anna.post(product_url(product), {**page, "name": "Paper filter"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.description) == ("Paper filter", "Glass")


def test_a_field_changed_on_both_sides_is_refused_naming_the_value_stored_now(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", name="Filter", price=Decimal("12.50"))
    page = opened_product(anna, product)
    ben.post(product_url(product), {**opened_product(ben, product), "price": "14"})

    response = anna.post(product_url(product), {**page, "price": "13", "name": "Paper filter"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["price"] == [
        "Someone else changed this since you opened the page: it is now “14.00”. "
        "Save again to replace it with yours."
    ]
    product.refresh_from_db()
    assert (product.name, product.price) == ("Filter", Decimal("14.00"))  # nothing of it saved
    # The page shown again has seen ben's price: saving it again is deliberate.
    data = {**page, "price": "13", "name": "Paper filter", "_seen_values": seen_values_of(response)}
    again = anna.post(product_url(product), data)
    assert again.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price) == ("Paper filter", Decimal("13.00"))


def test_the_same_change_on_both_sides_is_no_conflict(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", price=Decimal("12.50"), is_active=True)
    page = opened_product(anna, product)
    ben_page = opened_product(ben, product)
    del ben_page["is_active"]  # unticked
    ben.post(product_url(product), {**ben_page, "price": "14"})

    del page["is_active"]
    response = anna.post(product_url(product), {**page, "price": "14.0"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.is_active) == (Decimal("14.00"), False)


def test_a_post_without_the_shown_values_is_saved_as_posted(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", name="Filter", price=Decimal("12.50"))
    page = opened_product(anna, product)
    ben.post(product_url(product), {**opened_product(ben, product), "price": "14"})
    del page["_seen_values"]  # a script, or a page from before

    assert anna.post(product_url(product), {**page, "name": "Paper filter"}).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price) == ("Paper filter", Decimal("12.50"))


@pytest.mark.parametrize(
    "seen",
    ["not json", "[1, 2]", '{"price": 3}', "null", '"text"', "{" * 5000, "[" * 99999 + "]" * 99999],
    ids=["text", "list", "number", "null", "string", "unclosed", "nested past the limit"],
)
def test_odd_shown_values_are_ignored_never_an_error_page(two_clerks, seen):
    anna, _ = two_clerks
    product = ProductFactory(sku="P-1", name="Filter")
    page = opened_product(anna, product)

    response = anna.post(product_url(product), {**page, "_seen_values": seen, "name": "Paper"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Paper"


def test_an_article_keeps_a_body_changed_meanwhile_whatever_the_browser_line_ends(two_editors):
    erin, frank = two_editors
    article = ArticleFactory(title="Brewing", slug="brewing", body="Grind.\nPour.")
    page = opened_article(erin, article)
    frank_page = opened_article(frank, article)
    frank.post(article_url(article), {**frank_page, "body": "Grind finer.\nPour."})

    # A browser posts a textarea's lines with CRLF: erin's body is still the one shown.
    response = erin.post(
        article_url(article), {**page, "body": "Grind.\r\nPour.", "slug": "brewing-2"}
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.slug, article.body) == ("brewing-2", "Grind finer.\nPour.")


def test_an_author_changed_on_both_sides_is_refused_naming_the_author_now(two_editors):
    erin, frank = two_editors
    article = ArticleFactory(title="Brewing", author=erin.user)
    page = opened_article(erin, article)
    frank.post(article_url(article), {**opened_article(frank, article), "author": frank.user.pk})
    other = UserFactory(username="gale", is_staff=True)

    response = erin.post(article_url(article), {**page, "author": other.pk})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["author"] == [
        "Someone else changed this since you opened the page: it is now “frank”. "
        "Save again to replace it with yours."
    ]
    article.refresh_from_db()
    assert article.author == frank.user


@CONCURRENT_WRITERS[0]
@CONCURRENT_WRITERS[1]
def test_pages_saved_at_once_keep_every_change_and_refuse_all_but_one_of_a_field():
    product = ProductFactory(sku="P-1", name="Filter", price=Decimal("12.50"), stock=10)
    sessions = role_clients("Inventory managers")
    pages = [opened_product(session, product) for session in sessions]
    # Half the pages change a field of their own, the other half all change the name.
    own = {0: ("price", "20"), 1: ("description", "Ceramic"), 2: ("low_stock_threshold", "7")}
    own[3] = ("sku", "P-2")
    statuses = {}

    def save(start, n):
        field, value = own.get(n, ("name", f"Name {n}"))
        start.wait()
        statuses[n] = sessions[n].post(product_url(product), {**pages[n], field: value})

    assert run_at_once(save) == []

    assert [statuses[n].status_code for n in own] == [302] * len(own)
    renames = {n: statuses[n].status_code for n in range(THREADS) if n not in own}
    assert sorted(renames.values()) == [200] * (len(renames) - 1) + [302]
    (winner,) = [n for n, status in renames.items() if status == 302]
    product.refresh_from_db()
    assert (product.sku, product.name, product.description) == ("P-2", f"Name {winner}", "Ceramic")
    assert (product.price, product.low_stock_threshold, product.stock) == (Decimal("20"), 7, 10)
    for n, status in renames.items():
        if status == 200:
            assert "it is now “Name" in statuses[n].content.decode()


def test_article_saves_with_odd_ids_answer_as_django_does(two_editors):
    erin, _ = two_editors
    article = ArticleFactory(title="Brewing")
    page = opened_article(erin, article)
    for odd in ["x", "-1", "9" * 30, str(article.pk + 1000)]:
        url = reverse("admin:catalog_article_change", args=[odd])
        # Django's admin: to the list with "doesn't exist. Perhaps it was deleted?"
        assert erin.post(url, page).status_code == 302
    article.refresh_from_db()
    assert article.title == "Brewing"


@CONCURRENT_WRITERS[0]
@CONCURRENT_WRITERS[1]
def test_article_pages_saved_at_once_keep_one_title_and_refuse_the_rest():
    article = ArticleFactory(title="Brewing")
    sessions = role_clients("Editors")
    pages = [opened_article(session, article) for session in sessions]
    statuses = {}

    def save(start, n):
        start.wait()
        data = {**pages[n], "title": f"Title {n}"}
        statuses[n] = sessions[n].post(article_url(article), data).status_code

    assert run_at_once(save) == []

    assert sorted(statuses.values()) == [200] * (THREADS - 1) + [302]
    (winner,) = [n for n, status in statuses.items() if status == 302]
    assert Article.objects.get(pk=article.pk).title == f"Title {winner}"
