"""Tags: names cleaned and merged, one row per name whatever its case (API.md, Posts → Tags)."""

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery, Value

from posts import counts
from posts.models import Post, PostTag, Tag
from posts.slugs import numbered, slugify

MAX_TAGS = 10
TOO_MANY_TAGS = f"At most {MAX_TAGS} tags (after merging duplicates)."


def merged_names(names: list[str]) -> list[str]:
    """Trimmed names in the order given, later case-insensitive duplicates dropped."""
    seen, merged = set(), []
    for name in (name.strip() for name in names):
        if name.casefold() not in seen:
            seen.add(name.casefold())
            merged.append(name)
    return merged


def free_slug(name: str) -> str:
    """The first of ``slugify(name)``, ``-2``, ``-3``, … that no tag has."""
    return next(slug for slug in numbered(slugify(name)) if not Tag.objects.filter(slug=slug).exists())


def tag_named(name: str) -> Tag:
    """The tag with this name in any case; created (with its own slug) if there is none.

    Concurrent writers agree through the unique constraints on UPPER(name) and slug: the
    loser of a name finds the winner's row, the loser of a slug tries the next free one.
    """
    while True:
        existing = Tag.objects.filter(name__iexact=name).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return Tag.objects.create(name=name, slug=free_slug(name))
        except IntegrityError:
            continue


def set_post_tags(post: Post, names: list[str]) -> None:
    """Make ``names`` (already merged) the post's tags, in that order."""
    PostTag.objects.filter(post=post).delete()
    add_post_tags(post, names)


def add_post_tags(post: Post, names: list[str]) -> None:
    """Give a post with no tags yet (a new one) ``names`` (already merged) as its tags."""
    tags = [tag_named(name) for name in names]
    PostTag.objects.bulk_create(PostTag(post=post, tag=tag, position=i) for i, tag in enumerate(tags))
    post.tag_names = [tag.name for tag in tags]


def matching(value: str):
    """Tags named (any case) or slugged ``value``."""
    return Tag.objects.filter(Q(name__iexact=value) | Q(slug=value.lower()))


def ids_matching(value: str) -> list[int]:
    """The ids of the tags named or slugged ``value`` (at most two: one by name, one by slug)."""
    return list(matching(value).values_list("pk", flat=True))


# A tag on more live posts than this is common: its page walks the list's own order and checks
# each post's tags (ten matches come after a few rows). A rarer tag's posts are found first and
# sorted. Left to itself the planner hashed every post of a common tag (100 ms at a million
# posts), or walked thousands of posts for a rare one.
COMMON_TAG_POSTS = 2000


def with_tag(posts, tag_ids: list[int]):
    """Posts carrying one of these tags (looked up first: ``ids_matching``)."""
    if not tag_ids:
        return posts.none()
    if counts.kept_live_posts_of_tags(tag_ids) > COMMON_TAG_POSTS:
        # A scalar subquery, which PostgreSQL runs per row, never as a join.
        carries = PostTag.objects.filter(post=OuterRef("pk"), tag_id__in=tag_ids).order_by().values(found=Value(True))
        return posts.filter(Subquery(carries[:1]))
    tagged = PostTag.objects.filter(tag_id__in=tag_ids).order_by().values_list("post_id", flat=True)
    return posts.filter(pk__in=list(tagged))


def with_live_post_counts():
    """Tags with at least one live post, their count as ``live_posts``, most used first (API.md, Tags)."""
    return (
        Tag.objects.annotate(live_posts=counts.live_posts_of_tag())
        .filter(live_posts__gt=0)
        .order_by("-live_posts", "name", "id")
    )


@transaction.atomic
def tags_merge(*, kept: Tag, merged: Tag) -> int:
    """Move ``merged``'s posts to ``kept`` (a post with both keeps one) and delete ``merged``.

    Returns the number of posts that moved.
    """
    PostTag.objects.filter(tag=merged, post__in=PostTag.objects.filter(tag=kept).values("post")).delete()
    moved = PostTag.objects.filter(tag=merged).update(tag=kept)
    merged.delete()
    return moved
