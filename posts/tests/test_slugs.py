"""Slugs: generated, given, stable, redirecting, concurrent (API.md, Posts → Slugs), through HTTP."""

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from posts.models import Post, PostSlug
from posts.publishing import Status
from posts.slugs import SLUG_INVALID, SLUG_LIKE_UUID, SLUG_TAKEN
from posts.tests.factories import PostFactory
from posts.views import POST_NOT_FOUND

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}


def create(client, **fields):
    return client.post("/api/posts", {**VALID, **fields}, format="json")


# --- generated from the title ----------------------------------------------------------------


@pytest.mark.parametrize(
    "title,slug",
    [
        ("Hello World", "hello-world"),
        ("  Why PostgreSQL?  ", "why-postgresql"),
        ("Crème brûlée & Ça va", "creme-brulee-ca-va"),
        ("Straße über Köln", "strasse-uber-koln"),
        ("Привет, мир", "privet-mir"),
        ("C++ -- the_good parts", "c-the-good-parts"),
        ("100% REST", "100-rest"),
        ("!!!", "post"),
        ("日本", "riben"),
        ("🎉", "tada"),
        ("¿?", "post"),
    ],
)
def test_slug_is_made_from_the_title(client_of, title, slug):
    response = create(client_of, title=title)

    assert response.status_code == 201
    assert response.json()["slug"] == slug
    assert Post.objects.get(id=response.json()["id"]).slug == slug


def test_long_titles_are_cut_to_100_characters_at_a_hyphen(client_of):
    title = " ".join(["word"] * 30) + " tail"  # "word-word-…": 149 characters as a slug

    slug = create(client_of, title=title).json()["slug"]

    assert len(slug) <= 100
    assert slug == "-".join(["word"] * 20)  # 99 characters; the next hyphen is past 100


def test_a_single_word_longer_than_100_characters_is_cut_at_100(client_of):
    assert create(client_of, title="a" * 150).json()["slug"] == "a" * 100


def test_same_titles_get_numbered_slugs(client_of):
    slugs = [create(client_of, title="Same Title").json()["slug"] for _ in range(3)]
    assert slugs == ["same-title", "same-title-2", "same-title-3"]


def test_a_generated_slug_avoids_former_slugs_too(client_of):
    first = create(client_of, title="Moving").json()
    client_of.patch(f"/api/posts/{first['id']}", {"slug": "moved"}, format="json")

    assert create(client_of, title="Moving").json()["slug"] == "moving-2"


def test_deleting_a_post_frees_its_slugs(client_of):
    first = create(client_of, title="Short lived").json()
    client_of.patch(f"/api/posts/{first['id']}", {"slug": "renamed"}, format="json")

    assert client_of.delete("/api/posts/renamed").status_code == 204

    assert not PostSlug.objects.exists()
    assert create(client_of, title="Short lived").json()["slug"] == "short-lived"
    assert create(client_of, title="x", slug="renamed").status_code == 201


def test_editing_the_title_never_changes_the_slug(client_of):
    post = create(client_of, title="First title").json()

    client_of.patch(f"/api/posts/{post['id']}", {"title": "Second title"}, format="json")
    response = client_of.put(f"/api/posts/{post['id']}", {**VALID, "title": "Third"}, format="json")

    assert response.json()["slug"] == "first-title"


# --- given slugs ---------------------------------------------------------------------------------


def test_a_valid_slug_can_be_given(client_of):
    response = create(client_of, slug="my-1st-post")
    assert (response.status_code, response.json()["slug"]) == (201, "my-1st-post")


@pytest.mark.parametrize(
    "slug,message",
    [
        ("", "This field may not be blank."),
        ("Upper", SLUG_INVALID),
        ("two--hyphens", SLUG_INVALID),
        ("-leading", SLUG_INVALID),
        ("trailing-", SLUG_INVALID),
        ("spa ce", SLUG_INVALID),
        ("ünï", SLUG_INVALID),
        ("a" * 121, "Ensure this field has no more than 120 characters."),
        ("123e4567-e89b-12d3-a456-426614174000", SLUG_LIKE_UUID),
        (None, "This field may not be null."),
        (12, "Not a valid string."),
    ],
)
def test_an_invalid_slug_is_400_with_errors_slug(client_of, slug, message):
    response = create(client_of, slug=slug)

    assert response.status_code == 400
    assert response.json()["errors"] == {"slug": [message]}
    assert not Post.objects.exists()


def test_a_120_character_slug_is_accepted(client_of):
    assert create(client_of, slug="a" * 120).status_code == 201


def test_a_slug_taken_by_another_posts_current_slug_is_400(client_of):
    PostFactory(slug="taken")

    response = create(client_of, slug="taken")

    assert response.status_code == 400
    assert response.json()["errors"] == {"slug": [SLUG_TAKEN]}


def test_changing_to_a_taken_slug_is_400_and_changes_nothing(client_of, user):
    PostFactory(slug="taken")
    mine = PostFactory(user=user, slug="mine")

    response = client_of.patch(f"/api/posts/{mine.id}", {"slug": "taken", "title": "New"}, format="json")

    assert response.status_code == 400
    mine.refresh_from_db()
    assert (mine.slug, mine.title) == ("mine", mine.title)
    assert list(mine.slugs.values_list("slug", flat=True)) == ["mine"]


def test_keeping_ones_own_slug_is_fine(client_of, user):
    mine = PostFactory(user=user, slug="mine")
    response = client_of.put(f"/api/posts/{mine.id}", {**VALID, "slug": "mine"}, format="json")
    assert (response.status_code, response.json()["slug"]) == (200, "mine")


# --- {id-or-slug} and former slugs -----------------------------------------------------------------


def test_every_post_route_takes_the_slug(client_of, user):
    post = PostFactory(user=user, slug="by-slug")
    path = "/api/posts/by-slug"

    assert client_of.get(path).json()["id"] == str(post.id)
    assert client_of.put(path, {**VALID, "title": "Put"}, format="json").json()["title"] == "Put"
    assert client_of.patch(path, {"title": "Patched"}, format="json").json()["title"] == "Patched"
    assert client_of.delete(path + "/").status_code == 204
    assert not Post.objects.filter(id=post.id).exists()


@pytest.mark.parametrize("given", ["no-such-slug", "UPPER", "a.b", "x" * 300, "0123456789abcdef0123456789abcdef"])
def test_an_unknown_slug_is_the_contracts_404(api_client, given):
    response = api_client.get(f"/api/posts/{given}")

    assert response.status_code == 404
    assert response.json() == {"status": "fail", "detail": POST_NOT_FOUND.format(id=given)}


def test_a_32_hex_digit_slug_is_a_slug_not_an_id(api_client):
    post = PostFactory(slug="0123456789abcdef0123456789abcdef")
    assert api_client.get(f"/api/posts/{post.slug}").json()["id"] == str(post.id)


def test_a_former_slug_redirects_get_and_head_to_the_current_one(client_of, api_client, user):
    post = PostFactory(user=user, slug="old-name")
    client_of.patch(f"/api/posts/{post.id}", {"slug": "new-name"}, format="json")

    response = api_client.get("/api/posts/old-name")

    assert response.status_code == 301
    assert response["Location"] == "/api/posts/new-name"
    assert response["Content-Type"] == "application/json"
    assert response.json()["slug"] == "new-name"
    head = api_client.head("/api/posts/old-name/")
    assert (head.status_code, head["Location"], head.content) == (301, "/api/posts/new-name", b"")
    assert api_client.get("/api/posts/new-name").json()["id"] == str(post.id)


def test_every_former_slug_keeps_redirecting(client_of, api_client, user):
    post = PostFactory(user=user, slug="one")
    for slug in ("two", "three"):
        client_of.patch(f"/api/posts/{post.id}", {"slug": slug}, format="json")

    for former in ("one", "two"):
        assert api_client.get(f"/api/posts/{former}")["Location"] == "/api/posts/three"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_on_a_former_slug_are_404(client_of, user, method):
    post = PostFactory(user=user, slug="old-name", title="Kept")
    client_of.patch(f"/api/posts/{post.id}", {"slug": "new-name"}, format="json")

    response = getattr(client_of, method)("/api/posts/old-name", VALID, format="json")

    assert response.status_code == 404
    assert response.json() == {"status": "fail", "detail": POST_NOT_FOUND.format(id="old-name")}
    assert Post.objects.filter(id=post.id, title="Kept").exists()


def test_a_posts_current_slug_wins_over_another_posts_former_one(client_of, api_client, user):
    first = PostFactory(user=user, slug="contested")
    client_of.patch(f"/api/posts/{first.id}", {"slug": "first-moved"}, format="json")

    second = create(client_of, slug="contested")

    assert second.status_code == 201
    assert api_client.get("/api/posts/contested").json()["id"] == second.json()["id"]
    assert api_client.get("/api/posts/first-moved").json()["id"] == str(first.id)


def test_a_post_may_take_back_its_own_former_slug(client_of, api_client, user):
    post = PostFactory(user=user, slug="a")
    client_of.patch(f"/api/posts/{post.id}", {"slug": "b"}, format="json")

    response = client_of.patch(f"/api/posts/{post.id}", {"slug": "a"}, format="json")

    assert response.json()["slug"] == "a"
    assert api_client.get("/api/posts/b")["Location"] == "/api/posts/a"


def test_a_former_slug_of_a_hidden_post_does_not_redirect_strangers(client_of, api_client, user):
    post = PostFactory(user=user, slug="old-draft", status=Status.DRAFT)
    client_of.patch(f"/api/posts/{post.id}", {"slug": "new-draft"}, format="json")

    assert api_client.get("/api/posts/old-draft").status_code == 404
    assert client_of.get("/api/posts/old-draft")["Location"] == "/api/posts/new-draft"


# --- concurrency -------------------------------------------------------------------------------------


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_creates_with_one_title_get_twenty_distinct_slugs(user, race):
    answers = []

    def attempt(n):
        response = create(bearer(user), title="Breaking News")
        answers.append((response.status_code, response.json().get("slug")))

    race(attempt, 20)

    assert [status for status, _ in answers] == [201] * 20
    expected = {"breaking-news", *(f"breaking-news-{n}" for n in range(2, 21))}
    assert {slug for _, slug in answers} == expected
    assert set(Post.objects.values_list("slug", flat=True)) == expected


@pytest.mark.django_db(transaction=True)
def test_two_posts_racing_for_one_given_slug_one_wins_the_other_gets_400(user, race):
    statuses = []
    race(lambda n: statuses.append(create(bearer(user), slug="wanted").status_code), 2)

    assert sorted(statuses) == [201, 400]
    assert Post.objects.count() == 1


def test_uuid_form_selects_by_id_even_in_upper_case(api_client):
    post = PostFactory()
    assert api_client.get(f"/api/posts/{str(post.id).upper()}").json()["id"] == str(post.id)


def test_an_unknown_uuid_never_falls_back_to_slugs(api_client):
    missing = str(uuid.uuid4())
    assert api_client.get(f"/api/posts/{missing}").status_code == 404
