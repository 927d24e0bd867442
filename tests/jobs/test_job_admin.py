"""The Import jobs and Export jobs pages, attacked: who sees which job, the progress JSON,
cancel, download and the import page's ?job=, odd ids (4xx, never 500), two users at once."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from backoffice.kit.jobs.models import ImportJob
from catalog.models import Article, Product
from tests.catalog.importing import csv_bytes, preview
from tests.factories import UserFactory
from tests.jobs.factories import ExportJobFactory, ImportJobFactory

pytestmark = pytest.mark.django_db

ODD_IDS = ["abc", "-1", "0", "1.5", "99999999999999999999999", "%00", "1%20OR%201=1"]


def article_job(**fields) -> ImportJob:
    return ImportJobFactory(
        content_type=ContentType.objects.get_for_model(Article),
        importer="catalog.importers.ArticleImporter",
        **fields,
    )


@pytest.fixture
def jobs():
    owner = UserFactory(username="owner", groups=["Inventory managers"])
    writer = UserFactory(username="writer", groups=["Editors"])
    return {
        "product": ImportJobFactory(created_by=owner, status="ready"),
        "article": article_job(created_by=writer, status="done"),
        "user": ImportJobFactory(
            created_by=None,
            content_type=ContentType.objects.get_for_model(UserFactory._meta.model),
            status="done",
            source="command",
        ),
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("Inventory managers", {"product"}),
        ("Editors", {"article"}),
        ("User admins", {"user"}),
        ("Viewers", set()),
        (None, set()),
    ],
)
def test_each_role_lists_the_imports_of_what_it_may_import(admin_client_for, jobs, role, visible):
    client = admin_client_for(role, username="looker")
    response = client.get(reverse("admin:jobs_importjob_changelist"))
    assert response.status_code == 200
    listed = {job.pk for job in response.context["cl"].result_list}
    assert listed == {jobs[name].pk for name in visible}


def test_superusers_list_every_import_and_everyone_their_own(
    superuser_client, jobs, admin_client_for
):
    listed = superuser_client.get(reverse("admin:jobs_importjob_changelist")).context["cl"]
    assert {job.pk for job in listed.result_list} == {job.pk for job in jobs.values()}
    viewer = admin_client_for("Viewers", username="own-viewer")
    own = ImportJobFactory(created_by=viewer.user)  # e.g. from before a role change
    listed = viewer.get(reverse("admin:jobs_importjob_changelist")).context["cl"]
    assert [job.pk for job in listed.result_list] == [own.pk]


def test_nobody_adds_edits_or_deletes_a_job(superuser_client, jobs):
    job = jobs["product"]
    assert superuser_client.get(reverse("admin:jobs_importjob_add")).status_code == 403
    page = superuser_client.get(reverse("admin:jobs_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert "Cancel this import" in page.content.decode()
    changed = superuser_client.post(
        reverse("admin:jobs_importjob_change", args=[job.pk]), {"status": "done"}
    )
    assert changed.status_code == 403
    assert (
        superuser_client.get(reverse("admin:jobs_importjob_delete", args=[job.pk])).status_code
        == 403
    )
    assert ImportJob.objects.get(pk=job.pk).status == "ready"


def test_the_progress_json_answers_the_author_and_who_may_import_the_model(admin_client_for, jobs):
    job = jobs["product"]
    ImportJob.objects.filter(pk=job.pk).update(status="validating", rows_total=200, rows_done=50)
    url = reverse("admin:jobs_importjob_progress", args=[job.pk])
    other_manager = admin_client_for("Inventory managers", username="other-manager")

    answer = other_manager.get(url)

    assert answer.status_code == 200
    assert answer.json() == {
        "id": job.pk,
        "status": "validating",
        "status_label": "Validating",
        "rows_done": 50,
        "rows_total": 200,
        "percent": 25,
        "finished": False,
    }
    assert "no-cache" in answer["Cache-Control"]
    for role in ("Viewers", "Editors", "User admins"):
        client = admin_client_for(role, username=f"nosy-{role}")
        assert client.get(url).status_code == 404
    assert other_manager.post(url).status_code == 405


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_job_ids_answer_404(superuser_client, jobs, odd):
    for name in ("progress", "cancel", "change", "history", "delete"):
        url = reverse(f"admin:jobs_importjob_{name}", args=["1"]).replace("/1/", f"/{odd}/", 1)
        response = superuser_client.post(url) if name == "cancel" else superuser_client.get(url)
        assert response.status_code in (404, 403), (name, odd, response.status_code)
    import_page = reverse("admin:catalog_product_import") + f"?job={odd}"
    assert superuser_client.get(import_page).status_code == 404
    for name in ("progress", "download", "change"):
        url = reverse(f"admin:jobs_exportjob_{name}", args=["1"]).replace("/1/", f"/{odd}/", 1)
        assert superuser_client.get(url).status_code == 404, (name, odd)


def test_cancel_is_post_only_and_only_for_who_sees_the_job(admin_client_for, jobs):
    job = jobs["product"]
    url = reverse("admin:jobs_importjob_cancel", args=[job.pk])
    viewer = admin_client_for("Viewers", username="viewer")
    editor = admin_client_for("Editors", username="editor")
    manager = admin_client_for("Inventory managers", username="colleague")

    assert manager.get(url).status_code == 405
    assert viewer.post(url).status_code == 404
    assert editor.post(url).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == "ready"

    response = manager.post(url)

    assert response.status_code == 302
    assert ImportJob.objects.get(pk=job.pk).status == "cancelled"
    again = manager.post(url, follow=True)
    assert "cannot be cancelled" in again.content.decode()


def test_the_cancel_action_cancels_only_jobs_the_list_holds(admin_client_for, jobs):
    manager = admin_client_for("Inventory managers", username="colleague")
    visible, hidden = jobs["product"], article_job(status="queued")
    response = manager.post(
        reverse("admin:jobs_importjob_changelist"),
        {"action": "cancel_jobs", "_selected_action": [visible.pk, hidden.pk], "index": "0"},
    )
    assert response.status_code == 302
    assert ImportJob.objects.get(pk=visible.pk).status == "cancelled"
    assert ImportJob.objects.get(pk=hidden.pk).status == "queued"


def test_the_cancel_action_reports_only_what_happened(admin_client_for, jobs):
    manager = admin_client_for("Inventory managers", username="owner")
    url = reverse("admin:jobs_importjob_changelist")
    finished = ImportJobFactory(created_by=manager.user, status="done")

    def cancel(*selected):
        data = {"action": "cancel_jobs", "_selected_action": [job.pk for job in selected]}
        response = manager.post(url, {**data, "index": "0"}, follow=True)
        return [str(message) for message in response.context["messages"]]

    # Only a finished job: a warning, and no "0 job(s) cancelled." in green above it.
    assert cancel(finished) == ["1 job was too far along or finished already and was left alone."]
    assert cancel(jobs["product"], finished) == [
        "1 job cancelled.",
        "1 job was too far along or finished already and was left alone.",
    ]


def test_the_import_page_shows_only_ones_own_job(admin_client_for, jobs):
    colleague = admin_client_for("Inventory managers", username="colleague")
    url = reverse("admin:catalog_product_import") + f"?job={jobs['product'].pk}"
    # Seen in the jobs list, but the import page (with its confirm form) is the author's.
    assert colleague.get(url).status_code == 404
    author = UserFactory._meta.model.objects.get(username="owner")
    colleague.force_login(author)
    assert colleague.get(url).status_code == 200


def test_a_viewer_cannot_see_or_download_anothers_export(admin_client_for):
    owner = admin_client_for("Viewers", username="exporter")
    job = ExportJobFactory(created_by=owner.user, done=True)
    nosy = admin_client_for("Viewers", username="nosy")
    manager = admin_client_for("Inventory managers", username="manager")
    download = reverse("admin:jobs_exportjob_download", args=[job.pk])

    for client in (nosy, manager):
        assert client.get(download).status_code == 404
        assert client.get(reverse("admin:jobs_exportjob_change", args=[job.pk])).status_code == 404
        listed = client.get(reverse("admin:jobs_exportjob_changelist")).context["cl"]
        assert list(listed.result_list) == []

    response = owner.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"sku\nA\n"
    assert response["Content-Disposition"] == 'attachment; filename="products.csv"'


def test_two_users_importing_at_once_each_see_and_confirm_their_own(admin_client_for):
    first = admin_client_for("Inventory managers", username="first")
    second = admin_client_for("Inventory managers", username="second")
    one = preview(first, "catalog_product", csv_bytes("sku,name,price,stock", "F-1,f,1,5"))
    two = preview(second, "catalog_product", csv_bytes("sku,name,price,stock", "S-1,s,1,5"))
    assert one.context["job"].created_by == first.user
    assert two.context["job"].created_by == second.user

    # The second user's token in the first user's session is refused (signed per user).
    token = two.context["confirm_form"].initial["token"]
    refused = first.post(reverse("admin:catalog_product_process_import"), {"token": token})
    assert refused.status_code == 302
    assert not Product.objects.exists()

    for client, response in ((first, one), (second, two)):
        token = response.context["confirm_form"].initial["token"]
        client.post(reverse("admin:catalog_product_process_import"), {"token": token})
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["F-1", "S-1"]
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"done"}


def test_an_upload_with_the_broker_down_answers_and_leaves_a_queued_job(
    admin_client_for, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from backoffice.celery import app
    from backoffice.kit.jobs.tasks import import_job_validate_task

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(import_job_validate_task, "delay", refused)
    client = admin_client_for("Inventory managers")
    with django_capture_on_commit_callbacks(execute=True):
        response = preview(client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,2"))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"?job={job.pk}")
    assert job.status == "queued"
    assert "Connection refused" in caplog.text
    page = client.get(response.url).content.decode()
    assert "Waiting for a worker" in page
    assert "Cancel this import" in page


def test_a_running_import_jobs_page_shows_the_shared_progress_bar_and_cancel(admin_client_for):
    author = admin_client_for("Inventory managers", username="author")
    job = ImportJobFactory(created_by=author.user, status="validating", rows_total=400)
    ImportJob.objects.filter(pk=job.pk).update(rows_done=100)

    page = author.get(reverse("admin:jobs_importjob_change", args=[job.pk])).content.decode()

    assert 'id="job-progress"' in page
    assert f'data-progress-url="{reverse("admin:jobs_importjob_progress", args=[job.pk])}"' in page
    assert "100 of 400 rows" in page
    assert "Import jobs lists it" in page
    change_form_end = page.index("</form>", page.index('id="importjob_form"'))
    cancel_form = page.index('id="job-cancel-form"')
    assert cancel_form > change_form_end
    assert reverse("admin:jobs_importjob_cancel", args=[job.pk]) in page[cancel_form:]
    ImportJob.objects.filter(pk=job.pk).update(status="importing")
    page = author.get(reverse("admin:jobs_importjob_change", args=[job.pk])).content.decode()
    assert 'id="job-progress"' in page
    assert "job-cancel-form" not in page  # too late to cancel


def test_the_progress_rows_are_grouped_as_the_script_groups_them(db):
    """The page's first render and the script's updates agree: "6,300 of 250,000 rows"."""
    from django.template.loader import render_to_string

    from backoffice.kit.jobs.models import ImportJob

    job = ImportJob(rows_done=6300, rows_total=250_000)
    assert "6,300 of 250,000 rows" in render_to_string("admin/jobs/progress.html", {"job": job})
    job.rows_total = None
    assert "6,300 rows" in render_to_string("admin/jobs/progress.html", {"job": job})
