"""Static files the production way: collectstatic into manifest storage, pages with DEBUG off."""

import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests.factories import ProductFactory
from tests.production_settings import load_production_settings

HASHED_ADMINLTE_CSS = re.compile(r"/static/vendor/adminlte/css/adminlte\.min\.[0-9a-f]{12}\.css")


@pytest.fixture(scope="module")
def collected_static_root(tmp_path_factory):
    """STATIC_ROOT filled by collectstatic with the production storage (once per module)."""
    static_root = tmp_path_factory.mktemp("static")
    with pytest.MonkeyPatch.context() as monkeypatch:
        storages = load_production_settings(monkeypatch).STORAGES
    with override_settings(STATIC_ROOT=static_root, STORAGES=storages, DEBUG=False):
        call_command("collectstatic", "--noinput", verbosity=0)
    return static_root, storages


@pytest.fixture
def production_static(collected_static_root, settings):
    static_root, storages = collected_static_root
    settings.DEBUG = False
    settings.STATIC_ROOT = static_root
    settings.STORAGES = storages
    settings.WHITENOISE_AUTOREFRESH = False  # serve from the collected files, as production
    return static_root


def test_production_uses_whitenoise_compressed_manifest_storage(monkeypatch):
    backend = load_production_settings(monkeypatch).STORAGES["staticfiles"]["BACKEND"]
    assert backend == "backoffice.storage.ManifestStaticFilesStorage"


def test_collectstatic_writes_a_manifest_and_compressed_copies(production_static):
    assert (production_static / "staticfiles.json").is_file()
    assert list(production_static.glob("vendor/adminlte/css/adminlte.min.*.css.gz"))


@pytest.mark.django_db
def test_login_dashboard_and_change_form_render_with_hashed_static_urls(
    production_static, superuser
):
    product = ProductFactory()
    anonymous = Client()
    login = anonymous.get("/admin/login/")
    assert login.status_code == 200
    stylesheet = HASHED_ADMINLTE_CSS.search(login.content.decode())
    assert stylesheet, "the login page links the hashed stylesheet"

    served = anonymous.get(stylesheet.group(0))
    assert served.status_code == 200
    assert "max-age=315360000" in served["Cache-Control"]  # hashed: cached "forever"

    staff = Client()
    staff.force_login(superuser)
    dashboard = staff.get("/admin/")
    change_form = staff.get(f"/admin/catalog/product/{product.pk}/change/")
    for page in (dashboard, change_form):
        assert page.status_code == 200
        assert HASHED_ADMINLTE_CSS.search(page.content.decode())
        # jazzmin's directory URL stays unhashed instead of failing the whole page.
        assert 'data-theme-base="/static/vendor/bootswatch"' in page.content.decode()
    assert product.sku in change_form.content.decode()


def test_plain_manifest_storage_still_breaks_on_jazzmin_directory_url(
    production_static, settings, superuser_client
):
    """Why backoffice.storage exists: when this fails, jazzmin fixed #684; drop the subclass."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with pytest.raises(ValueError, match="vendor/bootswatch"):
        superuser_client.get("/admin/")


def test_remembered_static_urls_are_the_manifest_urls(production_static, settings):
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    from backoffice.storage import ManifestStaticFilesStorage

    storage, plain = ManifestStaticFilesStorage(), CompressedManifestStaticFilesStorage()
    name = "admin/img/icon-yes.svg"
    first = storage.url(name)
    assert first == storage.url(name) == plain.url(name)
    assert re.fullmatch(r"/static/admin/img/icon-yes\.[0-9a-f]{12}\.svg", first)
    # A name missing from the manifest fails every time, never remembered as a URL.
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("admin/img/no-such-icon.svg")
    settings.DEBUG = True  # DEBUG serves the unhashed name, as Django's storage does
    assert storage.url(name) == "/static/admin/img/icon-yes.svg"
