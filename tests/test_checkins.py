"""Daily check-ins end to end: enrolment, the question, answers, silence reaching the staff."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core import clock
from bot.app import follow_up_checkins, send_checkins
from db.models import Checkin, CheckinAnswer, CheckinPlan, Request, RequestKind, RequestStatus
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import register, resident_of, catalog_text, visible_text
from tests.test_staff import join


async def enrolled(harness: Harness, locale: str = "zh"):  # type: ignore[no-untyped-def]
    """A resident living alone who accepted the daily check-in offered at registration."""
    user = await register(harness, locale, flags=("lives_alone", "over_65"))
    await user.expect(visible_text(locale, "Would you like us to ask you every day whether you are OK? If you do not answer, a social worker is told."), since_start=True)
    await user.press(catalog_text(locale, "✅ Yes, every day at {time}", time="09:00"))
    return user


async def plan_of(harness: Harness, user) -> CheckinPlan:  # type: ignore[no-untyped-def]
    resident = await resident_of(harness, user)
    assert harness.app is not None and resident is not None
    async with harness.app.sessions() as session:
        plan = (await session.exec(select(CheckinPlan).where(CheckinPlan.resident_id == resident.id))).one()
    return plan


async def checkins_of(harness: Harness, user) -> list[Checkin]:  # type: ignore[no-untyped-def]
    resident = await resident_of(harness, user)
    assert harness.app is not None and resident is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Checkin).where(Checkin.resident_id == resident.id).order_by(Checkin.id))).all())


async def tick_to_due(harness: Harness, user) -> None:  # type: ignore[no-untyped-def]
    """Move the clock to the plan's next time and run the tick."""
    plan = await plan_of(harness, user)
    assert plan.next_due_at is not None
    clock.advance(plan.next_due_at - clock.now() + timedelta(seconds=1))
    assert harness.app is not None
    await send_checkins(harness.app)
    await harness.drain()


async def test_fine_answer_is_stored(harness: Harness) -> None:
    """Case 2: Lin Popo is asked at 09:00 Shanghai time and says she is fine."""
    user = await enrolled(harness, "zh")
    plan = await plan_of(harness, user)
    assert plan.times == ["09:00"]
    assert plan.next_due_at is not None and plan.next_due_at.astimezone(harness.settings.tz).strftime("%H:%M") == "09:00"
    await tick_to_due(harness, user)
    await user.expect(visible_text("zh", "☀️ Good day, {name}! Are you OK today?", name="林"), since_start=True)
    await user.press(catalog_text("zh", "😊 I'm fine"))
    await user.expect(visible_text("zh", "Thank you! We are glad. Have a good day. 🌷"))
    (checkin,) = await checkins_of(harness, user)
    assert checkin.answer == CheckinAnswer.FINE and checkin.sent_at is not None


async def test_silence_reminds_then_escalates_and_a_late_answer_shows_on_the_card(harness: Harness) -> None:
    """No answer: a reminder after the grace period, then an urgent card the staff can settle."""
    worker = await join(harness, 5001, "王社工")
    user = await enrolled(harness, "ru")
    await tick_to_due(harness, user)
    assert harness.app is not None
    clock.advance(timedelta(minutes=61))
    await follow_up_checkins(harness.app)
    await harness.drain()
    await user.expect(visible_text("ru", "{name}, we have not heard from you yet today. Are you OK? Please press a button.", name="林"), since_start=True)
    assert not [m for m in harness.fake.messages.get(STAFF_CHAT, []) if catalog_text("zh", "Wellbeing check-in") in m.text]
    clock.advance(timedelta(minutes=60))
    await follow_up_checkins(harness.app)
    await harness.drain()
    cards = [m for m in harness.fake.messages[STAFF_CHAT] if catalog_text("zh", "Wellbeing check-in") in m.text]
    assert len(cards) == 1
    card = cards[0]
    assert visible_text("zh", "No answer to the daily check-in, not even after a reminder.") in card.text
    assert set(card.button_texts()) >= {catalog_text("zh", "✅ Reached, all fine"), catalog_text("zh", "🚶 Visit needed")}
    (checkin,) = await checkins_of(harness, user)
    assert checkin.answer == CheckinAnswer.MISSED and checkin.request_id is not None
    await user.press(catalog_text("ru", "😊 I'm fine"))
    await harness.drain()
    assert catalog_text("zh", "I'm fine") in card.text and "💬" in card.text
    await worker.press(catalog_text("zh", "✅ Reached, all fine"), message=card)
    await harness.drain()
    async with harness.app.sessions() as session:
        request = await session.get(Request, checkin.request_id)
    assert request is not None and request.kind == RequestKind.WELLBEING and request.status == RequestStatus.DONE
    await follow_up_checkins(harness.app)  # nothing more happens
    assert len([m for m in harness.fake.messages[STAFF_CHAT] if catalog_text("zh", "Wellbeing check-in") in m.text]) == 1


async def test_blocked_resident_escalates_at_once(harness: Harness) -> None:
    """A 403 on the check-in itself puts the resident before the staff without waiting."""
    user = await enrolled(harness, "uk")
    harness.fake.block_user(user.chat_id)
    await tick_to_due(harness, user)
    await harness.drain()
    cards = [m for m in harness.fake.messages[STAFF_CHAT] if catalog_text("zh", "Wellbeing check-in") in m.text]
    assert len(cards) == 1
    assert visible_text("zh", "The daily check-in could not be delivered: the resident blocked the bot or the account is gone.") in cards[0].text
    resident = await resident_of(harness, user)
    assert resident is not None and resident.unreachable
