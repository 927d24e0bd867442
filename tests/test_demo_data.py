"""Demo data: the fixture loads, loads again without duplicates, and setup_demo is idempotent."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from catalog.models import Article, Product

pytestmark = pytest.mark.django_db


def _counts():
    return (Product.objects.count(), Article.objects.count(), User.objects.count())


def test_demo_fixture_loads_twice_without_duplicates():
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    first = _counts()
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    assert _counts() == first
    products, articles, users = first
    assert products == 50
    assert articles == 10
    assert users == 4
    assert 3 <= Product.objects.low_on_stock().count() <= 10
    assert Product.objects.out_of_stock().exists()


def test_demo_staff_have_one_role_each():
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    roles = {u.username: [g.name for g in u.groups.all()] for u in User.objects.all()}
    assert roles == {
        "inventory": ["Inventory managers"],
        "editor": ["Editors"],
        "useradmin": ["User admins"],
        "viewer": ["Viewers"],
    }
    assert User.objects.get(username="editor").check_password("backoffice-demo")


def test_setup_demo_is_idempotent_and_prints_the_login(capsys):
    call_command("setup_demo")
    first = _counts()
    call_command("setup_demo")
    assert _counts() == first
    out = capsys.readouterr().out
    assert "admin / backoffice-demo" in out
    assert "http://127.0.0.1:8000/admin/" in out
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("backoffice-demo")


def test_sample_csv_files_have_the_contract_headers():
    with open("fixtures/sample_products.csv", encoding="utf-8") as f:
        assert f.readline().strip() == (
            "sku,name,price,stock,low_stock_threshold,is_active,description"
        )
    with open("fixtures/sample_articles.csv", encoding="utf-8") as f:
        assert f.readline().strip() == "slug,title,body,status,author,published_at"
