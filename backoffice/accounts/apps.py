"""Staff accounts: the users' admin, the roles table and the rules of who may do what to whom."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backoffice.accounts"
    label = "accounts"
    verbose_name = "Staff and roles"
