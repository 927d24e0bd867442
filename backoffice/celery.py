"""The Celery application: configured from Django's settings (the CELERY_* names), tasks
found in every installed app's `tasks` module (docs/architecture.md#background-jobs)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.local")

app = Celery("backoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _create_local_folders() -> None:
    # kombu's filesystem transport (the no-server broker of scripts/serve.sh) expects its
    # folders to exist, and beat its schedule file's folder.
    if app.conf.beat_schedule_filename:
        Path(app.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
    if str(app.conf.broker_url or "").startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
            folder = app.conf.broker_transport_options.get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender: Celery, **kwargs) -> None:
    _create_local_folders()
