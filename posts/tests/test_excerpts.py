"""``excerpt`` and ``reading_time`` (API.md, Posts → Publishing), through HTTP."""

import pytest

from posts.models import Post

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}
WORDS_250 = " ".join(f"word{n}" for n in range(250))


def create(client, **fields) -> dict:
    response = client.post("/api/posts", {**VALID, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_short_content_is_its_own_excerpt(client_of):
    assert create(client_of, content="Short and sweet.")["excerpt"] == "Short and sweet."


def test_exactly_200_characters_are_not_cut(client_of):
    content = "x" * 200
    assert create(client_of, content=content)["excerpt"] == content


def test_long_content_is_cut_at_a_word_boundary_with_an_ellipsis(client_of):
    excerpt = create(client_of, content=WORDS_250)["excerpt"]

    text = excerpt.removesuffix("\u2026")
    assert excerpt.endswith("\u2026")
    assert len(text) <= 200
    assert WORDS_250.startswith(text + " ")  # whole words only: the next character is a space
    next_word = WORDS_250[len(text) + 1 :].split()[0]
    assert len(text) + 1 + len(next_word) > 200  # the next word did not fit


def test_a_word_ending_exactly_at_200_characters_is_kept(client_of):
    content = "a" * 199 + "b" + " next words"
    assert create(client_of, content=content)["excerpt"] == "a" * 199 + "b\u2026"


def test_one_word_longer_than_200_characters_is_cut_at_200(client_of):
    assert create(client_of, content="z" * 300)["excerpt"] == "z" * 200 + "\u2026"


def test_the_excerpt_follows_the_content_until_one_is_given(client_of):
    post = create(client_of, content="First version.")
    path = f"/api/posts/{post['id']}"

    assert client_of.patch(path, {"content": "Second version."}, format="json").json()["excerpt"] == "Second version."
    given = client_of.patch(path, {"excerpt": "A teaser."}, format="json").json()
    assert given["excerpt"] == "A teaser."
    assert client_of.patch(path, {"content": "Third version."}, format="json").json()["excerpt"] == "A teaser."
    assert client_of.put(path, {**VALID, "content": "Fourth."}, format="json").json()["excerpt"] == "A teaser."


@pytest.mark.parametrize("cleared", ["", None, "   "])
def test_an_empty_or_null_excerpt_goes_back_to_the_content(client_of, cleared):
    post = create(client_of, content="The content.", excerpt="A teaser.")

    data = client_of.patch(f"/api/posts/{post['id']}", {"excerpt": cleared}, format="json").json()

    assert data["excerpt"] == "The content."
    assert Post.objects.get(id=post["id"]).custom_excerpt == ""


def test_an_excerpt_may_have_500_characters_not_more(client_of):
    assert create(client_of, excerpt="e" * 500)["excerpt"] == "e" * 500

    response = client_of.post("/api/posts", {**VALID, "excerpt": "e" * 501}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["excerpt"]


@pytest.mark.parametrize("words,minutes", [(1, 1), (200, 1), (201, 2), (400, 2), (401, 3), (1000, 5)])
def test_reading_time_is_whole_minutes_at_200_words_a_minute(client_of, words, minutes):
    content = " ".join(["word"] * words)
    assert create(client_of, content=content)["reading_time"] == minutes


def test_reading_time_is_read_only_and_follows_the_content(client_of):
    post = create(client_of, content="one two", reading_time=99)
    assert post["reading_time"] == 1

    data = client_of.patch(f"/api/posts/{post['id']}", {"content": " ".join(["w"] * 450)}, format="json").json()
    assert data["reading_time"] == 3
