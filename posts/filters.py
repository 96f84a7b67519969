import django_filters
from django.db.models import Q

from posts.models import Post

SEARCH_MAX_LENGTH = 200
ORDERING_FIELDS = ("created_at", "updated_at", "title")
DEFAULT_ORDERING = "-created_at"


class StableOrderingFilter(django_filters.OrderingFilter):
    """Orders by the requested field (default ``-created_at``), ties broken by id.

    The tie-break keeps pages from repeating or skipping posts that share a value;
    unlike DRF's OrderingFilter, an unknown field is a 400 (invalid choice).
    """

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value] if value else [DEFAULT_ORDERING]
        tie_break = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tie_break)


class PostFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    category = django_filters.CharFilter(field_name="category", lookup_expr="iexact")
    user_id = django_filters.UUIDFilter(field_name="user_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = StableOrderingFilter(fields=ORDERING_FIELDS)

    class Meta:
        model = Post
        fields = []

    def filter_search(self, queryset, name, value):
        """Every whitespace-separated term must occur in the title or the content."""
        for term in value.split():
            queryset = queryset.filter(Q(title__icontains=term) | Q(content__icontains=term))
        return queryset
