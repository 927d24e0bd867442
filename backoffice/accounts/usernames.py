"""Usernames are unique regardless of letter case: "Bob" cannot be added, or "ann" renamed
to "Bob", while "bob" exists (two accounts that read alike in every log and list). The
database holds the rule (migration 0003: a unique index on LOWER(username)); this is the check
forms ask first, so a clash is a message naming the taken username, not an error page
(docs/staff-accounts.md).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Lower


def username_taken_by(username: str, *, other_than: int | None = None) -> str | None:
    """The username of another account that equals this one but for letter case, if any.
    Compared by the database's LOWER, as its index is, through that index."""
    users = get_user_model().objects.alias(key=Lower("username")).filter(key=Lower(Value(username)))
    if other_than is not None:
        users = users.exclude(pk=other_than)
    return users.values_list("username", flat=True).first()


class UsernameAnyCaseFormMixin:
    """For a user form with a username field (adding and changing users)."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        taken = username_taken_by(username, other_than=self.instance.pk)
        if taken is not None:
            raise forms.ValidationError(
                "The username “%(taken)s” is taken: usernames are unique regardless of upper "
                "and lower case.",
                code="unique",
                params={"taken": taken},
            )
        return username
