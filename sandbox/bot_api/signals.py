"""A broadcast wake-up for waiters that re-check a condition (long polls, settle(), expect())."""

from __future__ import annotations

import asyncio
from typing import Callable

__all__ = ["Broadcast"]


class Broadcast:
    """Edge-triggered broadcast: fire() wakes every current waiter (a lock-free Condition)."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        """Create the first generation event (needs a running event loop only when awaited)."""
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake all waiters and start a new generation."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until predicate() is true or `timeout` seconds pass (None: no limit); return the final
        predicate value."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            event = self._event
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return predicate()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                return predicate()
        return True

    async def wait_quiet(self, quiet: float) -> bool:
        """Return True if nothing fired during `quiet` seconds."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), quiet)
        except asyncio.TimeoutError:
            return True
        return False
