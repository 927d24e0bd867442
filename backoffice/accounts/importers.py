"""The user importer: staff accounts from a CSV/XLSX file, never a superuser or a password.

Who may update whom and put them into which group is decided by backoffice.accounts.rules,
set-wise per chunk (docs/architecture.md#staff-accounts).
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Model, Q
from django.db.models.functions import Lower

from backoffice.kit.importing.engine import CHUNK_SIZE, Column, Importer, ParsedRow
from backoffice.kit.importing.parsing import (
    django_validated,
    parse_boolean,
    parse_names,
    parse_optional_email,
    parse_text,
)
from backoffice.kit.importing.report import ImportReport, RowError

from .events import role_changes_record_many
from .invitations import address_change_notify
from .rules import group_refusals, users_manage_refusals
from .usernames import username_taken_message, usernames_folded, usernames_taken_by

_username_checked = django_validated(UnicodeUsernameValidator(), 150)


def parse_username(value: Any) -> str:
    """A username as Django's user forms and login page read one: in NFKC form
    (`normalize_username`), so "root" in fullwidth letters is root, never a second account
    reading the same that nobody could log in to; then the forms' validator and length."""
    if isinstance(value, str):
        value = User.normalize_username(value)
    return _username_checked(value)


class UserImporter(Importer):
    model = User
    key = "username"
    columns = (
        Column(
            "username",
            parse_username,
            required=True,
            aliases=("login", "user"),
        ),
        Column("email", parse_optional_email, empty_means_unset=False, aliases=("e-mail", "mail")),
        Column("first_name", parse_text(150, required=False), empty_means_unset=False),
        Column(
            "last_name",
            parse_text(150, required=False),
            empty_means_unset=False,
            aliases=("surname", "family name"),
        ),
        Column("is_active", parse_boolean),
        Column("is_staff", parse_boolean),
        Column("groups", parse_names, empty_means_unset=False, aliases=("roles",)),
    )
    refused_columns = {
        "is_superuser": "superuser status is never imported; a superuser grants it in the form.",
        "password": (
            "imported users get no usable password; they choose one from an invitation "
            "(Resend invitation on the user list) or a password reset."
        ),
        "user_permissions": "permissions are given through groups.",
    }

    @classmethod
    def load_fields(cls) -> list[str]:
        return [name for name in cls.column_names() if name != "groups"] + ["is_superuser"]

    def __init__(self, *, user: User | None = None) -> None:
        super().__init__(user=user)
        self._groups: dict[str, Group] | None = None
        self._loaded_by_lower: dict[str, str] = {}  # existing()'s accounts, by LOWER(username)

    def _load_groups(self) -> dict[str, Group]:
        if self._groups is None:
            self._groups = {group.name: group for group in Group.objects.all()}
        return self._groups

    def match_key(self, key: str) -> str:
        # One account per username regardless of case, as Django's add form has it: a row
        # "ROOT" is root (judged by the scope rules as root), never a second account beside
        # it that reads the same in lists and logs.
        return key.lower()

    def duplicate_keys(self, keys: list[str]) -> list[str]:
        # Two rows of one file are one account when the unique index folds them together:
        # "İvan" and "ivan" on PostgreSQL, which str.lower keeps apart.
        return usernames_folded(keys)

    def existing(self, keys: list[str]) -> Iterable[Model]:
        # LOWER() folds ASCII on SQLite and every letter PostgreSQL's locale knows; the exact
        # keys too, so a non-ASCII username is found as stored at least. The engine matches
        # them to rows by match_key.
        lowered = Lower("username")
        users = User.objects.annotate(username_lower=lowered)
        matching = Q(username_lower__in=[key.lower() for key in keys]) | Q(username__in=keys)
        loaded = list(users.filter(matching).only(*self.load_fields()).order_by())
        # As the database folds them: prepare() finds here an account that match_key (Python's
        # str.lower) keeps apart from a row's username, e.g. "İvan" on PostgreSQL.
        self._loaded_by_lower = {user.username_lower: user.username for user in loaded}
        return loaded

    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        groups = self._load_groups()
        existing = [row.instance for row in rows if row.instance is not None]
        memberships: dict[int, set[str]] = {}
        names_by_id = {group.pk: name for name, group in groups.items()}
        for user_id, group_id in User.groups.through.objects.filter(
            user_id__in=[user.pk for user in existing]
        ).values_list("user_id", "group_id"):
            memberships.setdefault(user_id, set()).add(names_by_id[group_id])
        # Updating a user is managing it: the rule of the user form.
        refusals = users_manage_refusals(editor=self.user, targets=existing) if self.user else {}
        case_refusals = self._case_refusals(rows)
        valid = []
        for row in rows:
            instance = row.instance
            if instance is None and row.number in case_refusals:
                report.add_error(
                    RowError(
                        row.number, "username", row.values["username"], case_refusals[row.number]
                    )
                )
                continue
            if instance is not None:
                instance.group_names = frozenset(memberships.get(instance.pk, ()))
                if instance.pk in refusals:
                    report.add_error(
                        RowError(row.number, "username", instance.username, refusals[instance.pk])
                    )
                    continue
            wanted = row.values.get("groups")
            if wanted is not None and self._group_errors(row, wanted, instance, report):
                continue
            valid.append(row)
        return valid

    def _case_refusals(self, rows: list[ParsedRow]) -> dict[int, str]:
        """Rows matching no account whose username the database's LOWER (the unique index,
        accounts/0003) folds onto a stored one: Python's str.lower (match_key) and
        PostgreSQL's LOWER fold "İvan", "ΟΔΟΣ" and the like apart. Row number -> the message
        naming the taken username, so the report says so instead of the database refusing
        the file."""
        new = [row for row in rows if row.instance is None]
        # Python and the database lower ASCII alike: existing() loaded any such account;
        # the rest are folded and looked up by the database itself (two queries a chunk).
        beyond_ascii = usernames_taken_by(
            [row.values["username"] for row in new if not row.values["username"].isascii()]
        )
        refusals: dict[int, str] = {}
        for row in new:
            username = row.values["username"]
            if username.isascii():
                taken = self._loaded_by_lower.get(username.lower())
            else:
                taken = beyond_ascii.get(username)
            if taken is not None:
                refusals[row.number] = username_taken_message(taken)
        return refusals

    def _group_errors(
        self, row: ParsedRow, wanted: frozenset[str], instance: User | None, report: ImportReport
    ) -> bool:
        groups = self._groups or {}
        unknown = sorted(wanted - set(groups))
        if unknown:
            report.add_error(
                RowError(row.number, "groups", ", ".join(unknown), "No group has this name.")
            )
            return True
        if self.user is None:  # a system job (command line) acting with full rights
            return False
        current = instance.group_names if instance is not None else frozenset()
        # As in the user form: every group added or removed must be one the importing user
        # may assign.
        refused = group_refusals(
            editor=self.user, group_ids=[groups[name].pk for name in wanted ^ current]
        )
        if refused:
            report.add_error(
                RowError(
                    row.number,
                    "groups",
                    ", ".join(name for name, _ in refused),
                    " ".join(reason for _, reason in refused),
                )
            )
            return True
        return False

    def new_instance(self, values: dict[str, Any]) -> User:
        fields = {name: value for name, value in values.items() if name != "groups"}
        user = User(**fields, password=make_password(None))
        user.group_names = values.get("groups", frozenset())
        return user

    def changes(self, instance: Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        changes = super().changes(
            instance, {name: value for name, value in values.items() if name != "groups"}
        )
        if "email" in changes:
            instance.previous_email = changes["email"][0]
        wanted = values.get("groups")
        instance.pending_groups = wanted
        if wanted is not None and wanted != instance.group_names:
            changes["groups"] = (
                ", ".join(sorted(instance.group_names)) or "—",
                ", ".join(sorted(wanted)) or "—",
            )
        return changes

    def apply(self, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
        group_change = changes.pop("groups", None)
        super().apply(instance, changes)
        if group_change is not None:
            changes["groups"] = group_change  # still reported and counted as a change
            instance.wanted_groups = instance.pending_groups

    def write(self, created: list[Model], updated: list[Model], fields: set[str]) -> None:
        fields.discard("groups")
        self.model.objects.bulk_create(created, batch_size=CHUNK_SIZE)
        if fields:
            self.model.objects.bulk_update(updated, sorted(fields), batch_size=CHUNK_SIZE)
        regrouped = [user for user in updated if hasattr(user, "wanted_groups")]
        through = User.groups.through
        through.objects.filter(user_id__in=[user.pk for user in regrouped]).delete()
        groups = self._load_groups()
        links = [
            through(user_id=user.pk, group_id=groups[name].pk)
            for user in created
            for name in user.group_names
        ] + [
            through(user_id=user.pk, group_id=groups[name].pk)
            for user in regrouped
            for name in user.wanted_groups
        ]
        through.objects.bulk_create(links, batch_size=CHUNK_SIZE)
        # Every role change is recorded; an old address is told of its replacement.
        role_changes_record_many(
            actor=self.user,
            changes=[(user, frozenset(), user.group_names) for user in created]
            + [(user, user.group_names, user.wanted_groups) for user in regrouped],
        )
        for user in updated:
            if getattr(user, "previous_email", None) is not None:
                address_change_notify(
                    user=user, old_address=user.previous_email, changed_by=self.user
                )
