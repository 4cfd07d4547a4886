"""bot.services.checkins decides which questions, reminders and escalations are due; the tick in bot.app
hands them to the Notifier."""

from __future__ import annotations

from datetime import timedelta

from bot.core import clock
from bot.services import checkins
from bot.services.checkins import Reason
from bot.services.decisions import CardChanged, CheckinDue
from db.models import CheckinAnswer, CheckinPlan, RequestKind, Resident
from tests.unit.conftest import World


async def with_plans(world: World) -> tuple[Resident, Resident]:
    """The world's resident and an unreachable neighbour, both with a check-in due a second ago (no quiet
    hours)."""
    async with world.sessions.begin() as session:
        neighbour = Resident(tg_user_id=7002, chat_id=7002, locale="ru", district_id=world.district.id,
                             consent_at=clock.now(), registered_at=clock.now(), unreachable=True)
        session.add(neighbour)
        await session.flush()
        due = clock.now() - timedelta(seconds=1)
        session.add_all([CheckinPlan(resident_id=p.id or 0, times=["09:00"], quiet_start="00:00", quiet_end="00:00",
                                     next_due_at=due) for p in (world.resident, neighbour)])
    return world.resident, neighbour


async def test_due_plans_become_questions_and_the_unreachable_an_urgent_card(world: World) -> None:
    resident, neighbour = await with_plans(world)
    async with world.sessions.begin() as session:
        sent = await checkins.send_due(session, world.settings, clock.now())
        again = await checkins.send_due(session, world.settings, clock.now())
    assert sent.count == 2 and (again.count, again.told) == (0, [])
    question, card = sorted(sent.told, key=lambda t: type(t).__name__, reverse=True)
    assert isinstance(question, CheckinDue) and question.resident.id == resident.id and not question.reminder
    assert isinstance(card, CardChanged) and card.request.resident_id == neighbour.id
    assert card.request.kind == RequestKind.WELLBEING and card.request.urgency == "urgent"
    assert await world.outbox_rows() == 0


async def test_an_unanswered_question_is_reminded_then_escalated_and_a_late_answer_updates_the_card(world: World) -> None:
    await with_plans(world)
    async with world.sessions.begin() as session:
        sent = await checkins.send_due(session, world.settings, clock.now())
        checkin = next(t.checkin for t in sent.told if isinstance(t, CheckinDue))
        await checkins.delivered(session, world.settings, [checkin.id or 0], clock.now())
    clock.advance(timedelta(minutes=world.settings.checkins.reminder_after_minutes + 1))
    async with world.sessions.begin() as session:
        reminded = await checkins.follow_up(session, world.settings, clock.now())
    assert reminded.count == 1 and len(reminded.told) == 1
    assert isinstance(reminded.told[0], CheckinDue) and reminded.told[0].reminder
    clock.advance(timedelta(minutes=world.settings.checkins.escalate_after_minutes + 1))
    async with world.sessions.begin() as session:
        escalated = await checkins.follow_up(session, world.settings, clock.now())
    assert escalated.count == 1 and [type(t) for t in escalated.told] == [CardChanged]
    card = escalated.told[0]
    assert isinstance(card, CardChanged) and card.request.details == Reason.MISSED.value
    async with world.sessions.begin() as session:
        answered = await checkins.answer(session, world.settings, world.resident, checkin.id or 0, CheckinAnswer.FINE)
        repeat = await checkins.answer(session, world.settings, world.resident, checkin.id or 0, CheckinAnswer.FINE)
    assert answered.first and answered.told == (CardChanged(answered.told[0].request),)  # type: ignore[union-attr]
    assert answered.told[0].request.late_answer == "fine"  # type: ignore[union-attr]
    assert repeat.repeat and repeat.told == ()


async def test_asking_for_help_twice_reuses_the_open_wellbeing_request(world: World) -> None:
    await with_plans(world)
    async with world.sessions.begin() as session:
        sent = await checkins.send_due(session, world.settings, clock.now())
        checkin = next(t.checkin for t in sent.told if isinstance(t, CheckinDue))
        first = await checkins.ask_for_help(session, world.settings, world.resident, checkin, Reason.HELP)
        second = await checkins.ask_for_help(session, world.settings, world.resident, checkin, Reason.HEALTH)
    assert first.request.id == second.request.id == checkin.request_id
    assert first.told == (CardChanged(first.request),) and second.told == (CardChanged(second.request),)
    assert second.request.details == Reason.HEALTH.value
