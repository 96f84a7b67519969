from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from posts.management.commands.seed import DEMO_DRAFT, DEMO_PASSWORD, DEMO_POSTS, DEMO_SCHEDULED, DEMO_USERS
from posts.models import Post, PostSlug
from posts.publishing import ShownStatus

DEMO_TITLES = [title for title, _, _ in [*DEMO_POSTS, DEMO_DRAFT, DEMO_SCHEDULED]]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # as under make run; pytest-django turns DEBUG off


def seed(*args) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_demo_users_and_posts_once():
    assert "Created 4 of 4 demo users" in seed()
    assert "Created 0 of 4 demo users" in seed()

    assert User.objects.count() == len(DEMO_USERS)
    assert Post.objects.count() == len(DEMO_TITLES)
    assert Post.objects.live().count() == len(DEMO_POSTS)
    assert Post.objects.get(title=DEMO_DRAFT[0]).shown_status == ShownStatus.DRAFT
    assert Post.objects.get(title=DEMO_SCHEDULED[0]).shown_status == ShownStatus.SCHEDULED
    moderator = User.objects.get(email="mod@example.com")
    assert (moderator.role, moderator.verified) == (Role.MODERATOR, True)
    assert moderator.check_password(DEMO_PASSWORD)


def test_seed_never_changes_existing_users():
    seed()
    alice = User.objects.get(email="alice@example.com")
    alice.set_password("changed-Password-1")
    alice.save()
    seed()
    alice.refresh_from_db()
    assert alice.check_password("changed-Password-1")


def test_if_empty_does_nothing_when_a_user_exists(user):
    assert "not seeding" in seed("--if-empty")
    assert User.objects.count() == 1


def test_generated_posts_are_bulk_inserted_with_distinct_timestamps():
    seed("--posts", "120")
    generated = Post.objects.exclude(title__in=DEMO_TITLES)
    assert generated.count() == 120
    assert generated.values("created_at").distinct().count() == 120
    assert set(generated.values_list("user__email", flat=True)) == {email for email, _, _ in DEMO_USERS}


def test_generated_posts_include_drafts_and_scheduled_posts_with_unique_slugs_across_runs():
    seed("--posts", "200")
    seed("--posts", "200")

    generated = Post.objects.exclude(title__in=DEMO_TITLES)
    assert generated.count() == 400
    statuses = [post.shown_status for post in generated]
    assert statuses.count(ShownStatus.DRAFT) == 8
    assert statuses.count(ShownStatus.SCHEDULED) == 4
    assert generated.values("slug").distinct().count() == 400
    # Each slug is also in the history table, so that the API's slug rules hold for them.
    assert PostSlug.objects.filter(post__in=generated).count() == 400


def test_negative_post_count_is_refused():
    with pytest.raises(CommandError, match="--posts"):
        seed("--posts", "-1")


def test_seed_refuses_to_create_demo_logins_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--with-demo-logins"):
        seed()
    assert not User.objects.exists()

    seed("--with-demo-logins")
    assert User.objects.filter(email="admin@example.com").exists()
