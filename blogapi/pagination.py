"""``?page=&limit=`` and ``?cursor=`` pagination with the contract's list envelope (API.md, Posts).

Numbered pages (``?page=N``) link numbered pages. The first page (no ``page``, no ``cursor``)
and cursor pages link cursor pages: keyset pages (blogapi.keyset) that stay exact while posts
are written and cost the same at any depth.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from blogapi import keyset

POSITIVE_INTEGER_REQUIRED = "A positive integer is required."
PAGE_OR_CURSOR = "Give page or cursor, not both."
BAD_CURSOR = "Not a cursor of this list (take it from next or previous)."


def positive_int_param(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits only: int() would also take "+1", " 1", "1_0" and other scripts' digits.
    value = int(raw) if raw.isascii() and raw.isdigit() else 0
    if value < 1:
        raise ValidationError({name: [POSITIVE_INTEGER_REQUIRED]})
    return value


class PageLimitPagination(BasePagination):
    default_limit = 10
    max_limit = 100
    items_key = "items"

    def paginate_queryset(self, queryset, request, view=None):
        self.request, self.view = request, view
        params = request.query_params
        if "page" in params and "cursor" in params:
            raise ValidationError({"cursor": [PAGE_OR_CURSOR]})
        self.limit = min(positive_int_param(request, "limit", self.default_limit), self.max_limit)
        self.keys = keyset.sort_keys(queryset)
        if "cursor" in params:
            return self.cursor_page(queryset, params["cursor"])
        self.page = positive_int_param(request, "page", 1)
        self.total = self.count(queryset)
        offset = (self.page - 1) * self.limit
        if offset >= self.total:
            self.next = self.previous = None
            return []  # past the end; also keeps absurd offsets away from the database
        rows = list(queryset[offset : offset + self.limit])
        more = offset + len(rows) < self.total
        if "page" in params:
            self.next = self.page_link(self.page + 1) if more else None
            self.previous = self.page_link(self.page - 1) if self.page > 1 else None
        else:  # the first page opens a cursor walk
            self.next = self.cursor_link(rows[-1], backwards=False) if more else None
            self.previous = None
        return rows

    def count(self, queryset) -> int:
        """The exact total: the view's (``exact_total``) where it keeps one cheaply, else COUNT(*)."""
        exact_total = getattr(self.view, "exact_total", None)
        total = exact_total() if exact_total else None
        return queryset.count() if total is None else total

    def cursor_page(self, queryset, cursor: str) -> list:
        try:
            values, backwards = keyset.decode(cursor, queryset.model, self.keys)
        except keyset.BadCursor:
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        self.page = None
        self.total = self.count(queryset)
        rows = keyset.rows_after(queryset, self.keys, values, backwards=backwards, count=self.limit + 1)
        more, rows = len(rows) > self.limit, rows[: self.limit]
        if backwards:
            rows.reverse()
        has_next, has_previous = (True, more) if backwards else (more, True)
        self.next = self.cursor_link(rows[-1], backwards=False) if has_next and rows else None
        self.previous = self.cursor_link(rows[0], backwards=True) if has_previous and rows else None
        return rows

    def cursor_link(self, row, *, backwards: bool) -> str:
        cursor = keyset.encode(keyset.key_of(row, self.keys), backwards=backwards)
        return replace_query_param(remove_query_param(self.request.build_absolute_uri(), "page"), "cursor", cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "status": "success",
                "results": len(data),
                "total": self.total,
                "page": self.page,
                "limit": self.limit,
                "next": self.next,
                "previous": self.previous,
                self.items_key: data,
            }
        )

    def page_link(self, page: int) -> str:
        """This request's absolute URL with another page number, every other parameter kept."""
        return replace_query_param(self.request.build_absolute_uri(), "page", page)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1. A page past the end is empty.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "The opaque value in next or previous (keyset pages); not with page.",
                "schema": {"type": "string"},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Items per page; above {self.max_limit} it is capped at {self.max_limit}.",
                "schema": {"type": "integer", "minimum": 1, "default": self.default_limit},
            },
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["status", "results", "total", "page", "limit", "next", "previous", self.items_key],
            "properties": {
                "status": {"type": "string", "enum": ["success"]},
                "results": {"type": "integer", "minimum": 0},
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1, "nullable": True, "description": "null on a cursor page"},
                "limit": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page; null on the last",
                },
                "previous": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The previous page; null on the first",
                },
                self.items_key: schema,
            },
        }
