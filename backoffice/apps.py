"""The project package as an app: admin look, templates, demo set-up."""

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Backoffice"

    def ready(self) -> None:
        from .middleware import session_mark_refreshed

        user_logged_in.connect(
            session_mark_refreshed, dispatch_uid="backoffice.session_mark_refreshed"
        )
