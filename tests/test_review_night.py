"""Review night: attacks on the menu cache and on case-insensitive usernames.

Each test states what an attacker or an unlucky operator would try; the ones that pass are
attacks that held, the comments say which ones broke before their fix."""

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from alerts.deletions import deletion_record_create, deletion_record_restore
from tests.catalog.importing import confirm, csv_bytes, preview, report_text
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
PRODUCTS = reverse("admin:catalog_product_changelist")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's LOWER/UPPER fold non-ASCII letters"
)


def menus(html: str) -> str:
    start = html.index('id="jazzy-navbar"')
    part = html[start : html.index("</aside>", start)]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", part)


# --- 1. the menu cache --------------------------------------------------------------------


def test_menus_follow_superuser_demotion_and_group_swap_from_the_cache(admin_client_for):
    client = admin_client_for(None, username="boss", is_superuser=True)
    users = f'href="{reverse("admin:auth_user_changelist")}"'
    assert users in client.get(INDEX).content.decode()
    User.objects.filter(pk=client.user.pk).update(is_superuser=False)
    client.user.groups.set([Group.objects.get(name="Editors")])
    html = client.get(INDEX).content.decode()
    assert users not in menus(html)
    assert "Account events" not in menus(html)


def test_a_same_named_user_recreated_with_other_roles_sees_its_own_menu(admin_client_for):
    first = admin_client_for("User admins", username="ann")
    users = f'href="{reverse("admin:auth_user_changelist")}"'
    assert users in menus(first.get(INDEX).content.decode())
    pk = first.user.pk
    first.user.delete()
    # A new account, same name, maybe the same id on SQLite: a different role.
    again = UserFactory(pk=pk, username="ann", groups=["Editors"])
    client = Client()
    client.force_login(again)
    assert users not in menus(client.get(INDEX).content.decode())


def test_the_badge_drops_when_the_alert_is_resolved(admin_client_for):
    client = admin_client_for("Inventory managers")
    product = ProductFactory(stock=0)
    assert 'data-open-alerts="1"' in client.get(PRODUCTS).content.decode()
    product.stock = 50
    product.save()
    html = client.get(PRODUCTS).content.decode()
    assert "data-open-alerts" not in html


def test_the_menus_do_not_depend_on_the_path_or_query(admin_client_for):
    client = admin_client_for("Editors")
    a = menus(client.get(PRODUCTS + "?q=<script>x</script>&o=1").content.decode())
    b = menus(client.get(reverse("admin:catalog_article_changelist")).content.decode())
    assert a == b
    assert "<script>x" not in a


def test_a_staff_404_page_shows_each_user_their_own_menus(admin_client_for):
    first = admin_client_for("Editors", username="ed1")
    second = admin_client_for("Viewers", username="vi1")
    for _ in range(2):  # drawn, then from the cache
        one = first.get("/admin/nope/")
        two = second.get("/admin/nope/")
        assert (one.status_code, two.status_code) == (404, 404)
        assert "ed1" in menus(one.content.decode())
        assert "vi1" in menus(two.content.decode())
        assert "ed1" not in two.content.decode()
        assert "vi1" not in one.content.decode()


def test_a_missing_object_sends_staff_to_the_dashboard_with_their_own_menus(admin_client_for):
    client = admin_client_for("Editors", username="ed1")
    response = client.get("/admin/catalog/product/999999/change/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "ed1" in menus(response.content.decode())


def test_no_menus_on_the_login_page_of_an_authenticated_non_staff_user():
    user = UserFactory(username="outsider", is_staff=False)
    user.user_permissions.add(Permission.objects.get(codename="view_product"))
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert PRODUCTS not in response.content.decode()


def test_a_cache_outage_does_not_take_every_admin_page_down(admin_client_for, settings):
    # Broke: with CACHE_URL on Redis (docs/operations.md) and Redis down, the menus'
    # {% cache %} raised ConnectionError on every admin page of a logged-in user. The menus
    # now live in each process's own "menus" cache, whatever CACHE_URL says.
    client = admin_client_for("Editors")
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
    for _ in range(2):  # drawn, then from the cache
        response = client.get(PRODUCTS)
        assert response.status_code == 200
        assert PRODUCTS in menus(response.content.decode())


# --- 2. usernames unique regardless of case ---------------------------------------------


@pytest.fixture
def useradmin_client(admin_client_for):
    return admin_client_for("User admins", username="useradmin")


@postgres_only
@pytest.mark.parametrize(
    ("stored", "row"),
    [("ivan", "İvan"), ("İvan", "ivan"), ("οδοσ", "ΟΔΟΣ")],
    ids=["dotted capital I", "stored dotted I", "final sigma"],
)
def test_the_import_names_the_taken_username_where_python_and_postgres_fold_apart(
    useradmin_client, stored, row
):
    # Broke: Python's str.lower (the importer's match_key) and PostgreSQL's LOWER (the index)
    # fold these apart: the preview counted a new user, the confirm hit the index and said
    # "some of its rows were added or changed by someone else".
    UserFactory(username=stored, groups=["Editors"])
    response = preview(useradmin_client, "auth_user", csv_bytes("username,email", f"{row},"))
    text = report_text(response)
    assert response.context["report"].totals["new"] == 0, text
    assert f"The username “{stored}” is taken" in text
    assert "added or changed by someone else" not in text
    assert User.objects.filter(username__in=[stored, row]).count() == 1


@postgres_only
@pytest.mark.parametrize(("deleted", "taken"), [("İvan", "ivan"), ("ẞob", "ßob")])
def test_a_restore_names_the_taken_username_where_upper_and_lower_disagree(
    superuser, deleted, taken
):
    # Broke: the restore checked __iexact (UPPER on PostgreSQL), the index is on LOWER:
    # the restore reached the index and said the username "was taken while it was being
    # restored" instead of naming the account that holds it.
    user = UserFactory(username=deleted)
    record = deletion_record_create(instance=user, actor=superuser)
    user.delete()
    UserFactory(username=taken)
    with pytest.raises(ValidationError) as refused:
        deletion_record_restore(record=record, user=superuser)
    assert f"the username is taken by “{taken}”" in str(refused.value)


def test_the_import_and_the_form_agree_on_non_ascii_case(useradmin_client, superuser_client):
    # SQLite's LOWER folds ASCII only: "ÉMILE" and "émile" are two accounts there (form,
    # import and index alike); PostgreSQL's folds them into one. Whatever the database
    # decides, the form, the import and the index decide the same.
    UserFactory(username="ÉMILE")
    folds = connection.vendor == "postgresql"
    form = superuser_client.post(
        reverse("admin:auth_user_add"),
        {"username": "émile", "email": "e@shop.example", "first_name": "", "last_name": ""},
    )
    assert form.status_code == (200 if folds else 302)
    User.objects.filter(username="émile").delete()
    response = preview(useradmin_client, "auth_user", csv_bytes("username,email", "émile,"))
    text = report_text(response)
    # PostgreSQL: the row is ÉMILE's, as "Bob" in a file is bob's; SQLite: a new account.
    assert response.context["report"].totals["new"] == (0 if folds else 1), text
    assert not response.context["report"].has_errors, text
    assert confirm(useradmin_client, "auth_user", response).status_code == 302
    assert User.objects.filter(username__in=["ÉMILE", "émile"]).count() == (1 if folds else 2)
