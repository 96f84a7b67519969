"""GET /api/changes (API.md, Changes and webhooks), through HTTP and with real concurrent transactions."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import ModeratorFactory, UserFactory
from events.models import Event
from events.tasks import announce_scheduled_posts
from posts.models import Post
from posts.tests.factories import PostFactory

# Committed transactions throughout: the feed only shows what is older than every transaction
# in progress, and a test's own open transaction would be one.
pytestmark = pytest.mark.django_db(transaction=True)

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}


def changes(client, **params):
    response = client.get("/api/changes", params)
    assert response.status_code == 200, response.content
    return response.json()


def kinds(body) -> list[tuple[str, str]]:
    return [(change["type"], change["slug"]) for change in body["changes"]]


def test_every_change_of_a_post_is_an_event_in_order(client_of, user):
    path = "/api/posts/story"
    client_of.post("/api/posts", {**VALID, "slug": "story"}, format="json")
    client_of.patch(path, {"title": "Edited"}, format="json")
    client_of.patch(path, {"status": "draft"}, format="json")
    client_of.patch(path, {"title": "Edited as a draft"}, format="json")
    client_of.patch(path, {"status": "published"}, format="json")
    client_of.delete(path)

    body = changes(client_of)

    assert kinds(body) == [
        ("post.published", "story"),
        ("post.updated", "story"),
        ("post.unpublished", "story"),
        ("post.updated", "story"),
        ("post.published", "story"),
        ("post.deleted", "story"),
    ]
    first = body["changes"][0]
    assert set(first) == {"cursor", "type", "id", "slug", "at"}
    assert body["next"] == body["changes"][-1]["cursor"]


def test_others_see_events_of_posts_that_were_live_before_or_after_moderators_see_all(
    client_of, auth_client, user, moderator
):
    client_of.post("/api/posts", {**VALID, "slug": "draft-only", "status": "draft"}, format="json")
    client_of.patch("/api/posts/draft-only", {"title": "still a draft"}, format="json")
    client_of.post("/api/posts", {**VALID, "slug": "live-then-gone"}, format="json")
    client_of.patch("/api/posts/live-then-gone", {"status": "draft"}, format="json")
    client_of.delete("/api/posts/live-then-gone")

    stranger = auth_client(UserFactory())

    assert kinds(changes(stranger)) == [
        ("post.published", "live-then-gone"),
        ("post.unpublished", "live-then-gone"),
        ("post.deleted", "live-then-gone"),
    ]
    assert len(changes(client_of)["changes"]) == 5  # the author sees the draft's edits
    assert len(changes(auth_client(moderator))["changes"]) == 5


def test_a_rolled_back_write_leaves_no_event(client_of):
    PostFactory(slug="taken")
    before = Event.objects.count()

    response = client_of.post("/api/posts", {**VALID, "slug": "taken", "tags": ["x"]}, format="json")

    assert response.status_code == 400
    assert Event.objects.count() == before


def test_the_event_records_the_post_as_it_was(client_of):
    client_of.post("/api/posts", {**VALID, "slug": "story", "tags": ["django"]}, format="json")
    client_of.patch("/api/posts/story", {"title": "Second"}, format="json")
    client_of.delete("/api/posts/story")

    published, updated, deleted = Event.objects.order_by("xid", "id")
    assert (published.data["title"], published.data["tags"]) == ("Hello", ["django"])
    assert updated.data["title"] == "Second"
    assert deleted.data == {"id": str(deleted.post_id), "slug": "story"}


def test_reading_on_from_a_cursor_misses_nothing_and_repeats_nothing(client_of):
    for n in range(7):
        client_of.post("/api/posts", {**VALID, "slug": f"p{n}"}, format="json")

    seen, cursor = [], None
    for _ in range(5):
        body = changes(client_of, limit=3, **({"after": cursor} if cursor else {}))
        seen += [change["slug"] for change in body["changes"]]
        cursor = body["next"]

    assert seen == [f"p{n}" for n in range(7)]


def test_an_empty_page_returns_the_cursor_it_was_given(client_of):
    client_of.post("/api/posts", VALID, format="json")
    last = changes(client_of)["next"]

    body = changes(client_of, after=last)

    assert (body["changes"], body["next"]) == ([], last)


def test_cursors_are_one_global_stream_for_every_caller(client_of, auth_client, moderator):
    client_of.post("/api/posts", VALID, format="json")
    mine = changes(client_of)["changes"][0]["cursor"]
    assert changes(auth_client(moderator))["changes"][0]["cursor"] == mine


def test_limit_defaults_to_100_and_is_capped_at_1000(client_of, user):
    PostFactory.create_batch(105, user=user)

    assert len(changes(client_of)["changes"]) == 100
    assert len(changes(client_of, limit=5000)["changes"]) == 105


@pytest.mark.parametrize("after", ["", "abc", "1", "1.2.3", "-1.2", "99999999999999999999.1", "1.x"])
def test_a_malformed_cursor_is_400(client_of, after):
    response = client_of.get("/api/changes", {"after": after})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["after"]


@pytest.mark.parametrize("limit", ["0", "-1", "x"])
def test_a_bad_limit_is_400(client_of, limit):
    assert client_of.get("/api/changes", {"limit": limit}).status_code == 400


def test_changes_need_authentication(api_client):
    response = api_client.get("/api/changes")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_scheduled_post_yields_post_published_once_live_at_its_published_at(client_of, api_client):
    soon = timezone.now() + dt.timedelta(days=1)
    client_of.post("/api/posts", {**VALID, "slug": "later", "published_at": soon.isoformat()}, format="json")
    assert kinds(changes(client_of)) == [("post.updated", "later")]  # a scheduled post is not live yet

    past = timezone.now() - dt.timedelta(seconds=5)
    Post.objects.filter(slug="later").update(published_at=past)  # its time has come
    assert announce_scheduled_posts(timestamp=0) == 1
    assert announce_scheduled_posts(timestamp=0) == 0  # once

    stranger = auth_client_for(UserFactory())
    (change,) = changes(stranger)["changes"]
    assert (change["type"], change["slug"]) == ("post.published", "later")
    assert change["at"] == past.isoformat().replace("+00:00", "Z")


def auth_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_editing_a_scheduled_post_gone_live_but_not_yet_announced_publishes_it(client_of, user):
    PostFactory(slug="due", user=user, published_at=timezone.now() + dt.timedelta(days=1))
    Post.objects.filter(slug="due").update(published_at=timezone.now() - dt.timedelta(seconds=1))

    client_of.patch("/api/posts/due", {"title": "Edited"}, format="json")

    assert kinds(changes(client_of))[-1] == ("post.published", "due")


# --- commit order -----------------------------------------------------------------------------------


def test_a_transaction_committing_late_is_not_skipped():
    author = UserFactory()
    reader = auth_client_for(ModeratorFactory())
    slow_started, slow_may_commit = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            PostFactory(user=author, slug="slow")  # takes its transaction id first
            slow_started.set()
            slow_may_commit.wait(10)
        connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    slow_started.wait(10)
    PostFactory(user=author, slug="fast")  # commits first

    while_slow_runs = changes(reader)
    slow_may_commit.set()
    thread.join()
    after_commit = changes(reader, after=while_slow_runs["next"])

    # The fast one is held back while the older transaction is open: it is not passed over.
    assert kinds(while_slow_runs) == []
    assert [slug for _, slug in kinds(after_commit)] == ["slow", "fast"]


def test_a_reader_polling_while_8_writers_write_sees_every_event_exactly_once():
    author = UserFactory()
    token = str(RefreshToken.for_user(author).access_token)
    reader = auth_client_for(author)

    def write(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            for i in range(6):
                slug = f"w{n}-{i}"
                client.post("/api/posts", {**VALID, "slug": slug}, format="json")
                client.patch(f"/api/posts/{slug}", {"title": "edited"}, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()

    seen, cursor = [], "0.0"
    while True:
        finished = not any(thread.is_alive() for thread in threads)
        body = changes(reader, after=cursor, limit=7)
        seen += [(change["type"], change["slug"], change["cursor"]) for change in body["changes"]]
        cursor = body["next"]
        if finished and not body["changes"]:
            break
    for thread in threads:
        thread.join()

    expected = Event.objects.count()
    assert expected == 8 * 6 * 2
    assert len(seen) == expected
    assert len({cursor for *_, cursor in seen}) == expected  # no repeats
    for n in range(8):  # each post: published before updated
        for i in range(6):
            mine = [kind for kind, slug, _ in seen if slug == f"w{n}-{i}"]
            assert mine == ["post.published", "post.updated"]
