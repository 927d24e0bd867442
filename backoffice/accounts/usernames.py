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


def username_taken_by(username: str, *, other_than: int | None = None) -> str | None:
    """The username of another account that equals this one but for letter case, if any.
    Compared by the database's LOWER, as its index is, through that index."""
    users = get_user_model().objects.alias(key=Lower("username")).filter(key=Lower(Value(username)))
    if other_than is not None:
        users = users.exclude(pk=other_than)
    return users.values_list("username", flat=True).first()


def username_folded(username: str) -> str:
    """The username as the unique index compares it: the database's LOWER. Python's
    str.lower agrees on ASCII; beyond it a query (PostgreSQL folds "İvan" to "ivan" where
    Python gives "i̇van"; SQLite leaves non-ASCII letters as they are)."""
    if username.isascii():
        return username.lower()
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(%s)", [username])
        return cursor.fetchone()[0]


TAKEN_MESSAGE = (
    "The username “%(taken)s” is taken: usernames are unique regardless of upper and lower case."
)


def username_taken_message(taken: str) -> str:
    return TAKEN_MESSAGE % {"taken": taken}


def username_check_free(username: str, *, other_than: int | None = None) -> None:
    """Raises ValidationError naming the account that holds this username but for case."""
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
