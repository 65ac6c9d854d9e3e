"""Sessions as Django's `cached_db` keeps them (the cache first, the database behind it), read in one cache round
trip with the data version (`core.dataversion`) and the accounts version (`core.backends`, under which each
process keeps the signed-in user): a page needs all three, one after the other, and each round trip to Redis costs
≈ 0.2 ms. `SESSION_ENGINE = "core.sessions"` when Redis is the cache."""

from django.contrib.sessions.backends import cached_db

from . import backends, dataversion


class SessionStore(cached_db.SessionStore):
    def load(self):
        if self.session_key is None or not dataversion.wanted():
            return super().load()
        try:
            values = self._cache.get_many([self.cache_key, dataversion.KEY, backends.ACCOUNTS_KEY])
        except Exception:  # noqa: BLE001 — as cached_db: a cache error reads the session as not cached
            return super().load()
        dataversion.prime(values.get(dataversion.KEY))
        backends.prime_accounts_version(values.get(backends.ACCOUNTS_KEY))
        data = values.get(self.cache_key)
        return data if data is not None else super().load()
