"""The bot never stalls behind one chat's send budget: a handler's reply that would wait for it is
queued in the update's own transaction instead of holding the database (on SQLite, its only write
lock) while it waits."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core.config import Limits, Settings
from bot.telegram.delivery import Budget, Limiters
from db.models import Staff
from db.engine import make_engine, make_reader, make_sessionmaker
from sandbox.bot_api import FakeTelegram
from tests.conftest import STAFF_CHAT, Harness, running
from tests.helpers import outbox_rows, staff_messages, text_message, until

#: Telegram's own limits: 30 messages a second, 1 a second per private chat, 20 a minute per group.
REAL_LIMITS = {"global_per_second": 30, "private_chat_per_second": 1, "group_per_minute": 20}


@pytest.fixture
async def limited(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with Telegram's real send limits."""
    async with running(Harness(fake, settings.model_copy(update={"limits": Limits(**REAL_LIMITS)}))) as h:
        yield h


async def staff_members(harness: Harness) -> list[Staff]:
    """Everyone registered as staff."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Staff))).all())


def command(message: dict[str, Any]) -> dict[str, Any]:
    """Mark a pushed message's text as a bot command."""
    head = message["text"].split()[0]
    return {**message, "entities": [{"type": "bot_command", "offset": 0, "length": len(head)}]}


async def test_resident_is_answered_while_a_staff_group_waits_for_its_budget(
    limited: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Ten workers send /join in one staff group at the same moment as a resident sends /start: the
    group may get one message every 3 s, yet the resident is answered while the joins' replies are
    still queued, every join is recorded, and nothing meets «database is locked»."""
    caplog.set_level(logging.INFO)
    fake = limited.fake
    workers = [limited.staff(5000 + i, f"Worker {i}") for i in range(10)]
    resident = limited.user(language_code="zh-hans")
    pushed = [fake.push_update({"message": command(text_message(worker, "/join"))}) for worker in workers]
    pushed.append(fake.push_update({"message": command(text_message(resident, "/start"))}))

    await until(lambda: bool(resident.messages()), timeout=15)
    welcomed = staff_messages(limited, STAFF_CHAT)
    assert len(welcomed) < 5, "the resident waited for the staff group's replies"

    for update_id in pushed:  # every /join was handled (and recorded) without waiting for its reply
        await fake.wait_processed(update_id, timeout=10)
    queued = await outbox_rows(limited, "reply")
    assert len(queued) >= 9 - len(welcomed)
    assert len(await staff_members(limited)) == 10
    # The sender delivers the queued replies in turn, within the group's budget (one every ~3 s).
    await until(lambda: len(staff_messages(limited, STAFF_CHAT)) >= len(welcomed) + 2, timeout=15)
    assert all(m.reply_to_message_id for m in staff_messages(limited, STAFF_CHAT))  # still replies to each /join
    assert not [r for r in caplog.records if "database is locked" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_read_only_sessions_do_not_take_sqlite_write_lock(tmp_path: Any) -> None:
    """While one transaction holds SQLite's write lock, a read-only session still reads at once."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}")
    sessions, readers = make_sessionmaker(engine), make_reader(engine)
    try:
        async with sessions.begin() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
        async with sessions.begin() as writer:
            await writer.execute(text("INSERT INTO t VALUES (1)"))
            async with readers() as reader:
                got = await asyncio.wait_for(reader.execute(text("SELECT count(*) FROM t")), 2)
                assert got.scalar_one() == 0  # the writer's row is not committed yet
    finally:
        await engine.dispose()


async def test_metrics_tick_runs_only_where_metrics_are_served(fake: FakeTelegram, settings: Settings) -> None:
    """Polling without METRICS_PORT serves no /metrics, so nothing reads the database gauges; with
    METRICS_PORT (or a webhook server) the tick runs."""
    def ticks(h: Harness) -> set[str]:
        assert h.app is not None and h.app.scheduler is not None
        return {job.func.__name__ for job in h.app.scheduler.get_jobs()}

    async with running(Harness(fake, settings)) as h:
        assert "refresh_metrics" not in ticks(h) and "send_checkins" in ticks(h)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with running(Harness(fake, settings.model_copy(update={"metrics_port": port}))) as h:
        assert "refresh_metrics" in ticks(h)


async def test_reply_waiting_for_the_bot_wide_budget_is_sent_after_the_commit(fake: FakeTelegram, settings: Settings) -> None:
    """The bot-wide budget is spent (one message in 2 s), a staff member's /join answers in two
    messages' time: the second waits, but only after the update committed, so the database is free
    meanwhile (a write goes through at once), and both arrive in order."""
    # The group's own window is made negligible (a staff group gets one message per window: at 6,000 a
    # minute that is 10 ms, which two quick updates can fall within): only the bot-wide budget is short.
    limits = Limits(global_per_second=0.5, private_chat_per_second=100, group_per_minute=6_000_000)
    slow = settings.model_copy(update={"limits": limits})
    async with running(Harness(fake, slow)) as harness:
        assert harness.app is not None
        worker = harness.staff(5001, "王社工")
        _, second = (fake.push_update({"message": command(text_message(worker, text))}) for text in ("/join", "/duty on"))
        await until(lambda: len(staff_messages(harness, STAFF_CHAT)) >= 1, timeout=10)
        await asyncio.sleep(0.3)  # the second update has run and its reply waits for the budget
        async with harness.app.sessions.begin() as session:  # the write lock is free meanwhile
            await asyncio.wait_for(session.execute(text("UPDATE staff SET on_duty = on_duty")), 1)
        assert len(staff_messages(harness, STAFF_CHAT)) == 1, "the budget did not make the reply wait"
        await fake.wait_processed(second, timeout=10)
        await until(lambda: len(staff_messages(harness, STAFF_CHAT)) >= 2, timeout=10)
        replies = staff_messages(harness, STAFF_CHAT)
        assert "王社工" in replies[0].text and "王社工" in replies[1].text
        assert not await outbox_rows(harness, "reply")


async def test_acquire_now_takes_only_a_free_slot_and_says_whose_budget_is_short() -> None:
    """A group's next slot is 3 s away: CHAT; the bot's budget is spent: BOT; nothing taken either way."""
    limiters = Limiters(Limits(**REAL_LIMITS))
    assert await limiters.acquire_now(-100) is Budget.TAKEN
    assert await limiters.acquire_now(-100) is Budget.CHAT
    assert len(limiters.for_chat(-100).times) == 1
    spread = len(limiters.global_spread.times)
    for chat in range(1, 10):
        await limiters.acquire_now(chat)
    assert await limiters.acquire_now(42) is Budget.BOT  # the short window holds 3 of the 30 a second
    assert len(limiters.global_spread.times) == limiters.global_spread.count >= spread
    assert not limiters.for_chat(42).times
