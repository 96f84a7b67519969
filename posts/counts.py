"""Exact list totals that stay cheap at a million posts (API.md: ``total`` is exact).

PostgreSQL triggers (migration 0007) add delta rows to ``PostCount`` in the transaction of
every write: the number of live posts (published and announced) and of drafts, overall, per
category, per author and per tag. A total is a sum over a few of those rows, plus the posts
the rows cannot know about: scheduled posts, and scheduled posts gone live since the last
announce job (events.tasks), all found through ``post_unannounced_idx`` (few rows).

Lists that these numbers describe: live posts alone or narrowed by one category, author or
tag; an author's (or a moderator's) drafts and ``status=all``. Any other list (text search,
date ranges, several filters) is counted with COUNT(*) by the caller.
"""

from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import BigIntegerField, Case, Count, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from posts.models import Post, PostCount, PostTag, Tag
from posts.publishing import ListStatus, Status, sees_everything

LIVE, DRAFT = "live", "draft"
ALL, CATEGORY, USER, TAG = "all", "category", "user", "tag"

# Plain SQL: compiling the same few querysets on every list request cost more than running them.
COUNTS, POSTS, POST_TAGS = PostCount._meta.db_table, Post._meta.db_table, PostTag._meta.db_table
# Only table names and the fragments below are interpolated; values are parameters.
KEPT = f"SELECT sum(n) FROM {COUNTS} WHERE state = %s AND dimension = %s AND key = {{key}}"  # noqa: S608
UNANNOUNCED = (
    f"SELECT count(*) FROM {POSTS} AS post "  # noqa: S608
    f"WHERE post.status = '{Status.PUBLISHED}' AND NOT post.announced AND {{where}}"
)
TAGGED = f"EXISTS (SELECT 1 FROM {POST_TAGS} AS tagged WHERE tagged.post_id = post.id AND tagged.tag_id = {{tag}})"  # noqa: S608


@dataclass(frozen=True)
class Narrowing:
    """One counted key (``ALL``: none), and the same posts as SQL on ``post`` (posts_post)."""

    dimension: str = ALL
    key: str | list[str] = ""  # a list with key_sql "ANY(%s)"
    key_sql: str = "%s"
    where: str = "TRUE"
    params: tuple = ()

    @classmethod
    def of(cls, *, category: str | None = None, user_id=None, tag_id: int | None = None) -> "Narrowing":
        if category:  # as Django's iexact: UPPER on both sides
            return cls(CATEGORY, category, "upper(%s)", "upper(post.category) = upper(%s)", (category,))
        if user_id:
            return cls(USER, str(user_id), where="post.user_id = %s", params=(user_id,))
        if tag_id:
            return cls(TAG, str(tag_id), where=TAGGED.format(tag="%s"), params=(tag_id,))
        return cls()


Part = tuple[str, tuple]


def kept(state: str, narrowing: Narrowing) -> Part:
    """The kept number of posts in ``state`` (NULL when there are none)."""
    return KEPT.format(key=narrowing.key_sql), (state, narrowing.dimension, narrowing.key)


def counted(narrowing: Narrowing, when: str = "TRUE", *params) -> Part:
    """COUNT(*) of the posts not announced yet in ``narrowing`` (and ``when``, SQL on ``post``)."""
    return UNANNOUNCED.format(where=f"{narrowing.where} AND {when}"), (*narrowing.params, *params)


def list_total(status: str, narrowing: Narrowing, user) -> int | None:
    """The exact total of the list ``status`` narrowed by ``narrowing``, or None if not kept."""
    now = timezone.now()
    live = [kept(LIVE, narrowing), counted(narrowing, "post.published_at <= %s", now)]
    if status == ListStatus.PUBLISHED:
        return sum_of(live)
    if sees_everything(user):
        if status == ListStatus.DRAFT:
            return sum_of([kept(DRAFT, narrowing)])
        if status == ListStatus.ALL:
            return sum_of([kept(LIVE, narrowing), kept(DRAFT, narrowing), counted(narrowing)])
        return None
    if narrowing.dimension != ALL:
        return None
    own = Narrowing.of(user_id=user.pk)
    if status == ListStatus.DRAFT:
        return sum_of([kept(DRAFT, own)])
    if status == ListStatus.ALL:
        return sum_of([*live, kept(DRAFT, own), counted(own, "post.published_at > %s", now)])
    return None


def sum_of(parts: list[Part]) -> int:
    """The sum of single-value queries, in one round trip."""
    sql = " + ".join(f"coalesce(({part_sql}), 0)" for part_sql, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    with connections[router.db_for_read(Post)].cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::bigint", params)  # SUM(bigint) is numeric
        return cursor.fetchone()[0]


def kept_live_posts_of_tags(tag_ids: list[int]) -> int:
    """The kept number of live posts of these tags, without the few not announced yet."""
    tags = Narrowing(TAG, [str(tag_id) for tag_id in tag_ids], key_sql="ANY(%s)")
    return sum_of([kept(LIVE, tags)])


def live_posts_of_tag():
    """The number of live posts of each tag, as an annotation of ``Tag`` rows.

    The kept count (one index lookup a tag), plus the tag's posts gone live but not announced
    yet: those are few, so they are counted once, starting from the posts, and added by id.
    """
    tags = Tag._meta.db_table
    kept_sql, kept_params = kept(LIVE, Narrowing(TAG, key_sql=f"{tags}.id::text"))
    kept_live = RawSQL(f"coalesce(({kept_sql}), 0)::bigint", kept_params[:2], output_field=BigIntegerField())  # noqa: S611
    gone_live = Post.objects.filter(status=Status.PUBLISHED, announced=False, published_at__lte=timezone.now())
    gone_live_by_tag = (
        PostTag.objects.filter(post__in=gone_live).order_by().values_list("tag_id").annotate(n=Count("*"))
    )
    extra = [When(pk=tag_id, then=Value(n)) for tag_id, n in gone_live_by_tag]
    return kept_live + Case(*extra, default=Value(0), output_field=BigIntegerField()) if extra else kept_live


COMPACT = f"""
    WITH folded AS (DELETE FROM {COUNTS} RETURNING state, dimension, key, n)
    INSERT INTO {COUNTS} (state, dimension, key, n)
    SELECT state, dimension, key, sum(n) FROM folded GROUP BY state, dimension, key HAVING sum(n) <> 0
"""  # noqa: S608

# The counted state of a post row, as the triggers of migration 0007 compute it.
POST_STATE = (
    "CASE WHEN post.status = 'draft' THEN 'draft' WHEN post.status = 'published' AND post.announced THEN 'live' END"
)

RECOUNT = f"""
    DELETE FROM {COUNTS};
    INSERT INTO {COUNTS} (state, dimension, key, n)
    SELECT state, dimension, key, count(*) FROM (
        SELECT {POST_STATE} AS state, dims.dimension, dims.key
        FROM {POSTS} AS post,
        LATERAL (VALUES ('all', ''), ('category', upper(post.category)), ('user', post.user_id::text)) AS dims (dimension, key)
        UNION ALL
        SELECT {POST_STATE}, 'tag', tagged.tag_id::text
        FROM {POSTS} AS post JOIN {POST_TAGS} AS tagged ON tagged.post_id = post.id
    ) AS counted
    WHERE state IS NOT NULL
    GROUP BY state, dimension, key
"""  # noqa: S608


def compact() -> None:
    """Fold each key's delta rows into one (the sums are unchanged; concurrent writes are kept)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(COMPACT)


@transaction.atomic
def recount() -> None:
    """Count every post again from scratch (after a restore or a bulk change with triggers off)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(f"LOCK TABLE {POSTS}, {POST_TAGS} IN SHARE MODE")
        cursor.execute(RECOUNT)
