"""Telegram's limits count per bot, not per process: with REDIS_URL, every instance's sliding windows
(the bot's, each chat's) live in Redis, so N instances together keep to one bot's budget rather than
each to all of it.

A window is a sorted set of send times. A send is one round trip: a Lua script drops the times that
left each window, then takes a slot in the chat's window and the bot's at once, or none and answers
how long until one frees up (bot.telegram.delivery.Limiters waits and asks again, one waiter at a time for the
bot's budget, so a queue of chats does not poll Redis together). The times come from Redis's own
clock (TIME, which a script may call before writing since Redis 5), so the instances' clocks never
need to agree.

When Redis cannot be reached the instance paces itself with its local windows of the same shape (as
without Redis) and says so in the log once until Redis answers again: sends are never held up by the
limiter's own store.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

#: KEYS: the chat's window, then the bot's windows; ARGV: period (µs) and count of each, then a unique
#: member. All or nothing: {0, 0} when a slot was taken in every window; else {µs to wait, 0} when the
#: chat's own window is full, {µs to wait, 1} when a bot-wide one is (nothing taken).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i, key in ipairs(KEYS) do
  local period = tonumber(ARGV[2 * i - 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 * i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {math.max(1, tonumber(oldest[2]) + period - now), i > 1 and 1 or 0}
  end
end
for i, key in ipairs(KEYS) do
  local period = tonumber(ARGV[2 * i - 1])
  redis.call('ZADD', key, now, ARGV[#ARGV])
  redis.call('PEXPIRE', key, math.floor(period / 1000) + 1000)
end
return {0, 0}
"""

#: KEYS: bot-wide windows; ARGV: period (µs) of each, then a unique member. Counts a call once more at
#: this moment in each window, without checking (it had its slot; it left late: Limiters.leaving).
_STAMP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[#ARGV])
  redis.call('PEXPIRE', key, math.floor(tonumber(ARGV[i]) / 1000) + 1000)
end
return 0
"""


class SharedWindows:
    """The Redis connection and key prefix the shared windows of one bot use."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.script = redis.register_script(_TAKE)
        self.stamp_script = redis.register_script(_STAMP)
        self.failing = False
        self._serial = 0
        self._instance = os.urandom(6).hex()

    @classmethod
    def from_url(cls, url: str, prefix: str) -> SharedWindows:
        """Connect lazily (the first send opens the connection)."""
        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), prefix)

    async def take(self, windows: list[tuple[str, Shape]]) -> tuple[float, bool] | None:
        """One round trip for a send: (0, False) when a slot was taken in every window (the chat's first,
        then the bot's); else seconds to wait and whether a bot-wide window is the one that is full,
        nothing taken. None when Redis could not be reached (logged once until it answers again)."""
        self._serial += 1
        args: list[Any] = []
        for _, shape in windows:
            args += [round(shape.period * 1_000_000), shape.count]
        args.append(f"{self._instance}:{self._serial}")
        try:
            wait, bot_wide = await self.script(keys=[f"{self.prefix}:limits:{name}" for name, _ in windows], args=args)
        except (RedisError, OSError) as exc:
            if not self.failing:
                log.warning("shared send limits unreachable (%s): pacing this instance alone", type(exc).__name__)
                self.failing = True
            return None
        if self.failing:
            log.info("shared send limits reachable again")
            self.failing = False
        return int(wait) / 1_000_000, bool(bot_wide)

    async def stamp(self, windows: list[tuple[str, Shape]]) -> None:
        """Count one more call now in these windows, without checking them (one round trip); nothing
        when Redis cannot be reached (the local windows have it)."""
        self._serial += 1
        args: list[Any] = [round(shape.period * 1_000_000) for _, shape in windows]
        args.append(f"{self._instance}:{self._serial}")
        try:
            await self.stamp_script(keys=[f"{self.prefix}:limits:{name}" for name, _ in windows], args=args)
        except (RedisError, OSError):
            return

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()


class Shape(Protocol):
    """What a window is: `count` sends in any `period` seconds (bot.telegram.delivery.Window)."""

    count: int
    period: float
