"""bot.services.staff decides who wins a claim, what a press changes, what an SLA check calls for; the
Notifier (bot.ui.notify) is not involved until the caller hands it the decisions."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import I18n
from sqlmodel import col, select

from bot.domain.draft import Draft
from bot.core import clock
from bot.services import requests, staff
from bot.services.decisions import (
    CardChanged,
    DetailsOwed,
    MemberLeft,
    NotReceived,
    SlaAction,
    SlaAlert,
    StatusChanged,
    Transferred,
)
from bot.services.staff import Refusal
from bot.ui.i18n import build_i18n
from bot.ui.notify import Notifier
from db.models import RequestKind, Outbox, Request, RequestStatus
from tests.unit.conftest import World

I18N: I18n = build_i18n("zh")


async def filed(world: World, key: str = "d1") -> Request:
    """A new supplies request of the world's resident."""
    data = Draft(kind=RequestKind.SUPPLIES, draft_key=key, items=[("米", "5公斤")], raw_items="米 5公斤", address="1号")
    async with world.sessions.begin() as session:
        return (await requests.submit(session, I18N, world.settings, world.resident, data)).request


async def test_one_claim_wins_and_the_other_learns_who_has_it(world: World) -> None:
    request = await filed(world)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        won = await staff.claim(session, world.settings, world.worker, request.id or 0, chat)
    assert won.refusal is None and won.request is not None
    assert won.told == (CardChanged(won.request), DetailsOwed(won.request, world.worker),
                        StatusChanged(won.request, world.worker, RequestStatus.CLAIMED))
    async with world.sessions.begin() as session:
        lost = await staff.claim(session, world.settings, world.coordinator, request.id or 0, chat)
        gone = await staff.claim(session, world.settings, world.coordinator, 999_999, chat)
        elsewhere = await staff.claim(session, world.settings, world.coordinator, request.id or 0, chat - 1)
    assert (lost.refusal, lost.holder, lost.told) == (Refusal.TAKEN, "王社工", ())
    assert gone.refusal == Refusal.GONE and elsewhere.refusal == Refusal.WRONG_CHAT
    assert await world.outbox_rows() == 0


async def test_a_one_tap_settle_tells_the_claim_then_the_outcome_each_with_its_own_status(world: World) -> None:
    request = await filed(world)
    async with world.sessions.begin() as session:
        settled = await staff.settle(session, world.settings, world.worker, request.id or 0, world.worker.chat_id,
                                     RequestStatus.DONE)
        assert settled.request is not None
        assert [type(t) for t in settled.told] == [CardChanged, DetailsOwed, StatusChanged, CardChanged, StatusChanged]
        assert [t.status for t in settled.told if isinstance(t, StatusChanged)] == [RequestStatus.CLAIMED, RequestStatus.DONE]
        # Told after both changes, the resident still hears «accepted» first, then «done».
        with I18N.context():
            await Notifier(session, I18N, world.settings).tell(settled.told)
        rows = (await session.exec(select(Outbox).where(Outbox.purpose == "status").order_by(col(Outbox.id)))).all()
    assert len(rows) == 2 and "王社工" in rows[0].payload["text"] and "王社工" not in rows[1].payload["text"]
    assert rows[1].payload["reply_markup"]  # «done» asks for feedback


async def test_progress_only_by_the_claimer_or_a_coordinator(world: World) -> None:
    request = await filed(world)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        await staff.claim(session, world.settings, world.worker, request.id or 0, chat)
        stranger = world.worker.model_copy(update={"id": (world.worker.id or 0) + 100, "name": "Other"})
        refused = await staff.progress(session, world.settings, stranger, request.id or 0, chat, RequestStatus.DONE)
        released = await staff.progress(session, world.settings, world.coordinator, request.id or 0, chat, RequestStatus.NEW)
    assert (refused.refusal, refused.holder, refused.told) == (Refusal.NOT_YOURS, "王社工", ())
    assert released.refusal is None and released.told == (CardChanged(released.request),)  # the resident hears nothing


async def test_a_transfer_tells_the_card_and_the_resident(world: World) -> None:
    request = await filed(world)
    async with world.sessions.begin() as session:
        moved = await staff.transfer(session, world.settings, world.worker, request.id or 0, world.worker.chat_id,
                                     "south", "area")
        unknown = await staff.transfer(session, world.settings, world.worker, request.id or 0, world.worker.chat_id,
                                       "south", "nonsense")
    assert moved.refusal is None and moved.request is not None and moved.request.district_id == world.other.id
    assert moved.told == (CardChanged(moved.request), Transferred(moved.request, moved.told[1].target, "area"))
    assert moved.told[1].target.code == "south"  # type: ignore[union-attr]
    assert unknown.refusal == Refusal.WRONG_STATE and unknown.told == ()


async def test_sla_checks_remind_then_escalate_then_nudge(world: World) -> None:
    request = await filed(world)
    clock.advance(timedelta(minutes=world.settings.sla.remind_minutes + 1))
    async with world.sessions.begin() as session:
        first = await staff.run_checks(session, world.settings, clock.now())
    assert first.count == 1 and [(a.request.id, a.action) for a in first.told] == [(request.id, SlaAction.REMIND)]  # type: ignore[union-attr]
    clock.advance(timedelta(minutes=world.settings.sla.escalate_minutes))
    async with world.sessions.begin() as session:
        second = await staff.run_checks(session, world.settings, clock.now())
        nothing = await staff.run_checks(session, world.settings, clock.now())
    assert [a.action for a in second.told] == [SlaAction.ESCALATE]  # type: ignore[union-attr]
    assert (nothing.count, nothing.told) == (0, [])
    async with world.sessions.begin() as session:
        await staff.claim(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
    clock.advance(timedelta(hours=world.settings.sla.nudge_hours + 1))
    async with world.sessions.begin() as session:
        third = await staff.run_checks(session, world.settings, clock.now())
    assert len(third.told) == 1 and isinstance(third.told[0], SlaAlert) and third.told[0].action == SlaAction.NUDGE
    assert await world.outbox_rows() == 0


async def test_leaving_puts_the_requests_back_and_tells_the_chat(world: World) -> None:
    request = await filed(world)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        await staff.claim(session, world.settings, world.worker, request.id or 0, chat)
    async with world.sessions.begin() as session:
        told = await staff.left_chat(session, world.settings, world.worker.tg_user_id, chat)
        again = await staff.left_chat(session, world.settings, world.worker.tg_user_id, chat)
    assert told is not None and again is None
    card, left = told
    assert isinstance(card, CardChanged) and card.request.id == request.id and card.request.status == RequestStatus.NEW
    assert isinstance(left, MemberLeft) and [r.id for r in left.released] == [request.id] and left.coordinator is None


async def test_not_received_reopens_and_tells_the_staff(world: World) -> None:
    request = await filed(world)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        await staff.settle(session, world.settings, world.worker, request.id or 0, chat, RequestStatus.DONE)
    async with world.sessions.begin() as session:
        feedback = await staff.resident_feedback(session, world.settings, world.resident.id or 0, request.id or 0, False)
        twice = await staff.resident_feedback(session, world.settings, world.resident.id or 0, request.id or 0, False)
    assert feedback is not None and feedback.request.status == RequestStatus.NEW
    assert feedback.told == (CardChanged(feedback.request), NotReceived(feedback.request))
    assert twice is None


async def test_opening_the_private_chat_owes_the_details_that_did_not_arrive(world: World) -> None:
    request = await filed(world)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        await staff.claim(session, world.settings, world.worker, request.id or 0, chat)
        blocked = await staff.details_undeliverable(session, world.worker.tg_user_id, request.id)
    assert [type(t) for t in blocked] == [CardChanged]
    async with world.sessions.begin() as session:
        opened = await staff.open_private_chat(session, world.worker.tg_user_id)
        nobody = await staff.open_private_chat(session, 424242)
    assert opened is not None and nobody is None and opened.member.has_private_chat
    assert [type(t) for t in opened.told] == [DetailsOwed, CardChanged]
    assert opened.told[0].request.id == request.id  # type: ignore[union-attr]
