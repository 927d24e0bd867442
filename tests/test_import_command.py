"""`manage.py import_catalog` and `manage.py purge_import_files`."""

import os
import time
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from backoffice.kit.importing.storage import UPLOAD_FOLDER, ImportUploadStorage
from backoffice.kit.jobs.models import ImportJob
from catalog.models import Article, Product

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_catalog", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_products_from_the_command_line(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku,name,price,stock\nC-1,Cli,2.50,4\n", encoding="utf-8")

    out, _ = run("products", str(path))

    assert "Imported: 1 new, 0 updated, 0 unchanged, 0 invalid products." in out
    job = ImportJob.objects.get()
    assert (job.status, job.source, job.created_by, job.file_name) == (
        "done",
        "command",
        None,
        path.name,
    )
    assert (job.total_new, job.rows_total, job.rows_done) == (1, 1, 1)
    assert f"Recorded as import job {job.pk}." in out
    assert Product.objects.get(sku="C-1").stock == 4


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku,name,price,stock\nC-1,Cli,2.50,4\n", encoding="utf-8")

    out, _ = run("products", str(path), "--dry-run")

    assert "Dry run, nothing written: 1 new" in out
    job = ImportJob.objects.get()
    assert (job.status, job.total_new) == ("done", 1)
    assert job.message == "Dry run (--dry-run): checked, nothing written."
    assert not Product.objects.exists()


def test_errors_are_reported_per_row_and_the_command_fails(tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text(
        "slug,title,author\nok,Fine,\nbad slug,Bad,\nfine,Fine,ghost\n", encoding="utf-8"
    )
    err = StringIO()

    with pytest.raises(CommandError, match="rejected \\(2 errors\\); nothing was written"):
        call_command("import_catalog", "articles", str(path), "--no-progress", stderr=err)

    assert "Row 3, column 'slug', value 'bad slug'" in err.getvalue()
    assert "Row 4, column 'author', value 'ghost': No user has this username." in err.getvalue()
    assert not Article.objects.exists()


def test_users_from_the_command_line_get_unusable_passwords(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username,email,groups\nzoe,zoe@shop.example,Viewers\n", encoding="utf-8")

    run("users", str(path))

    zoe = User.objects.get(username="zoe")
    assert not zoe.has_usable_password()
    assert list(zoe.groups.values_list("name", flat=True)) == ["Viewers"]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("products", str(tmp_path / "nope.csv"))


def test_abandoned_uploads_are_purged_and_fresh_ones_kept(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    old = ImportUploadStorage()
    old.save(b"sku\n")
    fresh = ImportUploadStorage()
    fresh.save(b"sku\n")
    old_path = tmp_path / UPLOAD_FOLDER / old.name
    two_days_ago = time.time() - 48 * 3600
    os.utime(old_path, (two_days_ago, two_days_ago))
    out = StringIO()

    call_command("purge_import_files", stdout=out)

    assert "Removed 1 abandoned import upload(s)." in out.getvalue()
    assert not old_path.exists()
    assert (tmp_path / UPLOAD_FOLDER / fresh.name).exists()


def test_upload_storage_streams_a_multi_chunk_upload_intact(settings, tmp_path):
    # The admin hands the UploadedFile itself to storage (chunk by chunk), where
    # import-export would have built one bytes object with `data += chunk`.
    from django.core.files import File

    settings.MEDIA_ROOT = tmp_path / "media"
    content = b"sku,name,price,stock\n" + b"".join(
        f"S-{n},name,1.00,{n}\n".encode() for n in range(200_000)
    )
    (tmp_path / "big.csv").write_bytes(content)
    storage = ImportUploadStorage()
    with (tmp_path / "big.csv").open("rb") as handle:
        upload = File(handle, name="big.csv")  # like a TemporaryUploadedFile on disk
        assert len(list(upload.chunks())) > 1
        storage.save(upload)

    assert storage.read() == content
    storage.remove()
    assert not (tmp_path / "media" / UPLOAD_FOLDER / storage.name).exists()


def test_the_command_reads_a_supplier_file_with_map_options(tmp_path):
    path = tmp_path / "supplier.csv"
    path.write_text("Article number;Label;Qty;Unit price;Colour\nS-1;Jug;4;3,50;white\n")
    err = StringIO()
    with pytest.raises(CommandError, match=r"supplier\.csv was rejected"):
        call_command("import_catalog", "products", str(path), "--no-progress", stderr=err)
    assert "Missing required column(s): sku, name" in err.getvalue()

    out, _ = run(
        "products", str(path),
        "--map", "sku=Article number", "--map", "name=Label",
        "--map", "stock=Qty", "--map", "price=Unit price",
    )  # fmt: skip

    assert "Imported: 1 new" in out
    assert list(Product.objects.values_list("sku", "name", "stock")) == [("S-1", "Jug", 4)]
    assert ImportJob.objects.filter(status="done").get().mapping["sku"] == "Article number"


@pytest.mark.parametrize("choice", ["sku", "colour=Colour", "sku="])
def test_a_bad_map_option_names_the_fields(tmp_path, choice):
    path = tmp_path / "supplier.csv"
    path.write_text("sku,name,price,stock\nS-1,Jug,1,1\n")

    with pytest.raises(CommandError, match="write FIELD=COLUMN with FIELD one of sku, name"):
        run("products", str(path), "--map", choice)


def test_one_field_mapped_twice_is_refused_not_the_last_choice_taken(tmp_path):
    path = tmp_path / "supplier.csv"
    path.write_text("A;B;name;price;stock\nS-1;S-2;Jug;1;1\n")

    with pytest.raises(CommandError, match="sku is mapped to 'A' already"):
        run("products", str(path), "--map", "sku=A", "--map", "sku=B")
    assert not Product.objects.exists()


def test_one_column_mapped_to_two_fields_is_refused_as_in_the_admin(tmp_path):
    """The admin's mapping form refuses one column for two fields; the engine, which every
    mapping reaches (--map, a job's), refuses it too: a SKU read as the name as well."""
    path = tmp_path / "supplier.csv"
    path.write_text("Article number;Qty;Unit price\nS-1;4;3,50\n")
    err = StringIO()
    with pytest.raises(CommandError, match=r"supplier\.csv was rejected"):
        call_command(
            "import_catalog", "products", str(path), "--no-progress",
            "--map", "sku=Article number", "--map", "name=article NUMBER",
            "--map", "stock=Qty", "--map", "price=Unit price", stderr=err,
        )  # fmt: skip
    assert "The column 'Article number' is chosen for sku and name" in err.getvalue()
    assert not Product.objects.exists()
