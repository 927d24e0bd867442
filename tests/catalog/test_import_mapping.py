"""Issue 17, item 4: a supplier file whose headers are not ours gets a mapping step (the
file's column for each field, offered by name similarity), then the usual preview and
confirm; the choice is remembered per user and model; extra columns are ignored with a note."""

import html
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import Workbook

from backoffice.accounts.importers import UserImporter
from backoffice.kit.importing.errors import ImportFileError
from backoffice.kit.importing.mapping import (
    FileHeader,
    file_header_read,
    mapping_needed,
    mapping_suggest,
)
from backoffice.kit.importing.mapping_admin import EXPIRED_UPLOAD, INVALID_MAPPING_LINK
from backoffice.kit.importing.storage import UPLOAD_FOLDER, ImportUploadStorage
from backoffice.kit.jobs.imports import import_job_create
from backoffice.kit.jobs.mappings import import_mapping_remembered
from backoffice.kit.jobs.models import ImportColumnMapping, ImportJob
from backoffice.kit.jobs.rules import import_mappings_visible_to
from catalog.importers import ArticleImporter, ProductImporter
from catalog.models import Article, Product
from tests.catalog.importing import confirm, csv_bytes, preview, report_text
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.usefixtures("upload_media")

SUPPLIER = csv_bytes(
    "Article number;Product name;Qty;Unit price;Colour",
    "ACC-001;Digital scale;12;4,50;black",
    "NEW-7;Milk jug;3;12,90;white",
)
IMPORT_PRODUCTS = reverse("admin:catalog_product_import")
SUGGESTED = {"sku": "Article number", "name": "Product name", "stock": "Qty", "price": "Unit price"}


def mapping_data(response, **choices: str) -> dict[str, str]:
    """The mapping form as rendered, with some choices changed (field name → header)."""
    form = response.context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({f"map_{name}": header for name, header in choices.items()})
    return data


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def post_mapping(client, model: str, data: dict[str, str]):
    return client.post(reverse(f"admin:{model}_import"), data)


# --- suggestion -------------------------------------------------------------------------


def suggest(titles, importer=ProductImporter, remembered=None):
    return mapping_suggest(
        titles=titles, model=importer.model, columns=importer.columns, remembered=remembered or {}
    )


def test_headers_are_offered_by_name_similarity():
    titles = ["Article number", "Product name", "Qty", "Unit price", "Colour"]

    assert suggest(titles) == SUGGESTED


def test_similar_spellings_are_offered_and_unlike_ones_are_not():
    titles = ["Stok", "Pricee", "Notes", "Colour", "Weight"]

    assert suggest(titles) == {"stock": "Stok", "price": "Pricee"}


def test_our_own_names_and_verbose_names_win_over_similar_ones():
    titles = ["Stock level", "Stock", "SKU", "Active"]

    assert suggest(titles) == {"stock": "Stock", "sku": "SKU", "is_active": "Active"}


def test_each_header_is_offered_for_one_field_only():
    suggestion = suggest(["price", "Unit price"])

    assert suggestion == {"price": "price"}


def test_the_remembered_choice_comes_first_where_its_header_is_in_the_file():
    remembered = {"sku": "Code", "name": "Label", "stock": "Qty", "price": "Gone"}

    suggestion = suggest(["Code", "Label", "Qty", "Unit price"], remembered=remembered)

    assert suggestion == {"sku": "Code", "name": "Label", "stock": "Qty", "price": "Unit price"}


def test_articles_and_users_get_suggestions_from_their_own_columns():
    assert suggest(["Headline", "Permalink", "Writer"], ArticleImporter) == {
        "title": "Headline",
        "author": "Writer",
    }
    assert suggest(["Login", "E-mail", "Surname", "Roles"], UserImporter) == {
        "username": "Login",
        "email": "E-mail",
        "last_name": "Surname",
        "groups": "Roles",
    }


@pytest.mark.parametrize(
    ("titles", "needed"),
    [
        (["sku", "name", "price", "stock"], False),
        (["SKU", "Name", "Price", "Stock", "Colour"], False),  # ours, one extra: ignored
        (["sku", "name", "price"], False),  # ours but one missing: refused by name
        (["Article number", "Product name", "Qty", "Unit price"], True),
        (["sku", "name", "price", "Qty"], True),
    ],
)
def test_which_files_need_the_mapping_step(titles, needed):
    importer = ProductImporter
    assert (
        mapping_needed(
            titles, model=importer.model, columns=importer.columns, refused=importer.refused_columns
        )
        is needed
    )


# --- the admin's mapping step ---------------------------------------------------------------


def test_a_supplier_file_goes_through_mapping_preview_and_confirm(admin_client_for):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="ACC-001", name="Digital scale", stock=2, price="4.50")

    response = preview(client, "catalog_product", SUPPLIER, name="supplier.csv")

    assert response.status_code == 200
    assert "report" not in response.context
    assert not ImportJob.objects.exists(), "no job before the columns are chosen"
    page = page_text(response)
    assert "Match the columns of supplier.csv" in page
    assert "Pre-filled with the file's most similar column names; check each one." in page
    assert mapping_data(response) == {
        "mapping_token": response.context["mapping_form"]["mapping_token"].value(),
        **{
            f"map_{column.name}": SUGGESTED.get(column.name, "")
            for column in ProductImporter.columns
        },
    }
    assert "Article number (e.g. ACC-001)" in page
    assert "— not in the file —" in page

    previewed = post_mapping(client, "catalog_product", mapping_data(response))

    report = previewed.context["report"]
    assert report.error_count == 0, report_text(previewed)
    assert report.totals["new"] == 1
    assert report.totals["update"] == 1
    assert (
        "Read with your column mapping: 'Article number' as sku, 'Product name' as name, "
        "'Unit price' as price, 'Qty' as stock." in report.notes
    )
    assert "Ignored column 'Colour': no field of products is read from it." in report.notes
    assert "Read as semicolon-separated, decimal comma." in report.notes
    job = ImportJob.objects.get()
    assert job.mapping == SUGGESTED
    assert not Product.objects.filter(sku="NEW-7").exists()

    done = confirm(client, "catalog_product", previewed)

    assert done.status_code == 302
    assert sorted(Product.objects.values_list("sku", "stock", "price")) == [
        ("ACC-001", 12, Decimal("4.50")),
        ("NEW-7", 3, Decimal("12.90")),
    ]


def test_the_mapping_posted_twice_makes_one_job_that_keeps_its_file(admin_client_for):
    # A double click on "Preview with these columns": before, each post started a job on
    # the same stored upload, and whichever ended first took the file from the other.
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", SUPPLIER, name="supplier.csv")
    data = mapping_data(response)

    first = post_mapping(client, "catalog_product", data)
    again = post_mapping(client, "catalog_product", data)

    job = ImportJob.objects.get()
    assert first.context["job"] == again.context["job"] == job
    assert again.context["report"].totals["new"] == 2
    assert confirm(client, "catalog_product", again).status_code == 302
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["ACC-001", "NEW-7"]


def test_one_live_job_per_upload_is_the_databases_rule_too(superuser):
    importer = ProductImporter(user=superuser)
    first = import_job_create(
        user=superuser, importer=importer, upload="u" * 32, file_name="a.csv", file_size=1
    )
    second = import_job_create(
        user=superuser, importer=importer, upload="u" * 32, file_name="a.csv", file_size=1
    )
    assert second == first
    ImportJob.objects.filter(pk=first.pk).update(status=ImportJob.Status.CANCELLED)
    third = import_job_create(
        user=superuser, importer=importer, upload="u" * 32, file_name="a.csv", file_size=1
    )
    assert third != first  # matched again from the same upload after a cancel


def test_the_mapping_is_remembered_for_the_next_upload_of_the_same_user_and_model(
    admin_client_for,
):
    client = admin_client_for("Inventory managers")
    first = preview(client, "catalog_product", SUPPLIER)
    # "Colour" for the name: no similarity would offer it, only the memory can.
    post_mapping(client, "catalog_product", mapping_data(first, name="Colour"))

    again = preview(client, "catalog_product", SUPPLIER)

    assert "Pre-filled with the columns you chose last time." in page_text(again)
    assert mapping_data(again)["map_name"] == "Colour"
    assert import_mapping_remembered(user=client.user, model=Product) == {
        **SUGGESTED,
        "name": "Colour",
    }
    assert import_mapping_remembered(user=client.user, model=Article) == {}


def test_another_user_never_gets_someone_elses_mapping(admin_client_for):
    first = admin_client_for("Inventory managers", username="first")
    post_mapping(
        first,
        "catalog_product",
        mapping_data(preview(first, "catalog_product", SUPPLIER), name="Colour"),
    )
    second = admin_client_for("Inventory managers", username="second")

    response = preview(second, "catalog_product", SUPPLIER)

    assert mapping_data(response)["map_name"] == "Product name"
    assert "Pre-filled with the columns you chose last time." not in page_text(response)
    assert list(import_mappings_visible_to(user=second.user)) == []
    assert [m.user for m in import_mappings_visible_to(user=first.user)] == [first.user]
    superuser = UserFactory(is_superuser=True)
    assert list(import_mappings_visible_to(user=superuser)) == []
    assert ImportColumnMapping.objects.count() == 1


def test_a_required_field_left_unmapped_is_refused_by_name(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", SUPPLIER)

    refused = post_mapping(client, "catalog_product", mapping_data(response, sku=""))

    assert refused.status_code == 200
    assert refused.context["mapping_form"].errors["map_sku"] == [
        "sku is required: choose the file's column that holds it."
    ]
    assert "sku is required: choose the file's column that holds it." in page_text(refused)
    assert not ImportJob.objects.exists()
    assert not ImportColumnMapping.objects.exists()


def test_one_column_chosen_for_two_fields_is_refused(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", SUPPLIER)

    refused = post_mapping(
        client, "catalog_product", mapping_data(response, low_stock_threshold="Qty")
    )

    assert refused.context["mapping_form"].non_field_errors() == [
        "The column 'Qty' is chosen for stock and low_stock_threshold; choose it for one of them "
        "only."
    ]
    assert not ImportJob.objects.exists()


def test_a_column_that_is_not_in_the_file_is_a_400_not_a_500(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", SUPPLIER)

    refused = post_mapping(
        client, "catalog_product", mapping_data(response, stock="../../etc/passwd")
    )

    assert refused.status_code == 400
    assert "is not one of the available choices" in str(
        refused.context["mapping_form"].errors["map_stock"]
    )
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "x" * 2000, "eyJ1cGxvYWQiOiIuLi8uLi9ldGMvcGFzc3dkIn0:1:bad"],
)
def test_a_forged_mapping_token_is_a_400(admin_client_for, token):
    client = admin_client_for("Inventory managers")

    response = post_mapping(client, "catalog_product", {"mapping_token": token, "map_sku": "x"})

    assert response.status_code == 400
    assert INVALID_MAPPING_LINK == (
        "This column mapping is not valid or has expired; upload the file again."
    )
    assert INVALID_MAPPING_LINK in page_text(response)
    assert not ImportJob.objects.exists()


def test_the_token_is_good_for_the_uploader_and_the_model_only(admin_client_for, superuser):
    owner = admin_client_for("Inventory managers", username="owner")
    data = mapping_data(preview(owner, "catalog_product", SUPPLIER))
    other = admin_client_for("Inventory managers", username="other")
    admin = admin_client_for(None, username="root", is_superuser=True)

    assert post_mapping(other, "catalog_product", data).status_code == 400
    assert post_mapping(admin, "catalog_product", data).status_code == 400
    assert post_mapping(admin, "catalog_article", data).status_code == 400
    assert not ImportJob.objects.exists()
    assert post_mapping(owner, "catalog_product", data).status_code == 200


def test_the_mapping_step_needs_the_import_permission(admin_client_for):
    owner = admin_client_for("Inventory managers")
    data = mapping_data(preview(owner, "catalog_product", SUPPLIER))
    viewer = admin_client_for("Viewers")

    assert post_mapping(viewer, "catalog_product", data).status_code == 403


def test_an_upload_gone_before_the_mapping_is_posted_is_said_so(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", SUPPLIER)
    _folders, files = default_storage.listdir(UPLOAD_FOLDER)
    for name in files:
        ImportUploadStorage(name=name).remove()

    gone = post_mapping(client, "catalog_product", mapping_data(response))

    assert gone.status_code == 302
    assert gone["Location"] == reverse("admin:catalog_product_import")
    assert [str(m) for m in gone.wsgi_request._messages] == [
        "The uploaded file has expired or was already imported; upload it again."
    ]
    assert EXPIRED_UPLOAD in page_text(client.get(gone["Location"]))


def test_the_upload_form_says_which_headers_it_reads(admin_client_for):
    page = page_text(admin_client_for("Inventory managers").get(IMPORT_PRODUCTS))

    assert (
        "Headers may also be the fields' names (SKU, Active), in any case. A file with other "
        "headers (a supplier's) gets a step to match its columns; columns no field reads are "
        "ignored." in page
    )


def test_a_file_of_our_headers_with_one_missing_is_refused_as_before(admin_client_for):
    client = admin_client_for("Inventory managers")

    response = preview(client, "catalog_product", csv_bytes("sku,name,price", "A-1,a,1"))

    assert "mapping_form" not in response.context
    assert "Missing required column(s): stock." in report_text(response)


def test_an_xlsx_supplier_file_is_mapped_too(admin_client_for):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Art. no.", "Description", "Quantity", "Price each"])
    sheet.append(["X-1", "Pencil", 7, 1.25])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = admin_client_for("Inventory managers")

    response = preview(client, "catalog_product", buffer.getvalue(), name="supplier.xlsx")
    data = mapping_data(response, name="Description", description="")
    assert data["map_sku"] == "Art. no."
    assert data["map_stock"] == "Quantity"
    previewed = post_mapping(client, "catalog_product", data)
    assert previewed.context["report"].error_count == 0, report_text(previewed)
    confirm(client, "catalog_product", previewed)

    assert list(Product.objects.values_list("sku", "name", "stock")) == [("X-1", "Pencil", 7)]


def test_a_long_latin1_supplier_file_is_read_from_its_first_lines_for_the_step(admin_client_for):
    rows = [f"P-{n};Caf\xe9 {n};{n};1,50" for n in range(4000)]
    content = "\n".join(["Artikelnummer;Bezeichnung;Menge;Preis", *rows]).encode("cp1252")
    assert len(content) > 65536
    client = admin_client_for("Inventory managers")

    response = preview(client, "catalog_product", content)
    data = mapping_data(response, sku="Artikelnummer", name="Bezeichnung", stock="Menge")
    previewed = post_mapping(client, "catalog_product", data)

    assert previewed.context["report"].totals["new"] == 4000, report_text(previewed)
    assert "Bezeichnung (e.g. Café 0)" in page_text(response)


def test_articles_are_mapped_through_the_same_step(admin_client_for):
    client = admin_client_for("Editors", username="jane")
    content = csv_bytes("Permalink,Headline,Text,Writer", "tea-101,Tea 101,Steep it.,jane")

    response = preview(client, "catalog_article", content)
    previewed = post_mapping(client, "catalog_article", mapping_data(response, slug="Permalink"))
    confirm(client, "catalog_article", previewed)

    assert list(Article.objects.values_list("slug", "title", "author__username")) == [
        ("tea-101", "Tea 101", "jane")
    ]


def test_users_are_mapped_through_the_same_step(admin_client_for):
    client = admin_client_for("User admins")
    content = csv_bytes("Login,E-mail,Surname,Roles", "anna,anna@shop.example,Berg,Editors")

    response = preview(client, "auth_user", content)
    data = mapping_data(response)
    assert data["map_username"] == "Login"
    previewed = post_mapping(client, "auth_user", data)
    assert previewed.context["report"].error_count == 0, report_text(previewed)
    confirm(client, "auth_user", previewed)

    anna = User.objects.get(username="anna")
    assert (anna.email, anna.last_name, [g.name for g in anna.groups.all()]) == (
        "anna@shop.example",
        "Berg",
        ["Editors"],
    )


def test_a_users_file_with_a_password_column_is_still_refused(admin_client_for):
    client = admin_client_for("User admins")
    content = csv_bytes("Login,password", "anna,secret")

    response = preview(client, "auth_user", content)
    previewed = post_mapping(client, "auth_user", mapping_data(response))

    assert "Column 'password' cannot be imported" in report_text(previewed)


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(b"", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"", "cp1252")],
)
def test_the_step_reads_the_header_from_the_start_of_a_long_file_in_any_encoding(bom, encoding):
    rows = [f"P-{n};Caf\xe9 {n};{n}" for n in range(9000)]
    content = bom + "\n".join(["Artikelnummer;Bezeichnung;Menge", *rows]).encode(encoding)
    assert len(content) > 2 * 65536

    header = file_header_read(data=content[: 65536 + 1], file_format="csv", known=[])

    assert header == FileHeader(
        titles=["Artikelnummer", "Bezeichnung", "Menge"], examples=["P-0", "Caf\xe9 0", "0"]
    )


# --- matching the columns again from a preview --------------------------------------------


def remap(client, model: str, preview_response):
    token = preview_response.context["remap_token"]
    return client.post(reverse(f"admin:{model}_import"), {"remap_token": token})


def test_a_preview_that_ignored_a_column_offers_to_match_the_columns_again(admin_client_for):
    client = admin_client_for("Inventory managers")
    content = csv_bytes("sku,name,price,stock,Reorder level", "A-1,Apple,1,3,8")
    previewed = preview(client, "catalog_product", content)
    assert "Ignored column 'Reorder level': no field of products is read from it." in (
        previewed.context["report"].notes
    )
    assert "Match the columns differently" in page_text(previewed)
    first_job = ImportJob.objects.get()

    step = remap(client, "catalog_product", previewed)

    assert "Pre-filled with the columns the preview used; change what it read wrong." in (
        page_text(step)
    )
    data = mapping_data(step)
    assert (data["map_sku"], data["map_low_stock_threshold"]) == ("sku", "Reorder level")
    first_job.refresh_from_db()
    assert (first_job.status, first_job.upload) == ("cancelled", "")
    again = post_mapping(client, "catalog_product", data)
    confirm(client, "catalog_product", again)
    assert list(Product.objects.values_list("sku", "low_stock_threshold")) == [("A-1", 8)]


def test_a_mapped_preview_is_matched_again_from_its_own_mapping(admin_client_for):
    client = admin_client_for("Inventory managers")
    first = preview(client, "catalog_product", SUPPLIER)
    previewed = post_mapping(client, "catalog_product", mapping_data(first, name="Colour"))

    step = remap(client, "catalog_product", previewed)

    assert mapping_data(step)["map_name"] == "Colour"
    fixed = post_mapping(client, "catalog_product", mapping_data(step, name="Product name"))
    confirm(client, "catalog_product", fixed)
    assert sorted(Product.objects.values_list("name", flat=True)) == ["Digital scale", "Milk jug"]
    assert import_mapping_remembered(user=client.user, model=Product)["name"] == "Product name"


def test_a_plain_preview_offers_no_new_matching(admin_client_for):
    client = admin_client_for("Inventory managers")

    previewed = preview(client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,1"))

    assert "remap_token" not in previewed.context
    assert "Match the columns differently" not in page_text(previewed)


def test_matching_again_is_for_the_author_of_a_ready_preview_only(admin_client_for):
    owner = admin_client_for("Inventory managers", username="owner")
    previewed = preview(owner, "catalog_product", SUPPLIER.replace(b"Qty", b"stock"))
    previewed = post_mapping(owner, "catalog_product", mapping_data(previewed))
    token = {"remap_token": previewed.context["remap_token"]}
    other = admin_client_for("Inventory managers", username="other")
    url = reverse("admin:catalog_product_import")

    assert other.post(url, token).status_code == 400
    assert other.post(reverse("admin:catalog_article_import"), token).status_code == 403
    assert owner.post(url, {"remap_token": "forged"}).status_code == 400
    confirm(owner, "catalog_product", previewed)  # imported: nothing to match any more
    late = owner.post(url, token)
    assert late.status_code == 302
    assert EXPIRED_UPLOAD in page_text(owner.get(late["Location"]))


# --- a header too wide to offer -------------------------------------------------------------


def wide_csv(columns: int) -> bytes:
    return csv_bytes(",".join(f"c{n}" for n in range(columns)), ",".join("1" * columns))


def test_a_header_wider_than_the_engine_reads_gets_no_mapping_step():
    # 12,000 short headers fit in the 64 KB the step reads: offering each of them for each
    # field took ~13 s of difflib and a 3 MB page per upload (a request any importer sends).
    with pytest.raises(ImportFileError, match="at most 256 columns are read"):
        file_header_read(data=wide_csv(257), file_format="csv", known=[])
    assert len(file_header_read(data=wide_csv(256), file_format="csv", known=[]).titles) == 256


def test_a_very_wide_supplier_file_is_refused_without_the_mapping_step(admin_client_for):
    client = admin_client_for("Inventory managers")

    response = preview(client, "catalog_product", wide_csv(12_000))

    assert response.status_code == 200
    assert "mapping_form" not in response.context
    assert "Missing required column(s): sku" in report_text(response)
    assert not Product.objects.exists()
