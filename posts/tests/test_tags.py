"""Tags on posts, the ?tag= filter and GET /api/tags (API.md, Posts → Tags), through HTTP."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from posts.models import Post, PostTag, Tag
from posts.publishing import Status
from posts.tags import TOO_MANY_TAGS
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}


def create(client, **fields):
    return client.post("/api/posts", {**VALID, **fields}, format="json")


def ids(response) -> list[str]:
    return [post["id"] for post in response.json()["posts"]]


def tagged(*names, **fields) -> Post:
    return PostFactory(tag_names=list(names), **fields)


# --- tags on write and read -----------------------------------------------------------------


def test_tags_are_listed_by_name_in_the_order_given(client_of):
    response = create(client_of, tags=["Python", "django", "API"])

    assert response.status_code == 201
    assert response.json()["tags"] == ["Python", "django", "API"]
    post = Post.objects.get(id=response.json()["id"])
    assert list(post.post_tags.order_by("position").values_list("tag__name", flat=True)) == ["Python", "django", "API"]


def test_a_post_without_tags_has_an_empty_list(client_of):
    assert create(client_of).json()["tags"] == []


def test_names_are_trimmed_and_case_insensitive_duplicates_merged(client_of):
    response = create(client_of, tags=["  Django ", "DJANGO", "django", "rest"])
    assert response.json()["tags"] == ["Django", "rest"]


def test_a_tag_keeps_its_first_spelling(client_of):
    create(client_of, tags=["PostgreSQL"])

    response = create(client_of, tags=["postgresql"])

    assert response.json()["tags"] == ["PostgreSQL"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["PostgreSQL"]


def test_renaming_a_tag_only_in_case_keeps_one_tag(client_of, user):
    post = tagged("Django", user=user)

    response = client_of.patch(f"/api/posts/{post.id}", {"tags": ["DJANGO", "New"]}, format="json")

    assert response.json()["tags"] == ["Django", "New"]
    assert Tag.objects.filter(name__iexact="django").count() == 1


def test_ten_tags_after_merging_are_fine_eleven_are_400(client_of):
    ten = [f"tag{n}" for n in range(10)]
    assert create(client_of, tags=[*ten, "TAG0", "Tag1"]).status_code == 201

    response = create(client_of, tags=[*ten, "tag10"])

    assert response.status_code == 400
    assert response.json()["errors"] == {"tags": [TOO_MANY_TAGS]}


@pytest.mark.parametrize("bad", [[""], ["   "], ["x" * 51], [12], "django", [None], [["nested"]]])
def test_bad_tag_names_are_400_and_create_nothing(client_of, bad):
    response = create(client_of, tags=bad)

    assert response.status_code == 400
    assert "tags" in response.json()["errors"]
    assert not Post.objects.exists()
    assert not Tag.objects.exists()


def test_an_item_error_names_the_item(client_of):
    response = create(client_of, tags=["fine", "x" * 51])
    assert response.json()["errors"] == {"tags": ["Item 2: Ensure this field has no more than 50 characters."]}


def test_a_50_character_name_is_fine(client_of):
    assert create(client_of, tags=["x" * 50]).json()["tags"] == ["x" * 50]


def test_tags_get_their_own_slugs_numbered_when_taken(client_of):
    create(client_of, tags=["C++", "C", "Café crème"])

    assert dict(Tag.objects.values_list("name", "slug")) == {"C++": "c", "C": "c-2", "Café crème": "cafe-creme"}


def test_put_without_tags_keeps_them_and_with_tags_replaces_them(client_of, user):
    post = tagged("one", "two", user=user)
    path = f"/api/posts/{post.id}"

    assert client_of.put(path, VALID, format="json").json()["tags"] == ["one", "two"]
    assert client_of.put(path, {**VALID, "tags": ["two", "three"]}, format="json").json()["tags"] == ["two", "three"]
    assert client_of.patch(path, {"tags": []}, format="json").json()["tags"] == []
    assert not PostTag.objects.filter(post=post).exists()


def test_a_rolled_back_create_leaves_no_tag(client_of):
    PostFactory(slug="taken")

    create(client_of, slug="taken", tags=["orphan"])

    assert not Tag.objects.filter(name="orphan").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_creating_one_new_tag_share_one_row(user, race):
    token = str(RefreshToken.for_user(user).access_token)
    statuses = []

    def attempt(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        statuses.append(create(client, tags=["Brand New" if n % 2 else "brand new"]).status_code)

    race(attempt, 8)

    assert statuses == [201] * 8
    assert Tag.objects.count() == 1
    assert PostTag.objects.count() == 8


# --- ?tag= ------------------------------------------------------------------------------------


def test_tag_filter_matches_name_or_slug_in_any_case(api_client):
    wanted = tagged("Django REST")
    tagged("Flask")

    for value in ("Django REST", "django rest", "DJANGO-REST", "django-rest"):
        assert ids(api_client.get("/api/posts", {"tag": value})) == [str(wanted.id)], value


def test_repeated_tag_requires_every_tag(api_client):
    both = tagged("django", "api")
    tagged("django")
    tagged("api")

    response = api_client.get("/api/posts", {"tag": ["django", "api"]})

    assert ids(response) == [str(both.id)]
    assert response.json()["total"] == 1


def test_an_unknown_tag_matches_nothing(api_client):
    tagged("django")
    body = api_client.get("/api/posts", {"tag": "nope"}).json()
    assert (body["total"], body["posts"]) == (0, [])


@pytest.mark.parametrize("value", ["", "  ", "x" * 51])
def test_a_blank_or_too_long_tag_parameter_is_400(api_client, value):
    response = api_client.get("/api/posts", {"tag": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["tag"]


def test_tag_filter_combines_with_others_and_keeps_visibility(client_of, api_client, user):
    live = tagged("django", category="web")
    tagged("django", category="other")
    draft = tagged("django", category="web", user=user, status=Status.DRAFT)

    assert ids(api_client.get("/api/posts", {"tag": "django", "category": "web"})) == [str(live.id)]
    assert sorted(ids(client_of.get("/api/posts", {"tag": "django", "category": "web", "status": "all"}))) == sorted(
        [str(live.id), str(draft.id)]
    )


@pytest.mark.parametrize("limit", [2, 20])
def test_the_list_keeps_a_constant_query_count_with_tags_shown(api_client, django_assert_num_queries, limit):
    for n in range(20):
        tagged(f"tag{n}", f"tag{n + 1}", "common")

    with django_assert_num_queries(2):  # COUNT(*), the page with authors and tag names
        posts = api_client.get("/api/posts", {"limit": limit}).json()["posts"]
    assert len(posts) == limit
    assert all(len(post["tags"]) == 3 for post in posts)


# --- GET /api/tags ------------------------------------------------------------------------------


def test_tags_list_counts_live_posts_most_used_first_then_by_name(api_client):
    tagged("beta", "alpha")
    tagged("beta")
    tagged("gamma")
    tagged("hidden", status=Status.DRAFT)
    tagged("later", published_at=timezone.now() + dt.timedelta(days=1))

    response = api_client.get("/api/tags")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "results", "total", "page", "limit")} == {
        "status": "success",
        "results": 3,
        "total": 3,
        "page": 1,
        "limit": 10,
    }
    assert body["tags"] == [
        {"name": "beta", "slug": "beta", "posts": 2},
        {"name": "alpha", "slug": "alpha", "posts": 1},
        {"name": "gamma", "slug": "gamma", "posts": 1},
    ]


def test_tags_list_pages_like_posts(api_client):
    for n in range(5):
        tagged(f"t{n}")

    body = api_client.get("/api/tags", {"page": 2, "limit": 2}).json()

    assert (body["results"], body["total"], body["page"], body["limit"]) == (2, 5, 2, 2)
    assert [tag["name"] for tag in body["tags"]] == ["t2", "t3"]
    assert api_client.get("/api/tags", {"page": 0}).status_code == 400


def test_tags_list_with_and_without_trailing_slash(api_client):
    tagged("x")
    assert api_client.get("/api/tags/").json()["total"] == api_client.get("/api/tags").json()["total"] == 1


@override_settings(PUBLIC_READ=False)
def test_tags_list_is_read_like_posts(api_client, client_of):
    tagged("x")
    assert api_client.get("/api/tags").status_code == 401
    assert client_of.get("/api/tags").json()["total"] == 1


def test_tags_list_is_read_only(client_of):
    assert client_of.post("/api/tags", {"name": "x"}, format="json").status_code == 405


def test_tags_list_walks_by_cursor_too(api_client):
    for n in range(5):
        tagged(f"t{n}")

    body = api_client.get("/api/tags", {"limit": 2}).json()
    names = [tag["name"] for tag in body["tags"]]
    while body["next"]:
        body = api_client.get(body["next"]).json()
        names += [tag["name"] for tag in body["tags"]]

    assert names == ["t0", "t1", "t2", "t3", "t4"]


@pytest.mark.parametrize("common_from", [0, 10_000])
def test_a_common_and_a_rare_tag_select_the_same_posts(api_client, monkeypatch, common_from):
    from posts import tags as tags_module

    monkeypatch.setattr(tags_module, "COMMON_TAG_POSTS", common_from)  # 0: every tag is "common"
    wanted = [tagged("Django", title=f"Tagged {n}") for n in range(3)]
    tagged("Flask")
    PostFactory(title="Untagged")

    response = api_client.get("/api/posts", {"tag": "django", "limit": 2})
    following = api_client.get(response.json()["next"])

    assert response.json()["total"] == 3
    assert ids(response) + ids(following) == [str(post.id) for post in reversed(wanted)]
