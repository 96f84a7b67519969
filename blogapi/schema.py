"""OpenAPI generation (drf-spectacular): the error envelope on every operation, and the auth schemes.

Each operation documents the errors it can really answer with, derived from the view:
a body (400, 415), list parameters (400), authentication (401; 403 for cookie-authenticated
writes and object permissions), a path id (404), throttles (429), and 503 when the
database is down. Views add their own (409, 403 for tokens...) with ``extend_schema``.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from blogapi.http import ConditionalResourceMixin, LostUpdateProtectionMixin
from idempotency.keys import IdempotentCreateMixin


class ErrorSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["fail", "error"], help_text="fail for 4xx, error for 5xx")
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field (present on validation errors)",
    )


class SuccessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success"])


class MessageSerializer(SuccessSerializer):
    message = serializers.CharField()


class MovedSerializer(SuccessSerializer):
    message = serializers.CharField()
    slug = serializers.CharField(help_text="The current slug")


ERROR_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not authenticated: missing, invalid or expired token",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict (e.g. a request with this Idempotency-Key is still running)",
    412: "Precondition failed: the post has changed since you fetched it (If-Match)",
    422: "Idempotency-Key used with a different request",
    428: "If-Match is required (REQUIRE_IF_MATCH)",
    413: "Request body too large",
    415: "Unsupported media type: bodies are JSON",
    429: "Too many requests (see Retry-After)",
    503: "Service unavailable: database down (see Retry-After)",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PRECONDITION_METHODS = {"PUT", "PATCH", "DELETE"}
STRING = {"schema": {"type": "string"}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {**STRING, "description": 'The limit: "<name>";q=<quota>;w=<window seconds>'},
    "RateLimit": {**STRING, "description": 'What is left: "<name>";r=<remaining>;t=<seconds until reset>'},
}


TAGS_BY_PATH = [
    ("/api/auth/", "Auth"),
    ("/api/users/", "Users"),
    ("/api/posts", "Posts"),
    ("/api/tags", "Tags"),
    ("/api/changes", "Changes"),
    ("/api/healthchecker", "Health"),
]
ACTION_SUMMARIES = {
    "list": "List {plural}",
    "create": "Create a {name}",
    "retrieve": "Get a {name}",
    "update": "Replace a {name}",
    "partial_update": "Update some fields of a {name}",
    "destroy": "Delete a {name}",
}


class BlogAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return [next((tag for prefix, tag in TAGS_BY_PATH if self.path.startswith(prefix)), "Other")]

    def get_summary(self) -> str | None:
        summary = super().get_summary()
        if summary:
            return summary
        action = getattr(self.view, "action", None)
        if action in ACTION_SUMMARIES and hasattr(self.view, "get_queryset"):
            meta = self.view.get_queryset().model._meta
            return ACTION_SUMMARIES[action].format(name=meta.verbose_name, plural=meta.verbose_name_plural)
        doc = (self.view.__class__.__doc__ or "").strip().splitlines()
        return doc[0].rstrip(".") if doc else None

    def is_conditional(self) -> bool:
        return isinstance(self.view, ConditionalResourceMixin)

    def is_idempotent_create(self) -> bool:
        return isinstance(self.view, IdempotentCreateMixin) and self.method == "POST"

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.is_conditional() and self.method == "GET":
            parameters.append(
                OpenApiParameter(
                    "If-None-Match", str, OpenApiParameter.HEADER, description="An ETag you hold: 304 if still current"
                )
            )
        if isinstance(self.view, LostUpdateProtectionMixin) and self.method in PRECONDITION_METHODS:
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The ETag you fetched (or *): 412 if the post changed since. Required when "
                    "REQUIRE_IF_MATCH=1 (428 without).",
                )
            )
        if self.is_idempotent_create():
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    {"type": "string", "pattern": "^[!-~]{1,255}$"},
                    OpenApiParameter.HEADER,
                    description="Makes retries safe: the same key and body within 24 h replay the first answer.",
                )
            )
        return parameters

    def error_statuses(self) -> set[int]:
        view, method = self.view, self.method
        statuses = {503}
        if isinstance(view, LostUpdateProtectionMixin) and method in PRECONDITION_METHODS:
            statuses |= {412, 428}
        if self.is_idempotent_create():
            statuses |= {400, 409, 422}
        if method in UNSAFE_METHODS and method != "DELETE":
            statuses |= {400, 413, 415}
        if self._is_list_view() and method == "GET":
            statuses.add(400)
        if not any(isinstance(permission, AllowAny) for permission in view.get_permissions()):
            statuses.add(401)
            if method in UNSAFE_METHODS:
                statuses.add(403)  # cookie-authenticated writes from a foreign origin; object permissions
        if "{id" in self.path:  # {id}, {id_or_slug}
            statuses.add(404)
        if view.get_throttles():
            statuses.add(429)
        return statuses

    def get_auth(self):
        # Public endpoints (login, register...) never read credentials: no security requirement.
        if getattr(self.view, "skips_authentication", False):
            return []
        auth = super().get_auth()
        # Public reads (posts, PUBLIC_READ): credentials are optional, and checked when sent.
        if self.method == "GET" and getattr(self.view, "public_read", False) and settings.PUBLIC_READ:
            auth.append({})
        return auth

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(self.error_statuses()):
            if str(code) not in responses:
                serializer = ValidationErrorSerializer if code == 400 else ErrorSerializer
                response = self._get_response_for_code(serializer, str(code), direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[str(code)] = response
        if self.is_conditional() and self.method == "GET":
            responses["304"] = {
                "description": "Not modified: the ETag in If-None-Match is current (no body)",
                "headers": self._get_response_headers_for_code("304", direction),
            }
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code == "401":
            headers.setdefault("WWW-Authenticate", {"schema": {"type": "string"}, "description": "Bearer"})
        if status_code in ("429", "503"):
            headers.setdefault("Retry-After", {"schema": {"type": "integer"}, "description": "Seconds to wait"})
        if self.is_conditional() and status_code in ("200", "201", "304"):
            headers.setdefault("ETag", {**STRING, "description": "Strong validator of this representation"})
        if self.is_idempotent_create() and status_code != "503":
            headers.setdefault("Idempotent-Replayed", {**STRING, "description": "true on a replayed answer"})
        if self.view.get_throttles():
            for name, header in RATE_LIMIT_HEADERS.items():
                headers.setdefault(name, header)
        return headers


class JWTCookieAuthenticationScheme(OpenApiAuthenticationExtension):
    """Bearer header, or the HttpOnly ``access_token`` cookie set by login (API.md, Tokens)."""

    target_class = "accounts.authentication.JWTCookieAuthentication"
    name = ["bearerAuth", "cookieAuth"]

    def get_security_definition(self, auto_schema):
        return [
            build_bearer_security_scheme_object(
                header_name="HTTP_AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT"
            ),
            {
                "type": "apiKey",
                "in": "cookie",
                "name": "access_token",
                "description": "Set by login/refresh. Unsafe methods also need an allowed Origin or Referer.",
            },
        ]

    def get_security_requirement(self, auto_schema):
        return [{"bearerAuth": []}, {"cookieAuth": []}]


class PostStatusFieldExtension(OpenApiSerializerFieldExtension):
    """``status`` is written as draft/published and read as draft/scheduled/published."""

    target_class = "posts.serializers.PostStatusField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = field.read_choices if direction == "response" else list(field.choices)
        return {"type": "string", "enum": values}


class HighlightFieldExtension(OpenApiSerializerFieldExtension):
    """``highlight``: in responses only, and only on ``q`` searches (so not required)."""

    target_class = "posts.serializers.HighlightField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return None
        text = {"type": "string", "description": "HTML: matches in <mark>, everything else escaped"}
        return {
            "type": "object",
            "description": "Present when the list was searched with `q`.",
            "properties": {"title": text, "content": {**text, "description": text["description"] + "; ~30 words"}},
            "required": ["title", "content"],
        }


def strip_trailing_slashes(result, generator, request, public):
    """Show the contract's paths (``/api/posts``); both forms answer, the schema names one."""
    result["paths"] = {path.rstrip("/") or "/": item for path, item in result["paths"].items()}
    return result


def post_fields_always_present(result, generator, request, public):
    """A post in a response carries every field (writable ones included), ``highlight`` aside."""
    post = result["components"]["schemas"].get("Post")
    if post:
        post["required"] = [name for name in post["properties"] if name != "highlight"]
    return result
