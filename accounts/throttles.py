from rest_framework.throttling import ScopedRateThrottle

from blogapi.ratelimit import ReportingThrottleMixin


class AuthEndpointThrottle(ReportingThrottleMixin, ScopedRateThrottle):
    """AUTH_THROTTLE_RATE per client address on one auth endpoint (the view's ``throttle_scope``).

    Keyed on the address only, never on ``request.user``: these endpoints must not
    authenticate (a stale access cookie would otherwise turn a login into a 401).
    """

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
