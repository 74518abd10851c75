"""Rate limits that hold across every web worker: a fixed-window counter per key, kept in the
database, or in Redis when ``redis_url`` is set.

Each attempt is counted first, in one atomic step that starts a new window when the old one is
over, and judged after, so concurrent attempts cannot all slip under the limit: forty logins at
once are counted forty times. Both stores keep the same counters (``Counters.hit``); the limits
themselves are the web pages' to judge.

In the database it is one statement (an upsert), on a small table (a row per address, account or
address being signed up) whose old rows are swept as new windows start. In Redis it is a Lua
script (Redis runs it whole, with nothing in between), on a hash per key that expires when its
window is over; the key is an HMAC under a key derived from the secret, so no address is kept
there in the clear, nor can a guessed one be checked against it. Redis unreachable
fails closed: the attempt is refused (``CountersUnavailable``, a 503 page), never let through
uncounted.
"""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy import Engine, case, delete

from tracker.db import upsert, write_session
from tracker.errors import ConfigError, TrackerError
from tracker.models.limits import RateCounter
from tracker.redact import redact

COUNTERS = RateCounter.__table__
REDIS_PREFIX = "tracker:limit:"
REDIS_TIMEOUT = 2.0  # seconds: a login waits no longer than this on an unreachable Redis
logger = logging.getLogger(__name__)


class Counters(Protocol):
    def hit(self, key: str, *, window: timedelta, now: datetime) -> int:
        """Count one attempt against ``key``: the attempts in its current window, this one included."""

    def forget(self, key: str) -> None:
        """Drop ``key``'s counter (an erased subscriber's address)."""


class CountersUnavailable(TrackerError):
    """The store that counts attempts cannot be reached: the attempt is refused, not let through."""

    status_code = 503


class DatabaseCounters:
    def __init__(self, engine: Engine):
        self.engine = engine

    def hit(self, key: str, *, window: timedelta, now: datetime) -> int:
        expired = COUNTERS.c.window_start <= now - window
        statement = upsert(COUNTERS, self.engine).values(key=key, window_start=now, count=1)
        statement = statement.on_conflict_do_update(index_elements=["key"], set_={
            "count": case((expired, 1), else_=COUNTERS.c.count + 1),
            "window_start": case((expired, now), else_=COUNTERS.c.window_start),
        }).returning(COUNTERS.c.count)
        with write_session(self.engine) as session:
            count = session.execute(statement).scalar_one()
            if count == 1:  # a new window: forget the keys whose windows are long over
                session.execute(delete(COUNTERS).where(COUNTERS.c.window_start <= now - 4 * window))
        return count

    def forget(self, key: str) -> None:
        with write_session(self.engine) as session:
            session.execute(delete(COUNTERS).where(COUNTERS.c.key == key))


# KEYS[1]: the counter; ARGV: now and the window, in milliseconds. The same rule as the upsert above.
HIT_SCRIPT = """
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
if start == nil or start <= now - window then
    redis.call('HSET', KEYS[1], 'start', ARGV[1], 'count', 1)
    redis.call('PEXPIRE', KEYS[1], window)
    return 1
end
return redis.call('HINCRBY', KEYS[1], 'count', 1)
"""


class RedisCounters:
    def __init__(self, url: str, key: str):
        import redis  # only a web app with redis_url set pays for importing it

        self.where, self.key = redact(url), key.encode()
        self.errors = redis.RedisError
        try:
            self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                               socket_connect_timeout=REDIS_TIMEOUT)
        except ValueError as exc:  # not a redis://, rediss:// or unix:// URL
            raise ConfigError(f"redis_url {self.where} is not a Redis URL: {redact(str(exc))}") from None
        self.script = self.client.register_script(HIT_SCRIPT)

    def check(self) -> None:
        """:raises ConfigError: when Redis does not answer (said once, at the web app's start)"""
        try:
            self.client.ping()
        except self.errors as exc:
            raise ConfigError(f"Redis at {self.where} (redis_url) did not answer: {_reason(exc)}. Start it, "
                              "or unset redis_url to count logins and sign-ups in the database") from None

    def hit(self, key: str, *, window: timedelta, now: datetime) -> int:
        try:
            return int(self.script(keys=[self._name(key)], args=[int(now.timestamp() * 1000),
                                                             int(window.total_seconds() * 1000)]))
        except self.errors as exc:
            logger.error("Redis at %s (redis_url) did not answer, so logins and sign-ups are refused: %s",
                         self.where, _reason(exc))
            raise CountersUnavailable("Logging in and signing up are unavailable for a moment: the store "
                                      "that counts attempts cannot be reached. Try again in a few minutes.") \
                from None


    def _name(self, key: str) -> str:
        return REDIS_PREFIX + hmac.new(self.key, key.encode(), hashlib.sha256).hexdigest()

    def forget(self, key: str) -> None:
        try:
            self.client.delete(self._name(key))
        except self.errors as exc:
            raise CountersUnavailable(f"Redis at {self.where} (redis_url) did not answer: {_reason(exc)}; "
                                      "nothing was erased, try again when it answers") from None




def _reason(exc: Exception) -> str:
    return redact(str(exc)).rstrip(".") or exc.__class__.__name__


def counters(redis_url: SecretStr | None, engine: Engine, key: str) -> Counters:
    """Redis's counters when ``redis_url`` is set (checked it answers), else the database's.

    :param key: what Redis's key names are an HMAC under (the suppression key: every host has it)
    :raises ConfigError: for a Redis URL that is not one, or a Redis that does not answer
    """
    if redis_url is None or not redis_url.get_secret_value():
        return DatabaseCounters(engine)
    found = RedisCounters(redis_url.get_secret_value(), key)
    found.check()
    return found
