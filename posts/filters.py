import datetime as dt

import django_filters
from django import forms
from django.db.models import F
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import NotAuthenticated, ValidationError

from posts import counts, search, tags
from posts.models import TAG_NAME_MAX_LENGTH, Post
from posts.publishing import DEFAULT_LIST_STATUS, ListStatus

SEARCH_MAX_LENGTH = search.SEARCH_MAX_LENGTH
ORDERING_FIELDS = ("published_at", "created_at", "updated_at", "title")
NULLABLE_ORDERING_FIELDS = ("published_at",)
DEFAULT_ORDERING = "-published_at"
NOT_BLANK = ("user_id", "status", "ordering", "created_after", "created_before", "published_after", "published_before")
LOGIN_FOR_STATUS = "Log in to list drafts and scheduled posts."
# Lists whose total is always a COUNT(*) (posts.counts keeps none for them).
UNCOUNTED_FILTERS = ("search", "q", "created_after", "created_before", "published_after", "published_before")
PAGING_PARAMETERS = frozenset({"page", "limit", "cursor"})


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
        return qs.order_by(*self.order_by(ordering))

    @classmethod
    def order_by(cls, ordering: list[str]) -> list:
        tie_break = "-id" if ordering[-1].startswith("-") else "id"
        return [*map(cls.order_expression, ordering), tie_break]

    @classmethod
    def default_order(cls) -> list:
        return cls.order_by([DEFAULT_ORDERING])

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


class MultipleValuesField(forms.Field):
    """A repeatable query parameter (``?tag=a&tag=b``): each value trimmed, none blank."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def clean(self, value):
        values = [item.strip() for item in value or []]
        if any(not item for item in values):
            raise forms.ValidationError("This field may not be blank.")
        if any(len(item) > self.max_length for item in values):
            raise forms.ValidationError(f"Ensure each value has at most {self.max_length} characters.")
        return values


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": TAG_NAME_MAX_LENGTH}})
class AllTagsFilter(django_filters.Filter):
    """Posts carrying every tag given (by name or slug, in any case)."""

    field_class = MultipleValuesField


class PostFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ListStatus.choices, method="filter_status")
    search = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    q = django_filters.CharFilter(method="filter_q", max_length=SEARCH_MAX_LENGTH)
    tag = AllTagsFilter(max_length=TAG_NAME_MAX_LENGTH, method="filter_tags")
    category = django_filters.CharFilter(field_name="category", lookup_expr="iexact")
    user_id = django_filters.UUIDFilter(field_name="user_id")
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    published_after = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="lt")
    ordering = StableOrderingFilter(fields=ORDERING_FIELDS)

    tag_ids: list[list[int]] = []  # per ?tag=, the ids it matched (filter_tags)

    class Meta:
        model = Post
        fields = []

    @staticmethod
    def default_list(queryset, user):
        """What the filters make of a list request without a filter parameter, for less."""
        return queryset.with_list_status(DEFAULT_LIST_STATUS, user).order_by(*StableOrderingFilter.default_order())

    def total(self) -> int | None:
        """The filtered list's exact total from the kept counts (posts.counts), or None: count it."""
        data = self.form.cleaned_data
        if any(data.get(name) for name in UNCOUNTED_FILTERS):
            return None
        if sum(bool(data.get(name)) for name in ("category", "user_id", "tag")) > 1:
            return None
        if self.tag_ids and (len(self.tag_ids) > 1 or len(self.tag_ids[0]) != 1):
            return None  # several tags, or a name and a slug of two tags: COUNT(*) them
        narrowing = counts.Narrowing.of(
            category=data.get("category"),
            user_id=data.get("user_id"),
            tag_id=self.tag_ids[0][0] if self.tag_ids else None,
        )
        return counts.list_total(data.get("status") or DEFAULT_LIST_STATUS, narrowing, self.request.user)

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
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("q") and not self.form.cleaned_data.get("ordering"):
            # Most relevant first, then as the default order (API.md, q).
            queryset = queryset.order_by(f"-{search.RANK}", *StableOrderingFilter.default_order())
        return queryset

    def filter_status(self, queryset, name, value):
        user = self.request.user
        if value != DEFAULT_LIST_STATUS and not user.is_authenticated:
            raise NotAuthenticated(LOGIN_FOR_STATUS)
        return queryset.with_list_status(value, user)

    def filter_tags(self, queryset, name, value):
        self.tag_ids = [tags.ids_matching(tag) for tag in value]
        for ids in self.tag_ids:
            queryset = tags.with_tag(queryset, ids)
        return queryset

    def filter_search(self, queryset, name, value):
        return search.with_substrings(queryset, value)

    def filter_q(self, queryset, name, value):
        return search.with_full_text(queryset, value)


class PostFilterBackend(DjangoFilterBackend):
    """PostFilter, kept on the view (``view.filterset``) for the list's total.

    A list request with no filter parameter skips building the FilterSet (a measurable
    share of a list request, issue 12): ``view.filterset`` is then None.
    """

    def filter_queryset(self, request, queryset, view):
        view.filterset = None
        if request.query_params.keys() <= PAGING_PARAMETERS:
            return PostFilter.default_list(queryset, request.user)
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset
