"""Benchmark: the staff queries (/open, /stats, /checkins) on PostgreSQL with 1,000,000 residents,
1,000,000 requests and a day of check-ins; p95 latency measured at schema 0001 (without the scale
indexes) and after upgrading to the newest (with them), in one run.

    python -m bench.staff_queries --residents 1000000 --requests 1000000 --districts 50
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from bench.checkins_burst import drop_database, new_database

FILL = [
    "INSERT INTO district (id, code, name) SELECT d, 'd' || d, 'District ' || d FROM generate_series(1, :districts) d",
    """INSERT INTO resident (id, tg_user_id, chat_id, locale, name, phone, address, district_id, lives_alone, over_65,
       disability, chronic_illness, unreachable, created_at, source, imported_checkin_times, consent_at, registered_at)
       SELECT r, 10000000 + r, 10000000 + r, 'zh', 'R' || r, '+8613800138000', 'Street ' || r, 1 + r % :districts,
              r % 2 = 0, true, false, false, false, now() - interval '30 days', 'bot', '[]', now(), now()
       FROM generate_series(1, :residents) r""",
    """INSERT INTO request (id, resident_id, district_id, kind, status, urgency, draft_key, created_at, updated_at,
       claimed_at, voice_file_ids)
       SELECT q, 1 + q % :residents, 1 + q % :districts,
              (ARRAY['SUPPLIES','MEDICINE','PSYCH']::requestkind[])[1 + q % 3],
              CASE WHEN q % 50 = 0 THEN 'NEW' WHEN q % 50 = 1 THEN 'CLAIMED' WHEN q % 50 = 2 THEN 'ON_THE_WAY'
                   WHEN q % 50 < 40 THEN 'RECEIVED' ELSE 'CANCELLED' END::requeststatus,
              CASE WHEN q % 7 = 0 THEN 'URGENT' ELSE 'NORMAL' END::urgency,
              'k' || q, now() - (q % 43200) * interval '1 minute', now(),
              CASE WHEN q % 50 BETWEEN 1 AND 39 THEN now() - (q % 43200) * interval '1 minute' + interval '7 minutes' END,
              '[]'
       FROM generate_series(1, :requests) q""",
    """INSERT INTO checkinplan (resident_id, times, quiet_start, quiet_end, active, next_due_at, created_at,
       paused_until)
       SELECT r, '["09:00"]', '22:00', '07:00', true, now() + interval '1 day', now(),
              CASE WHEN r % 40 = 0 THEN current_date + 3 END
       FROM generate_series(1, :residents, 3) r""",
    """INSERT INTO checkin (resident_id, due_at, answer, escalated_at)
       SELECT r, date_trunc('day', now()) + interval '1 hour',
              (ARRAY['FINE','FINE','FINE','NOT_WELL','HELP','PENDING','MISSED']::checkinanswer[])[1 + r % 7],
              CASE WHEN r % 7 = 6 THEN now() END
       FROM generate_series(1, :residents, 3) r""",
    "SELECT setval(pg_get_serial_sequence('request', 'id'), (SELECT max(id) FROM request))",
    "SELECT setval(pg_get_serial_sequence('resident', 'id'), (SELECT max(id) FROM resident))",
    "ANALYZE",
]


async def p95(call: Callable[[], Awaitable[object]], runs: int) -> tuple[float, float]:
    """p50 and p95 in ms of a coroutine run `runs` times (after a warm-up)."""
    for _ in range(3):
        await call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return round(statistics.median(times), 2), round(times[int(len(times) * 0.95) - 1], 2)


async def measure(url: str, runs: int) -> dict[str, tuple[float, float]]:
    """Time the three staff queries as the bot runs them, for a chat that serves district 1."""
    from aiogram.utils.i18n import I18n

    from bot.core.config import Settings
    from bot.ui.i18n import build_i18n
    from bot.services import staff_queries
    from bot.ui import staff_reports
    from sqlmodel.ext.asyncio.session import AsyncSession

    from db.engine import make_engine, make_sessionmaker

    settings = Settings(
        bot_token="7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", database_url=url, staff_chat_id=-1001, districts=[{"code": "d1", "name": "District 1"}],
        _env_file=None,
    )
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    i18n: I18n = build_i18n("zh")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE district SET staff_chat_id = -1002 WHERE id <> 1"))
    results = {}

    async def open_text(s: AsyncSession) -> str:  # as the bot runs them: the query, then its words
        return staff_reports.open_page(await staff_queries.open_list(s, settings, -1001), "zh", settings.timezone)

    async def stats_text(s: AsyncSession) -> str:
        return staff_reports.day_stats(await staff_queries.stats(s, settings, -1001))

    async def roll_text(s: AsyncSession) -> str:
        return staff_reports.checkin_roll(await staff_queries.checkin_roll(s, settings, -1001), settings, "zh")

    with i18n.context():
        for name, query in (("open", open_text), ("stats", stats_text), ("checkins", roll_text)):
            async def call(query=query) -> object:  # type: ignore[no-untyped-def]
                async with sessions() as session:
                    return await query(session)
            results[name] = await p95(call, runs)
    await engine.dispose()
    return results


async def run(residents: int, requests: int, districts: int, runs: int) -> None:
    """Fill at 0001, measure, upgrade, measure."""
    from db import migrate
    from db.engine import make_engine

    url = await new_database("postgres")
    try:
        engine = make_engine(url)
        await migrate.upgrade(engine, "0001")
        async with engine.begin() as conn:
            # 0001 has no check-in district column; it is added (and back-filled) by 0002.
            for statement in FILL:
                await conn.execute(text(statement), {"residents": residents, "requests": requests, "districts": districts}
                                   if ":" in statement else {})
        await engine.dispose()
        before = await measure_sql(url, runs, STATEMENTS_0001)
        engine = make_engine(url)
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        await engine.dispose()
        sql_after = await measure_sql(url, runs, STATEMENTS_HEAD)
        after = await measure(url, runs)
        for name in after:
            print(f"query={name} residents={residents} requests={requests} districts={districts} "
                  f"sql_p95_ms_without_indexes={before[name][1]} sql_p95_ms_with_indexes={sql_after[name][1]} "
                  f"bot_p50_ms={after[name][0]} bot_p95_ms={after[name][1]}")
    finally:
        await drop_database(url)


OPEN_SQL = ("SELECT id FROM request WHERE status IN ('NEW','CLAIMED','ON_THE_WAY') AND district_id IN (1)"
            " ORDER BY urgency DESC, created_at LIMIT 30")
STATS_SQL = ("SELECT status, count(*) FROM request WHERE district_id IN (1) AND created_at >= date_trunc('day', now())"
             " GROUP BY status")
STATEMENTS_0001 = {
    "open": OPEN_SQL, "stats": STATS_SQL,
    "checkins": "SELECT resident.district_id, checkin.answer, count(*) FROM checkin JOIN resident ON resident.id ="
                " checkin.resident_id WHERE checkin.due_at >= date_trunc('day', now()) AND resident.district_id IN (1)"
                " GROUP BY 1, 2",
}
STATEMENTS_HEAD = {
    "open": OPEN_SQL, "stats": STATS_SQL,
    "checkins": "SELECT district_id, answer, count(*) FROM checkin WHERE district_id IN (1)"
                " AND due_at >= date_trunc('day', now()) GROUP BY 1, 2",
}


async def measure_sql(url: str, runs: int, statements: dict[str, str]) -> dict[str, tuple[float, float]]:
    """The queries' SQL alone, as the bot's repositories issue it."""
    from db.engine import make_engine

    engine = make_engine(url)
    results = {}
    for name, sql in statements.items():
        async def call(sql=sql) -> object:  # type: ignore[no-untyped-def]
            async with engine.connect() as conn:
                return (await conn.execute(text(sql))).all()
        results[name] = await p95(call, runs)
    await engine.dispose()
    return results


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.residents, args.requests, args.districts, args.runs))


if __name__ == "__main__":
    main()
