"""Idempotency-Key on creates (API.md, HTTP semantics): a retried POST never creates twice.

The first request with a key claims it (a committed row: the unique constraint on
(owner, key) picks one winner among concurrent requests), runs, and stores its answer in
the same transaction as its write: a process that dies half-way leaves neither the post
nor the answer, and the key is taken over later. Answers of 5xx are not kept.
"""

import datetime as dt
import hashlib
import json
import logging
import re

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from idempotency.models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[!-~]{1,255}")  # visible ASCII
INVALID_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters."
KEY_REUSED = "Idempotency-Key was used with a different request"
KEY_IN_PROGRESS = "A request with this Idempotency-Key is still being processed; retry later."
# A first request still "running" after this long died with its process: its key is taken over.
ABANDONED_AFTER = dt.timedelta(seconds=60)


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = KEY_REUSED
    default_code = "idempotency_key_reused"


class KeyInProgress(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = KEY_IN_PROGRESS
    default_code = "idempotency_key_in_progress"


class _NotKept(Exception):
    def __init__(self, response):
        self.response = response


def request_fingerprint(request) -> str:
    """The method, the path (with or without its trailing slash) and the body as sent."""
    head = f"{request.method} {request.path.rstrip('/')}\n".encode()
    return hashlib.sha256(head + request.body).hexdigest()


def claim(*, owner, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """The key's row, and whether this request is the one to run."""
    while True:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(owner=owner, key=key, fingerprint=fingerprint), True
        except IntegrityError:
            pass
        record = IdempotencyKey.objects.filter(owner=owner, key=key).first()
        now = timezone.now()
        if record is None:
            continue  # purged between the two statements
        if record.expires_at <= now:
            IdempotencyKey.objects.filter(pk=record.pk, expires_at__lte=now).delete()
            continue
        abandoned = record.status is None and record.started_at <= now - ABANDONED_AFTER
        if abandoned and record.fingerprint == fingerprint:
            taken = IdempotencyKey.objects.filter(pk=record.pk, status=None, started_at=record.started_at)
            if taken.update(started_at=now):
                return record, True
            continue
        return record, False


def replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise KeyReused
    if record.status is None:
        raise KeyInProgress
    data = json.loads(record.response_body) if record.response_body else None
    return Response(data, status=record.status, headers={REPLAYED_HEADER: "true"})


def release(record: IdempotencyKey) -> None:
    """Forget a claim whose request did not finish: a retry runs again."""
    try:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
    except DatabaseError:
        logger.exception("Could not release Idempotency-Key %s; it is taken over after %s", record.pk, ABANDONED_AFTER)


class IdempotentCreateMixin:
    """``create`` honours an Idempotency-Key, scoped to the authenticated caller."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return super().create(request, *args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            raise ParseError(INVALID_KEY)
        fingerprint = request_fingerprint(request._request)
        record, claimed = claim(owner=request.user, key=key, fingerprint=fingerprint)
        if not claimed:
            return replay(record, fingerprint)
        try:
            with transaction.atomic():
                response = self._create_or_error_response(request, *args, **kwargs)
                if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
                    raise _NotKept(response)
                kept = JSONRenderer().render(response.data).decode() if response.data is not None else ""
                IdempotencyKey.objects.filter(pk=record.pk).update(status=response.status_code, response_body=kept)
        except _NotKept as not_kept:
            release(record)
            return not_kept.response
        except BaseException:
            release(record)
            raise
        return response

    def _create_or_error_response(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except Exception as exc:
            return self.handle_exception(exc)  # 4xx answers are kept too; unexpected errors re-raise
