from rest_framework import serializers

from accounts.models import User
from blogapi.serializers import StrictCharField, StrictModelSerializer, UTCDateTimeField
from posts import slugs
from posts.models import EXCERPT_MAX_LENGTH, SLUG_MAX_LENGTH, Post
from posts.publishing import ShownStatus, Status

CONTENT_MAX_LENGTH = 50_000


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


class PostSerializer(StrictModelSerializer):
    slug = StrictCharField(required=False, max_length=SLUG_MAX_LENGTH, validators=[slugs.validate_slug])
    content = StrictCharField(max_length=CONTENT_MAX_LENGTH)
    excerpt = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=EXCERPT_MAX_LENGTH)
    reading_time = serializers.IntegerField(read_only=True, min_value=1)
    status = PostStatusField(required=False)
    published_at = UTCDateTimeField(required=False, allow_null=True)
    user_id = serializers.UUIDField(read_only=True)
    user = AuthorSerializer(read_only=True)

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
            "status",
            "published_at",
            "user_id",
            "user",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_slug(self, value: str) -> str:
        if slugs.taken_by_another(value, self.instance):
            raise serializers.ValidationError(slugs.SLUG_TAKEN)
        return value
