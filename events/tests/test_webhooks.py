"""Webhooks (API.md, Changes and webhooks): signed deliveries to a real local HTTP receiver,
retries, SSRF refusals, the admin, and a real worker process (killed mid-delivery too)."""

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import override_settings
from procrastinate.contrib.django import app as procrastinate_app
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from events import delivery as webhook_delivery
from events.models import Delivery, DeliveryStatus, Event, Webhook, new_webhook_secret
from events.targets import PRIVATE, UnsafeTarget, resolve
from events.tasks import DeliveryFailed, WebhookRetry, deliver, dispatch_event, retry_jobs_of_dead_workers
from posts.tests.factories import PostFactory

ROOT = Path(__file__).resolve().parents[2]
VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}
ALL_TYPES = ["post.published", "post.updated", "post.unpublished", "post.deleted"]


def verify(secret: str, headers, body: bytes) -> bool:
    """Standard Webhooks verification, written from the specification (not events.signing)."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body.decode()}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig.split(",", 1)[1], expected)
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )


class Receiver:
    """A real HTTP endpoint on 127.0.0.1: answers each POST with the next scripted status."""

    def __init__(self, statuses=(), delay: float = 0):
        self.requests, self.statuses, self.delay = [], list(statuses), delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks?source=blog"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]

    def wait_for(self, count: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {count} requests arrived"
            time.sleep(0.1)


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def webhook_to(url: str, types=ALL_TYPES) -> Webhook:
    return Webhook.objects.create(url=url, event_types=list(types))


def deliveries_of(event: Event) -> list[Delivery]:
    dispatch_event(event_id=event.pk)
    return list(Delivery.objects.filter(event=event).select_related("webhook", "event"))


# --- signing and dispatch (the job functions, called directly) ----------------------------------


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_a_live_posts_change_is_posted_signed_with_the_event(receiver):
    webhook = webhook_to(receiver.url)
    post = PostFactory(slug="story", tag_names=["django"])
    event = Event.objects.get(post_id=post.pk)

    (delivery,) = deliveries_of(event)
    deliver(delivery_id=delivery.pk)

    ((headers, body),) = receiver.requests
    assert verify(webhook.secret, headers, body)
    assert headers["webhook-id"] == f"evt_{event.pk}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["Content-Type"] == "application/json"
    sent = json.loads(body)
    assert set(sent) == {"id", "type", "timestamp", "data"}
    assert (sent["id"], sent["type"]) == (headers["webhook-id"], "post.published")
    assert (sent["data"]["slug"], sent["data"]["tags"]) == ("story", ["django"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert delivery.attempt_log.get().status_code == 204


def test_the_secret_is_whsec_and_24_random_bytes():
    secret = new_webhook_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert new_webhook_secret() != secret


@pytest.mark.django_db
def test_only_subscribed_active_webhooks_get_a_delivery():
    wants_updates = webhook_to("https://example.com/a", ["post.updated"])
    wants_published = webhook_to("https://example.com/b", ["post.published"])
    Webhook.objects.create(url="https://example.com/c", event_types=ALL_TYPES, active=False)
    event = Event.objects.get(post_id=PostFactory().pk)

    assert [d.webhook for d in deliveries_of(event)] == [wants_published]
    assert wants_updates.deliveries.count() == 0


@pytest.mark.django_db
def test_a_drafts_own_edits_are_never_sent(client_of):
    webhook_to("https://example.com/a")
    client_of.post("/api/posts", {**VALID, "status": "draft", "slug": "d"}, format="json")
    client_of.patch("/api/posts/d", {"title": "x"}, format="json")

    assert not Event.objects.filter(public=True).exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_an_error_is_retried_with_the_same_webhook_id_then_succeeds():
    receiver = Receiver(statuses=[500, 503])
    webhook_to(receiver.url)
    (delivery,) = deliveries_of(Event.objects.get(post_id=PostFactory().pk))

    for _ in range(2):
        with pytest.raises(DeliveryFailed):
            deliver(delivery_id=delivery.pk)
    deliver(delivery_id=delivery.pk)

    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 3)
    assert [a.status_code for a in delivery.attempt_log.order_by("attempted_at")] == [500, 503, 204]
    assert delivery.webhook.failing_since is None
    receiver.server.shutdown()


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_an_endpoint_slower_than_the_timeout_is_a_failed_attempt(monkeypatch):
    receiver = Receiver(delay=2)
    webhook_to(receiver.url)
    (delivery,) = deliveries_of(Event.objects.get(post_id=PostFactory().pk))
    assert webhook_delivery.TIMEOUT_SECONDS == 10  # the contract's; shortened below to keep the test quick
    monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 0.5)

    with pytest.raises(DeliveryFailed):
        deliver(delivery_id=delivery.pk)

    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "Timeout" in attempt.error
    assert attempt.duration_ms < 1900
    receiver.server.shutdown()


def test_retries_wait_30_seconds_then_twice_as_long_up_to_4_hours():
    class Job:
        def __init__(self, attempts):
            self.attempts = attempts

    waits = [WebhookRetry().get_retry_decision(exception=DeliveryFailed(), job=Job(n)).retry_at for n in range(12)]
    seconds = [round((wait - waits[0]).total_seconds()) + 30 for wait in waits]
    assert seconds[:4] == [30, 60, 120, 240]
    assert seconds[8:] == [7680, 4 * 3600, 4 * 3600, 4 * 3600]  # deliver() gives up after 24 hours


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_an_endpoint_failing_for_24_hours_is_disabled_and_the_delivery_given_up():
    receiver = Receiver(statuses=[500])
    webhook = webhook_to(receiver.url)
    (delivery,) = deliveries_of(Event.objects.get(post_id=PostFactory().pk))
    day_ago = delivery.created_at - webhook_delivery.GIVE_UP_AFTER
    Delivery.objects.filter(pk=delivery.pk).update(created_at=day_ago)
    Webhook.objects.filter(pk=webhook.pk).update(failing_since=day_ago)

    deliver(delivery_id=delivery.pk)  # the last attempt: no retry is asked for

    delivery.refresh_from_db()
    webhook.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert (webhook.active, "24 hours" in webhook.disabled_reason) == (False, True)
    receiver.server.shutdown()


# --- SSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8000/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
    ],
)
@override_settings(WEBHOOK_ALLOW_PRIVATE=False)
def test_private_addresses_are_refused(url):
    with pytest.raises(UnsafeTarget, match=PRIVATE):
        resolve(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "http:///x"])
def test_only_http_and_https_urls(url):
    with pytest.raises(UnsafeTarget):
        resolve(url)


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_private_addresses_are_allowed_when_configured():
    assert resolve("http://127.0.0.1:9/x?y=1").path == "/x?y=1"


@pytest.mark.django_db
def test_a_private_target_is_refused_again_at_delivery(receiver):
    with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        webhook_to(receiver.url)  # saved while allowed (or a name that resolves elsewhere since)
    (delivery,) = deliveries_of(Event.objects.get(post_id=PostFactory().pk))

    with override_settings(WEBHOOK_ALLOW_PRIVATE=False), pytest.raises(DeliveryFailed):
        deliver(delivery_id=delivery.pk)

    assert receiver.requests == []
    assert PRIVATE in delivery.attempt_log.get().error


# --- the admin -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_moderator_adds_a_webhook_and_sees_its_secret_once(login, moderator):
    client = login(moderator)
    response = client.post(
        "/admin/events/webhook/add/",
        {"url": "https://93.184.215.14/hooks", "event_types": ["post.published", "post.deleted"], "active": "on"},
        follow=True,
    )

    webhook = Webhook.objects.get()
    assert webhook.event_types == ["post.published", "post.deleted"]
    assert webhook.secret in response.content.decode()
    assert webhook.secret not in client.get(f"/admin/events/webhook/{webhook.pk}/change/").content.decode()


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", ["http://127.0.0.1/hooks", "ftp://example.com/"])
def test_the_admin_refuses_unsafe_urls(login, moderator, url):
    response = login(moderator).post(
        "/admin/events/webhook/add/", {"url": url, "event_types": ["post.published"], "active": "on"}
    )

    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not Webhook.objects.exists()


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_send_again_queues_a_delivery_and_its_attempts_are_shown(login, moderator):
    receiver = Receiver(statuses=[500])
    webhook_to(receiver.url)
    (delivery,) = deliveries_of(Event.objects.get(post_id=PostFactory().pk))
    with pytest.raises(DeliveryFailed):
        deliver(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    client = login(moderator)

    page = client.get(f"/admin/events/delivery/{delivery.pk}/change/").content.decode()
    response = client.post("/admin/events/delivery/", {"action": "send_again", "_selected_action": [delivery.pk]})

    assert "HTTP 500" in page
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert procrastinate_app.job_manager.list_jobs(task="events.deliver", status="todo")
    receiver.server.shutdown()


# --- a real worker process ---------------------------------------------------------------------------


def start_worker() -> subprocess.Popen:
    params = connection.get_connection_params()  # the test database, its socket or host included
    url = f"postgres://{params['user']}:{params.get('password', '')}@/{params['dbname']}?host={params['host']}"
    if params.get("port"):
        url += f"&port={params['port']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "WEBHOOK_FIRST_RETRY_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "webhooks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def author_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_in_order_and_retries_after_a_500(user):
    receiver = Receiver(statuses=[500])
    webhook = webhook_to(receiver.url)
    client = author_client(user)
    worker = start_worker()
    try:
        client.post("/api/posts", {**VALID, "slug": "story"}, format="json")
        client.patch("/api/posts/story", {"title": "Edited"}, format="json")
        client.patch("/api/posts/story", {"status": "draft"}, format="json")
        client.delete("/api/posts/story")
        receiver.wait_for(5)  # the first answer was a 500: that event came twice
    finally:
        stop(worker)
        receiver.server.shutdown()

    assert all(verify(webhook.secret, headers, body) for headers, body in receiver.requests)
    types = [event["type"] for event in receiver.events()]
    assert types == ["post.published", "post.published", "post.updated", "post.unpublished", "post.deleted"]
    assert receiver.requests[0][0]["webhook-id"] == receiver.requests[1][0]["webhook-id"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_nothing(user):
    receiver = Receiver(delay=3)  # long enough to kill the worker while it waits
    webhook_to(receiver.url)
    worker = start_worker()
    try:
        author_client(user).post("/api/posts", {**VALID, "slug": "story"}, format="json")
        receiver.wait_for(1)
        stop(worker, signal.SIGKILL)  # mid-delivery: no goodbye, no status written
        receiver.delay = 0
        time.sleep(2)
        # What the periodic job does every minute, now: jobs of workers without a heartbeat run again.
        assert async_to_sync(retry_jobs_of_dead_workers)(procrastinate_app, 1) == 1
        worker = start_worker()
        receiver.wait_for(2)
    finally:
        stop(worker)
        receiver.server.shutdown()

    first, second = (headers["webhook-id"] for headers, _ in receiver.requests)
    assert first == second
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
