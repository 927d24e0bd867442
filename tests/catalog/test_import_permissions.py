"""Who may import and export: import needs add and change, export needs view."""

import pytest
from django.urls import reverse

from catalog.models import Product
from tests.catalog.importing import csv_bytes, preview

pytestmark = pytest.mark.usefixtures("upload_media")


def test_viewer_sees_export_but_no_import_button_and_gets_403_on_import_urls(admin_client_for):
    client = admin_client_for("Viewers")

    page = client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert reverse("admin:catalog_product_export") in page
    assert reverse("admin:catalog_product_import") not in page

    assert client.get(reverse("admin:catalog_product_import")).status_code == 403
    assert (
        preview(client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,1")).status_code
        == 403
    )
    assert client.post(reverse("admin:catalog_product_process_import"), {}).status_code == 403
    assert not Product.objects.exists()


def test_inventory_manager_sees_both_buttons(admin_client_for):
    client = admin_client_for("Inventory managers")

    page = client.get(reverse("admin:catalog_product_changelist")).content.decode()

    assert reverse("admin:catalog_product_import") in page
    assert reverse("admin:catalog_product_export") in page
    import_page = client.get(reverse("admin:catalog_product_import"))
    assert import_page.status_code == 200
    content = import_page.content.decode()
    assert "Required columns" in content
    assert "<code>sku</code>, <code>name</code>, <code>price</code>, <code>stock</code>" in content
    assert "import_export/guess_format.js" in content  # the form's media is rendered


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("Editors", "admin:catalog_product_import", 403),  # view only
        ("Editors", "admin:catalog_article_import", 200),
        ("Inventory managers", "admin:catalog_article_import", 403),
        ("User admins", "admin:auth_user_import", 200),
        ("Viewers", "admin:auth_user_import", 403),
        (None, "admin:catalog_product_export", 403),  # staff with no permission at all
        (None, "admin:catalog_product_import", 403),
        ("User admins", "admin:catalog_product_export", 403),
        ("Viewers", "admin:auth_user_export", 200),
    ],
)
def test_role_matrix_for_import_and_export_pages(admin_client_for, role, url_name, status):
    client = admin_client_for(role)

    assert client.get(reverse(url_name)).status_code == status


def test_user_with_add_but_not_change_cannot_import(admin_client_for):
    from django.contrib.auth.models import Permission

    client = admin_client_for(None)
    client.user.user_permissions.add(
        Permission.objects.get(codename="add_product"),
        Permission.objects.get(codename="view_product"),
    )

    assert client.get(reverse("admin:catalog_product_import")).status_code == 403
