"""The fake Bot API in its own process, so a benchmark measures the bot's memory and CPU alone.
Prints its base URL on the first line; GET {base}/__stats returns its counters as JSON."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import time

from aiohttp import web

from bench.looplag import LoopLag
from sandbox.bot_api import FakeTelegram


async def serve(global_per_sec: float, private_per_sec: float, group_per_min: float) -> None:
    """Run until SIGTERM."""
    fake = FakeTelegram(token="123456:BENCH-TOKEN", record_calls=False)
    await fake.start()
    lag = LoopLag()
    lag.start()
    fake.enforce_limits(global_per_sec=global_per_sec, per_private_chat_per_sec=private_per_sec, per_group_per_min=group_per_min)

    arrivals: list[tuple[float, int, str]] = []  # (wall time, chat id, first 200 characters) of group messages

    async def watch_groups() -> None:
        """Timestamp each message that reaches a group (staff cards) within about 5 ms. Reads only the
        change log's new entries: scanning every chat each time cost O(chats) per 5 ms, which at
        100,000 residents kept the fake's own loop busy and skewed its flood windows."""
        seen: set[tuple[int, int]] = set()
        mark = 0
        frozen_at = time.monotonic()
        while True:
            if time.monotonic() - frozen_at > 1:
                # Every message the fake keeps lives to the end: out of the collector's view, so a full
                # collection never walks 100,000 of them (a stall Telegram's servers do not have).
                gc.freeze()
                frozen_at = time.monotonic()
            new, mark = fake.changes_since(mark), fake.mark()
            now = time.time()
            for message in new:
                if message.chat_id < 0 and (message.chat_id, message.message_id) not in seen:
                    seen.add((message.chat_id, message.message_id))
                    arrivals.append((now, message.chat_id, (message.text or "")[:200]))
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch_groups())

    async def stats(_request: web.Request) -> web.Response:
        sent = sum(len(v) for v in fake.messages.values())
        return web.json_response({"stats": dict(fake.stats), "refused": fake.refused_by_window, "loop": lag.summary(), "messages": sent, "group_arrivals": arrivals})

    stats_app = web.Application()
    stats_app.router.add_get("/__stats", stats)
    runner = web.AppRunner(stats_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stats_port = runner.addresses[0][1]
    print(json.dumps({"base_url": fake.base_url, "stats_url": f"http://127.0.0.1:{stats_port}/__stats"}), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    watcher.cancel()
    await runner.cleanup()
    await fake.stop()


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--global-per-sec", type=float, default=30)
    parser.add_argument("--private-per-sec", type=float, default=1)
    parser.add_argument("--group-per-min", type=float, default=20)
    args = parser.parse_args()
    asyncio.run(serve(args.global_per_sec, args.private_per_sec, args.group_per_min))


if __name__ == "__main__":
    main()
