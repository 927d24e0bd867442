"""Staff accounts' own tables: request counters shared by every web process (rate limits),
and the append-only record of account changes and invitations.

This module also makes Django send post_migrate to this app: AccountsConfig's receiver
restores the role groups after every migrate and every test-database flush.
"""

from django.db import models


class RateLimitCounter(models.Model):
    """Requests counted for one key ("scope:hash of the value:window") in one time window.

    In the database, not the cache: CACHES may be a per-process memory cache, and a limit
    per address or per IP must hold across every web process.
    """

    key = models.CharField(max_length=120, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class AccountEvent(models.Model):
    """One change to who someone is or may do, or an invitation: who did what to whom.

    Append-only: written by backoffice.accounts' services, never changed or deleted from
    the admin (superusers read the list). Usernames are copied, so the record outlives
    both accounts.
    """

    class Kind(models.TextChoices):
        INVITED = "invited", "invited"
        INVITATION_RESENT = "invitation_resent", "invitation sent again"
        ROLES_CHANGED = "roles_changed", "roles changed"
        SUPERUSER_CHANGED = "superuser_changed", "superuser status changed"
        PERMISSIONS_CHANGED = "permissions_changed", "single permissions changed"
        ADDRESS_CHANGED = "address_changed", "email address changed"
        TWO_FACTOR_RESET = "two_factor_reset", "two-factor login reset"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    target = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_username = models.CharField(max_length=150)
    # The target's ID, kept when the account is deleted (target goes NULL): a restored
    # account (same ID) is still held from resets after an address change
    # (rules.password_reset_held), as stock movements keep their product_pk.
    target_pk = models.IntegerField(null=True, blank=True, db_index=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "account event"

    def __str__(self) -> str:
        return (
            f"{self.actor_username or 'system'} {self.get_kind_display()}: {self.target_username}"
        )
