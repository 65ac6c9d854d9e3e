"""API rate limits, counted per fixed window.

DRF's rate throttles keep, per client, the list of its request times in the cache and write it back on every
request: up to `num_requests` floats (6,000 at the default rate) unpickled and pickled again per request, in two
round trips, and two concurrent requests can both pass on the same list. These count the requests of each window
(a multiple of the rate's duration) with the cache's own atomic `add()` and `incr()`, and answer 429 with
`Retry-After` set to the time left in the window. As with every fixed-window limit, a client can spend its quota
at the end of one window and again at the start of the next.
"""

from django.core.cache import BaseCache
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

from ..models import ApiToken


def window_hit(cache: BaseCache, key: str, timeout: int) -> int:
    """Count one request under `key` (kept `timeout` seconds); the number counted so far, this one included."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout)
        return 1


class WindowRateThrottle(SimpleRateThrottle):
    retry_after: float | None = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        return window_hit(self.cache, f"{self.key}:{window}", self.duration) <= self.num_requests

    def wait(self):
        return self.retry_after


class TokenRateThrottle(UserRateThrottle, WindowRateThrottle):
    """Counts requests per API token (per user for browser sessions, per address for anonymous requests)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        return super().get_cache_key(request, view)


class ScopedWindowRateThrottle(ScopedRateThrottle, WindowRateThrottle):
    """The rate of the view's `throttle_scope` (e.g. `token_obtain`), per user or address."""
