"""Benchmark: ten workers send /join in one staff group at the same moment as a resident sends /start,
the fake enforcing Telegram's limits (20 messages a minute per group) with 429s. Reports how long the
resident waited for the bot's first answer, how long until every join was handled, and until all the
joins' replies reached the group. Usage: python -m bench.join_burst [--db sqlite|postgres] [--joins 10]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench.checkins_burst import drop_database, new_database
from bench.common import STAFF_CHAT, TOKEN, bench_settings
from bot.core import clock
from bot.app import create_app, run_polling
from sandbox.bot_api import FakeTelegram


def command(fake: FakeTelegram, user_id: int, chat: dict[str, Any], text: str) -> dict[str, Any]:
    """A command message from a user, recorded with the fake."""
    message = {
        "message_id": fake.allocate_message_id(chat["id"]),
        "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}", "language_code": "zh-hans"},
        "chat": chat,
        "date": int(fake.clock()),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }
    fake.record_user_message(message)
    return message


async def run(db: str, joins: int) -> dict[str, Any]:
    """Start the bot polling, push the burst, time the answers."""
    url = await new_database(db)
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    fake.enforce_limits(global_per_sec=30, per_private_chat_per_sec=1, per_group_per_min=20)
    app = create_app(bench_settings(fake, url))
    started = asyncio.Event()
    app.dp.startup.register(lambda: started.set())
    polling = asyncio.create_task(run_polling(app, polling_timeout=1, handle_signals=False))
    try:
        await asyncio.wait_for(started.wait(), 60)
        group = fake.chat(STAFF_CHAT)
        group.update({"type": "supergroup", "title": "Staff"})
        resident_id = 777_000
        pushed = [fake.push_update({"message": command(fake, 5000 + i, group, "/join")}) for i in range(joins)]
        start = time.monotonic()
        pushed.append(fake.push_update({"message": command(fake, resident_id, fake.chat(resident_id), "/start")}))
        while not fake.messages.get(resident_id):
            await asyncio.sleep(0.01)
        answered = time.monotonic() - start
        for update_id in pushed:
            await fake.wait_processed(update_id, timeout=300)
        handled = time.monotonic() - start
        while len(fake.messages.get(STAFF_CHAT, [])) < joins:
            await asyncio.sleep(0.05)
        replied = time.monotonic() - start
    finally:
        await app.dp.stop_polling()
        await asyncio.wait_for(polling, 60)
        clock.reset()
        await fake.stop()
        await drop_database(url)
    return {
        "db": db,
        "joins": joins,
        "resident_answered_s": round(answered, 2),
        "joins_handled_s": round(handled, 2),
        "join_replies_delivered_s": round(replied, 1),
        "http_429": fake.stats["429"],
    }


def main() -> None:
    """Run and print one line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--joins", type=int, default=10)
    args = parser.parse_args()
    result = asyncio.run(run(args.db, args.joins))
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
