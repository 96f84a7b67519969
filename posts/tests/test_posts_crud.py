import uuid

import pytest

from posts.models import CONTENT_MAX_LENGTH, Post
from posts.permissions import NOT_ALLOWED
from posts.tests.factories import PostFactory
from posts.views import POST_NOT_FOUND

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "https://example.com/a.png"}
POST_KEYS = {
    "id",
    "slug",
    "title",
    "content",
    "excerpt",
    "reading_time",
    "category",
    "image",
    "tags",
    "status",
    "published_at",
    "user_id",
    "user",
    "created_at",
    "updated_at",
}


def url(post_id=None) -> str:
    return "/api/posts" if post_id is None else f"/api/posts/{post_id}"


def test_create_post_sets_author_and_ignores_read_only_fields(client_of, user, moderator):
    body = {**VALID, "id": str(uuid.uuid4()), "user_id": str(moderator.id), "created_at": "2001-01-01T00:00:00Z"}

    response = client_of.post(url(), body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert set(data) == POST_KEYS
    assert data["id"] != body["id"]
    assert data["user_id"] == str(user.id)
    assert data["user"] == {"id": str(user.id), "name": user.name, "photo": None}
    assert not data["created_at"].startswith("2001")
    post = Post.objects.get(id=data["id"])
    assert (post.user_id, post.title, post.content, post.category, post.image) == (
        user.id,
        "Hello",
        "World",
        "news",
        VALID["image"],
    )


def test_timestamps_are_iso_8601_utc_with_microseconds_and_equal_on_create(client_of):
    data = client_of.post(url(), VALID, format="json").json()
    assert data["created_at"].endswith("Z")
    assert len(data["created_at"]) == len("2024-01-01T00:00:00.000000Z")
    assert data["updated_at"] == data["created_at"]


def test_post_never_exposes_author_email(client_of, user):
    post = PostFactory(user=user)
    assert user.email not in client_of.get(url(post.id)).content.decode()


@pytest.mark.parametrize("missing", ["title", "content", "category", "image"])
def test_create_requires_every_field(client_of, missing):
    body = {k: v for k, v in VALID.items() if k != missing}

    response = client_of.post(url(), body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "status": "fail",
        "detail": "Invalid input.",
        "errors": {missing: ["This field is required."]},
    }
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 256),
        ("content", ""),
        ("content", "x" * (CONTENT_MAX_LENGTH + 1)),
        ("category", "x" * 101),
        ("image", "x" * 256),
        ("title", "nul\x00byte"),
        ("title", None),
        ("title", 12),
        ("image", True),
        ("content", ["a"]),
    ],
)
def test_create_rejects_bad_fields(client_of, field, value):
    response = client_of.post(url(), {**VALID, field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["status"] == "fail"
    assert list(response.json()["errors"]) == [field]
    assert not Post.objects.exists()


def test_content_at_the_limit_is_accepted(client_of):
    response = client_of.post(url(), {**VALID, "content": "x" * CONTENT_MAX_LENGTH}, format="json")
    assert response.status_code == 201


def test_retrieve_post(client_of):
    post = PostFactory()

    response = client_of.get(url(post.id))

    assert response.status_code == 200
    assert response.json()["id"] == str(post.id)
    assert response.json()["user_id"] == str(post.user_id)


@pytest.mark.parametrize("post_id", [uuid.uuid4(), "not-a-uuid", "123"])
def test_unknown_or_malformed_id_is_404_with_contract_message(client_of, post_id):
    response = client_of.get(url(post_id))

    assert response.status_code == 404
    assert response.json() == {"status": "fail", "detail": POST_NOT_FOUND.format(id=post_id)}


def test_put_replaces_all_fields_and_bumps_updated_at(client_of, user):
    post = PostFactory(user=user)
    body = {"title": "New", "content": "New content", "category": "other", "image": "new.png"}

    response = client_of.put(url(post.id), body, format="json")

    assert response.status_code == 200
    assert {k: response.json()[k] for k in body} == body
    post.refresh_from_db()
    assert post.title == "New" and post.image == "new.png"
    assert post.updated_at > post.created_at


def test_put_requires_all_writable_fields(client_of, user):
    post = PostFactory(user=user, title="Old")

    response = client_of.put(url(post.id), {"title": "New"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"content", "category", "image"}
    post.refresh_from_db()
    assert post.title == "Old"


def test_patch_updates_only_given_fields(client_of, user):
    post = PostFactory(user=user, title="Old", category="keep")
    before = post.updated_at

    response = client_of.patch(url(post.id), {"title": "New", "user_id": str(uuid.uuid4())}, format="json")

    assert response.status_code == 200
    post.refresh_from_db()
    assert (post.title, post.category, post.user_id) == ("New", "keep", user.id)
    assert post.updated_at > before


def test_delete_own_post(client_of, user):
    post = PostFactory(user=user)

    response = client_of.delete(url(post.id))

    assert response.status_code == 204
    assert response.content == b""
    assert not Post.objects.filter(id=post.id).exists()


def test_trailing_slash_works_without_redirect(client_of, user):
    post = PostFactory(user=user)
    assert client_of.get("/api/posts/").status_code == 200
    assert client_of.get(f"/api/posts/{post.id}/").status_code == 200
    assert client_of.post("/api/posts/", VALID, format="json").status_code == 201


# --- permission matrix: owner, other user, moderator, anonymous -------------------------


@pytest.fixture
def others_post(db):
    return PostFactory(title="Theirs")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_non_owner_cannot_write_post(client_of, others_post, method):
    response = getattr(client_of, method)(url(others_post.id), VALID, format="json")

    assert response.status_code == 403
    assert response.json() == {"status": "fail", "detail": NOT_ALLOWED}
    others_post.refresh_from_db()
    assert others_post.title == "Theirs"


@pytest.mark.parametrize("method,status", [("put", 200), ("patch", 200), ("delete", 204)])
def test_moderator_can_write_any_post(auth_client, moderator, others_post, method, status):
    response = getattr(auth_client(moderator), method)(url(others_post.id), VALID, format="json")

    assert response.status_code == status
    post = Post.objects.filter(id=others_post.id).first()
    assert post is None if method == "delete" else post.title == "Hello"
    if post:
        assert post.user_id == others_post.user_id  # the author does not change


def test_other_user_can_read_post(client_of, others_post):
    assert client_of.get(url(others_post.id)).status_code == 200


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "list"),
        ("put", "detail"),
        ("patch", "detail"),
        ("delete", "detail"),
    ],
)
def test_anonymous_writes_get_401_with_bearer_challenge(api_client, others_post, method, path):
    response = getattr(api_client, method)(url() if path == "list" else url(others_post.id), VALID, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"status": "fail", "detail": "Authentication credentials were not provided."}
    assert Post.objects.filter(id=others_post.id, title="Theirs").exists()


def test_missing_post_is_404_before_403(client_of):
    missing = uuid.uuid4()
    response = client_of.delete(url(missing))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "image", ["javascript:alert(1)", "JavaScript:alert(1)", " data:text/html,x", "vbscript:x", "ftp://x/y.png"]
)
def test_image_must_be_an_http_url_or_a_path(client_of, image):
    response = client_of.post(url(), {**VALID, "image": image}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["image"]


@pytest.mark.parametrize("image", ["default.png", "/media/a.png", "https://cdn.example.com/a.png", "http://x.test/a"])
def test_image_urls_and_paths_are_fine(client_of, image):
    assert client_of.post(url(), {**VALID, "image": image}, format="json").status_code == 201
