"""Usernames are unique regardless of letter case: "Bob" cannot be added, or "ann" renamed
to "Bob", while "bob" exists (two accounts that read alike in every log and list). The
database holds the rule (migration 0003: a unique index on LOWER(username)); this is the check
forms ask first, so a clash is a message naming the taken username, not an error page, and
the check every other new account meets (createsuperuser, a script): a ValidationError with the
same message, not the database's bare IntegrityError (docs/staff-accounts.md).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Lower

from backoffice.kit.db import IDS_PER_QUERY, transaction_lock_try


def username_taken_by(username: str, *, other_than: int | None = None) -> str | None:
    """The username of another account that equals this one but for letter case, if any.
    Compared by the database's LOWER, as its index is, through that index."""
    users = get_user_model().objects.alias(key=Lower("username")).filter(key=Lower(Value(username)))
    if other_than is not None:
        users = users.exclude(pk=other_than)
    return users.values_list("username", flat=True).first()


def usernames_folded(usernames: list[str]) -> list[str]:
    """The usernames as the unique index compares them: the database's LOWER. Python's
    str.lower agrees on ASCII; the others are folded by the database, in one query per
    IDS_PER_QUERY of them (PostgreSQL folds "İvan" to "ivan" where Python gives "i̇van";
    SQLite leaves non-ASCII letters as they are)."""
    folded = dict(_folded_by_database(sorted({name for name in usernames if not name.isascii()})))
    return [name.lower() if name.isascii() else folded[name] for name in usernames]


def usernames_taken_by(usernames: list[str]) -> dict[str, str]:
    """Each of these usernames that an account holds but for letter case -> that account's
    username, compared as the index compares them (two queries per IDS_PER_QUERY names)."""
    folded = dict(_folded_by_database(sorted(set(usernames))))
    if not folded:
        return {}
    holders: dict[str, str] = {}
    keys = sorted(set(folded.values()))
    for start in range(0, len(keys), IDS_PER_QUERY):
        batch = keys[start : start + IDS_PER_QUERY]
        holders.update(
            get_user_model()
            .objects.alias(key=Lower("username"))
            .filter(key__in=batch)
            .values_list(Lower("username"), "username")
        )
    return {name: holders[key] for name, key in folded.items() if key in holders}


def _folded_by_database(names: list[str]):
    for start in range(0, len(names), IDS_PER_QUERY):
        batch = names[start : start + IDS_PER_QUERY]
        # VALUES names its column column1 on both databases; the SQL holds placeholders only.
        values = ", ".join(["(%s)"] * len(batch))
        sql = f"SELECT column1, LOWER(column1) FROM (VALUES {values}) AS names"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, batch)
            yield from cursor.fetchall()


TAKEN_MESSAGE = (
    "The username “%(taken)s” is taken: usernames are unique regardless of upper and lower case."
)


def username_taken_message(taken: str) -> str:
    return TAKEN_MESSAGE % {"taken": taken}


# How long a save waits for another one of the same username (in any case) to commit.
USERNAME_LOCK_WAIT_SECONDS = 5


def username_check_free(username: str, *, other_than: int | None = None) -> None:
    """Raises ValidationError naming the account that holds this username but for case.

    Inside a transaction (the admin's views), the username as the index folds it is locked
    until the transaction ends first: two saves of "Bob" and "bob" at once are checked one
    after the other, so the second is told, instead of meeting the unique index."""
    (folded,) = usernames_folded([username])
    if not transaction_lock_try(
        name=f"backoffice.accounts.username:{folded}", wait_seconds=USERNAME_LOCK_WAIT_SECONDS
    ):
        raise ValidationError(
            "Another account named “%(username)s” is being saved at this moment; try again.",
            code="busy",
            params={"username": username},
        )
    taken = username_taken_by(username, other_than=other_than)
    if taken is not None:
        raise ValidationError(TAKEN_MESSAGE, code="unique", params={"taken": taken})


class UsernameAnyCaseFormMixin:
    """For a user form with a username field (adding and changing users)."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        username_check_free(username, other_than=self.instance.pk)
        return username


def new_user_username_check(sender, instance, raw: bool = False, **kwargs) -> None:
    """pre_save of the user model: a new account outside the forms meets the same check.
    Django's createsuperuser shows a ValidationError as its error message ("Error: The
    username “root” is taken: …") where an IntegrityError was a traceback. Saves of existing
    accounts are left to the forms and the index (a login's last_login save costs no query);
    fixtures (raw) are loaded as they are."""
    if raw or instance.pk is not None:
        return
    username_check_free(instance.get_username())
