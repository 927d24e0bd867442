"""Fixed-window request limits counted in the database, so every web process shares them
(docs/architecture.md#password-reset)."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import RateLimitCounter


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window: timedelta

    def describe(self) -> str:
        hours = self.window / timedelta(hours=1)
        if hours == 1:
            per = "an hour"
        elif hours.is_integer():
            per = f"every {int(hours)} hours"
        else:
            per = f"every {int(self.window.total_seconds() // 60)} minutes"
        return f"at most {self.count} {per}"


def rate_limit_hit(*, limit: Limit, value: str) -> bool:
    """Count one request for `value` under `limit`; False when it goes past the limit.

    The increment is one UPDATE, so concurrent requests in any process each get their own
    count and at most `limit.count` of them pass per window. Values are stored hashed.
    """
    now = timezone.now()
    seconds = int(limit.window.total_seconds())
    window = int(now.timestamp()) // seconds
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    key = f"{limit.scope}:{digest}:{window}"
    ends_at = datetime.fromtimestamp((window + 1) * seconds, tz=UTC)
    with transaction.atomic():
        counter, _ = RateLimitCounter.objects.get_or_create(
            key=key, defaults={"window_ends_at": ends_at}
        )
        RateLimitCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)
        count = RateLimitCounter.objects.values_list("count", flat=True).get(pk=counter.pk)
    RateLimitCounter.objects.filter(window_ends_at__lt=now).delete()
    return count <= limit.count
