"""Benchmark: /report for a month and /needs on PostgreSQL with 1,000,000 requests and 1,000,000 check-ins
(issue #15: p95 under 1 s each). A fresh database is migrated to 0004_exports (the schema before the report
indexes), filled with INSERT … SELECT generate_series (six months of requests in 50 districts of uneven size,
their items, events and ratings, a daily check-in per resident with a plan), vacuumed and analysed, its last
two days changed again as autovacuum would not yet have seen them, and measured; then
upgraded to the newest migration, analysed and measured again. Each case calls what the handler calls
(bot/services/reports.py and needs.py and their texts), in a new session each time; the chart is timed on its
own (it does not grow with the tables). The EXPLAIN ANALYZE of the slowest statement of each case is printed.

    python -m bench.report_scale --requests 1000000 --checkins 1000000 --runs 20

--keep leaves the database for EXPLAIN by hand; --url reuses such a database (no fill, no migration).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.checkins_burst import drop_database, new_database
from bench.staff_queries import p95

#: The schema the "before" figures are measured at: the newest migration without the report indexes.
BEFORE = "0004_exports"
#: The district timed alone: the busiest one (district sizes fall off with the code, see FILL).
ONE = "d1"

# Every row's randomness comes from random() after setseed, so a run is repeatable on one PostgreSQL version.
# Requests are inserted in time order (as a live deployment fills the table); district 1 gets about 4% of
# them and district 50 about 1%; the last :open_days days hold the open requests (plus 0.2% of older ones
# left open). Claims come 2 minutes to 10 hours after filing (most within the hour), deliveries 30 minutes
# to 5 hours after the claim.
FILL = [
    "SELECT setseed(0.15)",
    "INSERT INTO district (id, code, name) SELECT d, 'd' || d, 'District ' || d FROM generate_series(1, :districts) d",
    """INSERT INTO staff (id, tg_user_id, chat_id, name, role, district_id, on_duty, has_private_chat, locale, joined_at)
       SELECT s, 20000000 + s, -1001000000000 - (1 + (s - 1) % :districts), 'Worker ' || s, 'WORKER',
              1 + (s - 1) % :districts, true, true, 'zh', now() - interval '200 days'
       FROM generate_series(1, :districts * 10) s""",
    """INSERT INTO resident (id, tg_user_id, chat_id, locale, name, phone, address, district_id, lives_alone,
       over_65, disability, chronic_illness, unreachable, created_at, source, imported_checkin_times, consent_at,
       registered_at)
       SELECT r, 10000000 + r, 10000000 + r, (ARRAY['zh','zh','zh','ru','uk'])[1 + r % 5], 'R' || r,
              '+8613800138000', 'District ' || (1 + (r - 1) % :districts) || ', building ' || ((r / :districts) % 300)
              || ', flat ' || r, 1 + (r - 1) % :districts, r % 2 = 0, r % 3 = 0, false, r % 4 = 0, false,
              now() - interval '200 days', 'bot', '[]', now() - interval '200 days', now() - interval '200 days'
       FROM generate_series(1, :residents) r""",
    """INSERT INTO request (id, resident_id, district_id, kind, status, urgency, details, medicine, voice_file_ids,
       draft_key, created_at, updated_at, claimed_by, claimed_at, finished_at, fail_reason, rating)
       SELECT q, district + :districts * floor(c * (:residents / :districts - 1))::int, district, kind, status,
              CASE WHEN e < 0.1 THEN 'URGENT' ELSE 'NORMAL' END::urgency,
              CASE WHEN kind = 'PSYCH' THEN '心里很难受，想找人聊聊' END,
              CASE WHEN kind = 'MEDICINE' THEN (ARRAY['布洛芬 200mg 1盒', '硝苯地平 10mg', 'Парацетамол 500 мг, 2 упаковки',
                   '二甲双胍 0.5g 2盒', 'Амлодипін 5 мг', '胰岛素', 'Эналаприл 10 мг'])[1 + q % 7] END,
              '[]', 'k' || q, created, created,
              CASE WHEN status <> 'NEW' AND status <> 'CANCELLED' THEN district + :districts * floor(f * 10)::int END,
              CASE WHEN status <> 'NEW' AND status <> 'CANCELLED' THEN claimed END,
              CASE WHEN status IN ('DONE', 'RECEIVED', 'FAILED') THEN claimed + (30 + 270 * f) * interval '1 minute' END,
              CASE WHEN status = 'FAILED' THEN 'out_of_stock' END,
              CASE WHEN status = 'RECEIVED' AND f < 0.6 THEN 3 + floor(f * 5)::int % 3 END
       FROM (SELECT q, district, created, created + (2 + 600 * d * d * d) * interval '1 minute' AS claimed, c, e, f,
                    (ARRAY['SUPPLIES','SUPPLIES','SUPPLIES','SUPPLIES','SUPPLIES','MEDICINE','MEDICINE','MEDICINE',
                           'PSYCH','WELLBEING','WELLBEING']::requestkind[])[1 + floor(b * 11)::int] AS kind,
                    CASE WHEN created > now() - :open_days * interval '1 day' OR a < 0.002 THEN
                           (ARRAY['NEW','CLAIMED','CLAIMED','ON_THE_WAY','DONE','RECEIVED','RECEIVED','RECEIVED',
                                  'FAILED','CANCELLED']::requeststatus[])[1 + floor(a * 500)::int % 10]
                         ELSE (ARRAY['DONE','DONE','RECEIVED','RECEIVED','RECEIVED','RECEIVED','RECEIVED','RECEIVED',
                                     'RECEIVED','RECEIVED','RECEIVED','RECEIVED','RECEIVED','RECEIVED','RECEIVED',
                                     'FAILED','CANCELLED','CANCELLED'
                                    ]::requeststatus[])[1 + floor(a * 18)::int] END AS status
             FROM (SELECT q, 1 + floor(:districts * power(random(), 1.2))::int AS district,
                          now() - :days * interval '1 day' * (1 - (q - 0.5) / :requests) AS created,
                          random() AS a, random() AS b, random() AS c, random() AS d, random() AS e, random() AS f
                   FROM generate_series(1, :requests) q) g) h""",
    # 1–4 items per supplies request; about one in twelve quantities cannot be read ("一些", "побольше").
    """INSERT INTO requestitem (request_id, position, name, quantity)
       SELECT q.id, p, (ARRAY['青菜','大米','鸡蛋','猪肉','食用油','面条','苹果','Молоко','Хлеб','Гречка','Хліб','盐',
                              '土豆','口罩','水','Сахар'])[1 + (q.id * 7 + p * 3) % 16],
              (ARRAY['2斤','一包5公斤','10个','1斤','1瓶','2包','3斤','2 л','1 шт','1 кг','2 шт','500克','一些','1盒',
                     '5升','1 пачка','2公斤','побольше','1.5斤','6个','3 пачки','1 буханка','200 г','2 бутылки'])
                     [1 + (q.id * 13 + p * 5) % 24]
       FROM request q, generate_series(1, 1 + q.id % 4) p
       WHERE q.kind = 'SUPPLIES'""",
    """INSERT INTO requestevent (request_id, actor, actor_id, action, data, at)
       SELECT id, 'resident', resident_id, 'created', '{}', created_at FROM request""",
    """INSERT INTO requestevent (request_id, actor, actor_id, action, data, at)
       SELECT id, 'staff', claimed_by, 'claimed', '{}', claimed_at FROM request WHERE claimed_at IS NOT NULL""",
    """INSERT INTO requestevent (request_id, actor, actor_id, action, data, at)
       SELECT id, 'resident', resident_id, CASE WHEN id % 97 = 0 THEN 'not_received' ELSE 'received' END, '{}',
              finished_at + interval '20 minutes'
       FROM request WHERE status = 'RECEIVED' OR (status = 'DONE' AND id % 97 = 0)""",
    # A daily check-in at 09:00 Beijing time for :checkins / :days residents, one per day for :days days;
    # today's not all asked yet (pending), about 12% missed (one in ten of them never delivered).
    """INSERT INTO checkin (resident_id, district_id, due_at, sent_at, answer, answered_at, escalated_at)
       SELECT resident_id, 1 + (resident_id - 1) % :districts, due, CASE WHEN answer <> 'MISSED' OR a > 0.01 THEN due END,
              answer, CASE WHEN answer IN ('FINE', 'NOT_WELL', 'HELP') THEN due + a * interval '3 hours' END,
              CASE WHEN answer IN ('HELP', 'MISSED') OR (answer = 'NOT_WELL' AND a < 0.5)
                   THEN due + interval '2 hours' END
       FROM (SELECT 1 + (c - 1) % per_day AS resident_id, a,
                    date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
                      + interval '9 hours' - ((c - 1) / per_day) * interval '1 day' AS due,
                    CASE WHEN c <= per_day AND a < 0.3 THEN 'PENDING'
                         ELSE (ARRAY['FINE','FINE','FINE','FINE','FINE','FINE','FINE','FINE','FINE','FINE','FINE',
                                     'FINE','FINE','FINE','FINE','NOT_WELL','HELP','MISSED','MISSED','MISSED'
                                    ]::checkinanswer[])[1 + floor(a * 20)::int] END AS answer
             FROM (SELECT c, random() AS a, greatest(1, :checkins / :days) AS per_day
                   FROM generate_series(1, :checkins) c) g) h""",
    "SELECT setval(pg_get_serial_sequence('request', 'id'), (SELECT max(id) FROM request))",
    "SELECT setval(pg_get_serial_sequence('resident', 'id'), (SELECT max(id) FROM resident))",
    "SELECT setval(pg_get_serial_sequence('staff', 'id'), (SELECT max(id) FROM staff))",
    "SELECT setval(pg_get_serial_sequence('district', 'id'), (SELECT max(id) FROM district))",
]

COUNTS = """SELECT (SELECT count(*) FROM request), (SELECT count(*) FROM checkin), (SELECT count(*) FROM requestitem),
                   (SELECT count(*) FROM requestevent),
                   (SELECT count(*) FROM request WHERE status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')),
                   (SELECT count(*) FROM request WHERE created_at >= now() - interval '30 days')"""


async def fill(engine: AsyncEngine, params: dict[str, int]) -> None:
    """Insert everything in one transaction, then VACUUM ANALYZE and CHURN."""
    async with engine.begin() as conn:
        for statement in FILL:
            started = time.perf_counter()
            await conn.execute(text(bind(statement, params)))
            print(f"  {statement.split()[0]} {statement.split()[2] if statement.startswith('INSERT') else ''}: "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
    await analyse(engine)


#: A live deployment's last days are still changing (claims, deliveries, answers) and autovacuum has not
#: caught up with them: their pages are not all-visible, so an index-only scan reads the table for them.
CHURN = [
    "UPDATE request SET updated_at = updated_at + interval '1 second' WHERE created_at > now() - interval '2 days'",
    "UPDATE checkin SET reminded_at = due_at WHERE due_at > now() - interval '2 days'",
]


async def analyse(engine: AsyncEngine) -> None:
    """VACUUM ANALYZE outside a transaction, then the last two days' rows changed again (CHURN)."""
    started = time.perf_counter()
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
        for statement in CHURN:
            await conn.execute(text(statement))
    print(f"  VACUUM ANALYZE, then the last two days changed: {time.perf_counter() - started:.1f} s", flush=True)


def bind(statement: str, params: dict[str, int]) -> str:
    """The knobs written into the SQL as integer literals (bound parameters would leave their types unknown
    to PostgreSQL in `:days * interval '1 day'` and `:residents / :districts`)."""
    return re.sub(r"(?<!:):([a-z_]+)", lambda m: str(int(params[m[1]])) if m[1] in params else m[0], statement)


Call = Callable[[Any], Awaitable[object]]


def cases(settings: Any) -> dict[str, tuple[Call, str]]:
    """name → (what the handler does with a session, the command's arguments)."""
    from bot.services import needs as needs_service
    from bot.services import reports
    from bot.ui import needs_texts, report_texts
    from db.models import Staff, StaffRole
    from handlers.reports import ALL, TO_KG

    coordinator = Staff(id=1, tg_user_id=20000001, chat_id=-1001000000001, name="Coordinator",
                        role=StaffRole.COORDINATOR, has_private_chat=True)

    def report(words: str) -> Call:
        async def call(session: Any) -> object:
            args = await reports.parse(session, settings, words)
            assert args.period is not None and args.error is None, args
            chosen = await reports.scope(session, settings, coordinator, coordinator.chat_id, args.district)
            assert isinstance(chosen, reports.Scope)
            figures = await reports.build(session, settings, chosen, args.period)
            return figures, report_texts.render(figures, settings, "zh")
        return call

    def needs(words: str) -> Call:
        async def call(session: Any) -> object:
            args = await reports.parse(session, settings, words, TO_KG | ALL)
            assert args.error is None, args
            chosen = await reports.scope(session, settings, coordinator, coordinator.chat_id, args.district)
            assert isinstance(chosen, reports.Scope)
            found = await needs_service.build(session, chosen, bool(args.flags & TO_KG))
            return found, needs_texts.render(found, settings, "zh", True), needs_texts.delivery_round(found, settings, "zh")
        return call

    return {
        "report_month_city": (report("month"), "month"),
        f"report_month_{ONE}": (report(f"month {ONE}"), f"month {ONE}"),
        f"needs_{ONE}": (needs(ONE), ONE),
        "needs_city": (needs(""), ""),
    }


async def slowest_plan(engine: AsyncEngine, sessions: Any, call: Call, every: bool = False) -> str:
    """Run the case once, capturing its statements; EXPLAIN (ANALYZE, BUFFERS) each one and return how the
    case's time divides between the server (each statement's execution time) and the rest (the driver, the
    ORM, the Python that adds up and renders), with the plan of the statement the server spent longest on."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        started = time.perf_counter()
        async with sessions() as session:
            await call(session)
        total = (time.perf_counter() - started) * 1000
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    explained: list[tuple[float, str, str]] = []
    async with engine.connect() as conn:
        for statement, parameters in captured:
            rows = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in rows)
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan)[1])  # type: ignore[index]
            explained.append((ms, statement, plan))
    server = sum(ms for ms, _s, _p in explained)
    ms, statement, plan = max(explained)
    short = re.sub(r"(\$\d+::INTEGER, ){3,}", "…, ", statement)  # a city's 50 district ids
    lines = [f"this run {total:.0f} ms: {len(explained)} statements took {server:.0f} ms on the server "
             f"({', '.join(f'{m:.0f}' for m, _s, _p in explained)} ms), the rest {total - server:.0f} ms",
             f"slowest statement ({ms:.1f} ms):", short, plan]
    if every:
        for other_ms, other, other_plan in explained:
            lines += ["", f"statement ({other_ms:.1f} ms):", re.sub(r"(\$\d+::INTEGER, ){3,}", "…, ", other), other_plan]
    return "\n".join(lines)


async def measure(url: str, runs: int, label: str, explain: bool, every: bool = False) -> dict[str, tuple[float, float]]:
    """p50/p95 in ms of each case, and the slowest statement's plan."""
    from aiogram.utils.i18n import I18n

    from bot.core.config import Settings
    from bot.ui.i18n import build_i18n
    from db.engine import make_engine, make_sessionmaker

    settings = Settings(
        bot_token="7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", database_url=url, staff_chat_id=-1001000000001,
        districts=[{"code": "d1", "name": "District 1"}], _env_file=None,
    )
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    i18n: I18n = build_i18n("zh")
    results: dict[str, tuple[float, float]] = {}
    with i18n.context():
        for name, (query, words) in cases(settings).items():
            async def call(query: Call = query) -> object:
                async with sessions() as session:
                    return await query(session)
            results[name] = await p95(call, runs)
            print(f"[{label}] {name} ({words or 'all'}): p50 {results[name][0]} ms, p95 {results[name][1]} ms",
                  flush=True)
            if explain:
                print(f"[{label}] {name}: {await slowest_plan(engine, sessions, query, every)}\n", flush=True)
        await chart(engine, sessions, settings, label)
    await engine.dispose()
    return results


async def chart(engine: AsyncEngine, sessions: Any, settings: Any, label: str) -> None:
    """The month chart, drawn as the handler draws it (in a thread), timed apart from the figures."""
    from bot.ui import charts

    report = cases(settings)["report_month_city"][0]
    async with sessions() as session:
        figures, _texts = await report(session)  # type: ignore[misc]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await asyncio.to_thread(charts.render_png, figures, "zh")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"[{label}] chart (month, zh): median {times[2]:.1f} ms of 5", flush=True)


async def run(params: dict[str, int], runs: int, keep: bool, url: str | None, before: bool, every: bool) -> None:
    """Fill at BEFORE, measure, upgrade, measure."""
    from db import migrate
    from db.engine import make_engine

    own = url is None
    if url is None:
        url = await new_database("postgres")
    print(f"database {url.rsplit('/', 1)[1]}", flush=True)
    try:
        engine = make_engine(url)
        if own:
            started = time.perf_counter()
            await migrate.upgrade(engine, BEFORE if before else "head")
            await fill(engine, params)
            print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
        async with engine.connect() as conn:
            counts = (await conn.execute(text(COUNTS))).one()
        print("requests={} checkins={} items={} events={} open={} last_30_days={}".format(*counts), flush=True)
        await engine.dispose()
        results = {}
        if own and before:
            results["before"] = await measure(url, runs, f"at {BEFORE}", explain=True)
            engine = make_engine(url)
            started = time.perf_counter()
            await migrate.upgrade(engine)
            print(f"upgraded to {migrate.head_revision()} in {time.perf_counter() - started:.1f} s", flush=True)
            await analyse(engine)
            await engine.dispose()
        results["after"] = await measure(url, runs, f"at {migrate.head_revision()}", explain=True, every=every)
        for name in results["after"]:
            was = results.get("before", {}).get(name)
            print(f"case={name} requests={counts[0]} checkins={counts[1]} runs={runs} "
                  + (f"p50_ms_before={was[0]} p95_ms_before={was[1]} " if was else "")
                  + f"p50_ms={results['after'][name][0]} p95_ms={results['after'][name][1]}")
    finally:
        if own and not keep:
            await drop_database(url)
        elif own:
            print(f"kept: {url}")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--checkins", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--days", type=int, default=180, help="the requests and check-ins span this many days")
    parser.add_argument("--open-days", type=int, default=2, help="requests of the last days that may still be open")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--url", help="measure an existing filled database (from --keep) at its current schema")
    parser.add_argument("--no-before", action="store_true", help="fill at the newest schema; measure once")
    parser.add_argument("--all-plans", action="store_true", help="print the plan of every statement, not only the slowest")
    args = parser.parse_args()
    params = {"requests": args.requests, "checkins": args.checkins, "residents": args.residents,
              "districts": args.districts, "days": args.days, "open_days": args.open_days}
    asyncio.run(run(params, args.runs, args.keep, args.url, not args.no_before, args.all_plans))


if __name__ == "__main__":
    main()
