import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

from blogapi.models import TimestampedModel


class PostQuerySet(models.QuerySet):
    def with_author(self):
        """Posts with their author in the same query (the list stays at a constant query count)."""
        return self.select_related("user")


class Post(TimestampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=255)
    content = models.TextField()
    category = models.CharField(max_length=100)
    image = models.CharField(max_length=255)
    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Each ordering of the list, with the id tie-break (API.md, List parameters).
            models.Index(fields=["created_at", "id"], name="post_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="post_updated_id_idx"),
            models.Index(fields=["title", "id"], name="post_title_id_idx"),
            # Filters: author (with the default ordering) and case-insensitive category.
            models.Index(fields=["user", "created_at"], name="post_user_created_idx"),
            models.Index(Upper("category"), "created_at", name="post_category_ci_idx"),
            # Substring search (API search, admin search): see migration 0002_post_search_trgm.
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="post_title_trgm_idx"),
            GinIndex(OpClass(Upper("content"), name="gin_trgm_ops"), name="post_content_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def can_edit(self, user) -> bool:
        """Authors edit their own posts; moderators (and admins) edit any post."""
        return user.is_authenticated and (user.is_moderator or self.user_id == user.id)
