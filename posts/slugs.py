"""Slugs: made from titles, validated when given, kept as history (API.md, Posts → Slugs).

Every slug a post has had is a row of ``PostSlug`` whose ``slug`` is unique: the
constraint, not a check-then-insert, decides between concurrent claims of one slug, and
the loser moves on to the next suffix (``-2``, ``-3``, …).
"""

import re

from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from posts.models import Post, PostSlug

GENERATED_MAX_LENGTH = 100  # leaves room for a "-N" suffix within the 120 characters of a slug
FALLBACK_SLUG = "post"
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)

SLUG_INVALID = "Use 1-120 lowercase letters a-z, digits and single hyphens between them."
SLUG_LIKE_UUID = "A slug cannot have the form of a UUID."
SLUG_TAKEN = "This slug is already used by another post."


def slugify(text: str) -> str:
    """Transliterated to ASCII, lower-cased, non-alphanumerics to hyphens, cut to 100 characters at a hyphen."""
    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(text).lower()).strip("-")
    if len(slug) > GENERATED_MAX_LENGTH:
        cut = slug[: GENERATED_MAX_LENGTH + 1]  # one more: does a word end at character 100?
        slug = cut[: cut.rfind("-")] if "-" in cut else cut[:GENERATED_MAX_LENGTH]
    return slug or FALLBACK_SLUG


def is_uuid_form(value: str) -> bool:
    return UUID_PATTERN.fullmatch(value) is not None


def validate_slug(value: str) -> None:
    """The form of a given slug (its availability: ``taken_by_another``)."""
    if not SLUG_PATTERN.fullmatch(value):
        raise ValidationError(SLUG_INVALID, code="invalid")
    if is_uuid_form(value):
        raise ValidationError(SLUG_LIKE_UUID, code="uuid")


def taken_by_another(slug: str, post: Post | None) -> bool:
    """Another post has ``slug`` as its current slug (another's former slug can be taken over)."""
    others = Post.objects.filter(slug=slug)
    return (others.exclude(pk=post.pk) if post is not None else others).exists()


def lookup(id_or_slug: str) -> dict:
    """``{id-or-slug}``: the UUID form selects by id, anything else by current slug."""
    return {"pk": id_or_slug} if is_uuid_form(id_or_slug) else {"slug": id_or_slug}


def current_slug_of_former(posts, slug: str) -> str | None:
    """The current slug of the post among ``posts`` that once had ``slug``, if any."""
    if is_uuid_form(slug):
        return None
    return posts.filter(slugs__slug=slug).exclude(slug=slug).values_list("slug", flat=True).first()


CLAIM = (
    f"INSERT INTO {PostSlug._meta.db_table} (slug, post_id, created_at) VALUES (%s, %s, %s) "  # noqa: S608
    "ON CONFLICT (slug) DO NOTHING RETURNING id"
)


def _claim(post: Post, slug: str) -> bool:
    """Whether ``slug`` is now ``post``'s: taken by nobody, and not by a concurrent claim that commits.

    ON CONFLICT rather than a savepoint: one round trip, and a lost race does not abort the
    caller's transaction.
    """
    with connections[router.db_for_write(PostSlug)].cursor() as cursor:
        cursor.execute(CLAIM, [slug, post.pk, timezone.now()])
        return cursor.fetchone() is not None


def numbered(base: str):
    """``base``, ``base-2``, ``base-3``, …"""
    yield base
    number = 2
    while True:
        yield f"{base}-{number}"
        number += 1


def claim_generated_slug(post: Post) -> str:
    """The first free one of ``slugify(title)``, ``-2``, ``-3``, … among every current and former slug."""
    base = slugify(post.title)
    taken = set(PostSlug.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list("slug", flat=True))
    return next(slug for slug in numbered(base) if slug not in taken and _claim(post, slug))


def claim_given_slug(post: Post, slug: str) -> None:
    """Make ``slug`` one of ``post``'s slugs: taken over from another post's history if need be."""
    holder = PostSlug.objects.select_for_update().filter(slug=slug).first()
    if holder is not None and holder.post_id == post.pk:
        return  # its own current or former slug
    if taken_by_another(slug, post):
        raise ValidationError({"slug": [SLUG_TAKEN]}, code="taken")
    if holder is not None:
        holder.delete()  # another post's former slug: a current slug wins over it
    if not _claim(post, slug):
        raise ValidationError({"slug": [SLUG_TAKEN]}, code="taken")
