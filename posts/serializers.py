from rest_framework import serializers

from accounts.models import User
from blogapi.serializers import StrictCharField, StrictModelSerializer
from posts.models import Post

CONTENT_MAX_LENGTH = 50_000


class AuthorSerializer(StrictModelSerializer):
    """The public view of a post's author: no email (API.md, Post object)."""

    class Meta:
        model = User
        fields = ["id", "name", "photo"]
        read_only_fields = fields


class PostSerializer(StrictModelSerializer):
    user_id = serializers.UUIDField(read_only=True)
    user = AuthorSerializer(read_only=True)
    content = StrictCharField(max_length=CONTENT_MAX_LENGTH)

    class Meta:
        model = Post
        fields = ["id", "title", "content", "category", "image", "user_id", "user", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
