import base64
import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Func


class EventType(models.TextChoices):
    PUBLISHED = "post.published"
    UPDATED = "post.updated"
    UNPUBLISHED = "post.unpublished"
    DELETED = "post.deleted"


class CurrentTransactionId(Func):
    """The writing transaction's id as a bigint (xid8 fits): where the event sits in commit order."""

    template = "(pg_current_xact_id()::text::bigint)"
    output_field = models.BigIntegerField()


class Event(models.Model):
    """One change of a post, written in the change's own transaction (the outbox).

    ``xid`` orders the stream: readers only read below the oldest transaction still in
    progress (events.changes), so a transaction that commits late is never skipped.
    """

    xid = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)
    type = models.CharField(max_length=20, choices=EventType.choices)
    post_id = models.UUIDField()  # no foreign key: the post may be gone (post.deleted)
    slug = models.CharField(max_length=120)
    author_id = models.UUIDField()
    public = models.BooleanField(help_text="The post was live before or after the change")
    at = models.DateTimeField(help_text="When the change took effect")
    data = models.JSONField(help_text="The post object as it was at the change; {id, slug} for post.deleted")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["xid", "id"]
        indexes = [
            models.Index(fields=["xid", "id"], name="event_stream_idx"),
            models.Index(fields=["post_id"], name="event_post_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.slug}"

    @property
    def webhook_id(self) -> str:
        return f"evt_{self.pk}"


def new_webhook_secret() -> str:
    """Standard Webhooks: ``whsec_`` + base64 of 24 random bytes (the key is the decoded part)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookQuerySet(models.QuerySet):
    def wanting(self, event_type: str):
        """Active webhooks subscribed to ``event_type``."""
        return self.filter(active=True, event_types__contains=[event_type])


class Webhook(models.Model):
    url = models.URLField(max_length=500)
    event_types = ArrayField(models.CharField(max_length=20, choices=EventType.choices), default=list)
    secret = models.CharField(max_length=60, default=new_webhook_secret, editable=False)
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed", "failed (gave up)"


class Delivery(models.Model):
    """One event to one webhook, retried until it succeeds or 24 hours have passed."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="delivery_once_per_webhook")]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error}"
