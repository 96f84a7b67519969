import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError

from posts.models import Post

SEARCH_MAX_LENGTH = 200
ORDERING_FIELDS = ("created_at", "updated_at", "title")
DEFAULT_ORDERING = "-created_at"
NOT_BLANK = ("user_id", "created_after", "created_before")


class StableOrderingFilter(django_filters.OrderingFilter):
    """Orders by the requested field (default ``-created_at``), ties broken by id.

    The tie-break keeps pages from repeating or skipping posts that share a value;
    unlike DRF's OrderingFilter, an unknown field is a 400 (invalid choice).
    """

    def filter(self, qs, value):
        if value and not all(value):  # "title," or ",": an empty entry is no field
            raise ValidationError({"ordering": ["Empty ordering field."]})
        ordering = [self.get_ordering_value(param) for param in value] if value else [DEFAULT_ORDERING]
        tie_break = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tie_break)


class UTCIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date or datetime, as UTC.

    Python accepts offsets up to +-23:59, PostgreSQL only +-15:59: normalising to UTC
    first keeps such (valid) input from reaching the database as an error.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("Date out of range.", code="invalid") from None


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class PostFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    category = django_filters.CharFilter(field_name="category", lookup_expr="iexact")
    user_id = django_filters.UUIDFilter(field_name="user_id")
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = StableOrderingFilter(fields=ORDERING_FIELDS)

    class Meta:
        model = Post
        fields = []

    def is_valid(self) -> bool:
        """A typed parameter given empty (``?user_id=``) is an error, not an absent filter."""
        valid = super().is_valid()
        for name in NOT_BLANK:
            if self.data.get(name) == "":
                self.form.add_error(name, "This field may not be blank.")
                valid = False
        return valid

    def filter_search(self, queryset, name, value):
        """Every whitespace-separated term must occur in the title or the content."""
        for term in value.split():
            queryset = queryset.filter(Q(title__icontains=term) | Q(content__icontains=term))
        return queryset
