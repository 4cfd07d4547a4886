"""Benchmark: the daily medicine reminder tick with N residents who each recorded a medicine, a thirtieth
of them due now (a 30-day supply: one reminder a day per thirtieth). Runs the service's batches
(bot.services.medicines.remind_due, one transaction each, as the tick does) and reports time and SQL
statements per batch and the Python heap's peak (tracemalloc) while the batches run, for each N: the
batch must cost the same, and memory stay flat, however many medicines are recorded.

    python -m bench.medicines_tick --residents 10000 30000 100000 --db postgres
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc
from datetime import date, timedelta

from sqlalchemy import event, func, insert, select

from bench.checkins_burst import drop_database, new_database
from bot.core import clock
from bot.core.config import Settings
from bot.services import medicines
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.models import District, Medicine, Resident


async def fill(url: str, count: int) -> None:
    """Migrate; insert `count` residents with one medicine each, every thirtieth due a minute ago."""
    engine = make_engine(url)
    await migrate.upgrade(engine)
    now = clock.now()
    async with engine.begin() as conn:
        await conn.execute(insert(District).values(code="d1", name="District 1"))
        district_id = (await conn.execute(select(District.id))).scalar_one()
    chunk = 10_000
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        async with engine.begin() as conn:
            await conn.execute(insert(Resident), [
                {"tg_user_id": 10_000_000 + i, "chat_id": 10_000_000 + i, "locale": ("zh", "ru", "uk")[i % 3],
                 "name": f"R{i}", "district_id": district_id, "lives_alone": True, "over_65": True,
                 "disability": False, "chronic_illness": False, "consent_at": now, "registered_at": now,
                 "unreachable": False, "created_at": now, "source": "bot", "imported_checkin_times": [], "other_flags": []}
                for i in range(start, stop)
            ])
            first = (await conn.execute(select(func.min(Resident.id)).where(Resident.tg_user_id >= 10_000_000 + start))).scalar_one()
            await conn.execute(insert(Medicine), [
                {"resident_id": first + (i - start), "name": "Metformin", "dose": "500 mg", "days_supply": 30,
                 "runs_out_on": date.today() + timedelta(days=3 + i % 30), "do_not_interrupt": i % 10 == 0,
                 "active": True, "created_at": now,
                 "remind_at": now - timedelta(minutes=1) if i % 30 == 0 else now + timedelta(days=1 + i % 30)}
                for i in range(start, stop)
            ])
    await engine.dispose()


async def run(url: str, count: int) -> dict[str, float]:
    """The tick's batches until none is due: seconds and statements per batch, the heap's peak."""
    settings = Settings(bot_token="7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", staff_chat_id=-1, database_url=url,
                        districts=[{"code": "d1", "name": "District 1"}], _env_file=None)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    statements = 0

    def count_statement(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count_statement)
    batches, took = 0, 0.0
    tracemalloc.start()
    started = time.perf_counter()
    while True:
        async with sessions.begin() as session:
            batch = await medicines.remind_due(session, settings, clock.now())
        batches += 1
        if batch.count < settings.checkins.batch:
            break
    took = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await engine.dispose()
    return {"residents": count, "due": (count + 29) // 30, "batches": batches, "ms_per_batch": 1000 * took / batches,
            "statements_per_batch": statements / batches, "heap_peak_mb": peak / 2**20}


async def main() -> None:
    """Fill and run once per N."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    args = parser.parse_args()
    for count in args.residents:
        url = await new_database(args.db)
        try:
            await fill(url, count)
            result = await run(url, count)
        finally:
            await drop_database(url)
        print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
