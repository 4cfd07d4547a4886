"""bot.services.volunteers: who may sign up, one decision per application, what may be handed over, one
taker per delivery, the taker's steps, suspension returning deliveries to the worker, the stall nudge,
the roster's counts. Decisions are asserted; the services write no outbox row."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import I18n
from sqlalchemy import delete, update

from bot.core import clock
from bot.domain.draft import Draft
from bot.services import requests, staff, volunteers
from bot.services.decisions import (
    CardChanged,
    DeliveryMoved,
    DeliveryOffered,
    DeliveryStalled,
    DeliveryTaken,
    StatusChanged,
    VolunteerApplied,
    VolunteerDecided,
    VolunteerErased,
)
from bot.services.volunteers import Application, Refusal
from bot.ui.i18n import build_i18n
from db.models import Delivery, DeliveryStatus, Outbox, OutboxStatus, Request, RequestKind, RequestStatus, Volunteer, VolunteerStatus
from db.repo.outbox import enqueue
from tests.unit.conftest import World

I18N: I18n = build_i18n("zh")


def application(user_id: int, districts: tuple[str, ...] = ("north",), skills: tuple[str, ...] = ("deliver",)) -> Application:
    return Application(tg_user_id=user_id, name=f"V{user_id}", phone="+8613800138000", districts=districts,
                       skills=skills, availability="evenings", locale="zh")


async def approved(world: World, user_id: int, **kwargs: tuple[str, ...]) -> int:
    async with world.sessions.begin() as session:
        applied = await volunteers.apply(session, application(user_id, **kwargs))
        assert applied.volunteer is not None
        await volunteers.decide(session, world.coordinator, applied.volunteer.id or 0, True)
        return applied.volunteer.id or 0


async def claimed(world: World, kind: RequestKind = RequestKind.SUPPLIES, key: str = "d1") -> Request:
    data = Draft(kind=kind, draft_key=key, items=[("米", "5公斤")] if kind == RequestKind.SUPPLIES else [],
                 raw_items="米 5公斤", medicine="药" if kind == RequestKind.MEDICINE else None,
                 feeling="孤单" if kind == RequestKind.PSYCH else None, address="1号")
    async with world.sessions.begin() as session:
        request = (await requests.submit(session, I18N, world.settings, world.resident, data)).request
        outcome = await staff.claim(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
        assert outcome.request is not None
        return outcome.request


async def test_sign_up_then_one_decision(world: World) -> None:
    async with world.sessions.begin() as session:
        nowhere = await volunteers.apply(session, application(8001, districts=("atlantis",)))
        nothing = await volunteers.apply(session, application(8001, skills=()))
        applied = await volunteers.apply(session, application(8001, districts=("north", "north", "south")))
        again = await volunteers.apply(session, application(8001))
    assert nowhere.refusal == nothing.refusal == Refusal.WRONG_STATE
    volunteer = applied.volunteer
    assert volunteer is not None and applied.told == (VolunteerApplied(volunteer),)
    assert volunteer.districts == ["north", "south"] and volunteer.status == VolunteerStatus.PENDING
    assert volunteer.consent_at is not None and again.refusal == Refusal.PENDING
    async with world.sessions.begin() as session:
        by_worker = await volunteers.decide(session, world.worker, volunteer.id or 0, True)
        first = await volunteers.decide(session, world.coordinator, volunteer.id or 0, True)
        second = await volunteers.decide(session, world.coordinator, volunteer.id or 0, False)
        signed = await volunteers.may_sign_up(session, 8001)
    assert by_worker.refusal == Refusal.NOT_YOURS
    assert first.refusal is None and first.volunteer is not None
    assert first.told == (VolunteerDecided(first.volunteer, world.coordinator, VolunteerStatus.APPROVED),)
    assert second.refusal == Refusal.WRONG_STATE and second.told == ()
    assert signed == Refusal.ALREADY
    assert await world.outbox_rows() == 0


async def test_only_supplies_and_medicine_with_volunteers_are_handed_over(world: World) -> None:
    talk = await claimed(world, RequestKind.PSYCH, "talk")
    supplies = await claimed(world, RequestKind.SUPPLIES, "food")
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        psych = await volunteers.hand_over(session, world.settings, world.worker, talk.id or 0, chat)
        nobody = await volunteers.hand_over(session, world.settings, world.worker, supplies.id or 0, chat)
    assert psych.refusal == Refusal.NOT_DELIVERABLE and nobody.refusal == Refusal.NO_VOLUNTEERS
    await approved(world, 8001, skills=("medicine",))  # cannot deliver supplies
    async with world.sessions.begin() as session:
        unskilled = await volunteers.hand_over(session, world.settings, world.worker, supplies.id or 0, chat)
    assert unskilled.refusal == Refusal.NO_VOLUNTEERS
    await approved(world, 8002)
    async with world.sessions.begin() as session:
        not_his = await volunteers.hand_over(session, world.settings, world.coordinator.model_copy(
            update={"role": "worker", "id": 999}), supplies.id or 0, chat)
        handed = await volunteers.hand_over(session, world.settings, world.worker, supplies.id or 0, chat)
        twice = await volunteers.hand_over(session, world.settings, world.worker, supplies.id or 0, chat)
    assert not_his.refusal == Refusal.NOT_YOURS
    assert handed.refusal is None and handed.delivery is not None
    assert handed.told[0] == DeliveryOffered(handed.delivery, handed.told[0].request)  # type: ignore[union-attr]
    assert isinstance(handed.told[1], CardChanged)
    assert handed.delivery.open_request_id == supplies.id and handed.delivery.staff_id == world.worker.id
    assert twice.refusal == Refusal.ALREADY_HANDED


async def test_one_taker_then_steps_and_receipt_as_usual(world: World) -> None:
    request = await claimed(world)
    first, second = await approved(world, 8001), await approved(world, 8002)
    await approved(world, 8003, districts=("south",))
    async with world.sessions.begin() as session:
        handed = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
    delivery_id = handed.delivery.id or 0  # type: ignore[union-attr]
    async with world.sessions.begin() as session:
        elsewhere = await volunteers.take(session, world.settings, 8003, delivery_id)
        stranger = await volunteers.take(session, world.settings, 4242, delivery_id)
        won = await volunteers.take(session, world.settings, 8001, delivery_id)
        lost = await volunteers.take(session, world.settings, 8002, delivery_id)
        again = await volunteers.take(session, world.settings, 8001, delivery_id)
    assert elsewhere.refusal == Refusal.NOT_THEIR_DISTRICT and stranger.refusal == Refusal.NOT_VOLUNTEER
    assert won.refusal is None and won.volunteer is not None and won.volunteer.id == first
    assert isinstance(won.told[0], DeliveryTaken) and isinstance(won.told[1], CardChanged)
    assert lost.refusal == Refusal.TAKEN and lost.told == () and second != first
    assert again.refusal is None and again.told == ()  # the winner's double tap tells nothing twice
    async with world.sessions.begin() as session:
        not_his = await volunteers.step(session, world.settings, 8002, delivery_id, DeliveryStatus.DELIVERED)
        picked = await volunteers.step(session, world.settings, 8001, delivery_id, DeliveryStatus.PICKED_UP)
        picked_again = await volunteers.step(session, world.settings, 8001, delivery_id, DeliveryStatus.PICKED_UP)
        delivered = await volunteers.step(session, world.settings, 8001, delivery_id, DeliveryStatus.DELIVERED)
        late_fail = await volunteers.step(session, world.settings, 8001, delivery_id, DeliveryStatus.FAILED, "not_home")
    assert not_his.refusal == Refusal.NOT_YOURS
    assert picked_again.refusal is None and picked_again.told == ()  # their own double tap: done, nothing twice
    assert [type(d) for d in picked.told] == [DeliveryMoved, StatusChanged, CardChanged]
    assert picked.told[1].status == RequestStatus.ON_THE_WAY  # type: ignore[union-attr]
    assert [type(d) for d in delivered.told] == [DeliveryMoved, StatusChanged, CardChanged]
    assert delivered.told[1].status == RequestStatus.DONE and delivered.told[1].member.id == world.worker.id  # type: ignore[union-attr]
    assert late_fail.refusal == Refusal.WRONG_STATE
    async with world.sessions.begin() as session:
        feedback = await staff.resident_feedback(session, world.settings, world.resident.id or 0, request.id or 0, True)
    assert feedback is not None and feedback.request.status == RequestStatus.RECEIVED
    assert feedback.request.claimed_by == world.worker.id  # the worker stayed the owner
    assert await world.outbox_rows() == 0


async def test_cant_deliver_and_suspension_return_the_delivery_to_the_worker(world: World) -> None:
    request = await claimed(world)
    volunteer_id = await approved(world, 8001)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        handed = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, chat)
        delivery_id = handed.delivery.id or 0  # type: ignore[union-attr]
        await volunteers.take(session, world.settings, 8001, delivery_id)
        no_reason = await volunteers.step(session, world.settings, 8001, delivery_id, DeliveryStatus.FAILED, "bored")
        failed = await volunteers.step(session, world.settings, 8001, delivery_id, DeliveryStatus.FAILED, "not_home")
    assert no_reason.refusal == Refusal.WRONG_STATE
    assert [type(d) for d in failed.told] == [DeliveryMoved, CardChanged]
    assert failed.delivery is not None and failed.delivery.open_request_id is None and failed.delivery.reason == "not_home"
    async with world.sessions.begin() as session:
        again = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, chat)
        await volunteers.take(session, world.settings, 8001, again.delivery.id or 0)  # type: ignore[union-attr]
        by_worker = await volunteers.change(session, world.settings, world.worker, volunteer_id, VolunteerStatus.SUSPENDED)
        suspended = await volunteers.change(session, world.settings, world.coordinator, volunteer_id, VolunteerStatus.SUSPENDED)
        stored = await session.get(Request, request.id)
        take_now = await volunteers.take(session, world.settings, 8001, again.delivery.id or 0)  # type: ignore[union-attr]
    assert again.refusal is None and by_worker.refusal == Refusal.NOT_YOURS
    kinds = [type(d) for d in suspended.told]
    assert kinds == [VolunteerDecided, DeliveryMoved, CardChanged]
    moved = suspended.told[1]
    assert isinstance(moved, DeliveryMoved) and moved.status == DeliveryStatus.RETURNED
    assert moved.delivery.reason == "volunteer_suspended"
    assert stored is not None and stored.status == RequestStatus.CLAIMED and stored.claimed_by == world.worker.id
    assert take_now.refusal == Refusal.NOT_APPROVED
    async with world.sessions.begin() as session:
        restored = await volunteers.change(session, world.settings, world.coordinator, volunteer_id, VolunteerStatus.APPROVED)
        removed = await volunteers.change(session, world.settings, world.coordinator, volunteer_id, VolunteerStatus.REMOVED)
        barred = await volunteers.may_sign_up(session, 8001)
    assert restored.refusal is None and removed.refusal is None and barred == Refusal.BARRED


async def test_a_stalled_delivery_is_nudged_once_per_step_and_the_roster_counts(world: World) -> None:
    request = await claimed(world)
    await approved(world, 8001)
    async with world.sessions.begin() as session:
        handed = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
    hours = world.settings.volunteers.stall_hours
    async with world.sessions.begin() as session:
        early = await volunteers.run_checks(session, world.settings, clock.now() + timedelta(hours=hours - 0.1))
    async with world.sessions.begin() as session:
        due = await volunteers.run_checks(session, world.settings, clock.now() + timedelta(hours=hours + 0.1))
    async with world.sessions.begin() as session:
        once = await volunteers.run_checks(session, world.settings, clock.now() + timedelta(hours=hours * 5))
    assert early.count == 0 and once.count == 0
    assert due.count == 1 and isinstance(due.told[0], DeliveryStalled) and due.told[0].delivery.id == handed.delivery.id  # type: ignore[union-attr]
    async with world.sessions.begin() as session:
        await volunteers.take(session, world.settings, 8001, handed.delivery.id or 0)  # type: ignore[union-attr]
    async with world.sessions.begin() as session:
        after_take = await volunteers.run_checks(session, world.settings, clock.now() + timedelta(hours=hours + 0.1))
        roster = await volunteers.roster(session)
    assert after_take.count == 1  # the take set a new stall time
    assert roster.count(VolunteerStatus.APPROVED) == 1 and roster.active == 1
    (line,) = roster.lines
    assert (line.delivered, line.busy, line.failed) == (0, 1, 0)


async def test_a_request_leaving_the_workers_hands_withdraws_its_delivery(world: World) -> None:
    """Done by the worker, released, transferred or cancelled by the resident: no volunteer goes on with it."""
    chat = world.worker.chat_id
    await approved(world, 8001, districts=("north", "south"))
    done, released, moved, cancelled = [await claimed(world, key=k) for k in ("w1", "w2", "w3", "w4")]
    async with world.sessions.begin() as session:
        for request in (done, released, moved, cancelled):
            handed = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, chat)
            await volunteers.take(session, world.settings, 8001, handed.delivery.id or 0)  # type: ignore[union-attr]
        by_worker = await staff.progress(session, world.settings, world.worker, done.id or 0, chat, RequestStatus.DONE)
        back = await staff.progress(session, world.settings, world.worker, released.id or 0, chat, RequestStatus.NEW)
        away = await staff.transfer(session, world.settings, world.worker, moved.id or 0, chat, "south", "area")
        gone = await requests.cancel(session, world.resident, cancelled.id or 0)
    assert gone is not None
    for told in (by_worker.told, back.told, away.told, gone.told):
        moved_news = [d for d in told if isinstance(d, DeliveryMoved)]
        assert len(moved_news) == 1 and moved_news[0].status == DeliveryStatus.RETURNED
        assert moved_news[0].delivery.reason == volunteers.WITHDRAWN and moved_news[0].delivery.open_request_id is None
    on_the_way = await claimed(world, key="w5")
    async with world.sessions.begin() as session:
        await volunteers.hand_over(session, world.settings, world.worker, on_the_way.id or 0, chat)
        going = await staff.progress(session, world.settings, world.worker, on_the_way.id or 0, chat, RequestStatus.ON_THE_WAY)
    assert not [d for d in going.told if isinstance(d, DeliveryMoved)]  # the worker's own «on the way» keeps it


async def test_erasure_returns_what_they_hold_and_leaves_an_anonymous_removed_row(world: World) -> None:
    """A volunteer's /delete: the delivery they hold goes back to the worker (reason «volunteer_erased»), the
    one they delivered is listed for its cards to show the label; the row keeps no name, phone, availability,
    consent or Telegram id, so the same account may sign up again as someone new."""
    delivered_request, held_request = await claimed(world, key="e1"), await claimed(world, key="e2")
    volunteer_id = await approved(world, 8001)
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        first = await volunteers.hand_over(session, world.settings, world.worker, delivered_request.id or 0, chat)
        done_id = first.delivery.id or 0  # type: ignore[union-attr]
        await volunteers.take(session, world.settings, 8001, done_id)
        await volunteers.step(session, world.settings, 8001, done_id, DeliveryStatus.DELIVERED)
        second = await volunteers.hand_over(session, world.settings, world.worker, held_request.id or 0, chat)
        held_id = second.delivery.id or 0  # type: ignore[union-attr]
        await volunteers.take(session, world.settings, 8001, held_id)
    async with world.sessions.begin() as session:
        nobody = await volunteers.erase(session, 4242, clock.now())
        told = await volunteers.erase(session, 8001, clock.now())
        row = await session.get(Volunteer, volunteer_id)
        held = await session.get(Delivery, held_id)
        request = await session.get(Request, held_request.id)
        signed = await volunteers.may_sign_up(session, 8001)
        again = await volunteers.erase(session, 8001, clock.now())
    assert nobody == [] and again == []
    assert [type(d) for d in told] == [VolunteerErased, DeliveryMoved, CardChanged, CardChanged]
    erased = told[0]
    assert isinstance(erased, VolunteerErased) and erased.tg_user_id == 8001 and erased.locale == "zh"
    assert [(d.id, r.id) for d, r in erased.finished] == [(done_id, delivered_request.id)]
    moved = told[1]
    assert isinstance(moved, DeliveryMoved) and moved.status == DeliveryStatus.RETURNED and moved.delivery.id == held_id
    assert {d.request.id for d in told if isinstance(d, CardChanged)} == {delivered_request.id, held_request.id}
    assert held is not None and held.status == DeliveryStatus.RETURNED and held.reason == volunteers.ERASED
    assert held.open_request_id is None
    assert request is not None and request.status == RequestStatus.CLAIMED and request.claimed_by == world.worker.id
    assert row is not None and (row.name, row.phone, row.availability, row.skills, row.consent_at) == ("", "", "", [], None)
    assert row.status == VolunteerStatus.REMOVED and row.tg_user_id == -volunteer_id
    assert signed is None  # the account is free to sign up again
    assert await world.outbox_rows() == 0


async def test_a_taker_the_bot_cannot_write_to_gives_the_delivery_back(world: World) -> None:
    """Telegram refused the private copy (403): the delivery goes back to the worker, once; a refusal for
    someone else's delivery or an unknown one changes nothing."""
    request = await claimed(world)
    await approved(world, 8001)
    await approved(world, 8002)
    async with world.sessions.begin() as session:
        handed = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
        delivery_id = handed.delivery.id or 0  # type: ignore[union-attr]
        await volunteers.take(session, world.settings, 8001, delivery_id)
        other = await volunteers.unreachable(session, delivery_id, 8002, clock.now())
        unknown = await volunteers.unreachable(session, delivery_id + 99, 8001, clock.now())
        back = await volunteers.unreachable(session, delivery_id, 8001, clock.now())
        again = await volunteers.unreachable(session, delivery_id, 8001, clock.now())
        delivery = await session.get(Delivery, delivery_id)
    assert other == [] and unknown == [] and again == []
    assert [type(d) for d in back] == [DeliveryMoved, CardChanged]
    assert delivery is not None and delivery.status == DeliveryStatus.RETURNED and delivery.reason == volunteers.UNREACHABLE
    assert delivery.open_request_id is None


async def test_an_offer_nobody_can_see_goes_back_to_the_worker(world: World) -> None:
    """Every card of an offered delivery refused (403): back to the worker; while another card waits or was
    delivered, or once taken, nothing changes."""
    request = await claimed(world)
    await approved(world, 8001)
    async with world.sessions.begin() as session:
        handed = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
        delivery_id = handed.delivery.id or 0  # type: ignore[union-attr]
        enqueue(session, 8002, "sendMessage", {"chat_id": 8002, "text": "card"}, purpose="delivery_card", ref_id=delivery_id)
        await session.flush()
        waiting = await volunteers.card_refused(session, delivery_id, clock.now())
        await session.execute(update(Outbox).values(status=OutboxStatus.FAILED))
        back = await volunteers.card_refused(session, delivery_id, clock.now())
        again = await volunteers.card_refused(session, delivery_id, clock.now())
        delivery = await session.get(Delivery, delivery_id)
        await session.execute(delete(Outbox))
    assert waiting == [] and again == []
    assert [type(d) for d in back] == [DeliveryMoved, CardChanged]
    assert delivery is not None and delivery.status == DeliveryStatus.RETURNED
    assert delivery.reason == volunteers.NOBODY_REACHED and delivery.open_request_id is None
    async with world.sessions.begin() as session:
        taken = await volunteers.hand_over(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
        await volunteers.take(session, world.settings, 8001, taken.delivery.id or 0)  # type: ignore[union-attr]
        late = await volunteers.card_refused(session, taken.delivery.id or 0, clock.now())  # type: ignore[union-attr]
    assert late == []
