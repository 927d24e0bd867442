"""The project package as an app: admin look, UserAdmin, role groups, demo set-up."""

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender, using, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import sync_role_groups

    sync_role_groups(apps or global_apps, using=using)


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Backoffice"

    def ready(self) -> None:
        from .middleware import session_mark_refreshed

        # After every migrate and every test-database flush, the role groups are complete.
        post_migrate.connect(
            _sync_roles_after_migrate, sender=self, dispatch_uid="backoffice.sync_role_groups"
        )
        user_logged_in.connect(
            session_mark_refreshed, dispatch_uid="backoffice.session_mark_refreshed"
        )
