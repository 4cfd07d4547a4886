"""The sender's sliding windows: never more than the limit in any window, waiters in order."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from bot.core.config import Limits
from bot.telegram import delivery
from bot.telegram.delivery import Limiters, TooLate, Window
from bot.telegram.shared_limits import SharedWindows


async def test_window_never_exceeds_its_count_in_any_period() -> None:
    """60 acquisitions at 100/s: every sliding 0.1 s window holds at most 10."""
    window = Window.for_rate(100, 10)
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(60):
        await window.acquire()
        times.append(loop.time())
    for i, start in enumerate(times):
        inside = [t for t in times[i:] if t < start + 0.1]
        assert len(inside) <= 10


async def test_waiters_are_served_in_order() -> None:
    """Concurrent waiters get their slots first come, first served."""
    window = Window(1, 0.02)
    order: list[int] = []

    async def take(i: int) -> None:
        await window.acquire()
        order.append(i)

    await asyncio.gather(*(take(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------ shared through Redis (several instances)

REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="shared limits need the real Redis (TEST_REDIS_URL)")


def most_in_any_window(times: list[float], period: float) -> int:
    """The largest number of times that fall in one sliding window of `period` seconds."""
    times = sorted(times)
    return max(len([t for t in times[i:] if t < start + period]) for i, start in enumerate(times))


async def two_instances_send(shared: bool, per_instance: int = 30) -> list[float]:
    """Two instances (100 messages a second per bot, so at most 10 in 0.1 s) send to chats of their
    own at the same time; when each send was allowed."""
    prefix = f"doorstep-test-{uuid.uuid4().hex[:8]}"
    stores = [SharedWindows.from_url(REDIS_URL or "", prefix) for _ in range(2)] if shared else [None, None]
    instances = [Limiters(Limits(global_per_second=100, private_chat_per_second=100), shared=store) for store in stores]
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def send(limiters: Limiters, chat: int) -> None:
        await limiters.acquire(chat)
        times.append(loop.time())

    try:
        await asyncio.gather(*(send(limiters, 1000 * n + i) for n, limiters in enumerate(instances) for i in range(per_instance)))
    finally:
        for store in stores:
            if store is not None:
                await store.close()
    return times


@needs_redis
async def test_instances_sharing_redis_keep_to_one_budget_together() -> None:
    """Two instances with their windows in Redis: no stretch of the bot's short window holds more than
    its count across both (a little slack for the round trip between Redis's clock and ours). Each
    pacing itself, the same two send twice the budget: the check can fail."""
    window = Window.for_rate(100, 10)  # the shape of Limiters.global_spread at 100/s
    alone = await two_instances_send(shared=False)
    assert most_in_any_window(alone, window.period * 0.9) > window.count
    together = await two_instances_send(shared=True)
    assert len(together) == 60
    assert most_in_any_window(together, window.period * 0.9) <= window.count


@needs_redis
async def test_shared_budget_gives_up_in_time_and_falls_back_when_redis_is_away() -> None:
    """TooLate, taking no slot, when the chat's shared slot would come after the caller's deadline (the
    other instance took it); with Redis unreachable the local windows pace the instance, and sends are
    not held up."""
    limits = Limits(private_chat_per_second=0.2)  # one message in 5 s
    prefix = f"doorstep-test-{uuid.uuid4().hex[:8]}"
    one, other = (Limiters(limits, shared=SharedWindows.from_url(REDIS_URL or "", prefix)) for _ in range(2))
    try:
        await other.acquire(7)
        loop = asyncio.get_running_loop()
        with pytest.raises(TooLate) as late:
            await one.acquire(7, until=loop.time() + 1)
        assert 4 < late.value.wait <= 5.2
        await one.acquire(8)  # another chat is not held up
        assert 7 not in one.chats or not one.chats[7].times  # the local windows were not used
        assert not one.global_.times
    finally:
        for limiters in (one, other):
            assert limiters.shared is not None
            await limiters.shared.close()
    away = Limiters(limits, shared=SharedWindows.from_url("redis://127.0.0.1:1/0", "doorstep-test-away"))
    await asyncio.wait_for(away.acquire(7), 5)  # the local window's free slot
    assert away.shared is not None and away.shared.failing and len(away.chats[7].times) == 1
    with pytest.raises(TooLate):
        await away.acquire(7, until=asyncio.get_running_loop().time() + 1)
    await away.shared.close()


async def test_a_call_that_leaves_late_is_counted_again_when_it_leaves() -> None:
    """A call that leaves within LATE_AFTER of its slot adds nothing; one held up longer is counted
    once more in the bot-wide windows (at the moment it leaves), never in its chat's, and only once."""
    limiters = Limiters(Limits(global_per_second=30))
    await limiters.acquire(5)
    await limiters.leaving()
    assert len(limiters.global_.times) == 1 and limiters.restamped == 0
    await limiters.acquire(6)
    delivery.slot_taken_at.set(asyncio.get_running_loop().time() - 0.05)  # the loop was busy for 50 ms
    await limiters.leaving()
    await limiters.leaving()  # the slot is used up: a second look changes nothing
    assert len(limiters.global_.times) == 3 and len(limiters.global_spread.times) == 3
    assert len(limiters.chats[6].times) == 1 and limiters.restamped == 1


@needs_redis
async def test_a_late_call_is_counted_again_in_the_shared_windows() -> None:
    """With the windows in Redis, the late call's second count lands there, where every instance sees it."""
    prefix = f"doorstep-test-{uuid.uuid4().hex[:8]}"
    store = SharedWindows.from_url(REDIS_URL or "", prefix)
    limiters = Limiters(Limits(global_per_second=30), shared=store)
    try:
        await limiters.acquire(5)
        delivery.slot_taken_at.set(asyncio.get_running_loop().time() - 0.05)
        await limiters.leaving()
        assert await store.redis.zcard(f"{prefix}:limits:global") == 2
        assert await store.redis.zcard(f"{prefix}:limits:chat:5") == 1
    finally:
        await store.close()


async def test_idle_chat_windows_are_forgotten() -> None:
    """Windows of chats whose last send left the window are dropped as others are used: a wave to
    thousands of chats does not keep thousands of long-lived windows (each full garbage collection walked
    them); a chat still inside its window, or with a sender waiting, keeps its own."""
    limiters = Limiters(Limits(global_per_second=1000, private_chat_per_second=1))
    for chat in range(100):
        await limiters.acquire(chat)
    assert len(limiters.chats) == 100  # all sent to just now: each window still counts its send
    long_ago = asyncio.get_running_loop().time() - 5
    for chat in range(60):
        limiters.chats[chat].times[0] = long_ago
    for chat in range(1000, 1020):
        await limiters.acquire(chat)
    assert not any(chat in limiters.chats for chat in range(60))
    assert all(chat in limiters.chats for chat in range(60, 100))
    busy = limiters.chats[60]
    busy.times[0] = long_ago
    async with busy.lock.hold():
        limiters.for_chat(1100)
        assert 60 in limiters.chats  # held: a sender is using it
