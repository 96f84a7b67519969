"""Exact totals from the counts PostgreSQL keeps (posts.counts, migration 0007).

Each test writes posts every way the API, the admin's services and the jobs do, then checks
the list's ``total`` against COUNT(*) of the same posts, and the kept rows against a recount.
"""

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.tests.factories import ModeratorFactory, UserFactory
from posts import counts, services, tags
from posts.models import Post, PostCount, Tag
from posts.publishing import Status
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=3)


def kept_sums() -> dict[tuple[str, str, str], int]:
    rows = PostCount.objects.values_list("state", "dimension", "key").annotate(total=Sum("n"))
    return {(state, dimension, key): total for state, dimension, key, total in rows if total}


def assert_kept_counts_are_exact():
    kept = kept_sums()
    counts.recount()
    assert kept == kept_sums()


@pytest.fixture
def blog():
    """Two authors; live, draft, scheduled and gone-live-but-unannounced posts; shared tags."""
    alice, bob = UserFactory(), UserFactory()
    for n in range(3):
        PostFactory(user=alice, category="Tech", tag_names=["django", "api"][: n + 1])
    PostFactory(user=bob, category="tech", tag_names=["Django"])
    PostFactory(user=bob, category="life", status=Status.DRAFT, tag_names=["api"])
    PostFactory(user=alice, category="life", status=Status.DRAFT)
    PostFactory(user=alice, category="Tech", published_at=timezone.now() + LATER, tag_names=["django"])
    gone_live = PostFactory(user=bob, category="tech", published_at=timezone.now() + LATER, tag_names=["api"])
    Post.objects.filter(pk=gone_live.pk).update(published_at=timezone.now() - dt.timedelta(minutes=1))
    return alice, bob


def total(client, query: str = "") -> int:
    response = client.get(f"/api/posts?{query}")
    assert response.status_code == 200, response.content
    return response.json()["total"]


def test_kept_counts_follow_every_kind_of_write(blog):
    alice, bob = blog
    post = PostFactory(user=alice, category="Misc", tag_names=["one", "two"])
    services.post_update(post=post, category="Other", tag_names=["two", "three"])
    services.post_unpublish(post=post)
    services.post_publish_now(post=post)
    services.post_update(post=post, published_at=timezone.now() + LATER)
    draft = Post.objects.filter(status=Status.DRAFT).first()
    services.post_publish_now(post=draft)
    services.post_delete(post=Post.objects.filter(user=bob).first())
    tags.tags_merge(kept=Tag.objects.get(name="django"), merged=Tag.objects.get(name="api"))

    assert_kept_counts_are_exact()


def test_deleting_an_author_or_a_tag_takes_their_posts_out_of_the_counts(blog):
    alice, _ = blog
    Tag.objects.get(name="api").delete()
    alice.delete()

    assert_kept_counts_are_exact()


def test_the_announce_job_moves_a_post_gone_live_into_the_kept_count(blog):
    from events.tasks import announce_scheduled_posts

    before = kept_sums()[("live", "all", "")]
    announce_scheduled_posts(timestamp=0)

    assert kept_sums()[("live", "all", "")] == before + 1
    assert_kept_counts_are_exact()


def test_compacting_keeps_every_sum_and_leaves_one_row_a_key(blog):
    before = kept_sums()

    counts.compact()

    assert kept_sums() == before
    assert PostCount.objects.count() == len(before)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", lambda alice, bob: Post.objects.live()),
        ("category=TECH", lambda alice, bob: Post.objects.live().filter(category__iexact="tech")),
        ("tag=django", lambda alice, bob: Post.objects.live().filter(tags__name="django")),
        ("tag=api", lambda alice, bob: Post.objects.live().filter(tags__name="api")),
        ("tag=nope", lambda alice, bob: Post.objects.none()),
        ("user_id={bob}", lambda alice, bob: Post.objects.live().filter(user=bob)),
    ],
)
def test_the_public_lists_total_is_exact(api_client, blog, query, expected):
    alice, bob = blog
    count = expected(alice, bob).count()
    assert count > 0 or query == "tag=nope"

    listed = total(api_client, query.format(bob=bob.pk))
    assert listed == count and type(listed) is int


@pytest.mark.parametrize("status", ["all", "draft", "scheduled"])
def test_an_authors_and_a_moderators_totals_are_exact(auth_client, blog, status):
    alice, _ = blog
    moderator = ModeratorFactory()
    for reader in (alice, moderator):
        listed = Post.objects.with_list_status(status, reader)

        assert total(auth_client(reader), f"status={status}") == listed.count()
        assert (
            total(auth_client(reader), f"status={status}&category=tech")
            == listed.filter(category__iexact="tech").count()
        )


def test_totals_of_lists_that_are_not_kept_are_counted(api_client, blog):
    live = Post.objects.live()

    assert total(api_client, "tag=django&tag=api") == live.filter(tags__name="django").filter(tags__name="api").count()
    assert (
        total(api_client, "category=tech&tag=django")
        == live.filter(category__iexact="tech", tags__name="django").count()
    )


def test_the_tags_list_counts_live_posts_gone_live_unannounced_included(api_client, blog):
    response = api_client.get("/api/tags")

    live = Post.objects.live()
    expected = {name: live.filter(tags__name=name).count() for name in ("django", "api")}
    listed = {tag["name"]: tag["posts"] for tag in response.json()["tags"]}
    assert listed == expected
    assert all(type(count) is int for count in listed.values())


def test_the_seeds_bulk_insert_of_posts_with_their_tags_counts_each_tag_once():
    from io import StringIO

    from django.core.management import call_command

    call_command("seed", "--posts", "300", "--with-demo-logins", stdout=StringIO())

    assert_kept_counts_are_exact()
