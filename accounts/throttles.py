import logging

from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class AuthEndpointThrottle(ScopedRateThrottle):
    """AUTH_THROTTLE_RATE per client address on one auth endpoint (the view's ``throttle_scope``).

    Keyed on the address only, never on ``request.user``: these endpoints must not
    authenticate (a stale access cookie would otherwise turn a login into a 401).
    """

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            # A cache (Redis) outage must not take login down with it: fail open, loudly.
            logger.exception("Throttle cache unavailable; request let through")
            return True
