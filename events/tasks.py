"""Background jobs on procrastinate (PostgreSQL only): webhook dispatch and delivery, and the
periodic jobs (scheduled posts going live, purges, stalled jobs of dead workers).

procrastinate's Django integration closes stale database connections around sync jobs.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from procrastinate import RetryDecision
from procrastinate.contrib.django import app
from procrastinate.retry import BaseRetryStrategy

from events import delivery as webhook_delivery
from events.models import Delivery, DeliveryStatus, Event, Webhook
from events.recording import record_change

LONGEST_WAIT_SECONDS = 4 * 3600
STALLED_AFTER_SECONDS = 30  # without a heartbeat (procrastinate sends one every 10 s)


class DeliveryFailed(Exception):
    pass


class WebhookRetry(BaseRetryStrategy):
    """30 s, 60 s, 2 min, … doubling up to 4 hours between attempts; deliver() gives up after 24 h."""

    def get_retry_decision(self, *, exception, job):
        first = settings.WEBHOOK_FIRST_RETRY_SECONDS
        wait = min(first * 2**job.attempts, LONGEST_WAIT_SECONDS) if isinstance(exception, DeliveryFailed) else first
        return RetryDecision(retry_in={"seconds": wait})


@app.task(name="events.dispatch_event", queue="webhooks")
def dispatch_event(event_id: int) -> None:
    """One delivery (and its job) per active webhook that wants this type of event."""
    event = Event.objects.get(pk=event_id)
    for webhook in Webhook.objects.wanting(event.type):
        with transaction.atomic():
            delivery, created = Delivery.objects.get_or_create(webhook=webhook, event=event)
            if created:
                # One lock per endpoint and post: a post's events reach an endpoint in order.
                deliver.configure(lock=f"webhook-{webhook.pk}-post-{event.post_id}").defer(delivery_id=delivery.pk)


@app.task(name="events.deliver", queue="webhooks", retry=WebhookRetry())
def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("webhook", "event").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING or not delivery.webhook.active:
        return
    if not webhook_delivery.attempt(delivery) and delivery.status == DeliveryStatus.PENDING:
        raise DeliveryFailed(f"delivery {delivery_id}: attempt {delivery.attempts} failed")


@app.periodic(cron="* * * * *", periodic_id="announce_scheduled_posts")
@app.task(name="events.announce_scheduled_posts", queueing_lock="announce_scheduled_posts")
def announce_scheduled_posts(timestamp: int) -> int:
    """post.published for scheduled posts that went live since the last run (within a minute)."""
    from posts.models import Post
    from posts.publishing import Status

    announced = 0
    due = Post.objects.filter(status=Status.PUBLISHED, announced=False, published_at__lte=timezone.now())
    for post_id in due.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            post = Post.objects.select_for_update(skip_locked=True).filter(pk=post_id, announced=False).first()
            if post is None:
                continue  # another worker has it, or a writer announced it
            Post.objects.filter(pk=post.pk).update(announced=True)
            record_change(post, was_live=False, at=post.published_at)
            announced += 1
    return announced


@app.periodic(cron="17 * * * *", periodic_id="purge_expired")
@app.task(name="events.purge_expired", queueing_lock="purge_expired")
def purge_expired(timestamp: int) -> None:
    """Expired idempotency keys and account tokens, hourly."""
    call_command("purgeidempotencykeys")
    call_command("flushexpiredaccounttokens")


@app.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")
@app.task(name="events.retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    await retry_jobs_of_dead_workers(context.app, STALLED_AFTER_SECONDS)


async def retry_jobs_of_dead_workers(procrastinate_app, seconds_since_heartbeat: float) -> int:
    """Jobs of a worker that died (no heartbeat) run again: a killed worker loses no delivery."""
    stalled = await procrastinate_app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
    for job in stalled:
        await procrastinate_app.job_manager.retry_job(job)
    return len(stalled)
