"""What the preview's samples show (issue 17, item 5): usernames, not author ids; values
shortened between words, never in the middle of one."""

import pytest

from backoffice.kit.importing.report import LONGEST_WORD, shorten
from tests.catalog.importing import csv_bytes, preview
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.usefixtures("upload_media")

LONG_BODY = " ".join(["Spreadsheet"] * 20)


def samples(response, kind: str) -> list[str]:
    return [sample.details for sample in response.context["report"].samples[kind]]


def test_a_new_articles_preview_names_its_author(superuser_client):
    jane = UserFactory(username="jane")
    content = csv_bytes("slug,title,body,author", f"fresh,Fresh,{LONG_BODY},jane")

    response = preview(superuser_client, "catalog_article", content)

    (details,) = samples(response, "new")
    assert "author=jane" in details
    assert f"author_id={jane.pk}" not in details
    assert "author_id" not in response.content.decode()
    # The body is cut between two words.
    assert "body=Spreadsheet Spreadsheet Spreadsheet Spreadsheet Spreadsheet …," in details


def test_an_updated_articles_preview_names_both_authors(superuser_client):
    ArticleFactory(slug="moved", title="Moved", author=UserFactory(username="jane"))
    mark = UserFactory(username="mark")
    content = csv_bytes("slug,title,author", "moved,Moved,mark")

    response = preview(superuser_client, "catalog_article", content)

    assert samples(response, "update") == ["author: jane → mark"]
    assert f"→ {mark.pk}" not in response.content.decode()
    assert "author: jane → mark" in response.content.decode()


def test_an_author_set_on_an_article_without_one(superuser_client):
    ArticleFactory(slug="orphan", title="Orphan", author=None)
    UserFactory(username="mark")

    response = preview(
        superuser_client, "catalog_article", csv_bytes("slug,title,author", "orphan,Orphan,mark")
    )

    assert samples(response, "update") == ["author: — → mark"]


def test_a_long_description_is_never_cut_mid_word_on_the_page(superuser_client):
    content = csv_bytes(
        "sku,name,price,stock,description", f"A-1,Tea,1,1,{' '.join(['Darjeeling'] * 40)}"
    )

    response = preview(superuser_client, "catalog_product", content)

    (details,) = samples(response, "new")
    description = details.split("description=", 1)[1]
    assert description.endswith(" …")
    assert set(description.removesuffix(" …").split(" ")) == {"Darjeeling"}
    assert details in response.content.decode()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("short text", "short text"),
        ("one two three four", "one two …"),
        ("a\nb   c", "a b c"),
        ("a" * 15, "a" * 15),  # one word longer than the limit stays whole
        ("a" * (LONGEST_WORD + 5), "a" * LONGEST_WORD + "…"),
    ],
)
def test_shorten(text, shown):
    assert shorten(text, limit=10) == shown
