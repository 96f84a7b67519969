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

from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.models import BigIntegerField, CharField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Upper
from django.utils import timezone

from posts.models import Post, PostCount, PostTag
from posts.publishing import ListStatus, Status, sees_everything

LIVE, DRAFT = "live", "draft"
ALL, CATEGORY, USER, TAG = "all", "category", "user", "tag"


@dataclass(frozen=True)
class Narrowing:
    """One counted key (``ALL``: none) and the same posts as a filter."""

    dimension: str = ALL
    key: object = ""
    posts: Q = field(default_factory=Q)

    @classmethod
    def of(cls, *, category: str | None = None, user_id=None, tag_id: int | None = None) -> "Narrowing":
        if category:
            return cls(CATEGORY, Upper(Value(category)), Q(category__iexact=category))
        if user_id:
            return cls(USER, str(user_id), Q(user_id=user_id))
        if tag_id:
            return cls(TAG, str(tag_id), Q(Exists(PostTag.objects.filter(post=OuterRef("pk"), tag_id=tag_id))))
        return cls()


def kept(state: str, narrowing: Narrowing) -> QuerySet:
    """The kept number of posts in ``state`` (one row, one column; NULL when there are none)."""
    rows = PostCount.objects.filter(state=state, dimension=narrowing.dimension, key=narrowing.key)
    return rows.values(total=Cast(Func(F("n"), function="SUM"), BigIntegerField()))  # SUM(bigint) is numeric


def counted(posts: Q) -> QuerySet:
    """COUNT(*) of the posts not announced yet that match ``posts`` (one row, one column)."""
    unannounced = Post.objects.filter(posts, status=Status.PUBLISHED, announced=False).order_by()
    return unannounced.values(total=Func(Value(1), function="COUNT"))


def list_total(status: str, narrowing: Narrowing, user) -> int | None:
    """The exact total of the list ``status`` narrowed by ``narrowing``, or None if not kept."""
    now = timezone.now()
    live = [kept(LIVE, narrowing), counted(narrowing.posts & Q(published_at__lte=now))]
    if status == ListStatus.PUBLISHED:
        return sum_of(live)
    if sees_everything(user):
        if status == ListStatus.DRAFT:
            return sum_of([kept(DRAFT, narrowing)])
        if status == ListStatus.ALL:
            return sum_of([kept(LIVE, narrowing), kept(DRAFT, narrowing), counted(narrowing.posts)])
        return None
    if narrowing.dimension != ALL:
        return None
    own = Narrowing.of(user_id=user.pk)
    if status == ListStatus.DRAFT:
        return sum_of([kept(DRAFT, own)])
    if status == ListStatus.ALL:
        return sum_of([*live, kept(DRAFT, own), counted(own.posts & Q(published_at__gt=now))])
    return None


def sum_of(parts: list[QuerySet]) -> int:
    """The sum of single-value queries, in one round trip."""
    sql, params = [], []
    for part in parts:
        part_sql, part_params = part.query.sql_with_params()
        sql.append(f"coalesce(({part_sql}), 0)")
        params.extend(part_params)
    with connections[parts[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {' + '.join(sql)}", params)
        return cursor.fetchone()[0]


def live_posts_of_tag():
    """The number of live posts of the tag in the outer query (``Tag``), for annotations."""
    tag = OuterRef("pk")
    narrowing = Narrowing(
        TAG,
        Cast(tag, CharField()),
        Q(Exists(PostTag.objects.filter(post=OuterRef("pk"), tag_id=OuterRef(tag)))),
    )
    kept_live = Subquery(kept(LIVE, narrowing))
    gone_live = Subquery(counted(narrowing.posts & Q(published_at__lte=timezone.now())))
    return Coalesce(kept_live, 0) + Coalesce(gone_live, 0)


COMPACT = f"""
    WITH folded AS (DELETE FROM {PostCount._meta.db_table} RETURNING state, dimension, key, n)
    INSERT INTO {PostCount._meta.db_table} (state, dimension, key, n)
    SELECT state, dimension, key, sum(n) FROM folded GROUP BY state, dimension, key HAVING sum(n) <> 0
"""  # noqa: S608


# The counted state of a post row, as the triggers of migration 0007 compute it.
POST_STATE = (
    "CASE WHEN post.status = 'draft' THEN 'draft' WHEN post.status = 'published' AND post.announced THEN 'live' END"
)

RECOUNT = f"""
    DELETE FROM {PostCount._meta.db_table};
    INSERT INTO {PostCount._meta.db_table} (state, dimension, key, n)
    SELECT state, dimension, key, count(*) FROM (
        SELECT {POST_STATE} AS state, dims.dimension, dims.key
        FROM {Post._meta.db_table} AS post,
        LATERAL (VALUES ('all', ''), ('category', upper(post.category)), ('user', post.user_id::text)) AS dims (dimension, key)
        UNION ALL
        SELECT {POST_STATE}, 'tag', tagged.tag_id::text
        FROM {Post._meta.db_table} AS post JOIN {PostTag._meta.db_table} AS tagged ON tagged.post_id = post.id
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
        cursor.execute(f"LOCK TABLE {Post._meta.db_table}, {PostTag._meta.db_table} IN SHARE MODE")
        cursor.execute(RECOUNT)
