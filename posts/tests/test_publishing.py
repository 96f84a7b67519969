"""Public reads, drafts and scheduled posts (API.md, Posts → Publishing), through HTTP."""

import datetime as dt
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from posts.models import Post
from posts.publishing import Status
from posts.tests.factories import PostFactory
from posts.views import POST_NOT_FOUND

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}
FUTURE = timezone.now() + dt.timedelta(days=3)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ids(response) -> list[str]:
    return [post["id"] for post in response.json()["posts"]]


@pytest.fixture
def live(user):
    return PostFactory(user=user, title="Live")


@pytest.fixture
def draft(user):
    return PostFactory(user=user, title="Draft", status=Status.DRAFT)


@pytest.fixture
def scheduled(user):
    return PostFactory(user=user, title="Scheduled", published_at=FUTURE)


# --- public reads --------------------------------------------------------------------------


def test_anonymous_list_shows_live_posts_only_and_counts_only_them(api_client, live, draft, scheduled):
    response = api_client.get("/api/posts")

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["results"], ids(response)) == (1, 1, [str(live.id)])
    assert body["posts"][0]["status"] == "published"


@pytest.mark.parametrize("key", ["id", "slug"])
def test_anonymous_reads_a_live_post_by_id_or_slug(api_client, live, key):
    response = api_client.get(f"/api/posts/{getattr(live, key)}")

    assert response.status_code == 200
    assert response.json()["id"] == str(live.id)


@pytest.mark.parametrize("hidden", ["draft", "scheduled"])
@pytest.mark.parametrize("key", ["id", "slug"])
def test_drafts_and_scheduled_posts_do_not_exist_for_anyone_else(request, api_client, auth_client, hidden, key):
    post = request.getfixturevalue(hidden)
    given = str(getattr(post, key))
    stranger = auth_client(PostFactory().user)

    for client in (api_client, stranger):
        response = client.get(f"/api/posts/{given}")
        assert response.status_code == 404
        assert response.json() == {"status": "fail", "detail": POST_NOT_FOUND.format(id=given)}


def test_author_and_moderator_read_a_draft(client_of, auth_client, moderator, draft):
    for client in (client_of, auth_client(moderator)):
        response = client.get(f"/api/posts/{draft.slug}")
        assert response.status_code == 200
        assert response.json()["status"] == "draft"


def test_a_stranger_cannot_even_learn_that_a_draft_exists_by_writing_to_it(auth_client, draft):
    stranger = auth_client(PostFactory().user)

    for method in ("put", "patch", "delete"):
        response = getattr(stranger, method)(f"/api/posts/{draft.id}", VALID, format="json")
        assert response.status_code == 404, method
    assert Post.objects.filter(id=draft.id, title="Draft").exists()


@override_settings(PUBLIC_READ=False)
@pytest.mark.parametrize("path", ["/api/posts", "/api/posts/{id}", "/api/posts/{slug}"])
def test_public_read_off_restores_the_tutorials_401(api_client, live, path):
    response = api_client.get(path.format(id=live.id, slug=live.slug))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@override_settings(PUBLIC_READ=False)
def test_public_read_off_still_serves_authenticated_readers(client_of, live):
    assert client_of.get("/api/posts").json()["total"] == 1


@pytest.mark.parametrize("path", ["/api/posts", "/api/posts/{id}"])
def test_credentials_sent_on_a_public_read_are_checked(api_client, live, path):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(path.format(id=live.id))

    assert response.status_code == 401


def test_an_invalid_access_cookie_on_a_public_read_is_401(api_client, live):
    api_client.cookies["access_token"] = "not-a-token"
    assert api_client.get("/api/posts").status_code == 401


# --- status and published_at on write --------------------------------------------------------


def test_a_tutorial_client_posting_the_four_fields_gets_a_live_post(client_of, api_client):
    before = timezone.now()

    data = client_of.post("/api/posts", VALID, format="json").json()

    assert data["status"] == "published"
    assert before <= dt.datetime.fromisoformat(data["published_at"]) <= timezone.now()
    assert data["published_at"] == data["created_at"]
    assert ids(api_client.get("/api/posts")) == [data["id"]]


def test_a_draft_is_created_without_published_at(client_of, user):
    data = client_of.post("/api/posts", {**VALID, "status": "draft"}, format="json").json()

    assert (data["status"], data["published_at"]) == ("draft", None)
    assert Post.objects.get(id=data["id"]).status == Status.DRAFT


def test_a_draft_keeps_its_planned_published_at(client_of):
    data = client_of.post("/api/posts", {**VALID, "status": "draft", "published_at": iso(FUTURE)}, format="json").json()
    assert (data["status"], data["published_at"]) == ("draft", iso(FUTURE))


@pytest.mark.parametrize("value", ["scheduled", "live", "PUBLISHED", "", None, 1])
def test_status_other_than_draft_or_published_is_400(client_of, value):
    response = client_of.post("/api/posts", {**VALID, "status": value}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]
    assert not Post.objects.exists()


def test_bad_published_at_is_400(client_of):
    response = client_of.post("/api/posts", {**VALID, "published_at": "tomorrow"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["published_at"]


def test_a_future_published_at_schedules_the_post(client_of, api_client, auth_client, moderator):
    data = client_of.post("/api/posts", {**VALID, "published_at": iso(FUTURE)}, format="json").json()

    assert (data["status"], data["published_at"]) == ("scheduled", iso(FUTURE))
    assert api_client.get("/api/posts").json()["total"] == 0
    assert api_client.get(f"/api/posts/{data['id']}").status_code == 404
    assert auth_client(moderator).get(f"/api/posts/{data['id']}").json()["status"] == "scheduled"


def test_a_scheduled_post_goes_live_by_itself_when_its_time_comes(api_client, scheduled):
    assert api_client.get(f"/api/posts/{scheduled.id}").status_code == 404

    # Time passes: nothing runs, the row is untouched but for the clock having moved past it.
    Post.objects.filter(id=scheduled.id).update(published_at=timezone.now() - dt.timedelta(seconds=1))

    response = api_client.get(f"/api/posts/{scheduled.id}")
    assert (response.status_code, response.json()["status"]) == (200, "published")
    assert ids(api_client.get("/api/posts")) == [str(scheduled.id)]


def test_published_at_is_kept_on_edits_unpublishing_and_republishing(client_of, live):
    first = iso(live.published_at)
    path = f"/api/posts/{live.id}"

    assert client_of.patch(path, {"title": "Edited"}, format="json").json()["published_at"] == first
    unpublished = client_of.patch(path, {"status": "draft"}, format="json").json()
    assert (unpublished["status"], unpublished["published_at"]) == ("draft", first)
    republished = client_of.patch(path, {"status": "published"}, format="json").json()
    assert (republished["status"], republished["published_at"]) == ("published", first)
    assert client_of.put(path, VALID, format="json").json()["published_at"] == first


def test_first_publication_of_a_draft_sets_published_at_to_that_moment(client_of, draft):
    before = timezone.now()

    data = client_of.patch(f"/api/posts/{draft.id}", {"status": "published"}, format="json").json()

    assert data["status"] == "published"
    assert before <= dt.datetime.fromisoformat(data["published_at"]) <= timezone.now()
    assert data["published_at"] == data["updated_at"]


def test_unpublishing_takes_a_post_out_of_public_view(client_of, api_client, live):
    client_of.patch(f"/api/posts/{live.slug}", {"status": "draft"}, format="json")

    assert api_client.get("/api/posts").json()["total"] == 0
    assert api_client.get(f"/api/posts/{live.slug}").status_code == 404


def test_moderator_may_publish_anyones_draft(auth_client, moderator, api_client, draft):
    response = auth_client(moderator).patch(f"/api/posts/{draft.id}", {"status": "published"}, format="json")

    assert response.json()["status"] == "published"
    assert api_client.get(f"/api/posts/{draft.id}").status_code == 200


# --- the list's status filter ------------------------------------------------------------------


def test_status_filter_lists_own_posts_for_users_and_everyones_for_moderators(
    client_of, auth_client, moderator, live, draft, scheduled
):
    others_draft = PostFactory(status=Status.DRAFT)
    others_scheduled = PostFactory(published_at=FUTURE)
    others_live = PostFactory()

    def listed(client, status):
        return sorted(ids(client.get("/api/posts", {"status": status, "limit": 100})))

    def of(*posts):
        return sorted(str(post.id) for post in posts)

    assert listed(client_of, "published") == of(live, others_live)
    assert listed(client_of, "draft") == of(draft)
    assert listed(client_of, "scheduled") == of(scheduled)
    assert listed(client_of, "all") == of(live, others_live, draft, scheduled)
    mod = auth_client(moderator)
    assert listed(mod, "draft") == of(draft, others_draft)
    assert listed(mod, "scheduled") == of(scheduled, others_scheduled)
    assert listed(mod, "all") == of(live, others_live, draft, scheduled, others_draft, others_scheduled)


def test_total_follows_the_status_filter(client_of, live, draft, scheduled):
    assert client_of.get("/api/posts", {"status": "all"}).json()["total"] == 3
    assert client_of.get("/api/posts").json()["total"] == 1


@pytest.mark.parametrize("status", ["scheduled", "draft", "all"])
def test_anonymous_asking_for_more_than_live_posts_gets_401(api_client, status):
    response = api_client.get("/api/posts", {"status": status})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == "fail"


def test_anonymous_may_ask_for_published_explicitly(api_client, live):
    assert ids(api_client.get("/api/posts", {"status": "published"})) == [str(live.id)]


@pytest.mark.parametrize("client_name", ["api_client", "client_of"])
@pytest.mark.parametrize("value", ["live", "Draft", "", "published,draft"])
def test_unknown_status_value_is_400_for_everyone(request, client_name, value):
    response = request.getfixturevalue(client_name).get("/api/posts", {"status": value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_published_after_and_before_filter_on_published_at(api_client):
    now = timezone.now()
    old, middle, recent = (PostFactory(published_at=now - dt.timedelta(days=d)) for d in (30, 10, 1))

    response = api_client.get(
        "/api/posts",
        {"published_after": iso(now - dt.timedelta(days=20)), "published_before": iso(now - dt.timedelta(days=5))},
    )
    assert ids(response) == [str(middle.id)]
    assert ids(api_client.get("/api/posts", {"published_after": (now - dt.timedelta(days=2)).date()})) == [
        str(recent.id)
    ]
    assert old.id  # the oldest one is outside both windows


@pytest.mark.parametrize("param", ["published_after", "published_before"])
@pytest.mark.parametrize("value", ["yesterday", "", "2024-13-01"])
def test_bad_published_dates_are_400(api_client, param, value):
    response = api_client.get("/api/posts", {param: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [param]


# --- ordering by published_at --------------------------------------------------------------------


def test_default_order_is_newest_publication_first(api_client):
    now = timezone.now()
    older = PostFactory(published_at=now - dt.timedelta(days=2))
    newer = PostFactory(published_at=now - dt.timedelta(days=1))
    # created the other way round: the order is the publication's, not the creation's
    Post.objects.filter(id=older.id).update(created_at=now)

    assert ids(api_client.get("/api/posts")) == [str(newer.id), str(older.id)]


@pytest.mark.parametrize("ordering", ["published_at", "-published_at"])
def test_never_published_posts_come_last_in_both_directions(client_of, user, ordering):
    now = timezone.now()
    first = PostFactory(user=user, published_at=now - dt.timedelta(days=2))
    second = PostFactory(user=user, published_at=now - dt.timedelta(days=1))
    never = PostFactory(user=user, status=Status.DRAFT)

    response = client_of.get("/api/posts", {"status": "all", "ordering": ordering})

    dated = [str(first.id), str(second.id)]
    expected = (dated if ordering == "published_at" else dated[::-1]) + [str(never.id)]
    assert ids(response) == expected


@pytest.mark.parametrize("ordering", ["published_at", "-published_at"])
def test_equal_publication_times_are_ordered_by_id_across_pages(client_of, user, ordering):
    moment = timezone.now() - dt.timedelta(hours=1)
    posts = [PostFactory(user=user, published_at=moment) for _ in range(5)]
    drafts = [PostFactory(user=user, status=Status.DRAFT) for _ in range(4)]

    seen = []
    for page in (1, 2, 3, 4):
        seen += ids(client_of.get("/api/posts", {"status": "all", "ordering": ordering, "page": page, "limit": 3}))

    by_id = sorted(str(post.id) for post in posts)
    assert seen[:5] == (by_id if ordering == "published_at" else by_id[::-1])
    assert sorted(seen[5:]) == sorted(str(post.id) for post in drafts)


# --- queries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [2, 30])
def test_anonymous_list_runs_two_queries_whatever_the_page_size(api_client, django_assert_num_queries, limit):
    PostFactory.create_batch(30)
    with django_assert_num_queries(2):  # COUNT(*), the page with authors joined
        assert api_client.get("/api/posts", {"limit": limit}).json()["results"] == limit


@pytest.mark.parametrize("status", ["published", "all", "draft"])
@pytest.mark.parametrize("limit", [2, 30])
def test_authenticated_list_runs_three_queries_whatever_the_page_size_and_status(
    client_of, user, django_assert_num_queries, status, limit
):
    PostFactory.create_batch(30, user=user, status=Status.DRAFT if status == "draft" else Status.PUBLISHED)
    with django_assert_num_queries(3):  # the token's user, COUNT(*), the page
        assert client_of.get("/api/posts", {"limit": limit, "status": status}).json()["results"] == limit


def test_unknown_id_is_404_as_before(api_client):
    missing = uuid.uuid4()
    response = api_client.get(f"/api/posts/{missing}")
    assert response.json() == {"status": "fail", "detail": POST_NOT_FOUND.format(id=missing)}
