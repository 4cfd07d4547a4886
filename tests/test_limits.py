"""The sender's sliding windows: never more than the limit in any window, waiters in order."""

from __future__ import annotations

import asyncio

from bot.delivery import Window


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
