from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated

from blogapi.pagination import PageLimitPagination
from posts.filters import SEARCH_MAX_LENGTH, PostFilter
from posts.models import Post
from posts.permissions import IsOwnerOrModerator
from posts.serializers import PostSerializer

POST_NOT_FOUND = "No post with this id: {id} found"


class PostPagination(PageLimitPagination):
    items_key = "posts"


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
                description="Case-insensitive; every whitespace-separated term must occur in the title or the content.",
            ),
            OpenApiParameter("category", str, description="Exact category, case-insensitive."),
            OpenApiParameter("user_id", OpenApiTypes.UUID, description="Posts of this author."),
            OpenApiParameter(
                "created_after", OpenApiTypes.DATETIME, description="ISO 8601 date or datetime (inclusive)."
            ),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME, description="ISO 8601 date or datetime."),
        ]
    )
)
class PostViewSet(viewsets.ModelViewSet):
    """Blog posts. Every authenticated user reads them; authors, and moderators, change and delete them."""

    queryset = Post.objects.with_author()
    serializer_class = PostSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrModerator]
    pagination_class = PostPagination
    filterset_class = PostFilter

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(POST_NOT_FOUND.format(id=self.kwargs["pk"])) from None

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)
