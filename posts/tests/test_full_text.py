"""``q``: ranked full-text search with highlights (API.md, List parameters), through HTTP."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posts.models import Post
from posts.publishing import Status
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [post["title"] for post in response.json()["posts"]]


def search(client, q, **params):
    return client.get("/api/posts", {"q": q, **params})


@pytest.fixture
def corpus(db):
    now = timezone.now()
    return {
        title: PostFactory(title=title, content=content, published_at=now - dt.timedelta(hours=hours))
        for hours, (title, content) in enumerate(
            [
                ("Cooking pasta", "Boil the water, salt it, and cook the noodles for nine minutes."),
                ("Running a marathon", "Training plans, long runs and what to eat the day before."),
                ("Databases", "PostgreSQL runs the full text search of this blog with a GIN index."),
                ("Search engines", "How ranking works: term frequency, proximity and weights."),
                ("Gardening", "Water the tomatoes early; the cooking herbs like sun."),
            ]
        )
    }


def test_english_stemming_matches_other_forms(api_client, corpus):
    assert set(titles(search(api_client, "runs"))) == {"Running a marathon", "Databases"}
    assert titles(search(api_client, "cooked")) == ["Cooking pasta", "Gardening"]


def test_a_title_match_ranks_above_a_content_match(api_client, corpus):
    # "search" is in the title of one post and the content of another, older... and newer ones.
    assert titles(search(api_client, "search")) == ["Search engines", "Databases"]


def test_relevance_then_newest_publication_then_id(api_client):
    now = timezone.now()
    older = PostFactory(title="Alpha", content="kayak", published_at=now - dt.timedelta(days=2))
    newer = PostFactory(title="Beta", content="kayak", published_at=now - dt.timedelta(days=1))
    twins = [PostFactory(title="Gamma", content="kayak", published_at=now - dt.timedelta(days=3)) for _ in range(2)]

    response = search(api_client, "kayak")

    expected = [newer.id, older.id, *sorted((post.id for post in twins), reverse=True)]
    assert [post["id"] for post in response.json()["posts"]] == [str(i) for i in expected]


def test_an_exact_phrase_in_quotes(api_client, corpus):
    assert titles(search(api_client, '"full text search"')) == ["Databases"]
    assert titles(search(api_client, '"search full text"')) == []


def test_or_matches_either_word(api_client, corpus):
    assert set(titles(search(api_client, "marathon or tomatoes"))) == {"Running a marathon", "Gardening"}


def test_minus_word_excludes_it(api_client, corpus):
    assert titles(search(api_client, "water -tomatoes")) == ["Cooking pasta"]


def test_every_word_must_match_by_default(api_client, corpus):
    assert titles(search(api_client, "water noodles")) == ["Cooking pasta"]


@pytest.mark.parametrize("q", ["the", "the and of", "a -the"])
def test_a_query_of_stop_words_only_matches_nothing_without_error(api_client, corpus, q):
    body = search(api_client, q).json()
    assert (body["total"], body["posts"]) == (0, [])


@pytest.mark.parametrize("q", ['"unclosed', "&|!:*", "(((", "-", "or or or", "'; DROP TABLE posts_post; --"])
def test_any_text_is_a_valid_query(api_client, corpus, q):
    assert search(api_client, q).status_code == 200


def test_q_longer_than_200_characters_is_400(api_client):
    response = search(api_client, "x" * 201)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["q"]


def test_explicit_ordering_wins_over_relevance(api_client, corpus):
    assert titles(search(api_client, "water", ordering="title")) == ["Cooking pasta", "Gardening"]
    assert titles(search(api_client, "water", ordering="-title")) == ["Gardening", "Cooking pasta"]


def test_q_sees_only_what_the_caller_may_see_and_total_counts_matches(api_client, client_of, user):
    PostFactory(title="Kayak trip", content="paddles")
    PostFactory(title="Kayak plans", content="paddles", status=Status.DRAFT, user=user)

    assert search(api_client, "kayak").json()["total"] == 1
    assert search(client_of, "kayak", status="all").json()["total"] == 2


def test_q_combines_with_a_tag_filter(api_client):
    wanted = PostFactory(title="Django search", content="ranking", tag_names=["django"])
    PostFactory(title="Flask search", content="ranking", tag_names=["flask"])
    PostFactory(title="Django admin", content="forms", tag_names=["django"])

    response = search(api_client, "search", tag="django")

    assert [post["id"] for post in response.json()["posts"]] == [str(wanted.id)]


def test_search_and_q_combine(api_client, corpus):
    assert titles(search(api_client, "water", search="nine")) == ["Cooking pasta"]


# --- highlight ----------------------------------------------------------------------------------


def test_matches_are_marked_in_title_and_content(api_client, corpus):
    (post,) = search(api_client, "marathon").json()["posts"]

    assert post["highlight"]["title"] == "Running a <mark>marathon</mark>"
    assert "<mark>" not in post["highlight"]["content"]  # "marathon" is in the title only


def test_stemmed_matches_are_marked_as_written(api_client, corpus):
    (post,) = search(api_client, "noodle").json()["posts"]
    assert "cook the <mark>noodles</mark> for nine minutes" in post["highlight"]["content"]


def test_everything_else_is_html_escaped(api_client):
    PostFactory(title="<script>alert('x')</script> & kayak", content='Use <b>bold</b> & "quotes" with a kayak.')

    (post,) = search(api_client, "kayak").json()["posts"]

    assert post["highlight"]["title"] == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; <mark>kayak</mark>"
    assert post["highlight"]["content"] == (
        "Use &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot; with a <mark>kayak</mark>."
    )
    assert post["title"] == "<script>alert('x')</script> & kayak"  # the post itself is unchanged


def test_the_content_highlight_is_a_snippet_of_about_30_words(api_client):
    words = [f"word{n}" for n in range(300)]
    words[150] = "needle"
    PostFactory(title="Long", content=" ".join(words))

    (post,) = search(api_client, "needle").json()["posts"]

    snippet = post["highlight"]["content"]
    assert "<mark>needle</mark>" in snippet
    assert 20 <= len(snippet.split()) <= 36


def test_highlight_appears_only_on_q_searches(api_client, corpus):
    assert all("highlight" not in post for post in api_client.get("/api/posts").json()["posts"])
    assert all("highlight" not in post for post in api_client.get("/api/posts", {"search": "water"}).json()["posts"])
    post = corpus["Gardening"]
    assert "highlight" not in api_client.get(f"/api/posts/{post.id}").json()


def test_headlines_are_made_for_the_page_rows_only(api_client):
    PostFactory.create_batch(15, title="Kayak", content="paddles")

    with CaptureQueriesContext(connection) as captured:
        posts = search(api_client, "kayak", limit=5).json()["posts"]

    assert len(posts) == 5 and all("highlight" in post for post in posts)
    (headline_query,) = [q["sql"] for q in captured if "ts_headline" in q["sql"]]
    assert headline_query.count("::uuid") == 5  # the ids of the page's posts, and only them
    assert all(uuid.UUID(post["id"]).hex in headline_query for post in posts)
    assert all("ts_headline" not in q["sql"] for q in captured if "ts_rank_cd" in q["sql"])


def test_the_stored_vector_follows_edits(client_of, api_client, user):
    post = PostFactory(user=user, title="Kayak", content="paddles")

    client_of.patch(f"/api/posts/{post.id}", {"title": "Canoe"}, format="json")

    assert titles(search(api_client, "kayak")) == []
    assert titles(search(api_client, "canoe")) == ["Canoe"]
    assert Post.objects.get(id=post.id).search_vector is not None
