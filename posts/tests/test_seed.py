from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from posts.management.commands.seed import DEMO_PASSWORD, DEMO_POSTS, DEMO_USERS
from posts.models import Post

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_demo_users_and_posts_once():
    assert "Created 4 of 4 demo users" in seed()
    assert "Created 0 of 4 demo users" in seed()

    assert User.objects.count() == len(DEMO_USERS)
    assert Post.objects.count() == len(DEMO_POSTS)
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
    generated = Post.objects.exclude(title__in=[title for title, _, _ in DEMO_POSTS])
    assert generated.count() == 120
    assert generated.values("created_at").distinct().count() == 120
    assert set(generated.values_list("user__email", flat=True)) == {email for email, _, _ in DEMO_USERS}


def test_negative_post_count_is_refused():
    with pytest.raises(CommandError, match="--posts"):
        seed("--posts", "-1")
