"""Who is asked first within a check-in wave: the most at risk (more vulnerability flags), then each
person's own scheduled time (issue #12, part 2)."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from bot.app import send_checkins
from bot.core import clock
from bot.core.config import Settings
from db.models import CheckinPlan, Outbox, Resident
from sandbox.bot_api import FakeTelegram
from tests.conftest import Harness, running
from tests.test_checkins_more import at_local, set_clock

FIRST = 21_000_000


async def test_the_most_at_risk_are_asked_first_then_by_their_own_time(fake: FakeTelegram, settings: Settings) -> None:
    """Six residents due, room for three: the two living alone and over 65 (due last) and the one with a
    disability go first; the three without flags wait, though two of them were due earlier."""
    limits = settings.limits.model_copy(update={"global_per_second": 3.0})
    checkins = settings.checkins.model_copy(update={"lookahead_seconds": 1})
    async with running(Harness(fake, settings.model_copy(update={"limits": limits, "checkins": checkins}))) as h:
        assert h.app is not None
        people = [  # (flags, due at, local time)
            ({}, "08:00"), ({}, "08:10"), ({"lives_alone": True, "over_65": True}, "08:50"),
            ({"disability": True}, "08:40"), ({"lives_alone": True, "over_65": True}, "08:55"), ({}, "08:20"),
        ]
        async with h.app.sessions.begin() as session:
            residents = [
                Resident(tg_user_id=FIRST + i, chat_id=FIRST + i, locale="zh", name=f"居民{i}", phone="+8613800138000",
                         address=f"{i}号", consent_at=clock.now(), registered_at=clock.now(), **flags)
                for i, (flags, _) in enumerate(people)
            ]
            session.add_all(residents)
            await session.flush()
            session.add_all(CheckinPlan(resident_id=r.id or 0, next_due_at=at_local(date(2027, 1, 11), due))
                            for r, (_, due) in zip(residents, people, strict=True))
        set_clock(at_local(date(2027, 1, 11), "09:00"))
        await send_checkins(h.app)
        async with h.app.sessions() as session:
            asked = [row.chat_id for row in (await session.exec(
                select(Outbox).where(col(Outbox.purpose) == "checkin").order_by(col(Outbox.id)))).all()]
        assert asked == [FIRST + 2, FIRST + 4, FIRST + 3], asked
