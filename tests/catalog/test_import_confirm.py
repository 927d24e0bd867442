"""The confirm step names its upload by a token signed for one user and one model: forged,
odd, foreign or expired references get a message and write nothing, never a 500 (12.4)."""

import pytest
from django.core import signing
from django.urls import reverse

from catalog.models import Article, Product
from tests.catalog.importing import confirm, csv_bytes, preview

pytestmark = pytest.mark.usefixtures("upload_media")

PROCESS = reverse("admin:catalog_product_process_import")
IMPORT = reverse("admin:catalog_product_import")
INCOMPLETE = "The confirmation was incomplete; upload the file again."


def previewed(client, model: str = "catalog_product"):
    content = (
        csv_bytes("sku,name,price,stock", "A-1,Apple,1,2")
        if model == "catalog_product"
        else csv_bytes("slug,title", "a-1,A")
    )
    response = preview(client, model, content)
    assert response.context["report"].error_count == 0
    return response


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def token_of(response) -> str:
    return response.context["confirm_form"].initial["token"]


@pytest.mark.parametrize(
    "token",
    [".", "..", "a" * 300, "../../etc/passwd", "", "x:y:z", "%00", "Z" * 5000],
    ids=["dot", "dotdot", "300-chars", "path", "empty", "colons", "nul", "5000-chars"],
)
def test_odd_tokens_are_refused_with_a_message(superuser_client, token):
    previewed(superuser_client)

    response = superuser_client.post(PROCESS, {"token": token})

    assert response.status_code == 302
    assert response.url == IMPORT
    assert messages_of(response) == [INCOMPLETE]
    assert not Product.objects.exists()


@pytest.mark.parametrize("name", [".", "..", "a" * 300, "../../../etc/passwd"])
def test_the_old_file_name_field_is_no_longer_a_way_in(superuser_client, name):
    # import-export's confirm form named the file itself: these answered 500 before.
    previewed(superuser_client)
    data = {"import_file_name": name, "original_file_name": "x.csv", "format": "0"}

    response = superuser_client.post(PROCESS, data)

    assert response.status_code == 302
    assert messages_of(response) == [INCOMPLETE]
    assert not Product.objects.exists()


def test_a_token_is_refused_for_another_user(admin_client_for, superuser_client):
    manager = admin_client_for("Inventory managers")
    token = token_of(previewed(manager))

    response = superuser_client.post(PROCESS, {"token": token})

    assert messages_of(response) == [INCOMPLETE]
    assert not Product.objects.exists()


def test_a_token_is_refused_for_another_model(superuser_client):
    token = token_of(previewed(superuser_client, "catalog_article"))

    response = superuser_client.post(PROCESS, {"token": token})

    assert messages_of(response) == [INCOMPLETE]
    assert not Product.objects.exists()
    assert not Article.objects.exists()


def test_a_tampered_token_is_refused(superuser_client):
    token = token_of(previewed(superuser_client))
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = superuser_client.post(PROCESS, {"token": tampered})

    assert messages_of(response) == [INCOMPLETE]
    assert not Product.objects.exists()


def test_an_expired_token_is_refused(superuser_client, settings):
    response = previewed(superuser_client)
    settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS = 0  # any age is too old now

    result = confirm(superuser_client, "catalog_product", response)

    assert messages_of(result) == [INCOMPLETE]
    assert not Product.objects.exists()


def test_a_validly_signed_token_reaches_only_ones_own_job(superuser_client, admin_client_for):
    # Even with the signing key (a leaked SECRET_KEY), a token names an import job, never a
    # file, and only the signer's own job of this model that waits for confirmation.
    from backoffice.kit.jobs.models import ImportJob

    previewed(admin_client_for("Inventory managers"))
    someone_elses = ImportJob.objects.get().pk
    previewed(superuser_client)
    salt = f"backoffice.import:catalog.product:{superuser_client.user.pk}"
    for payload in [
        {"upload": "../../manage.py", "name": "x.csv"},  # the old shape: a file name
        {"job": "1"},
        {"job": someone_elses},
        {"job": 10**12},
        {"job": -1},
    ]:
        token = signing.dumps(payload, salt=salt, compress=True)

        response = superuser_client.post(PROCESS, {"token": token})

        assert response.status_code == 302
        assert messages_of(response)[0] in (
            INCOMPLETE,
            "The uploaded file has expired or was already imported; upload it again.",
        )
    assert not Product.objects.exists()
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"ready"}


def test_a_token_works_once(superuser_client):
    response = previewed(superuser_client)
    assert confirm(superuser_client, "catalog_product", response).status_code == 302
    assert Product.objects.count() == 1

    again = confirm(superuser_client, "catalog_product", response)

    assert "has expired or was already imported" in messages_of(again)[-1]
    assert Product.objects.count() == 1
