"""ETags, 304s, If-Match, Cache-Control and Vary on posts and tags (API.md, HTTP semantics)."""

import datetime as dt

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from blogapi.http import IF_MATCH_REQUIRED, POST_CHANGED
from posts.models import Post, Tag
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}


@pytest.fixture
def post(user):
    return PostFactory(user=user, title="Original")


def path(post) -> str:
    return f"/api/posts/{post.id}"


# --- ETag and 304 -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/posts", "/api/posts/{id}", "/api/posts/{slug}", "/api/tags"])
def test_reads_carry_a_strong_etag_and_answer_304_to_it(api_client, post, url):
    url = url.format(id=post.id, slug=post.slug)
    PostFactory(tag_names=["x"])

    first = api_client.get(url)
    etag = first["ETag"]

    assert etag.startswith('"') and not etag.startswith("W/")
    again = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == first["Cache-Control"] == "public, no-cache"
    assert again["Vary"] == first["Vary"]


def test_if_none_match_uses_weak_comparison_and_lists(api_client, post):
    etag = api_client.get(path(post))["ETag"]

    assert api_client.get(path(post), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert api_client.get(path(post), HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    assert api_client.get(path(post), HTTP_IF_NONE_MATCH="*").status_code == 304
    assert api_client.get(path(post), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_head_answers_304_too(api_client, post):
    etag = api_client.get(path(post))["ETag"]
    assert api_client.head(path(post), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_posts_etag_changes_when_it_changes_and_writes_return_the_new_one(client_of, post):
    before = client_of.get(path(post))["ETag"]

    patched = client_of.patch(path(post), {"title": "Changed"}, format="json")

    assert patched["ETag"] != before
    assert client_of.get(path(post))["ETag"] == patched["ETag"]
    assert client_of.get(path(post), HTTP_IF_NONE_MATCH=before).status_code == 200


def test_put_returns_the_etag_a_later_read_sees(client_of, post):
    replaced = client_of.put(path(post), VALID, format="json")

    assert replaced.status_code == 200
    assert client_of.get(path(post))["ETag"] == replaced["ETag"]


def test_create_returns_the_etag_of_the_new_post(client_of):
    created = client_of.post("/api/posts", VALID, format="json")

    assert created.status_code == 201
    assert client_of.get(f"/api/posts/{created.json()['id']}")["ETag"] == created["ETag"]


def test_an_etag_follows_what_others_change_in_the_representation(client_of, post, user):
    before = client_of.get(path(post))["ETag"]
    user.name = "Renamed Author"
    user.save()
    after_author = client_of.get(path(post))["ETag"]
    client_of.patch(path(post), {"tags": ["django"]}, format="json")
    with_tag = client_of.get(path(post))["ETag"]
    Tag.objects.update(name="Django")

    assert len({before, after_author, with_tag, client_of.get(path(post))["ETag"]}) == 4


def test_the_list_etag_changes_with_a_post_on_the_page_the_total_or_next(api_client):
    posts = PostFactory.create_batch(3)

    def etag():
        return api_client.get("/api/posts", {"limit": 2})["ETag"]

    seen = [etag()]
    Post.objects.filter(pk=posts[-1].pk).update(title="Edited")  # a post on the first page
    seen.append(etag())
    PostFactory()  # the total and the page
    seen.append(etag())
    Post.objects.filter(pk=posts[-1].pk).delete()  # deleting a post on the page
    seen.append(etag())
    assert len(set(seen)) == 4


def test_the_list_etag_changes_when_next_appears(api_client):
    PostFactory.create_batch(2)
    before = api_client.get("/api/posts", {"limit": 2})
    PostFactory.create(published_at=dt.datetime.fromisoformat(before.json()["posts"][-1]["published_at"]))

    after = api_client.get("/api/posts", {"limit": 2})

    assert (before.json()["next"], after.json()["next"] is not None) == (None, True)
    assert before["ETag"] != after["ETag"]


def test_errors_carry_no_etag(api_client):
    assert not api_client.get("/api/posts/no-such-post").has_header("ETag")


# --- Cache-Control and Vary -------------------------------------------------------------------------


def test_authenticated_reads_are_private(client_of, post):
    for url in ("/api/posts", path(post), "/api/tags"):
        response = client_of.get(url)
        assert response["Cache-Control"] == "private, no-cache", url
        assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}, url


def test_read_errors_carry_vary_too(api_client):
    response = api_client.get("/api/posts/no-such-post")
    assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


@pytest.mark.parametrize(
    "method,url",
    [
        ("post", "/api/auth/login"),
        ("get", "/api/users/me"),
        ("post", "/api/auth/register"),
        ("get", "/api/auth/refresh"),
        ("get", "/api/auth/verifyemail/some-token"),
    ],
)
def test_accounts_and_users_are_never_stored(client_of, method, url):
    assert getattr(client_of, method)(url, {}, format="json")["Cache-Control"] == "no-store"


def test_writes_are_not_stored(client_of, post):
    assert client_of.patch(path(post), {"title": "x"}, format="json")["Cache-Control"] == "no-store"


# --- If-Match --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_412_and_changes_nothing(client_of, post, method):
    stale = client_of.get(path(post))["ETag"]
    client_of.patch(path(post), {"title": "Someone else's edit"}, format="json")

    response = getattr(client_of, method)(path(post), VALID, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert response.json() == {"status": "fail", "detail": POST_CHANGED}
    assert Post.objects.get(pk=post.pk).title == "Someone else's edit"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_current_if_match_lets_the_write_through(client_of, post, method):
    current = client_of.get(path(post))["ETag"]

    response = getattr(client_of, method)(path(post), VALID, format="json", HTTP_IF_MATCH=current)

    assert response.status_code in (200, 204)


def test_if_match_star_matches_any_existing_post(client_of, post):
    assert client_of.patch(path(post), {"title": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_if_match_star_on_a_missing_post_is_404(client_of):
    response = client_of.patch("/api/posts/no-such-post", {"title": "x"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 404


def test_a_weak_etag_never_matches_if_match(client_of, post):
    current = client_of.get(path(post))["ETag"]
    response = client_of.patch(path(post), {"title": "x"}, format="json", HTTP_IF_MATCH=f"W/{current}")
    assert response.status_code == 412


def test_one_of_several_if_match_values_may_match(client_of, post):
    current = client_of.get(path(post))["ETag"]
    response = client_of.patch(path(post), {"title": "x"}, format="json", HTTP_IF_MATCH=f'"old", {current}')
    assert response.status_code == 200


def test_if_match_works_with_the_slug_path_and_the_etag_of_the_id_path(client_of, post):
    current = client_of.get(path(post))["ETag"]
    response = client_of.patch(f"/api/posts/{post.slug}", {"title": "x"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200


def test_checks_come_in_the_contracts_order(api_client, client_of, auth_client, post):
    stale = '"stale"'
    # authentication first
    assert api_client.patch(path(post), {"title": ""}, format="json", HTTP_IF_MATCH=stale).status_code == 401
    # then existence
    assert client_of.patch("/api/posts/missing", {}, format="json", HTTP_IF_MATCH=stale).status_code == 404
    # then permission
    stranger = auth_client(PostFactory().user)
    assert stranger.patch(path(post), {"title": ""}, format="json", HTTP_IF_MATCH=stale).status_code == 403
    # then preconditions, before validation
    assert client_of.patch(path(post), {"title": ""}, format="json", HTTP_IF_MATCH=stale).status_code == 412
    current = client_of.get(path(post))["ETag"]
    assert client_of.patch(path(post), {"title": ""}, format="json", HTTP_IF_MATCH=current).status_code == 400


@override_settings(REQUIRE_IF_MATCH=True)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_require_if_match_refuses_blind_writes_with_428(client_of, post, method):
    response = getattr(client_of, method)(path(post), VALID, format="json")

    assert response.status_code == 428
    assert response.json() == {"status": "fail", "detail": IF_MATCH_REQUIRED}
    assert Post.objects.filter(pk=post.pk, title="Original").exists()


@override_settings(REQUIRE_IF_MATCH=True)
def test_require_if_match_leaves_creates_and_reads_alone(client_of, post):
    assert client_of.post("/api/posts", VALID, format="json").status_code == 201
    assert client_of.get(path(post)).status_code == 200


def test_without_if_match_the_write_goes_ahead(client_of, post):
    assert client_of.patch(path(post), {"title": "Blind"}, format="json").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_of_two_writers_holding_one_etag_exactly_one_succeeds(user, race, method):
    post = PostFactory(user=user)
    token = str(RefreshToken.for_user(user).access_token)
    etag = APIClient().get(f"/api/posts/{post.id}")["ETag"]
    statuses = []

    def write(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = {"title": f"Writer {n}"}
        statuses.append(
            getattr(client, method)(f"/api/posts/{post.id}", body, format="json", HTTP_IF_MATCH=etag).status_code
        )

    race(write, 2)

    success = 200 if method == "patch" else 204
    loser = 412 if method == "patch" else 404  # a deleted post no longer exists for the second
    assert sorted(statuses) == sorted([success, loser])


def test_tags_have_no_detail_routes(client_of):
    assert client_of.put("/api/tags/1", {}, format="json").status_code == 404


def test_options_on_a_post_with_if_match_is_answered(client_of, post):
    response = client_of.options(path(post), HTTP_IF_MATCH='"stale"')
    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).title == "Original"
