"""Benchmark: N residents' check-ins due at the same moment, sent against the fake Bot API that enforces
Telegram's limits with 429s (the fake runs in its own process). Reports the achieved rate as a fraction
of the configured limit, the 429s, the bot process's peak memory and CPU time per check-in.

    python -m bench.checkins_burst --registered 10000 --due 10000 --rate 30 --db postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def new_database(kind: str) -> str:
    """A fresh database URL."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    name = f"doorstep_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


async def drop_database(url: str) -> None:
    """Remove a PostgreSQL benchmark database."""
    if not url.startswith("postgresql"):
        return
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await admin.dispose()


async def fill(url: str, registered: int, due: int) -> None:
    """Migrate and insert residents with plans (run in its own process, so its memory is not counted)."""
    from bot.core import clock
    from db import migrate
    from db.engine import make_engine
    from db.models import CheckinPlan, District, Resident

    engine = make_engine(url)
    await migrate.upgrade(engine)
    now = clock.now()
    async with engine.begin() as conn:
        await conn.execute(insert(District).values(code="d1", name="District 1"))
        district_id = (await conn.execute(select(District.id))).scalar_one()
    chunk = 20_000
    for start in range(0, registered, chunk):
        stop = min(start + chunk, registered)
        async with engine.begin() as conn:
            await conn.execute(insert(Resident), [
                {"tg_user_id": 10_000_000 + i, "chat_id": 10_000_000 + i, "locale": ("zh", "ru", "uk")[i % 3],
                 "name": f"R{i}", "phone": "+8613800138000", "address": f"Street {i}", "district_id": district_id,
                 "lives_alone": True, "over_65": True, "disability": False, "chronic_illness": False,
                 "consent_at": now, "registered_at": now, "unreachable": False, "created_at": now,
                 "source": "bot", "imported_checkin_times": []}
                for i in range(start, stop)
            ])
            first_id = (await conn.execute(select(func.min(Resident.id)).where(Resident.tg_user_id >= 10_000_000 + start))).scalar_one()
            await conn.execute(insert(CheckinPlan), [
                {"resident_id": first_id + (i - start), "times": ["09:00"], "quiet_start": "00:00", "quiet_end": "00:00",
                 "active": True, "created_at": now,
                 "next_due_at": now - timedelta(seconds=1) if i < due else now + timedelta(days=1)}
                for i in range(start, stop)
            ])
    await engine.dispose()


async def measure(url: str, base_url: str, stats_url: str, due: int, rate: float) -> dict[str, float]:
    """Run the real app (ticks and sender, no polling) until every due check-in is delivered."""
    from bot.app import close, create_app, freeze_heap, send_checkins, start_background, stop_background
    from bot.core.config import Settings
    from db.models import Outbox, OutboxStatus

    settings = Settings(
        bot_token="123456:BENCH-TOKEN", telegram_api_url=base_url, database_url=url, staff_chat_id=-1001,
        districts=[{"code": "d1", "name": "District 1"}], limits={"global_per_second": rate},
        checkins={"batch": int(os.environ.get("BENCH_CHECKIN_BATCH", "100"))}, _env_file=None,
    )
    app = create_app(settings)
    freeze_heap()  # as `python -m bot` does once started (bot.app.prepare): no 250 ms collections of the import-time heap
    from bot.core import clock
    began = clock.now()
    cpu0, start = time.process_time(), time.monotonic()
    start_background(app)
    await send_checkins(app)
    sent = 0
    while sent < due:
        await asyncio.sleep(1)
        async with app.sessions() as session:
            sent = (await session.execute(select(func.count()).select_from(Outbox).where(Outbox.status == OutboxStatus.SENT))).scalar_one()
        if time.monotonic() - start > 4 * 3600:
            break
    cpu = time.process_time() - cpu0
    async with app.sessions() as session:
        first, last = (await session.execute(select(func.min(Outbox.sent_at), func.max(Outbox.sent_at)))).one()
    elapsed = (last - began).total_seconds()  # from the start to the last delivery, not to the next poll
    steady = (sent - 100) / max((last - first).total_seconds(), 1e-9)  # sent_at is recorded per batch of 100
    await stop_background(app)
    await close(app)
    stats = json.loads(urllib.request.urlopen(stats_url).read())
    achieved = sent / elapsed
    return {
        "due": due, "sent": sent, "seconds": round(elapsed, 1), "rate_per_s": round(achieved, 2),
        "fraction_of_limit": round(achieved / rate, 3), "steady_fraction": round(steady / rate, 3),
        "http_429": stats["stats"].get("429", 0),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpu_ms_per_checkin": round(cpu * 1000 / max(sent, 1), 3),
    }


@contextlib.contextmanager
def filled_world(db: str, registered: int, due: int, rate: float) -> Iterator[tuple[str, dict[str, str]]]:
    """A new database filled with `registered` residents (`due` of them due now, filled in a child process)
    and the fake Bot API at `rate` messages a second in another; yields (database URL, the fake's URLs)
    and removes both afterwards."""
    url = asyncio.run(new_database(db))
    subprocess.run([sys.executable, "-m", "bench.checkins_burst", "--fill", url, str(registered), str(due)], check=True)
    fake = subprocess.Popen([sys.executable, "-m", "bench.fake_server", "--global-per-sec", str(rate)],
                            stdout=subprocess.PIPE, text=True)
    try:
        yield url, json.loads(fake.stdout.readline())  # type: ignore[union-attr]
    finally:
        fake.terminate()
        fake.wait()
        asyncio.run(drop_database(url))


def main() -> None:
    """Fill in a child process, start the fake in another, measure here."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registered", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--fill", nargs=3, metavar=("URL", "REGISTERED", "DUE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        asyncio.run(fill(args.fill[0], int(args.fill[1]), int(args.fill[2])))
        return
    with filled_world(args.db, args.registered, args.due, args.rate) as (url, urls):
        result = asyncio.run(measure(url, urls["base_url"], urls["stats_url"], args.due, args.rate))
        result = {"registered": args.registered, "db": args.db, **result}
        print(" ".join(f"{k}={v}" for k, v in result.items()))

if __name__ == "__main__":
    main()
