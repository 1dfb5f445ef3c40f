"""The shared cache (Redis), failing soft.

Rate limits, the public page cache and the throttling of alerts keep their counts in Redis.
When Redis is down or stalls, a request goes on without it rather than failing: a read misses,
a write is dropped and an atomic add succeeds (a lock is taken, a first alert goes out), so
people still sign in and read the pages; rate limits count again once Redis is back. After a
failure the process leaves the server alone for `PAUSE_SECONDS`, so a stalled server costs
each process one timeout, not one per cache call.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 10.0
OUTAGES = (RedisConnectionError, RedisTimeoutError, OSError)

# Monotonic time until which each server (by its URLs) is left alone, in this process.
_paused_until: dict[tuple[str, ...], float] = {}
_lock = threading.Lock()


def _soft(operation: Callable, fallback: Callable) -> Callable:
    """`operation` of the client, answered by `fallback(*args)` while the server is out."""

    def call(self, *args, **kwargs):
        if _paused_until.get(self.servers, 0.0) > time.monotonic():
            return fallback(*args, **kwargs)
        try:
            return operation(self, *args, **kwargs)
        except OUTAGES as error:
            with _lock:
                _paused_until[self.servers] = time.monotonic() + PAUSE_SECONDS
            logger.warning(
                "The cache does not answer (%s); going on without it for %d s",
                type(error).__name__,
                PAUSE_SECONDS,
            )
            return fallback(*args, **kwargs)

    call.__name__ = operation.__name__
    call.__doc__ = operation.__doc__
    return call


def _missing(key, *_args, **_kwargs):
    raise ValueError(f"Key {key!r} not found.")


class FailSoftRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self.servers = tuple(servers)

    add = _soft(RedisCacheClient.add, lambda *_a, **_k: True)
    get = _soft(RedisCacheClient.get, lambda _key, default=None: default)
    set = _soft(RedisCacheClient.set, lambda *_a, **_k: None)
    touch = _soft(RedisCacheClient.touch, lambda *_a, **_k: False)
    delete = _soft(RedisCacheClient.delete, lambda *_a, **_k: False)
    get_many = _soft(RedisCacheClient.get_many, lambda *_a, **_k: {})
    has_key = _soft(RedisCacheClient.has_key, lambda *_a, **_k: False)
    incr = _soft(RedisCacheClient.incr, _missing)
    set_many = _soft(RedisCacheClient.set_many, lambda *_a, **_k: None)
    delete_many = _soft(RedisCacheClient.delete_many, lambda *_a, **_k: None)
    clear = _soft(RedisCacheClient.clear, lambda *_a, **_k: False)


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache that answers as an empty cache while the server is out."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient
