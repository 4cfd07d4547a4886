"""How late an event loop runs and how long its garbage collections take, for the benchmarks (the bot's
process and the fake's): a stall between a send's slot and its request reaches Telegram later than the
slot says, and squeezed against later sends it can tip the 1-second window into a 429."""

from __future__ import annotations

import asyncio
import gc
import time


class LoopLag:
    """How late the event loop wakes a 5 ms sleeper while running: a stall between a send's slot and its
    request (a long synchronous stretch: a batch of rows built, a garbage collection) reaches Telegram
    later than its slot says, and squeezed against later sends it can tip the 1-second window (a 429)."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None
        #: The longest garbage collection of each generation (seconds), and the collections over 30 ms.
        self.gc_longest = [0.0, 0.0, 0.0]
        self.gc_over_30ms = 0
        self._gc_began = 0.0

    def start(self) -> None:
        """Begin watching in the background."""
        self._task = asyncio.create_task(self._watch())
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_began
        generation = info["generation"]
        self.gc_longest[generation] = max(self.gc_longest[generation], took)
        self.gc_over_30ms += took > 0.030

    def stop(self) -> dict[str, float | str]:
        """Stop watching; returns summary()."""
        if self._task is not None:
            self._task.cancel()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        return self.summary()

    def summary(self) -> dict[str, float | str]:
        """The p99 and the largest lag (ms), wake-ups over 30 ms late, the longest collection of each
        generation (ms, "gen0/gen1/gen2") and the collections over 30 ms, so far."""
        ordered = sorted(self.lags) or [0.0]
        return {
            "loop_lag_p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
            "loop_lag_max_ms": round(ordered[-1] * 1000, 1),
            "loop_stalls_over_30ms": sum(1 for lag in ordered if lag > 0.030),
            "gc_longest_ms": "/".join(str(round(t * 1000, 1)) for t in self.gc_longest),
            "gc_over_30ms": self.gc_over_30ms,
        }

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            await asyncio.sleep(self.tick)
            self.lags.append(loop.time() - began - self.tick)
