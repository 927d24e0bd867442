"""Staff accounts: the users' admin, the roles table and the rules of who may do what to whom."""

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, pre_save


def _sync_roles_after_migrate(sender, using, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import sync_role_groups

    sync_role_groups(apps or global_apps, using=using)


class AccountsConfig(AppConfig):
    name = "backoffice.accounts"
    label = "accounts"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        # After every migrate and every test-database flush, the role groups are complete.
        post_migrate.connect(
            _sync_roles_after_migrate, sender=self, dispatch_uid="accounts.sync_role_groups"
        )
        from django.contrib.auth import get_user_model

        from .two_factor import login_completed_without_second_step
        from .usernames import new_user_username_check

        # A new account whose username another holds but for letter case is refused with
        # a message on every path, not only the forms' (createsuperuser, scripts).
        pre_save.connect(
            new_user_username_check,
            sender=get_user_model(),
            dispatch_uid="accounts.new_user_username_check",
        )

        # The session learns whether its user owes a second step; a login that owes none
        # is complete, and its failed attempts are forgotten.
        user_logged_in.connect(
            login_completed_without_second_step, dispatch_uid="accounts.two_factor_login"
        )
