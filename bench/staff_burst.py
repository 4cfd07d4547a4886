"""Benchmark: N new requests into one district's staff chat over M minutes, the fake enforcing Telegram's
20 messages per minute per group with 429s. Reports the time until every request is visible to staff,
the 429s and the messages used. Usage: python -m bench.staff_burst [--requests 600] [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time

from bench.common import STAFF_CHAT, bench_settings, draft, make_residents, start_app, stop_app
from bot.services import requests as requests_service
from bot.ui.notify import Notifier
from db.repo import districts
from sandbox.bot_api import FakeTelegram

NUMBER = re.compile(r"№(\d+)")


async def run(total: int, minutes: float) -> dict[str, float]:
    """Feed requests at an even rate and watch the staff chat."""
    fake = FakeTelegram(token="123456:BENCH-TOKEN")
    await fake.start()
    fake.enforce_limits(global_per_sec=30, per_private_chat_per_sec=1, per_group_per_min=20)
    app = await start_app(bench_settings(fake))
    async with app.sessions() as session:
        district = await districts.by_code(session, "d1")
    residents = await make_residents(app, total, district.id)
    filed: dict[int, float] = {}
    seen: dict[int, float] = {}
    done = asyncio.Event()

    async def watch() -> None:
        while len(seen) < total:
            now = time.monotonic()
            for message in fake.messages.get(STAFF_CHAT, []):
                for number in NUMBER.findall(message.text):
                    if int(number) in filed and int(number) not in seen:
                        seen[int(number)] = now
            await asyncio.sleep(0.05)
        done.set()

    watcher = asyncio.create_task(watch())
    interval = minutes * 60 / total
    start = time.monotonic()
    for i, resident in enumerate(residents):
        await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
        with app.i18n.context():
            async with app.sessions.begin() as session:
                result = await requests_service.submit(session, app.i18n, app.settings, resident, draft())
                await Notifier(session, app.i18n, app.settings).tell(result.told)
        filed[result.request.id] = time.monotonic()
        app.sender.wake()
    await asyncio.wait_for(done.wait(), timeout=600)
    watcher.cancel()
    await stop_app(app)
    delays = sorted(seen[n] - filed[n] for n in filed)
    group_messages = fake.stats.get("sendMessage:group", 0) or sum(
        1 for m in fake.messages.get(STAFF_CHAT, [])
    )
    edits = sum(len(m.edits) for m in fake.messages.get(STAFF_CHAT, []))
    await fake.stop()
    return {
        "requests": total,
        "minutes": minutes,
        "max_visible_s": round(delays[-1], 1),
        "p50_visible_s": round(statistics.median(delays), 1),
        "group_messages": group_messages,
        "group_edits": edits,
        "http_429": fake.stats["429"],
    }


def main() -> None:
    """Run and print one line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    result = asyncio.run(run(args.requests, args.minutes))
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
