"""The workflows that change a post, each one transaction (API.md, Posts).

Views and the admin call these; slugs and publication rules live in ``posts.slugs`` and
on the model, so every way of writing a post follows them.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from posts import slugs, tags
from posts.models import Post
from posts.publishing import Status
from posts.signals import post_changed


def post_create(*, author: User, slug: str | None = None, tag_names: list[str] | None = None, **fields) -> Post:
    return post_save_new(post=Post(user=author, **fields), slug=slug, tag_names=tag_names)


@transaction.atomic
def post_save_new(*, post: Post, slug: str | None = None, tag_names: list[str] | None = None) -> Post:
    """Insert a built post, with ``slug`` or one made from its title."""
    if slug:
        slugs.claim_given_slug(post, slug)
        post.slug = slug
    else:
        post.slug = slugs.claim_generated_slug(post)
    post.save(force_insert=True)
    tags.add_post_tags(post, tag_names or [])
    post_changed.send(sender=Post, post=post, was_live=False, deleted=False)
    return post


@transaction.atomic
def post_update(*, post: Post, slug: str | None = None, tag_names: list[str] | None = None, **fields) -> Post:
    """Apply ``fields``; a new slug joins the post's history (the old one then redirects).

    ``tag_names`` (when given) replaces the post's tags; ``None`` keeps them.
    """
    was_live = post.is_live and post.announced  # gone live on schedule but not announced yet: not "was"
    for name, value in fields.items():
        setattr(post, name, value)
    if slug and slug != post.slug:
        slugs.claim_given_slug(post, slug)
        post.slug = slug
    post.save()
    if tag_names is not None:
        tags.set_post_tags(post, tag_names)
    post_changed.send(sender=Post, post=post, was_live=was_live, deleted=False)
    return post


@transaction.atomic
def post_publish_now(*, post: Post) -> Post:
    """Live from now on: a draft or a scheduled post is published at this moment."""
    if post.published_at is None or post.published_at > timezone.now():
        post.published_at = timezone.now()
    return post_update(post=post, status=Status.PUBLISHED)


def post_unpublish(*, post: Post) -> Post:
    """Back to draft; ``published_at`` is kept for a later republication."""
    return post_update(post=post, status=Status.DRAFT)


@transaction.atomic
def post_delete(*, post: Post) -> None:
    post_changed.send(sender=Post, post=post, was_live=post.is_live, deleted=True)
    post.delete()  # its slugs go with it (PostSlug cascades) and are free again
