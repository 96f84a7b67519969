import datetime as dt

import django_filters
from django import forms
from django.db.models import F, Q
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import NotAuthenticated, ValidationError

from posts.models import Post
from posts.publishing import DEFAULT_LIST_STATUS, ListStatus

SEARCH_MAX_LENGTH = 200
ORDERING_FIELDS = ("published_at", "created_at", "updated_at", "title")
NULLABLE_ORDERING_FIELDS = ("published_at",)
DEFAULT_ORDERING = "-published_at"
NOT_BLANK = ("user_id", "status", "created_after", "created_before", "published_after", "published_before")
LOGIN_FOR_STATUS = "Log in to list drafts and scheduled posts."


class StableOrderingFilter(django_filters.OrderingFilter):
    """Orders by the requested field (default ``-published_at``), ties broken by id.

    The tie-break keeps pages from repeating or skipping posts that share a value;
    unlike DRF's OrderingFilter, an unknown field is a 400 (invalid choice). Posts never
    published (``published_at`` null) come last in both directions (API.md).
    """

    def filter(self, qs, value):
        if value and not all(value):  # "title," or ",": an empty entry is no field
            raise ValidationError({"ordering": ["Empty ordering field."]})
        ordering = [self.get_ordering_value(param) for param in value] if value else [DEFAULT_ORDERING]
        tie_break = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*map(self.order_expression, ordering), tie_break)

    @staticmethod
    def order_expression(ordering: str):
        field = ordering.removeprefix("-")
        if field not in NULLABLE_ORDERING_FIELDS:
            return ordering
        return F(field).desc(nulls_last=True) if ordering.startswith("-") else F(field).asc(nulls_last=True)


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
    status = django_filters.ChoiceFilter(choices=ListStatus.choices, method="filter_status")
    search = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    category = django_filters.CharFilter(field_name="category", lookup_expr="iexact")
    user_id = django_filters.UUIDFilter(field_name="user_id")
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    published_after = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="lt")
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

    def filter_queryset(self, queryset):
        # Visibility is never optional: without ?status= the list holds live posts only.
        if not self.form.cleaned_data.get("status"):
            queryset = self.filter_status(queryset, "status", DEFAULT_LIST_STATUS)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        user = self.request.user
        if value != DEFAULT_LIST_STATUS and not user.is_authenticated:
            raise NotAuthenticated(LOGIN_FOR_STATUS)
        return queryset.with_list_status(value, user)

    def filter_search(self, queryset, name, value):
        """Every whitespace-separated term must occur in the title or the content."""
        for term in value.split():
            queryset = queryset.filter(Q(title__icontains=term) | Q(content__icontains=term))
        return queryset
