from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from blogapi.http import ConditionalResourceMixin, LostUpdateProtectionMixin
from blogapi.pagination import PageLimitPagination
from blogapi.schema import MovedSerializer
from idempotency.keys import IdempotentCreateMixin
from posts import counts, search, services, slugs, tags
from posts.filters import SEARCH_MAX_LENGTH, PostFilter, PostFilterBackend
from posts.models import TAG_NAME_MAX_LENGTH, Post
from posts.permissions import IsOwnerOrModerator, PublicReadOrAuthenticated
from posts.publishing import DEFAULT_LIST_STATUS, ListStatus
from posts.serializers import PostSerializer, TagSerializer

POST_NOT_FOUND = "No post with this id: {id} found"
POST_MOVED = "This post has moved to {location}"


class PostPagination(PageLimitPagination):
    items_key = "posts"


class TagPagination(PageLimitPagination):
    items_key = "tags"


def post_path(slug: str) -> str:
    return f"/api/posts/{slug}"


class IdOrSlugLookupMixin:
    """``{id-or-slug}``: by id or current slug, among the posts the caller may see (API.md, Slugs)."""

    lookup_url_kwarg = "id_or_slug"
    lookup_value_regex = "[^/]+"  # any value reaches the view, which answers the contract's 404

    def get_object(self) -> Post:
        id_or_slug = self.kwargs[self.lookup_url_kwarg]
        post = self.get_queryset().filter(**slugs.lookup(id_or_slug)).first()
        if post is None:
            raise NotFound(POST_NOT_FOUND.format(id=id_or_slug))
        self.check_object_permissions(self.request, post)
        return post

    def get_locked_object(self, post: Post) -> Post:
        """The post re-read under a row lock, for an If-Match check and the write that follows."""
        locked = self.get_queryset().select_for_update(of=("self",)).filter(pk=post.pk).first()
        if locked is None:  # deleted by the writer we waited for
            raise NotFound(POST_NOT_FOUND.format(id=self.kwargs[self.lookup_url_kwarg]))
        return locked


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                enum=ListStatus.values,
                default=ListStatus.PUBLISHED.value,
                description=(
                    "published: live posts. scheduled, draft: the caller's own (everyone's for moderators). "
                    "all: live posts and every other post the caller may see. Anything but published needs a login."
                ),
            ),
            OpenApiParameter(
                "search",
                {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
                description=(
                    "Case-insensitive; every whitespace-separated term must occur in the title or the content. "
                    "At most 8 different terms, at least one of them 3 or more characters long."
                ),
            ),
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
                description=(
                    'Full-text search in web-search syntax ("exact phrase", or, -word), English stemming, title '
                    "weighted above content. Ordered by relevance unless `ordering` is given; each post then "
                    "carries `highlight`."
                ),
            ),
            OpenApiParameter(
                "tag",
                {"type": "array", "items": {"type": "string", "maxLength": TAG_NAME_MAX_LENGTH}},
                explode=True,
                description="Tag name or slug, case-insensitive. Repeat it to require every tag given.",
            ),
            OpenApiParameter("category", str, description="Exact category, case-insensitive."),
            OpenApiParameter("user_id", OpenApiTypes.UUID, description="Posts of this author."),
            OpenApiParameter(
                "created_after", OpenApiTypes.DATETIME, description="ISO 8601 date or datetime (inclusive)."
            ),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME, description="ISO 8601 date or datetime."),
            OpenApiParameter(
                "published_after", OpenApiTypes.DATETIME, description="ISO 8601 date or datetime (inclusive)."
            ),
            OpenApiParameter("published_before", OpenApiTypes.DATETIME, description="ISO 8601 date or datetime."),
        ]
    ),
    retrieve=extend_schema(
        responses={
            200: PostSerializer,
            301: OpenApiResponse(MovedSerializer, description="A former slug: Location names the current one."),
        }
    ),
)
class PostViewSet(
    ConditionalResourceMixin,
    LostUpdateProtectionMixin,
    IdempotentCreateMixin,
    IdOrSlugLookupMixin,
    viewsets.ModelViewSet,
):
    """Blog posts. Anyone reads live posts; authors, and moderators, write, change and delete them."""

    serializer_class = PostSerializer
    permission_classes = [PublicReadOrAuthenticated, IsOwnerOrModerator]
    pagination_class = PostPagination
    filterset_class = PostFilter
    filter_backends = [PostFilterBackend]
    filterset = None  # set by PostFilterBackend
    public_read = True  # the schema marks credentials optional on GET (PUBLIC_READ)

    def get_queryset(self):
        posts = Post.objects.with_author().with_tag_names()
        if self.action == "list":
            return posts  # PostFilter applies the `status` parameter's visibility, live posts by default
        return posts.visible_to(self.request.user)

    def exact_total(self) -> int | None:
        """The list's total from the kept counts (posts.counts), or None where a COUNT(*) must do."""
        if self.filterset is None:  # no filter parameter (PostFilterBackend)
            return counts.list_total(DEFAULT_LIST_STATUS, counts.Narrowing(), self.request.user)
        return self.filterset.total()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        q = self.request.query_params.get("q")
        if page is not None and q:
            search.add_highlights(page, q)
        return page

    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except NotFound:
            current_slug = slugs.current_slug_of_former(self.get_queryset(), kwargs[self.lookup_url_kwarg])
            if current_slug is None:
                raise
        location = post_path(current_slug)
        return Response(
            {"status": "success", "message": POST_MOVED.format(location=location), "slug": current_slug},
            status=status.HTTP_301_MOVED_PERMANENTLY,
            headers={"Location": location},
        )

    def perform_create(self, serializer):
        serializer.instance = services.post_create(author=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.post_update(post=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.post_delete(post=instance)


@extend_schema_view(list=extend_schema(summary="Tags with live posts, most used first"))
class TagViewSet(ConditionalResourceMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tags with at least one live post and their count, by ``-posts`` then ``name``; read like posts."""

    serializer_class = TagSerializer
    permission_classes = [PublicReadOrAuthenticated]
    public_read = True
    pagination_class = TagPagination
    filter_backends = []

    def get_queryset(self):
        return tags.with_live_post_counts()
