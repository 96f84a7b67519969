"""HTTP semantics in one place (API.md, HTTP semantics): ETags and 304s, lost-update
protection with If-Match, Cache-Control and Vary.

Views opt in with ``ConditionalResourceMixin`` (reads, and the ETag of writes) and
``LostUpdateProtectionMixin`` (If-Match); ``CacheControlMiddleware`` gives every other answer
under /api/ its ``no-store``.
"""

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer

POST_CHANGED = "The post has changed since you fetched it"
IF_MATCH_REQUIRED = "If-Match is required"
READ_VARY = ("Authorization", "Cookie")
READ_METHODS = ("GET", "HEAD")
NO_STORE_PREFIXES = ("/api/auth/", "/api/users/")

_canonical = JSONRenderer()


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = POST_CHANGED
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = IF_MATCH_REQUIRED
    default_code = "precondition_required"


def etag_of(data) -> str:
    """A strong ETag: a digest of the representation's canonical JSON (whatever indent was asked)."""
    return f'"{hashlib.blake2b(_canonical.render(data), digest_size=16).hexdigest()}"'


def if_match_passes(header: str, current_etag: str) -> bool:
    """RFC 9110 If-Match: ``*`` or the current ETag under strong comparison (weak ones never match)."""
    etags = parse_etags(header)
    return "*" in etags or any(etag == current_etag for etag in etags if not etag.startswith("W/"))


class ConditionalResourceMixin:
    """ETag, 304 and Cache-Control/Vary on reads; the ETag of the representation on writes."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in READ_METHODS:
            visibility = "private" if request.user.is_authenticated else "public"
            response["Cache-Control"] = f"{visibility}, no-cache"
            patch_vary_headers(response, READ_VARY)
            if response.status_code == status.HTTP_200_OK:
                response["ETag"] = etag_of(response.data)
                return get_conditional_response(request._request, etag=response["ETag"], response=response)
            return response
        if request.method in SAFE_METHODS:
            return response  # OPTIONS
        response["Cache-Control"] = "no-store"
        if response.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED) and response.data is not None:
            response["ETag"] = etag_of(response.data)
        return response


class LostUpdateProtectionMixin:
    """If-Match on PUT/PATCH/DELETE: 412 when stale, 428 when missing and REQUIRE_IF_MATCH.

    The check and the write are one step: the object is re-read under a row lock
    (``SELECT ... FOR UPDATE``) inside the write's transaction, so of two writers holding
    one ETag the second sees the first's change and gets 412. Views say how to read their
    object locked (``get_locked_object``) and represent it (``get_serializer``).
    """

    writing = False  # set by update() and destroy(): only a real write checks preconditions

    def get_object(self):
        obj = super().get_object()  # 404, then 403: before any precondition (API.md, order of checks)
        if not self.writing:
            return obj
        if_match = self.request.headers.get("If-Match")
        if if_match is None:
            if settings.REQUIRE_IF_MATCH:
                raise PreconditionRequired
            return obj
        locked = self.get_locked_object(obj)
        if not if_match_passes(if_match, etag_of(self.get_serializer(locked).data)):
            raise PreconditionFailed
        return locked

    def update(self, request, *args, **kwargs):
        self.writing = True
        with transaction.atomic():  # holds the row lock of get_object until the write commits
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.writing = True
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)


class CacheControlMiddleware:
    """``no-store`` for accounts and users (tokens, personal data), and for any other API
    answer that did not choose its own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        chose_none = request.path.startswith("/api/") and not response.has_header("Cache-Control")
        if request.path.startswith(NO_STORE_PREFIXES) or chose_none:
            response["Cache-Control"] = "no-store"
        return response
