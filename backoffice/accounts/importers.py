"""The user importer: staff accounts from a CSV/XLSX file, never a superuser or a password.

Who may put whom into which group is checked per row (docs/architecture.md#the-import-engine).
"""

from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Model

from backoffice.kit.importing.engine import CHUNK_SIZE, Column, Importer, ParsedRow
from backoffice.kit.importing.parsing import (
    django_validated,
    parse_boolean,
    parse_names,
    parse_optional_email,
    parse_text,
)
from backoffice.kit.importing.report import ImportReport, RowError


class UserImporter(Importer):
    model = User
    key = "username"
    columns = (
        Column("username", django_validated(UnicodeUsernameValidator(), 150), required=True),
        Column("email", parse_optional_email, empty_means_unset=False),
        Column("first_name", parse_text(150, required=False), empty_means_unset=False),
        Column("last_name", parse_text(150, required=False), empty_means_unset=False),
        Column("is_active", parse_boolean),
        Column("is_staff", parse_boolean),
        Column("groups", parse_names, empty_means_unset=False),
    )
    refused_columns = {
        "is_superuser": "superuser status is never imported; a superuser grants it in the form.",
        "password": (
            "imported users get no usable password; a User admin sets one on the user's page."
        ),
        "user_permissions": "permissions are given through groups.",
    }

    @classmethod
    def load_fields(cls) -> list[str]:
        return [name for name in cls.column_names() if name != "groups"] + ["is_superuser"]

    def __init__(self, *, user: User | None = None) -> None:
        super().__init__(user=user)
        self._groups: dict[str, Group] | None = None
        self._allowed_groups: set[str] = set()

    def _load_groups(self) -> dict[str, Group]:
        if self._groups is None:
            groups = Group.objects.prefetch_related("permissions__content_type")
            self._groups = {group.name: group for group in groups}
            if self.user is None or self.user.is_superuser:
                self._allowed_groups = set(self._groups)
            else:
                held = self.user.get_all_permissions()
                self._allowed_groups = {
                    name
                    for name, group in self._groups.items()
                    if {
                        f"{perm.content_type.app_label}.{perm.codename}"
                        for perm in group.permissions.all()
                    }
                    <= held
                }
        return self._groups

    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        groups = self._load_groups()
        existing_ids = [row.instance.pk for row in rows if row.instance is not None]
        memberships: dict[int, set[str]] = {}
        names_by_id = {group.pk: name for name, group in groups.items()}
        for user_id, group_id in User.groups.through.objects.filter(
            user_id__in=existing_ids
        ).values_list("user_id", "group_id"):
            memberships.setdefault(user_id, set()).add(names_by_id[group_id])
        acting_superuser = self.user is None or self.user.is_superuser
        valid = []
        for row in rows:
            instance = row.instance
            if instance is not None:
                instance.group_names = frozenset(memberships.get(instance.pk, ()))
                if instance.is_superuser and not acting_superuser:
                    report.add_error(
                        RowError(
                            row.number,
                            "username",
                            instance.username,
                            "This user is a superuser; only a superuser can change them.",
                        )
                    )
                    continue
            wanted = row.values.get("groups")
            if wanted is not None and self._group_errors(row, wanted, instance, report):
                continue
            valid.append(row)
        return valid

    def _group_errors(
        self, row: ParsedRow, wanted: frozenset[str], instance: User | None, report: ImportReport
    ) -> bool:
        unknown = sorted(wanted - set(self._groups or ()))
        if unknown:
            report.add_error(
                RowError(row.number, "groups", ", ".join(unknown), "No group has this name.")
            )
            return True
        current = instance.group_names if instance is not None else frozenset()
        refused = sorted((wanted ^ current) - self._allowed_groups)
        if refused:
            report.add_error(
                RowError(
                    row.number,
                    "groups",
                    ", ".join(refused),
                    "You cannot add users to or remove them from a group with permissions "
                    "you do not hold yourself.",
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
