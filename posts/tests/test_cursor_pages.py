"""Cursor (keyset) pages of the post list (API.md, List parameters: cursor), through HTTP."""

import datetime as dt

import pytest
from django.utils import timezone

from blogapi.pagination import BAD_CURSOR, PAGE_OR_CURSOR
from posts.models import Post
from posts.publishing import Status
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def walk(client, direction="next", **params) -> tuple[list[str], list[dict]]:
    """Follow ``next`` from the first page to the end: the ids seen, and every page's body."""
    body = client.get("/api/posts", params).json()
    pages = [body]
    while body[direction]:
        body = client.get(body[direction]).json()
        pages.append(body)
    return [post["id"] for page in pages for post in page["posts"]], pages


def test_following_next_from_the_first_page_sees_every_post_once_with_ties(api_client):
    moment = timezone.now() - dt.timedelta(hours=1)
    posts = [PostFactory(published_at=moment) for _ in range(7)] + PostFactory.create_batch(4)

    seen, pages = walk(api_client, limit=3)

    assert sorted(seen) == sorted(str(post.id) for post in posts)
    assert len(seen) == len(set(seen))
    assert [page["page"] for page in pages] == [1, None, None, None]
    assert all(page["total"] == 11 for page in pages)
    assert "cursor=" in pages[0]["next"] and "page=" not in pages[0]["next"]


def test_a_walk_stays_exact_while_posts_are_created(api_client):
    originals = PostFactory.create_batch(9)
    body = api_client.get("/api/posts", {"limit": 4}).json()
    seen = [post["id"] for post in body["posts"]]
    while body["next"]:
        PostFactory.create_batch(2)  # new posts land at the top, before the walk's position
        body = api_client.get(body["next"]).json()
        seen += [post["id"] for post in body["posts"]]

    assert seen == [str(post.id) for post in sorted(originals, key=lambda p: (p.published_at, p.id), reverse=True)]


@pytest.mark.parametrize("ordering", ["title", "-title", "created_at", "-updated_at", "published_at", "-published_at"])
def test_every_ordering_walks_across_the_null_group_of_drafts(client_of, user, ordering):
    moment = timezone.now() - dt.timedelta(days=1)
    posts = [PostFactory(user=user, published_at=moment, title=f"T{n % 3}") for n in range(5)]
    posts += [PostFactory(user=user, status=Status.DRAFT, title=f"T{n % 2}") for n in range(4)]
    posts += [PostFactory(user=user, title="Z") for _ in range(2)]

    seen, _ = walk(client_of, limit=2, status="all", ordering=ordering)
    numbered = [
        post["id"]
        for page in range(1, 7)
        for post in client_of.get(
            "/api/posts", {"limit": 2, "status": "all", "ordering": ordering, "page": page}
        ).json()["posts"]
    ]

    assert seen == numbered  # the same order as the numbered pages, none skipped or repeated
    assert sorted(seen) == sorted(str(post.id) for post in posts)


def test_previous_walks_back_to_the_first_page(api_client):
    PostFactory.create_batch(7)
    forward, pages = walk(api_client, limit=3)

    back = api_client.get(pages[-1]["previous"]).json()
    first = api_client.get(back["previous"]).json()

    assert [post["id"] for post in back["posts"]] == forward[3:6]
    assert [post["id"] for post in first["posts"]] == forward[:3]
    assert first["previous"] is None
    assert first["next"] is not None


def test_cursor_pages_keep_the_other_parameters(api_client):
    PostFactory.create_batch(3, category="news")
    PostFactory(category="other")

    seen, pages = walk(api_client, limit=2, category="news")

    assert len(seen) == 3
    assert "category=news" in pages[0]["next"] and "limit=2" in pages[0]["next"]


def test_q_results_walk_by_relevance(api_client):
    for n in range(6):
        PostFactory(title="kayak " * (n % 3 + 1), content="paddle")
    by_page = [post["id"] for post in api_client.get("/api/posts", {"q": "kayak", "limit": 6}).json()["posts"]]

    seen, pages = walk(api_client, q="kayak", limit=4)

    assert seen == by_page
    assert all("highlight" in post for page in pages for post in page["posts"])


def test_page_and_cursor_together_are_400(api_client):
    PostFactory.create_batch(3)
    cursor_url = api_client.get("/api/posts", {"limit": 1}).json()["next"]

    response = api_client.get(cursor_url + "&page=2")

    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": [PAGE_OR_CURSOR]}


@pytest.mark.parametrize(
    "cursor",
    ["", "garbage", "eyJrIjpbXX0", "eyJrIjpbMSwyXSwiYiI6ZmFsc2V9", "eyJrIjpbIngiLCJ5Il0sImIiOiJubyJ9", "%00"],
)
def test_a_malformed_cursor_is_400(api_client, cursor):
    PostFactory()
    response = api_client.get("/api/posts", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": [BAD_CURSOR]}


def test_a_cursor_of_another_ordering_is_400(api_client):
    PostFactory.create_batch(2)
    cursor = api_client.get("/api/posts", {"limit": 1, "ordering": "title"}).json()["next"].split("cursor=")[1]

    assert api_client.get("/api/posts", {"cursor": cursor}).status_code == 400


def test_a_cursor_page_runs_as_many_queries_as_the_first(api_client, django_assert_num_queries):
    PostFactory.create_batch(30)
    cursor_url = api_client.get("/api/posts", {"limit": 5}).json()["next"]
    with django_assert_num_queries(2):  # COUNT(*), the page
        assert api_client.get(cursor_url).json()["results"] == 5


def test_deleting_the_post_at_the_cursor_does_not_break_a_walk(api_client):
    PostFactory.create_batch(6)
    first = api_client.get("/api/posts", {"limit": 2}).json()
    Post.objects.get(id=first["posts"][-1]["id"]).delete()  # the row the next cursor points after

    seen = [post["id"] for post in first["posts"]]
    body = api_client.get(first["next"]).json()
    seen += [post["id"] for post in body["posts"]]
    while body["next"]:
        body = api_client.get(body["next"]).json()
        seen += [post["id"] for post in body["posts"]]

    assert len(seen) == len(set(seen)) == 6
