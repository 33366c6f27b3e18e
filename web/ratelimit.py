"""Per-client-address limits on attempts: a fixed-window counter in Redis.

Redis, not memory, so a limit holds across every web process and machine. Each caller
decides what a Redis outage means: sign-in allows the attempt (the account lockout in the
database still holds), case tracking refuses to look anything up.
"""

from __future__ import annotations

import hashlib
import logging

from redis.exceptions import RedisError

from heard.queue import redis

log = logging.getLogger(__name__)

SIGN_IN_ATTEMPTS = 20  # per address per window: plenty for an office behind one address
WINDOW_SECONDS = 15 * 60


def _key(scope: str, address: str) -> str:
    # Hashed, so client addresses (personal data) are not kept in Redis in the clear.
    return f"heard:limit:{scope}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"


def count_attempt(scope: str, address: str, limit: int, window: int) -> bool:
    """Count one attempt from `address`; False once it has made more than `limit` in the
    window. Raises RedisError when the count cannot be kept."""
    key = _key(scope, address)
    with redis().pipeline() as pipe:  # MULTI: the window's expiry is set with its first count, never lost
        pipe.set(key, 0, ex=window, nx=True)  # the window starts at the first attempt
        pipe.incr(key)
        _, count = pipe.execute()
    return int(count) <= limit


def allow(scope: str, address: str, limit: int = SIGN_IN_ATTEMPTS, window: int = WINDOW_SECONDS) -> bool:
    """`count_attempt`, allowing the attempt when Redis is away (for sign-in)."""
    try:
        return count_attempt(scope, address, limit, window)
    except RedisError as exc:
        log.warning("sign-in rate limit unavailable, allowing the attempt: %s", exc.__class__.__name__)
        return True
