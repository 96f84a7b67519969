"""``?page=&limit=`` pagination with the contract's list envelope (API.md, Posts)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

POSITIVE_INTEGER_REQUIRED = "A positive integer is required."


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
        self.request = request
        self.page = positive_int_param(request, "page", 1)
        self.limit = min(positive_int_param(request, "limit", self.default_limit), self.max_limit)
        self.total = queryset.count()
        offset = (self.page - 1) * self.limit
        if offset >= self.total:
            return []  # past the end; also keeps absurd offsets away from the database
        return list(queryset[offset : offset + self.limit])

    def get_paginated_response(self, data):
        return Response(
            {
                "status": "success",
                "results": len(data),
                "total": self.total,
                "page": self.page,
                "limit": self.limit,
                "next": self.page_link(self.page + 1) if self.page * self.limit < self.total else None,
                "previous": self.page_link(self.page - 1) if self.page > 1 else None,
                self.items_key: data,
            }
        )

    def page_link(self, page: int) -> str:
        """This request's absolute URL with another page number, every other parameter kept."""
        url = self.request.build_absolute_uri()
        return replace_query_param(url, "page", page) if page > 1 else remove_query_param(url, "page")

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
                "page": {"type": "integer", "minimum": 1},
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
