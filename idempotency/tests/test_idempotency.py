"""Idempotency-Key on POST /api/posts (API.md, HTTP semantics), through HTTP and at the database."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from idempotency.keys import INVALID_KEY, KEY_IN_PROGRESS, KEY_REUSED
from idempotency.models import IdempotencyKey
from posts.models import Post

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}


def create(client, key, body=None):
    return client.post("/api/posts", body or VALID, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_gets_the_same_answer_and_creates_nothing_twice(client_of):
    first = create(client_of, "key-1")
    retry = create(client_of, "key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert retry["ETag"] == first["ETag"]
    assert Post.objects.count() == 1


def test_the_answer_is_kept_in_the_database_for_24_hours(client_of, user):
    create(client_of, "key-1")

    record = IdempotencyKey.objects.get(owner=user, key="key-1")
    assert record.status == 201
    assert json.loads(record.response_body)["title"] == "Hello"
    assert dt.timedelta(hours=23, minutes=59) < record.expires_at - timezone.now() <= dt.timedelta(hours=24)


def test_a_different_body_with_the_same_key_is_422(client_of):
    create(client_of, "key-1")

    response = create(client_of, "key-1", {**VALID, "title": "Other"})

    assert response.status_code == 422
    assert response.json() == {"status": "fail", "detail": KEY_REUSED}
    assert Post.objects.count() == 1


def test_keys_are_scoped_to_the_caller(client_of, auth_client):
    other = auth_client(UserFactory())

    assert create(client_of, "shared").status_code == 201
    second = create(other, "shared")

    assert second.status_code == 201 and not second.has_header("Idempotent-Replayed")
    assert Post.objects.count() == 2


def test_without_a_key_every_post_creates(client_of):
    client_of.post("/api/posts", VALID, format="json")
    client_of.post("/api/posts", VALID, format="json")
    assert Post.objects.count() == 2


def test_a_validation_error_is_kept_and_replayed(client_of):
    first = create(client_of, "bad", {"title": ""})
    retry = create(client_of, "bad", {"title": ""})

    assert first.status_code == retry.status_code == 400
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"


def test_a_server_error_is_not_kept_and_a_retry_runs_again(client_of, monkeypatch):
    from posts import services

    real = services.post_create

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "post_create", broken)
    assert create(client_of, "flaky").status_code == 500
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(services, "post_create", real)
    retry = create(client_of, "flaky")
    assert retry.status_code == 201 and not retry.has_header("Idempotent-Replayed")
    assert Post.objects.count() == 1


def test_a_retry_while_the_first_runs_is_409(client_of, user):
    first = create(client_of, "running")  # then its row is put back to "running", as while it ran
    IdempotencyKey.objects.filter(key="running").update(status=None, response_body="", started_at=timezone.now())

    response = create(client_of, "running")

    assert response.status_code == 409
    assert response.json() == {"status": "fail", "detail": KEY_IN_PROGRESS}
    assert first.status_code == 201


def test_a_first_request_abandoned_long_ago_is_taken_over(client_of):
    create(client_of, "abandoned")
    Post.objects.all().delete()  # as if its transaction had died with its process
    IdempotencyKey.objects.update(status=None, response_body="", started_at=timezone.now() - dt.timedelta(minutes=5))

    response = create(client_of, "abandoned")

    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert Post.objects.count() == 1


def test_an_expired_key_runs_again(client_of):
    create(client_of, "old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = create(client_of, "old")

    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert Post.objects.count() == 2


@pytest.mark.parametrize("key", ["", " ", "with space", "tab\there", "é", "x" * 256])
def test_a_malformed_key_is_400(client_of, key):
    response = create(client_of, key)

    assert response.status_code == 400
    assert response.json() == {"status": "fail", "detail": INVALID_KEY}
    assert not Post.objects.exists()


@pytest.mark.parametrize("key", ["a", "!~{}", "x" * 255, "550e8400-e29b-41d4-a716-446655440000"])
def test_keys_of_visible_ascii_up_to_255_characters_are_fine(client_of, key):
    assert create(client_of, key).status_code == 201


def test_anonymous_with_a_key_is_still_401(api_client):
    assert create(api_client, "k").status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_expired_keys_are_purged_by_a_command(client_of):
    create(client_of, "old")
    create(client_of, "new")
    IdempotencyKey.objects.filter(key="old").update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    out = StringIO()
    call_command("purgeidempotencykeys", stdout=out)

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert "Deleted 1 expired" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_create_one_post(race):
    token = str(RefreshToken.for_user(UserFactory()).access_token)
    answers = []

    def attempt(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = create(client, "one-key")
        answers.append((response.status_code, response.get("Idempotent-Replayed")))

    race(attempt, 20)

    assert Post.objects.count() == 1
    assert len(answers) == 20
    assert answers.count((201, None)) == 1  # the one that ran
    assert all(answer in {(201, "true"), (409, None)} for answer in answers if answer != (201, None))
