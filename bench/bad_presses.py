"""Benchmark: residents' updates while a staff group sends bad updates (issue #11, point 3).

The bot polls the fake Bot API. A worker joins the staff group; then BAD updates go to the group — button
presses with 58-digit ids, presses forged from another request's card, random bytes, /mine whose reply
Telegram answers with 502, /mine whose message another bot deleted — interleaved with one /start from each
of RESIDENTS registered residents. Reported: how long each resident's update took from push to
confirmation (median, max), updates not confirmed within the timeout, the whole run, and how often
SQLite said "database is locked". The send limits are the tests' generous ones: a staff group's replies
waiting for its budget is another matter.

    python -m bench.bad_presses --bad 50 --residents 10
    python -m bench.bad_presses --bad 50 --residents 10 --db postgresql+asyncpg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
from typing import Any

from bench.common import STAFF_CHAT, bench_settings, draft, make_residents
from bot.app import create_app, run_polling
from bot.services import requests as requests_service
from bot.ui.notify import Notifier
from db.repo import districts
from sandbox.bot_api import FakeTelegram

HUGE = "1" + "0" * 57
WORKER = 5001


class Count(logging.Handler):
    """Counts log records that mention a phrase."""

    def __init__(self, phrase: str) -> None:
        super().__init__(logging.DEBUG)
        self.phrase, self.count = phrase, 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record if it (or its exception) mentions the phrase."""
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        self.count += self.phrase in text


async def run(bad: int, residents: int, database_url: str | None, timeout: float) -> dict[str, Any]:
    """One run; returns the numbers."""
    fake = FakeTelegram(token="123456:BENCH-TOKEN")
    await fake.start()
    locked = Count("database is locked")
    logging.getLogger().addHandler(locked)
    # Generous send limits, as in the tests: a staff group's replies wait for its budget (20 a minute), which
    # is measured elsewhere; this run is about what a failed update does to everyone else's.
    limits = {"global_per_second": 1000, "private_chat_per_second": 100, "group_per_minute": 6000}
    app = create_app(bench_settings(fake, database_url, tick_seconds=3600, limits=limits))
    started = asyncio.Event()
    app.dp.startup.register(lambda: started.set())
    polling = asyncio.create_task(run_polling(app, polling_timeout=1, handle_signals=False))
    await asyncio.wait_for(started.wait(), 30)

    group = {"id": STAFF_CHAT, "type": "supergroup", "title": "Staff"}
    fake.register_chat(group)
    worker = {"id": WORKER, "is_bot": False, "first_name": "Worker"}

    def message(user: dict[str, Any], chat: dict[str, Any], text: str) -> dict[str, Any]:
        body = {"message_id": fake.allocate_message_id(chat["id"]), "from": user, "chat": chat,
                "date": int(time.time()), "text": text}
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        fake.record_user_message(body)
        return body

    await fake.wait_processed(fake.push_update({"message": message(worker, group, "/join")}), 30)
    async with app.sessions() as session:
        district = await districts.by_code(session, "d1")
    people = await make_residents(app, residents + 1, district.id)
    with app.i18n.context():
        async with app.sessions.begin() as session:
            submitted = await requests_service.submit(session, app.i18n, app.settings, people[0], draft())
            await Notifier(session, app.i18n, app.settings).tell(submitted.told)
            first = submitted.request
    app.sender.wake()
    while not any(f"№{first.id}" in (m.text or "") for m in fake.messages.get(STAFF_CHAT, [])):
        await asyncio.sleep(0.05)
    card = next(m for m in fake.messages[STAFF_CHAT] if f"№{first.id}" in (m.text or ""))

    rng = random.Random(7)
    updates: list[tuple[str, dict[str, Any]]] = []
    for i in range(bad):
        kind = i % 5
        if kind < 3:
            if kind == 0:
                data = f"sf:{rng.choice('cwdflrtxav')}:{HUGE}:"
            elif kind == 1:
                data = f"sf:c:{(first.id or 0) + rng.randrange(1, 20)}:"
            else:
                data = bytes(rng.randrange(1, 256) for _ in range(30)).decode("latin-1")
            query_id = f"q{i}"
            callback = {"id": query_id, "from": worker, "message": fake.message_json(card), "chat_instance": "1",
                        "data": data}
            fake.register_callback_query(query_id, callback)
            updates.append(("bad", {"callback_query": callback}))
        else:
            command = message(worker, group, "/mine")
            if kind == 3:
                wanted = command["message_id"]
                fake.fail_next("sendMessage", STAFF_CHAT, status=502,
                               when=lambda p, wanted=wanted: (p.get("reply_parameters") or {}).get("message_id") == wanted)
            else:
                fake.delete_user_message(STAFF_CHAT, command["message_id"])
            updates.append(("bad", {"message": command}))
        if i % max(1, bad // residents) == bad // residents - 1 and len([u for u in updates if u[0] == "resident"]) < residents:
            person = people[1 + len([u for u in updates if u[0] == "resident"])]
            user = {"id": person.tg_user_id, "is_bot": False, "first_name": "R", "language_code": person.locale}
            chat = {"id": person.chat_id, "type": "private", "first_name": "R"}
            updates.append(("resident", {"message": message(user, chat, "/start")}))

    begin = time.monotonic()
    pushed = [(kind, fake.push_update(update), time.monotonic()) for kind, update in updates]

    async def confirmed(update_id: int, at: float) -> float | None:
        try:
            await fake.wait_processed(update_id, timeout)
        except TimeoutError:
            return None
        return time.monotonic() - at

    waits = await asyncio.gather(*(confirmed(u, at) for _, u, at in pushed))
    total = time.monotonic() - begin
    resident_waits = [w for (kind, _, _), w in zip(pushed, waits, strict=True) if kind == "resident" and w is not None]
    lost = sum(w is None for w in waits)
    await app.dp.stop_polling()
    try:
        await asyncio.wait_for(polling, 60)
    except (TimeoutError, Exception):  # noqa: BLE001 - a stuck shutdown is reported, not raised
        polling.cancel()
    logging.getLogger().removeHandler(locked)
    await fake.stop()
    return {
        "bad": bad, "residents": residents, "db": "sqlite" if database_url is None else "postgresql",
        "resident_p50_s": round(statistics.median(resident_waits), 2) if resident_waits else None,
        "resident_max_s": round(max(resident_waits), 2) if resident_waits else None,
        "not_confirmed": lost, "all_s": round(total, 1), "database_is_locked": locked.count,
    }


def main() -> None:
    """Run and print one line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bad", type=int, default=50)
    parser.add_argument("--residents", type=int, default=10)
    parser.add_argument("--db", default=None, help="a database URL (default: a new SQLite file)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds an update may take to be confirmed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)  # the counter sees every record...
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.CRITICAL)  # ...while the console stays quiet
    result = asyncio.run(run(args.bad, args.residents, args.db, args.timeout))
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
