"""Benchmark: a cry for help during the morning check-in wave.

N check-ins come due at once; the fake Bot API (its own process) enforces Telegram's limits with 429s.
While the wave goes out, urgent requests are filed the way the bot files them (bot.services.requests.submit
in one transaction with the card's outbox row) at even intervals, and replies are sent to residents the
way a handler sends them (through the shared send budget). Reports: the delay from an urgent request's
commit until its card reached the staff group (p50, p99, max), the handler replies' delay, the wave's
rate as a fraction of the limit, 429s, and the outbox's largest size.

With --notice, a coordinator's notice to every resident is stored as «Send» stores it just before the
wave (bot.services.notices.create; the real ticks write it into the outbox at the lowest class, as far
ahead as the budget reaches), so the wave, the urgent cards and the replies are measured with a notice
running; the run ends with the wave, and reports how much of the notice went out meanwhile.

    python -m bench.priority_wave --due 10000 --urgent 20 --db postgres
    python -m bench.priority_wave --due 10000 --urgent 20 --db postgres --notice
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import urllib.request

from aiogram.exceptions import TelegramRetryAfter
from sqlalchemy import func, select
from sqlmodel import select as select_models

from bench.checkins_burst import filled_world


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def measure(url: str, base_url: str, stats_url: str, due: int, urgent: int, replies: int, rate: float,
                  notice: bool = False) -> dict[str, object]:
    """Run the real app (ticks and sender, no polling), file urgent requests and send replies during the
    wave; with `notice`, a notice to every resident stored just before it."""
    from bench.common import OutboxWatch, card_delays, file_urgent
    from bench.looplag import LoopLag
    from bot.core import clock
    from bot.app import close, create_app, freeze_heap, send_checkins, start_background, stop_background
    from bot.core.config import Settings
    from db.models import District, Notice, NoticeAudience, Outbox, OutboxStatus, Resident, Staff, StaffRole
    from bot.services import notices

    settings = Settings(
        bot_token="123456:BENCH-TOKEN", telegram_api_url=base_url, database_url=url, staff_chat_id=-1001,
        districts=[{"code": "d1", "name": "District 1"}], limits={"global_per_second": rate}, _env_file=None,
    )
    app = create_app(settings)
    freeze_heap()  # as `python -m bot` does once started (bot.app.prepare): no 250 ms collections of the import-time heap
    async with app.sessions() as session:
        residents = list((await session.exec(select_models(Resident).order_by(Resident.id).limit(urgent + replies))).all())
    expected_seconds = due / rate
    filed: dict[int, float] = {}
    reply_delays: list[float] = []
    reply_429s: list[float] = []
    watch = OutboxWatch(app)
    lag = LoopLag()

    async def file_urgent_now(resident: Resident) -> None:
        request_id = await file_urgent(app, settings, resident)
        filed[request_id] = time.time()

    async def reply(resident: Resident) -> None:
        """A reply as a handler sends it; a 429 (the chat's check-in went out a moment before, and the
        fake's window saw the two closer than the bot's did) is waited out and counted, as a retried
        update would be."""
        began = time.monotonic()
        while True:
            try:
                await app.bot.send_message(resident.chat_id or 0, "回复 / ответ / відповідь")
                break
            except TelegramRetryAfter as exc:
                reply_429s.append(exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        reply_delays.append(time.monotonic() - began)

    notice_id = None
    if notice:
        async with app.sessions.begin() as session:
            district = (await session.exec(select_models(District))).one()
            coordinator = Staff(tg_user_id=9001, chat_id=-1001, name="Coordinator", role=StaffRole.COORDINATOR)
            session.add(coordinator)
            await session.flush()
            created = await notices.create(
                session, coordinator, key="bench", chat_id=-1001, thread_id=None, message_id=None,
                kind=NoticeAudience.DISTRICTS, district_ids=[district.id or 0], attachment=None, file_id=None,
                texts={"zh": "明天上午停水，请提前储水。", "ru": "Завтра утром не будет воды.", "uk": "Завтра вранці не буде води."})
            assert created.notice is not None
            notice_id = created.notice.id
    began_at = clock.now()
    start_background(app)
    watch.start()
    lag.start()
    await send_checkins(app)
    gap = expected_seconds * 0.8 / max(urgent, 1)  # spread through the first four fifths of the wave
    for i in range(urgent):
        await asyncio.sleep(gap)
        await file_urgent_now(residents[i])
        if i < replies:
            await reply(residents[urgent + i])
    while True:
        await asyncio.sleep(1)
        async with app.sessions() as session:
            sent = (await session.execute(select(func.count()).select_from(Outbox).where(
                Outbox.status == OutboxStatus.SENT, Outbox.purpose == "checkin"))).scalar_one()
        if sent >= due or (clock.now() - began_at).total_seconds() > 4 * expected_seconds + 60:
            break
    async with app.sessions() as session:
        first, last = (await session.execute(select(func.min(Outbox.sent_at), func.max(Outbox.sent_at))
                                             .where(Outbox.purpose == "checkin"))).one()
    notice_sent = None
    if notice_id is not None:
        async with app.sessions() as session:
            stored = await session.get(Notice, notice_id)
            notice_sent = stored.sent if stored else None
    largest = await watch.stop()
    lags = lag.stop()
    await stop_background(app)
    await close(app)
    stats = json.loads(urllib.request.urlopen(stats_url).read())
    delays = card_delays(stats["group_arrivals"], filed)
    elapsed = (last - began_at).total_seconds()
    return {
        "due": due, "sent": sent, "seconds": round(elapsed, 1),
        "fraction_of_limit": round(sent / elapsed / rate, 3),
        "wave_fraction_of_limit": round(sent / max((last - first).total_seconds(), 1e-9) / rate, 3),
        "http_429": stats["stats"].get("429", 0),
        "restamped": app.sender.limiters.restamped,
        "http_429_by_window": stats.get("refused", {}),
        "fake_loop": stats.get("loop", {}),
        "outbox_largest": largest,
        "urgent": len(delays),
        "urgent_card_p50_s": round(statistics.median(delays), 2) if delays else None,
        "urgent_card_p99_s": round(percentile(delays, 99), 2),
        "urgent_card_max_s": round(max(delays), 2) if delays else None,
        "reply_p99_s": round(percentile(reply_delays, 99), 3),
        "reply_max_s": round(max(reply_delays), 3) if reply_delays else None,
        "reply_429": len(reply_429s),
        "first_checkin_after_s": round((first - began_at).total_seconds(), 1),
        "notice_sent_during_wave": notice_sent,
        **lags,
    }


def main() -> None:
    """Fill in a child process, start the fake in another, measure here."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--due", type=int, default=10_000, help="check-ins due at once")
    parser.add_argument("--urgent", type=int, default=20, help="urgent requests filed during the wave")
    parser.add_argument("--replies", type=int, default=10, help="handler replies sent during the wave")
    parser.add_argument("--rate", type=float, default=30, help="the bot's messages per second (Telegram: 30)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--notice", action="store_true", help="a notice to every resident running during the wave")
    args = parser.parse_args()
    with filled_world(args.db, args.due, args.due, args.rate) as (url, urls):
        result = asyncio.run(measure(url, urls["base_url"], urls["stats_url"], args.due, args.urgent, args.replies, args.rate,
                                     args.notice))
        print(" ".join(f"{k}={v}" for k, v in {"db": args.db, **result}.items()))

if __name__ == "__main__":
    main()
