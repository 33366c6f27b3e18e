"""A per-client-address limit on sign-in attempts: a fixed-window counter in Redis.

Redis, not memory, so the limit holds across every web process and machine. The account
lockout in the database is the main defence; this one slows a single address trying many
accounts. If Redis is down, sign-in still works (and the lockout still holds).
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


def allow(scope: str, address: str, limit: int = SIGN_IN_ATTEMPTS, window: int = WINDOW_SECONDS) -> bool:
    """Count one attempt from `address`; False once it has made more than `limit` in the window."""
    key = _key(scope, address)
    try:
        with redis().pipeline() as pipe:
            pipe.set(key, 0, ex=window, nx=True)  # the window starts at the first attempt
            pipe.incr(key)
            _, count = pipe.execute()
    except RedisError as exc:
        log.warning("sign-in rate limit unavailable, allowing the attempt: %s", exc.__class__.__name__)
        return True
    return int(count) <= limit
