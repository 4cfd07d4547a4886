"""Priority under load: what a person waits for goes before the check-in wave, the wave before notices,
one chat's messages stay in order, and the wave enters the outbox only as far as the budget reaches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from bot.core import clock
from bot.app import send_checkins
from bot.core.config import Settings
from bot.telegram.delivery import PriorityLock
from bot.services.checkins import wave_room
from bot.domain.priority import outbox_priority
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.models import CheckinPlan, Outbox, OutboxPriority, OutboxStatus, Resident
from db.repo import outbox
from sandbox.bot_api import FakeTelegram, SentMessage
from tests.conftest import STAFF_CHAT, Harness, running
from tests.helpers import resident_of, catalog_text, catalog_plural, until, visible_text
from tests.test_checkins import enrolled, plan_of
from tests.test_checkins_more import at_local, set_clock

QUESTION = "☀️ Good day, {name}! Are you OK today?"
MONDAY_EARLY = at_local(date(2027, 1, 11), "08:00")  # enrolled then: her first check-in is at 09:00
MONDAY_WAVE = at_local(date(2027, 1, 11), "09:45")  # hers and the wave's are due
WAVE_START = 20_000_000  # chat ids of the residents made directly for a wave


@pytest.fixture
async def paced(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with a bot-wide budget of 10 messages a second, so a wave of check-ins takes seconds."""
    limits = settings.limits.model_copy(update={"global_per_second": 10.0})
    async with running(Harness(fake, settings.model_copy(update={"limits": limits}))) as h:
        yield h


async def wave(harness: Harness, count: int, due_local: str = "09:30") -> list[int]:
    """`count` residents living alone, made directly, whose check-in is due at `due_local` on MONDAY
    (Shanghai time); returns their chat ids."""
    assert harness.app is not None
    due = at_local(date(2027, 1, 11), due_local)
    async with harness.app.sessions.begin() as session:
        people = [
            Resident(tg_user_id=WAVE_START + i, chat_id=WAVE_START + i, locale="zh", name=f"居民{i}",
                     phone="+8613800138000", address=f"{i}号", consent_at=clock.now(), registered_at=clock.now(),
                     lives_alone=True, over_65=True)
            for i in range(count)
        ]
        session.add_all(people)
        await session.flush()
        session.add_all(CheckinPlan(resident_id=p.id or 0, next_due_at=due) for p in people)
    return [WAVE_START + i for i in range(count)]


def position(sent: list[SentMessage], wanted: SentMessage) -> int:
    """Where a message stands among everything the bot sent."""
    return next(i for i, m in enumerate(sent) if m is wanted)


async def test_an_urgent_card_overtakes_the_check_in_wave(paced: Harness) -> None:
    """Lin Popo, first of a wave of 240 check-ins, presses «🆘 I need help»: her card reaches the staff
    within about a second of budget, while most of the wave is still to go out (oldest first, the card
    would wait for all of it)."""
    set_clock(MONDAY_EARLY)
    user = await enrolled(paced, "zh")  # her check-in is due at 09:00, before the wave's 09:30
    chats = await wave(paced, 240)
    set_clock(MONDAY_WAVE)
    assert paced.app is not None
    await send_checkins(paced.app)
    question = await user.expect(visible_text("zh", QUESTION, name="林"), since_start=True, timeout=15)
    pressed_at = len(paced.fake.sent_in_order())
    await user.press(catalog_text("zh", "🆘 I need help"), message=question)
    pressed = visible_text("zh", "The resident pressed «I need help» in the daily check-in.")
    await until(lambda: any(pressed in (m.text or "") for m in paced.fake.messages.get(STAFF_CHAT, [])), timeout=15)
    await paced.drain(timeout=30)

    sent = paced.fake.sent_in_order()
    card = next(m for m in sent if m.chat_id == STAFF_CHAT and pressed in (m.text or ""))
    wave_at = {position(sent, m) for m in sent if m.chat_id in set(chats)}
    assert len(wave_at) == 240, "every check-in of the wave went out"
    assert len([i for i in wave_at if i >= pressed_at]) >= 40, "the wave was still going when she pressed"
    overtaken = [i for i in wave_at if pressed_at <= i < position(sent, card)]
    # Before the express worker, a batch of 100 check-ins leased just before her press went out first
    # (101 overtook her card in one run of two on PostgreSQL + Redis); with it, 1-3 in twelve runs.
    assert len(overtaken) <= 10, f"{len(overtaken)} check-ins of the wave went out between her press and her card"


async def test_a_notice_does_not_delay_a_check_in(paced: Harness) -> None:
    """100 rows of the lowest class (notices) are queued first; a check-in due afterwards overtakes them."""
    set_clock(MONDAY_EARLY)
    user = await enrolled(paced, "zh")
    set_clock(MONDAY_WAVE)
    assert paced.app is not None
    async with paced.app.sessions.begin() as session:
        for i in range(100):
            chat = WAVE_START + 500 + i
            outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": f"通知 {i}"},
                           purpose="notice", priority=outbox_priority("notice"))
    paced.app.sender.wake()
    await asyncio.sleep(0.3)  # the notices are being sent
    queued_at = len(paced.fake.sent_in_order())
    await send_checkins(paced.app)
    await paced.drain(timeout=30)

    sent = paced.fake.sent_in_order()
    question = next(m for m in sent if m.chat_id == user.chat_id and visible_text("zh", QUESTION, name="林") in (m.text or ""))
    notices_at = [position(sent, m) for m in sent if (m.text or "").startswith("通知")]
    assert len(notices_at) == 100
    assert len([i for i in notices_at if i >= queued_at]) >= 40, "the notices were still going"
    overtaken = [i for i in notices_at if queued_at <= i < position(sent, question)]
    assert len(overtaken) <= 15, f"{len(overtaken)} notices went out between the check-in's tick and the check-in"


async def test_the_wave_enters_the_outbox_as_the_budget_reaches_and_a_pause_meanwhile_is_honoured(
    fake: FakeTelegram, settings: Settings
) -> None:
    """With room for one second of budget (20 rows), a wave of 60 is written 20 at a time; a resident who
    pauses her check-ins while the wave is under way is not asked."""
    limits = settings.limits.model_copy(update={"global_per_second": 20.0})
    checkins = settings.checkins.model_copy(update={"lookahead_seconds": 1})
    async with running(Harness(fake, settings.model_copy(update={"limits": limits, "checkins": checkins}))) as h:
        set_clock(MONDAY_EARLY)
        user = await enrolled(h, "zh")
        plan = await plan_of(h, user)
        await wave(h, 60, due_local="08:30")  # before hers: she would be asked last
        set_clock(MONDAY_WAVE)
        assert h.app is not None
        await send_checkins(h.app)
        async with h.app.sessions() as session:
            written = len((await session.exec(select(Outbox).where(col(Outbox.purpose) == "checkin"))).all())
        assert written == 20, f"{written} check-ins written at once with room for 20"

        await user.send_command("/checkin")  # she pauses while the wave goes on
        await user.press(catalog_text("zh", "⏸ Pause"))
        await user.press(catalog_plural("zh", "{n} day", "{n} days", 3))
        for _ in range(10):
            await send_checkins(h.app)
            await h.drain(timeout=20)
        async with h.app.sessions() as session:
            rows = (await session.exec(select(Outbox).where(col(Outbox.purpose) == "checkin"))).all()
        resident = await resident_of(h, user)
        assert resident is not None
        assert len(rows) == 60, "the rest of the wave was asked"
        assert all(r.status == OutboxStatus.SENT for r in rows)
        assert resident.id not in {r.resident_id for r in rows}, "the paused plan was asked"
        assert (await plan_of(h, user)).paused_until is not None
        assert plan.next_due_at is not None and plan.next_due_at < clock.now(), "she was due during the wave"


async def test_one_chat_keeps_its_order_across_classes(harness: Harness) -> None:
    """A check-in queued before a reply to the same chat goes first, whatever their classes."""
    assert harness.app is not None
    chat = WAVE_START + 900
    async with harness.app.sessions.begin() as session:
        outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": "先: 签到"}, purpose="checkin",
                       priority=outbox_priority("checkin"))
        outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": "后: 回复"}, purpose="error",
                       priority=outbox_priority("error"))
    harness.app.sender.wake()
    await harness.drain()
    assert [m.text for m in harness.fake.messages[chat]] == ["先: 签到", "后: 回复"]


async def test_the_express_lease_takes_only_interactive_rows_and_keeps_a_chat_s_order(database_url: str) -> None:
    """The sender's express worker (lease_due with up_to_class=INTERACTIVE) takes an urgent card queued
    after a batch of check-ins, never the check-ins, and never a reply queued behind a pending check-in
    in the same chat (that reply waits for its chat's check-in, whoever leases it)."""
    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        now = clock.now()
        async with sessions.begin() as session:
            for i in range(5):
                chat = WAVE_START + i
                outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": f"签到 {i}"},
                               purpose="checkin", priority=outbox_priority("checkin"))
            outbox.enqueue(session, WAVE_START, "sendMessage", {"chat_id": WAVE_START, "text": "回复"},
                           purpose="reply", priority=outbox_priority("reply"))
            outbox.enqueue(session, STAFF_CHAT, "sendMessage", {"chat_id": STAFF_CHAT, "text": "紧急"},
                           purpose="card", priority=outbox_priority("card", urgent=True))
        async with sessions.begin() as session:
            express = await outbox.lease_due(session, "express", now + timedelta(seconds=1), timedelta(seconds=30), 20,
                                             timedelta(minutes=10), OutboxPriority.INTERACTIVE)
            everything = await outbox.lease_due(session, "batch", now + timedelta(seconds=1), timedelta(seconds=30), 20,
                                                timedelta(minutes=10))
        assert [row.payload["text"] for row in express] == ["紧急"]
        assert sorted(row.payload["text"] for row in everything) == [f"签到 {i}" for i in range(5)]
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------ the rules


@pytest.mark.parametrize(("purpose", "urgent", "expected"), [
    ("confirmation", False, OutboxPriority.INTERACTIVE),
    ("details", False, OutboxPriority.INTERACTIVE),
    ("escalation", False, OutboxPriority.INTERACTIVE),
    ("error", False, OutboxPriority.INTERACTIVE),
    ("reply", False, OutboxPriority.INTERACTIVE),
    ("card", True, OutboxPriority.INTERACTIVE),
    ("card", False, OutboxPriority.NORMAL),
    ("status", False, OutboxPriority.NORMAL),
    ("staff", False, OutboxPriority.NORMAL),
    ("checkin", False, OutboxPriority.CHECKIN),
    ("checkin_reminder", False, OutboxPriority.CHECKIN),
    ("notice", False, OutboxPriority.BULK),
    ("report", False, OutboxPriority.BULK),
])
def test_outbox_priority_by_purpose(purpose: str, urgent: bool, expected: OutboxPriority) -> None:
    """Each purpose's class, as the README's table states it."""
    assert outbox_priority(purpose, urgent=urgent) == expected


def test_wave_room_is_the_budget_over_the_look_ahead_less_what_is_queued(settings: Settings) -> None:
    """1000 messages/s × 60 s = 60,000 rows ahead; what is queued counts against it; never negative."""
    assert wave_room(settings, 0) == 60_000
    assert wave_room(settings, 59_990) == 10
    assert wave_room(settings, 70_000) == 0


async def test_priority_lock_serves_the_highest_class_first_then_in_order() -> None:
    """Waiters queued while the lock is held get it by class, then in arrival order; a cancelled
    waiter neither gets it nor blocks the rest."""
    lock = PriorityLock()
    served: list[str] = []

    async def wait(name: str, priority: int) -> None:
        async with lock.hold(priority):
            served.append(name)
            await asyncio.sleep(0)

    async with lock.hold(OutboxPriority.NORMAL):
        tasks = [asyncio.create_task(wait(n, p)) for n, p in
                 [("bulk", 3), ("checkin-1", 2), ("gone", 0), ("urgent", 0), ("checkin-2", 2), ("normal", 1)]]
        await asyncio.sleep(0.01)
        tasks[2].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert served == ["urgent", "normal", "checkin-1", "checkin-2", "bulk"]
    assert not lock.locked()
