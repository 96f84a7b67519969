"""Atom and RSS feeds (API.md, Feeds), parsed with the standard library's XML parser."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from django.utils import timezone

from posts.publishing import Status
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def parsed(response) -> ET.Element:
    assert response.status_code == 200, response.content
    return ET.fromstring(response.content)


@pytest.fixture
def posts(db):
    now = timezone.now()
    older = PostFactory(
        title="Older <post> & co",
        content="Some words " * 50,
        tag_names=["Django", "API"],
        published_at=now - dt.timedelta(days=2),
    )
    newer = PostFactory(
        title="Newer", excerpt="A teaser.", tag_names=["Travel"], published_at=now - dt.timedelta(days=1)
    )
    PostFactory(title="Draft", status=Status.DRAFT)
    PostFactory(title="Scheduled", published_at=now + dt.timedelta(days=1))
    return older, newer


def test_atom_feed_is_valid_atom_with_the_latest_live_posts(api_client, posts):
    _older, newer = posts

    response = api_client.get("/feed/atom")

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parsed(response)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Newer", "Older <post> & co"]
    first = entries[0]
    for required in ("id", "title", "updated", "published", "summary"):
        assert first.find(f"{ATOM}{required}") is not None, required
    assert first.findtext(f"{ATOM}summary") == "A teaser."
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver/api/posts/{newer.slug}"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == newer.user.name
    assert [c.get("term") for c in entries[1].findall(f"{ATOM}category")] == ["Django", "API"]
    assert dt.datetime.fromisoformat(first.findtext(f"{ATOM}published")) == newer.published_at


def test_rss_feed_is_valid_rss_2_with_dc_creator_and_no_email(api_client, posts):
    older, _newer = posts

    response = api_client.get("/feed/rss")

    assert response["Content-Type"].startswith("application/rss+xml")
    rss = parsed(response)
    assert (rss.tag, rss.get("version")) == ("rss", "2.0")
    channel = rss.find("channel")
    for required in ("title", "link", "description"):
        assert channel.find(required) is not None, required
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Newer", "Older <post> & co"]
    item = items[1]
    assert item.findtext("link") == f"http://testserver/api/posts/{older.slug}"
    assert item.findtext(DC_CREATOR) == older.user.name
    assert item.find("author") is None
    assert older.user.email not in response.content.decode()
    assert item.findtext("description") == older.excerpt
    assert [c.text for c in item.findall("category")] == ["Django", "API"]
    assert item.findtext("pubDate")


def test_feeds_hold_the_20_most_recent_live_posts(api_client):
    now = timezone.now()
    for n in range(25):
        PostFactory(title=f"Post {n}", published_at=now - dt.timedelta(minutes=n))

    items = parsed(api_client.get("/feed/rss/")).findall("channel/item")

    assert [item.findtext("title") for item in items] == [f"Post {n}" for n in range(20)]


@pytest.mark.parametrize("value", ["travel", "TRAVEL", "Travel"])
def test_tag_narrows_a_feed(api_client, posts, value):
    entries = parsed(api_client.get("/feed/atom", {"tag": value})).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Newer"]


def test_a_known_tag_without_live_posts_gives_an_empty_feed(api_client):
    PostFactory(tag_names=["secret"], status=Status.DRAFT)
    assert parsed(api_client.get("/feed/rss", {"tag": "secret"})).findall("channel/item") == []


@pytest.mark.parametrize("path", ["/feed/atom", "/feed/rss"])
def test_an_unknown_tag_is_404(api_client, posts, path):
    response = api_client.get(path, {"tag": "nope"})
    assert response.status_code == 404
    assert response.json()["status"] == "fail"


@override_settings(POST_URL="https://blog.example.com/{slug}")
def test_links_follow_post_url(api_client, posts):
    _older, newer = posts
    item = parsed(api_client.get("/feed/rss")).find("channel/item")
    assert item.findtext("link") == f"https://blog.example.com/{newer.slug}"


@override_settings(PUBLIC_READ=False)
@pytest.mark.parametrize("path", ["/feed/atom", "/feed/rss"])
def test_feeds_are_404_without_public_reads(api_client, posts, path):
    assert api_client.get(path).status_code == 404


def test_feeds_are_not_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert not any(path.startswith("/feed") for path in schema["paths"])
