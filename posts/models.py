import math
import uuid

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, OuterRef, Q
from django.db.models.functions import Upper

from blogapi.models import TimestampedModel
from posts.publishing import PublishingQuerySet, ShownStatus, Status, shown_status

SLUG_MAX_LENGTH = 120
CONTENT_MAX_LENGTH = 50_000
TAG_NAME_MAX_LENGTH = 50
SEARCH_CONFIG = "english"
EXCERPT_MAX_LENGTH = 500
AUTO_EXCERPT_LENGTH = 200
WORDS_PER_MINUTE = 200
ELLIPSIS = "\u2026"


def auto_excerpt(content: str) -> str:
    """The first 200 characters of ``content``, cut at a word boundary, with … when cut (API.md)."""
    if len(content) <= AUTO_EXCERPT_LENGTH:
        return content
    head = content[:AUTO_EXCERPT_LENGTH]
    if not content[AUTO_EXCERPT_LENGTH].isspace() and not head[-1].isspace():
        # The cut falls inside a word: drop that word's start (unless it is the only word).
        words = head.rsplit(maxsplit=1)
        head = words[0] if len(words) > 1 else head
    return head.rstrip() + ELLIPSIS


class PostQuerySet(PublishingQuerySet):
    def with_author(self):
        """Posts with their author in the same query (the list stays at a constant query count)."""
        return self.select_related("user")

    def with_tag_names(self):
        """Each post's tag names, in order, as an array in the same query."""
        names = PostTag.objects.filter(post=OuterRef("pk")).order_by("position", "id").values("tag__name")
        return self.annotate(tag_names=ArraySubquery(names))


class Post(TimestampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by post_user_published_idx, which leads with the author.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts", db_index=False)
    # "C": slugs are ASCII, and byte order lets LIKE 'prefix%' use the unique index (posts.slugs).
    slug = models.CharField(max_length=SLUG_MAX_LENGTH, db_collation="C")
    title = models.CharField(max_length=255)
    content = models.TextField(max_length=CONTENT_MAX_LENGTH)  # the serializer, admin form and schema take it
    # Empty: the excerpt is made from the content (and follows it) until one is given.
    custom_excerpt = models.CharField(max_length=EXCERPT_MAX_LENGTH, blank=True, default="")
    category = models.CharField(max_length=100)
    image = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    published_at = models.DateTimeField(null=True, blank=True)
    # Live as of its last save: a scheduled post that has gone live since still reads False,
    # which is how the periodic job finds it to announce it (events.tasks).
    announced = models.BooleanField(default=False, editable=False)
    tags = models.ManyToManyField("Tag", through="PostTag", related_name="posts", blank=True)
    # `q` (posts.search): kept by PostgreSQL itself, in the same statement as every write.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("content", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = [F("published_at").desc(nulls_last=True), "-id"]
        constraints = [
            # A constraint rather than unique=True: no extra varchar_pattern_ops index beside it.
            models.UniqueConstraint(fields=["slug"], name="post_slug_unique"),
        ]
        indexes = [
            # The list's default order over live posts, and its reverse (API.md, List parameters):
            # the visibility filter is a range on the leading column of these partial indexes.
            models.Index(
                F("published_at").desc(nulls_last=True),
                F("id").desc(),
                name="post_live_published_idx",
                condition=Q(status=Status.PUBLISHED),
            ),
            models.Index(
                fields=["published_at", "id"],
                name="post_live_published_asc_idx",
                condition=Q(status=Status.PUBLISHED),
            ),
            # The other orderings, with the id tie-break.
            models.Index(fields=["created_at", "id"], name="post_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="post_updated_id_idx"),
            models.Index(fields=["title", "id"], name="post_title_id_idx"),
            # Drafts are few: the admin's and the list's draft filters find them here.
            models.Index(fields=["created_at"], name="post_draft_created_idx", condition=Q(status=Status.DRAFT)),
            # Scheduled posts due to be announced (events.tasks): few rows.
            models.Index(
                fields=["published_at"],
                name="post_unannounced_idx",
                condition=Q(status=Status.PUBLISHED, announced=False),
            ),
            # Filters: author and case-insensitive category, in the default order.
            models.Index(F("user"), F("published_at").desc(nulls_last=True), name="post_user_published_idx"),
            models.Index(Upper("category"), F("published_at").desc(nulls_last=True), name="post_category_ci_idx"),
            # Substring search (API search, admin search): see migration 0002_post_search_trgm.
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="post_title_trgm_idx"),
            GinIndex(OpClass(Upper("content"), name="gin_trgm_ops"), name="post_content_trgm_idx"),
            GinIndex(fields=["search_vector"], name="post_search_vector_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def stamp(self, now) -> set[str]:
        """First publication sets ``published_at`` to that moment; it is kept from then on."""
        stamped = super().stamp(now)
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = now
            stamped.add("published_at")
        self.announced = self.is_live
        return stamped | {"announced"}

    def can_edit(self, user) -> bool:
        """Authors edit their own posts; moderators (and admins) edit any post."""
        return user.is_authenticated and (user.is_moderator or self.user_id == user.id)

    @property
    def shown_status(self) -> str:
        return shown_status(self.status, self.published_at)

    @property
    def is_live(self) -> bool:
        return self.shown_status == ShownStatus.PUBLISHED

    @property
    def excerpt(self) -> str:
        return self.custom_excerpt or auto_excerpt(self.content)

    @excerpt.setter
    def excerpt(self, value: str | None) -> None:
        self.custom_excerpt = value or ""

    @property
    def tag_names(self) -> list[str]:
        """The names of the post's tags in the order given (annotated by ``with_tag_names``)."""
        if self._tag_names is None:
            self._tag_names = list(self.post_tags.order_by("position", "id").values_list("tag__name", flat=True))
        return self._tag_names

    @tag_names.setter
    def tag_names(self, names: list[str]) -> None:
        self._tag_names = names

    _tag_names = None

    @property
    def reading_time(self) -> int:
        """Whole minutes at 200 words a minute, at least one."""
        return max(1, math.ceil(len(self.content.split()) / WORDS_PER_MINUTE))


class PostSlug(models.Model):
    """Every slug a post has had, its current one included (API.md, Slugs).

    One table for all of them, so that one unique constraint keeps a new slug clear of
    every current and former slug, also under concurrent creates (posts.slugs).
    """

    slug = models.CharField(max_length=SLUG_MAX_LENGTH, db_collation="C")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="post_slug_history_unique")]

    def __str__(self) -> str:
        return self.slug


class Tag(models.Model):
    """A topic. One row per name compared case-insensitively, keeping its first spelling (API.md, Tags)."""

    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    slug = models.CharField(max_length=SLUG_MAX_LENGTH, db_collation="C")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="tag_slug_unique"),
            # UPPER: the expression of Django's iexact, so that lookups by name use this index.
            models.UniqueConstraint(Upper("name"), name="tag_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PostTag(models.Model):
    """A post's tag, at its place in the list the author gave."""

    # Both served by the two indexes below, which lead with one each.
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_tags", db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="post_tags", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["post", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "tag"], name="post_tag_unique"),
        ]
        indexes = [
            # ?tag= : the posts of a tag (post_tag_unique serves a post's tags).
            models.Index(fields=["tag", "post"], name="post_tag_by_tag_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.tag_id}"


class PostCount(models.Model):
    """Delta rows of the post counts that PostgreSQL keeps (migration 0007); read them through posts.counts.

    The number of posts in ``state`` (live or draft) overall, per category (``key`` is the
    upper-cased category), per author or per tag is the sum of ``n`` over its rows.
    """

    state = models.CharField(max_length=10)
    dimension = models.CharField(max_length=10)
    key = models.CharField(max_length=100)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["state", "dimension", "key"], include=["n"], name="post_count_key_idx")]

    def __str__(self) -> str:
        return f"{self.state} {self.dimension} {self.key}: {self.n:+d}"
