"""Throttles that tell their state (API.md, Rate limits): the IETF httpapi rate-limit headers.

Each throttle that applies to a request notes its policy and what is left of it on the
request; ``RateLimitHeadersMiddleware`` writes them as
``RateLimit-Policy: "<name>";q=<quota>;w=<window>`` and ``RateLimit: "<name>";r=<remaining>;t=<reset>``
(draft-ietf-httpapi-ratelimit-headers-09). DRF adds ``Retry-After`` to a 429.
"""

import logging
import math
from dataclasses import dataclass

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

ATTRIBUTE = "rate_limits"


@dataclass(frozen=True)
class RateLimitState:
    name: str
    quota: int
    window: int
    remaining: int
    reset: int

    def policy(self) -> str:
        return f'"{self.name}";q={self.quota};w={self.window}'

    def state(self) -> str:
        return f'"{self.name}";r={self.remaining};t={self.reset}'


class ReportingThrottleMixin:
    """For SimpleRateThrottle subclasses: fail open on a cache outage, and report the state."""

    @property
    def THROTTLE_RATES(self) -> dict:
        # Read when used, not frozen at import as DRF's class attribute is (tests override them).
        return api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except Exception:
            # A cache (Redis) outage must not take the API down with it: fail open, loudly.
            logger.exception("Throttle cache unavailable; request let through")
            return True
        if self.rate is not None and getattr(self, "key", None) is not None:
            self.report(request, allowed)
        return allowed

    def report(self, request, allowed: bool) -> None:
        # history holds this window's request times, newest first (this one included if allowed).
        oldest = self.history[-1] if self.history else self.now
        reset = self.wait() if not allowed else self.duration - (self.now - oldest)
        state = RateLimitState(
            name=self.scope,
            quota=self.num_requests,
            window=self.duration,
            remaining=max(0, self.num_requests - len(self.history)),
            reset=max(0, math.ceil(reset or 0)),
        )
        django_request = getattr(request, "_request", request)
        setattr(django_request, ATTRIBUTE, [*getattr(django_request, ATTRIBUTE, []), state])


class AnonThrottle(ReportingThrottleMixin, AnonRateThrottle):
    """ANON_THROTTLE_RATE per client address, unauthenticated requests only."""


class UserThrottle(ReportingThrottleMixin, UserRateThrottle):
    """USER_THROTTLE_RATE per user, authenticated requests only (writes included)."""

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class RateLimitHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        states = getattr(request, ATTRIBUTE, None)
        if states:
            response["RateLimit-Policy"] = ", ".join(state.policy() for state in states)
            response["RateLimit"] = ", ".join(state.state() for state in states)
        return response
