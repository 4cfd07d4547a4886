"""Benchmark: an official notice to many residents while urgent requests keep coming.

N registered residents; a coordinator's notice to all of them is stored as «Send» stores it
(bot.services.notices.create) and the real app's ticks and sender take it from there (written into the
outbox at the lowest class, only as far ahead as NOTICES__LOOKAHEAD_SECONDS of budget). The fake Bot API
(its own process) enforces Telegram's limits with 429s. Urgent requests are filed the way the bot files
them at even intervals during the notice. Reports: the notice's rate as a fraction of the bot's limit
(the share of the send budget it used), the delay from an urgent request's commit until its card reached
the staff group (p50, p99, max), 429s, and the outbox's largest size.

    python -m bench.notice_wave --residents 10000 --urgent 20 --db postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import urllib.request

from sqlalchemy import func, select
from sqlmodel import select as select_models

from bench.checkins_burst import filled_world
from bench.common import OutboxWatch, card_delays, file_urgent
from bench.priority_wave import percentile
from bot.app import close, create_app, freeze_heap, send_notices, start_background, stop_background
from bot.core import clock
from bot.core.config import Settings
from bot.services import notices
from db.models import (
    District, Notice, NoticeAudience, NoticeStatus, Outbox, Resident, Staff, StaffRole,
)

STAFF_CHAT = -1001


async def measure(url: str, base_url: str, stats_url: str, count: int, urgent: int, rate: float) -> dict[str, object]:
    """Run the real app (ticks and sender, no polling): the notice, and urgent requests during it."""
    settings = Settings(
        bot_token="123456:BENCH-TOKEN", telegram_api_url=base_url, database_url=url, staff_chat_id=STAFF_CHAT,
        districts=[{"code": "d1", "name": "District 1"}], limits={"global_per_second": rate}, _env_file=None,
    )
    app = create_app(settings)
    freeze_heap()  # as `python -m bot` does once started (bot.app.prepare): no 250 ms collections of the import-time heap
    async with app.sessions.begin() as session:
        people = list((await session.exec(select_models(Resident).order_by(Resident.id).limit(urgent))).all())
        district = (await session.exec(select_models(District))).one()
        coordinator = Staff(tg_user_id=9001, chat_id=STAFF_CHAT, name="Coordinator", role=StaffRole.COORDINATOR)
        session.add(coordinator)
        await session.flush()
        created = await notices.create(
            session, coordinator, key="bench", chat_id=STAFF_CHAT, thread_id=None, message_id=None,
            kind=NoticeAudience.DISTRICTS, district_ids=[district.id or 0], attachment=None, file_id=None,
            texts={"zh": "明天上午停水，请提前储水。", "ru": "Завтра утром не будет воды.", "uk": "Завтра вранці не буде води."})
        assert created.notice is not None
        notice_id = created.notice.id
    expected_seconds = count / rate
    filed: dict[int, float] = {}
    watch = OutboxWatch(app)

    async def file_urgent_now(resident: Resident) -> None:
        request_id = await file_urgent(app, settings, resident)
        filed[request_id] = time.time()

    began_at = clock.now()
    start_background(app)
    watch.start()
    await send_notices(app)
    gap = expected_seconds * 0.8 / max(urgent, 1)  # spread through the first four fifths of the notice
    for resident in people:
        await asyncio.sleep(gap)
        await file_urgent_now(resident)
    while True:
        await asyncio.sleep(1)
        async with app.sessions() as session:
            notice = await session.get(Notice, notice_id)
            assert notice is not None
        if notice.status != NoticeStatus.SENDING or (clock.now() - began_at).total_seconds() > 4 * expected_seconds + 60:
            break
    async with app.sessions() as session:
        first, last = (await session.execute(select(func.min(Outbox.sent_at), func.max(Outbox.sent_at))
                                             .where(Outbox.purpose == "notice"))).one()
    largest = await watch.stop()
    await stop_background(app)
    await close(app)
    stats = json.loads(urllib.request.urlopen(stats_url).read())
    delays = card_delays(stats["group_arrivals"], filed)
    elapsed = (last - first).total_seconds() if first and last else 0.0
    return {
        "residents": count, "status": notice.status.value, "sent": notice.sent, "unreachable": notice.unreachable,
        "seconds": round(elapsed, 1),
        "fraction_of_limit": round(notice.sent / elapsed / rate, 3) if elapsed else None,
        "http_429": stats["stats"].get("429", 0),
        "outbox_largest": largest,
        "urgent": len(delays),
        "urgent_card_p50_s": round(statistics.median(delays), 2) if delays else None,
        "urgent_card_p99_s": round(percentile(delays, 99), 2),
        "urgent_card_max_s": round(max(delays), 2) if delays else None,
        "first_notice_after_s": round((first - began_at).total_seconds(), 1) if first else None,
    }


def main() -> None:
    """Fill in a child process, start the fake in another, measure here."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=10_000, help="residents the notice goes to")
    parser.add_argument("--urgent", type=int, default=20, help="urgent requests filed during the notice")
    parser.add_argument("--rate", type=float, default=30, help="the bot's messages per second (Telegram: 30)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    args = parser.parse_args()
    with filled_world(args.db, args.residents, 0, args.rate) as (url, urls):
        result = asyncio.run(measure(url, urls["base_url"], urls["stats_url"], args.residents, args.urgent, args.rate))
        print(" ".join(f"{k}={v}" for k, v in {"db": args.db, **result}.items()))


if __name__ == "__main__":
    main()
