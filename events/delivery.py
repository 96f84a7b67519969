"""Sending one event to one webhook, once: signed, timed out, logged (API.md, webhooks)."""

import datetime as dt
import json
import time

import urllib3
from django.utils import timezone

from events.models import Delivery, DeliveryAttempt, DeliveryStatus
from events.signing import signature
from events.targets import UnsafeTarget, resolve

TIMEOUT_SECONDS = 10
GIVE_UP_AFTER = dt.timedelta(hours=24)  # of failures: the delivery fails, the endpoint is disabled


def payload(delivery: Delivery) -> bytes:
    event = delivery.event
    body = {"id": event.webhook_id, "type": event.type, "timestamp": event.at.isoformat(), "data": event.data}
    return json.dumps(body, separators=(",", ":")).encode()


def post_once(delivery: Delivery) -> tuple[int | None, str]:
    """POST the event: (status code or None, error)."""
    webhook, body = delivery.webhook, payload(delivery)
    try:
        target = resolve(webhook.url)
    except UnsafeTarget as refused:
        return None, str(refused)
    timestamp = int(time.time())
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "blogapi-webhooks",
        "webhook-id": delivery.event.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(webhook.secret, delivery.event.webhook_id, timestamp, body),
    }
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host, assert_hostname=target.host
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(total=TIMEOUT_SECONDS),
            preload_content=False,
        )
        response.drain_conn()
        return response.status, ""
    except urllib3.exceptions.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    finally:
        pool.close()


def attempt(delivery: Delivery) -> bool:
    """One attempt, logged; the delivery's and the endpoint's state follow. True when delivered."""
    started = time.monotonic()
    status_code, error = post_once(delivery)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        status_code=status_code,
        duration_ms=round((time.monotonic() - started) * 1000),
        error=error or ("" if status_code and 200 <= status_code < 300 else f"HTTP {status_code}"),
    )
    delivered = status_code is not None and 200 <= status_code < 300
    delivery.attempts += 1
    webhook, now = delivery.webhook, timezone.now()
    if delivered:
        delivery.status = DeliveryStatus.SUCCEEDED
        webhook.failing_since = None
    else:
        webhook.failing_since = webhook.failing_since or now
        if now - delivery.created_at >= GIVE_UP_AFTER:
            delivery.status = DeliveryStatus.FAILED
        if now - webhook.failing_since >= GIVE_UP_AFTER:
            webhook.active = False
            webhook.disabled_reason = f"Disabled on {now:%Y-%m-%d %H:%M} UTC: every delivery failed for 24 hours."
    delivery.save(update_fields=["status", "attempts"])
    webhook.save(update_fields=["failing_since", "active", "disabled_reason"])
    return delivered
