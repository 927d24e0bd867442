"""Background jobs seen by people: import and export jobs, their progress, the jobs list."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "backoffice.kit.jobs"
    label = "jobs"
    verbose_name = "Jobs"
