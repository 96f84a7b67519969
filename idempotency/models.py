import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_LIFETIME = dt.timedelta(hours=24)


def expiry() -> dt.datetime:
    return timezone.now() + KEY_LIFETIME


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self):
        return self.filter(expires_at__lte=timezone.now())


class IdempotencyKey(models.Model):
    """One Idempotency-Key of one caller: the request it came with and, once done, the answer.

    In PostgreSQL, so that every worker and node sees it; the unique constraint on
    (owner, key) decides between concurrent requests with one key (API.md, HTTP semantics).
    ``status`` is null while the first request runs.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body")
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=expiry, db_index=True)
    status = models.PositiveSmallIntegerField(null=True)
    # The answer's JSON as rendered (jsonb would reorder its keys: a replay must read the same).
    response_body = models.TextField(blank=True, default="")

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_unique")]

    def __str__(self) -> str:
        return self.key
