from django.db import migrations, models

LIVE = ["queued", "validating", "ready", "importing"]


def fail_twin_jobs(apps, schema_editor):
    """Jobs started twice on one upload (a double post of the mapping step, before this
    constraint): the oldest keeps the upload, the others are failed with a reason."""
    ImportJob = apps.get_model("jobs", "ImportJob")
    live = ImportJob.objects.exclude(upload="").filter(status__in=LIVE).order_by("upload", "pk")
    kept = set()
    for job in live.only("pk", "upload"):
        if job.upload in kept:
            ImportJob.objects.filter(pk=job.pk).update(
                status="failed", message="A second job on the same upload: the first one goes on."
            )
        kept.add(job.upload)


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0004_export_cancel_sent_email"),
    ]

    operations = [
        migrations.RunPython(fail_twin_jobs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="importjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("upload", ""), _negated=True),
                    ("status__in", ["queued", "validating", "ready", "importing"]),
                ),
                fields=("upload",),
                name="importjob_one_live_job_per_upload",
            ),
        ),
    ]
