from rest_framework import serializers

from accounts.models import User
from blogapi.serializers import StrictCharField, StrictModelSerializer, UTCDateTimeField, utc_iso, validate_link
from posts import slugs
from posts.models import EXCERPT_MAX_LENGTH, SLUG_MAX_LENGTH, TAG_NAME_MAX_LENGTH, Post, Tag
from posts.publishing import ShownStatus, Status
from posts.tags import MAX_TAGS, TOO_MANY_TAGS, merged_names


class AuthorSerializer(StrictModelSerializer):
    """The public view of a post's author: no email (API.md, Post object)."""

    class Meta:
        model = User
        fields = ["id", "name", "photo"]
        read_only_fields = fields


class PostStatusField(serializers.ChoiceField):
    """Written as draft/published; read as draft/scheduled/published (API.md, Publishing)."""

    read_choices = ShownStatus.values

    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, **kwargs)

    def get_attribute(self, instance: Post) -> str:
        return instance.shown_status

    def to_representation(self, value: str) -> str:
        return value


class TagNamesField(serializers.ListField):
    """Names on write (trimmed, merged case-insensitively, at most 10); the tags' names on read."""

    def __init__(self, **kwargs):
        super().__init__(child=StrictCharField(max_length=TAG_NAME_MAX_LENGTH), **kwargs)

    def to_internal_value(self, data):
        names = merged_names(super().to_internal_value(data))
        if len(names) > MAX_TAGS:
            raise serializers.ValidationError(TOO_MANY_TAGS)
        return names


class HighlightField(serializers.Field):
    """``q`` matches in ``<mark>``, everything else HTML-escaped: only on ``q`` searches (posts.search).

    Output only, and only when the view set it: absent from the post object otherwise.
    """

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def get_value(self, dictionary):
        return serializers.empty  # never read from a request body

    def to_representation(self, value):
        return value


class PostSerializer(StrictModelSerializer):
    slug = StrictCharField(required=False, max_length=SLUG_MAX_LENGTH, validators=[slugs.validate_slug])
    image = StrictCharField(max_length=255, validators=[validate_link])
    excerpt = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=EXCERPT_MAX_LENGTH)
    reading_time = serializers.IntegerField(read_only=True, min_value=1)
    tags = TagNamesField(source="tag_names", required=False)
    status = PostStatusField(required=False)
    published_at = UTCDateTimeField(required=False, allow_null=True)
    user_id = serializers.UUIDField(read_only=True)
    user = AuthorSerializer(read_only=True)
    highlight = HighlightField()

    class Meta:
        model = Post
        fields = [
            "id",
            "slug",
            "title",
            "content",
            "excerpt",
            "reading_time",
            "category",
            "image",
            "tags",
            "status",
            "published_at",
            "user_id",
            "user",
            "created_at",
            "updated_at",
            "highlight",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, post: Post) -> dict:
        """The post object, built directly from the post (same output as the fields would give).

        The generic field-by-field path cost a fifth of a list request (bench/profiling.py);
        posts/tests/test_serializers.py checks that both give the same output.
        """
        author = post.user
        data = {
            "id": str(post.id),
            "slug": post.slug,
            "title": post.title,
            "content": post.content,
            "excerpt": post.excerpt,
            "reading_time": post.reading_time,
            "category": post.category,
            "image": post.image,
            "tags": list(post.tag_names),
            "status": post.shown_status,
            "published_at": utc_iso(post.published_at),
            "user_id": str(post.user_id),
            "user": {"id": str(author.id), "name": author.name, "photo": author.photo},
            "created_at": utc_iso(post.created_at),
            "updated_at": utc_iso(post.updated_at),
        }
        if hasattr(post, "highlight"):
            data["highlight"] = post.highlight
        return data

    def validate_slug(self, value: str) -> str:
        if slugs.taken_by_another(value, self.instance):
            raise serializers.ValidationError(slugs.SLUG_TAKEN)
        return value


class TagSerializer(serializers.ModelSerializer):
    """A tag of GET /api/tags, with its live posts counted (posts.tags.with_live_post_counts)."""

    posts = serializers.IntegerField(source="live_posts", read_only=True, help_text="Live posts with this tag")

    class Meta:
        model = Tag
        fields = ["name", "slug", "posts"]
