"""Per-robot pacing: at most `limit` posts in any `window` seconds (the platforms: 20 a minute).

A bucket of `limit` tokens per robot, where a spent token comes back `window` seconds after it
was spent (a sliding window: unlike a token bucket refilled at limit/window per second, it
never lets limit + refill through in one window). A token is spent before the post and
stamped again when the answer arrives, so the window is counted from a moment the platform had
certainly received the post: network delays cannot squeeze limit + 1 posts into its window.

When a platform answers with its rate-limit code anyway (another sender on the same robot, a
clock the platform counts differently), `block` keeps every sender off that robot for a while.

Two stores with one behaviour: Redis (one Lua script per call) when CACHE_URL is Redis, so
every worker shares the buckets; otherwise a row per robot in the database, locked while it
is read and written.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F

from ...models import ChannelPace
from ..reminders.config import reminder_config
from ..reminders.sql import commit_without_flush

Clock = Callable[[], float]

_ACQUIRE = """
local key, blocked_key = KEYS[1], KEYS[2]
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blocked = tonumber(redis.call('GET', blocked_key) or '0')
if blocked > now then return tostring(blocked - now) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 60000)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


@dataclass(frozen=True)
class Pace:
    limit: int
    window: float


def pace_from_settings() -> Pace:
    config = reminder_config()
    return Pace(limit=config.robot_rate_limit, window=config.robot_rate_window_seconds)


class Pacer:
    """acquire() → (0, token) when a post may go now, else (seconds to wait, "")."""

    def __init__(self, pace: Pace | None = None, clock: Clock = time.time) -> None:
        self.pace = pace or pace_from_settings()
        self.clock = clock

    def acquire(self, channel_id: int) -> tuple[float, str]:
        raise NotImplementedError

    def stamp(self, channel_id: int, token: str) -> None:
        """The post answered: its token's window starts now."""
        raise NotImplementedError

    def block(self, channel_id: int, seconds: float) -> None:
        """The platform said "too fast": nobody posts to this robot for `seconds`."""
        raise NotImplementedError


class RedisPacer(Pacer):
    def __init__(self, client: Any, pace: Pace | None = None, clock: Clock = time.time) -> None:
        super().__init__(pace, clock)
        self.client = client
        self.script = client.register_script(_ACQUIRE)

    @staticmethod
    def _keys(channel_id: int) -> tuple[str, str]:
        return f"ledger:robot-pace:{channel_id}", f"ledger:robot-blocked:{channel_id}"

    def acquire(self, channel_id: int) -> tuple[float, str]:
        token = uuid.uuid4().hex
        wait = float(
            self.script(
                keys=list(self._keys(channel_id)),
                args=[repr(self.clock()), repr(self.pace.window), self.pace.limit, token],
            )
        )
        return (0.0, token) if wait <= 0 else (wait, "")

    def stamp(self, channel_id: int, token: str) -> None:
        # XX: only a token still in the window; one already expired needs no new stamp.
        self.client.zadd(self._keys(channel_id)[0], {token: self.clock()}, xx=True)

    def block(self, channel_id: int, seconds: float) -> None:
        until = self.clock() + seconds
        self.client.set(self._keys(channel_id)[1], repr(until), px=int(seconds * 1000) + 1000)


class DatabasePacer(Pacer):
    def _row(self, channel_id: int) -> ChannelPace:
        """The robot's row, locked until the transaction ends (which the caller opened)."""
        commit_without_flush()  # pacing lost with the database server costs nothing
        rows = ChannelPace.objects.filter(pk=channel_id)
        if not db_connection.features.has_select_for_update:
            # SQLite has no row locks, and only a write takes its lock before the row is read.
            rows.update(blocked_until=F("blocked_until"))
        try:
            return rows.select_for_update().get()
        except ChannelPace.DoesNotExist:
            ChannelPace.objects.get_or_create(channel_id=channel_id)
            return rows.select_for_update().get()

    def acquire(self, channel_id: int) -> tuple[float, str]:
        with transaction.atomic():
            row = self._row(channel_id)
            now = self.clock()
            if row.blocked_until > now:
                return row.blocked_until - now, ""
            live = {t: s for t, s in row.stamps.items() if s > now - self.pace.window}
            if len(live) >= self.pace.limit:
                return min(live.values()) + self.pace.window - now, ""
            token = uuid.uuid4().hex
            live[token] = now
            ChannelPace.objects.filter(pk=channel_id).update(stamps=live)
            return 0.0, token

    def stamp(self, channel_id: int, token: str) -> None:
        with transaction.atomic():
            row = self._row(channel_id)
            if token in row.stamps:
                row.stamps[token] = self.clock()
                ChannelPace.objects.filter(pk=channel_id).update(stamps=row.stamps)

    def block(self, channel_id: int, seconds: float) -> None:
        with transaction.atomic():
            self._row(channel_id)
            ChannelPace.objects.filter(pk=channel_id).update(blocked_until=self.clock() + seconds)


def pacer(pace: Pace | None = None, clock: Clock = time.time) -> Pacer:
    """Redis when the cache is Redis (every worker shares the buckets), else the database."""
    if getattr(settings, "CACHE_URL", ""):
        from django.core.cache import cache

        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        return RedisPacer(client, pace, clock)
    return DatabasePacer(pace, clock)
