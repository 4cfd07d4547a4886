"""Hot-path look-ups stay index look-ups as the tables grow: on PostgreSQL, with large tables filled and
analysed, EXPLAIN of each query as the repositories send it shows no sequential scan of a large table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock

from db import migrate
from db.models import OutboxPriority
from db.engine import make_engine, make_sessionmaker
from db.repo import cards, checkins, outbox, residents, updates
from db.models import NoticeAudience
from db.repo import notices as notices_repo
from db.repo import privacy as privacy_repo
from db.repo import staff as staff_repo
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="query plans are PostgreSQL's (TEST_DATABASE=postgres)")

ROWS = 20_000
LARGE = ("resident", "checkin", "processedupdate", "request", "outbox", "cardview")

FILL = [
    "INSERT INTO district (id, code, name) VALUES (1, 'd1', 'District 1')",
    "INSERT INTO resident (id, tg_user_id, chat_id, locale, district_id, lives_alone, over_65, disability,"
    " chronic_illness, unreachable, created_at, source, imported_checkin_times)"
    " SELECT g, 1000000 + g, 1000000 + g, 'zh', 1, false, true, false, false, false, now(), 'bot', '[]'"
    " FROM generate_series(1, :rows) g",
    "INSERT INTO request (id, resident_id, district_id, kind, status, urgency, draft_key, created_at, updated_at,"
    " voice_file_ids) SELECT g, g, 1, 'WELLBEING', (CASE WHEN g % 50 = 0 THEN 'NEW' ELSE 'DONE' END)::requeststatus, 'NORMAL',"
    " 'k' || g, now(), now(), '[]' FROM generate_series(1, :rows) g",
    "INSERT INTO checkin (resident_id, district_id, due_at, answer, request_id)"
    " SELECT g % :rows + 1, 1, now() - (g || ' minutes')::interval, 'FINE', CASE WHEN g % 40 = 0 THEN g / 40 END"
    " FROM generate_series(1, :rows * 3) g",
    "INSERT INTO processedupdate (update_id, at) SELECT g, now() - (g || ' seconds')::interval"
    " FROM generate_series(1, :rows) g",
    "INSERT INTO outbox (chat_id, method, payload, purpose, status, attempts, next_attempt_at, created_at)"
    " SELECT 1000000 + g % 5000, 'sendMessage', '{}', 'status', 'SENT', 1, now(), now()"
    " FROM generate_series(1, :rows) g",
    "INSERT INTO cardview (request_id, chat_id, message_id, digest, rendered)"
    " SELECT g, -100, g, false, '' FROM generate_series(1, :rows) g",
]


async def test_hot_path_queries_use_indexes(database_url: str) -> None:
    """The sender's 403 (resident by chat), a wellbeing card's sync (check-in by request), the hourly
    prune (processed updates by time), the update's resident and a card's views: no Seq Scan on a
    large table."""
    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            for statement in FILL:
                await conn.execute(text(statement), {"rows": ROWS})
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("ANALYZE"))

        sessions = make_sessionmaker(engine)
        now = clock.now()
        hot: dict[str, Callable[[AsyncSession], Awaitable[Any]]] = {
            "resident by chat (403)": lambda s: residents.mark_unreachable(s, 1_000_777),
            "open requests of a chat (403)": lambda s: residents.open_requests_of_chat(s, 1_000_777),
            "the update's resident": lambda s: residents.by_tg_user(s, 1_000_777),
            "check-in by request (card sync)": lambda s: checkins.of_request(s, 123),
            "prune processed updates": lambda s: privacy_repo.prune_processed_updates(s, now - timedelta(days=7), 500),
            "retention: closed requests": lambda s: privacy_repo.closed_requests_before(s, now - timedelta(days=90), 500),
            "a chat's pending replies": lambda s: outbox.pending_in_chat(s, 1_000_777),
            "the sender's lease": lambda s: outbox.lease_due(s, "bench", now, timedelta(seconds=30), 100, timedelta(minutes=2)),
            "the express lease": lambda s: outbox.lease_due(s, "bench", now, timedelta(seconds=30), 20, timedelta(minutes=2),
                                                            OutboxPriority.INTERACTIVE),
            "a request's card views": lambda s: cards.views_of(s, 123),
            "/open: the total": lambda s: staff_repo.count_open(s, [1]),
            "/open: a page": lambda s: staff_repo.open_in_chat(s, [1], limit=30, offset=60),
            "a notice's next recipients (tick)": lambda s: notices_repo.residents_after(
                s, NoticeAudience.DISTRICTS, [1], 10_000, 20_000, 500),
            "a notice's rows still queued (tick)": lambda s: notices_repo.pending_rows(s, 1),
            "the look-ahead: rows pending (tick)": lambda s: outbox.depth(s),
        }
        for name, query in hot.items():
            statements: list[tuple[str, Any]] = []

            def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
                if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT")):
                    statements.append((statement, parameters))

            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            try:
                async with sessions() as session:
                    await query(session)
                    await session.rollback()
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
            assert statements, name
            async with engine.connect() as conn:
                for statement, parameters in statements:
                    plan = "\n".join(row[0] for row in await conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                    scanned = [table for table in LARGE if f"Seq Scan on {table} " in plan + " "]
                    assert not scanned, f"{name}: sequential scan of {scanned}\n{statement}\n{plan}"
    finally:
        await engine.dispose()
