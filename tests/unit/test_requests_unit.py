"""bot.services.requests decides; it writes no outbox row and renders nothing."""

from __future__ import annotations

from aiogram.utils.i18n import I18n

from bot.domain.draft import Draft
from bot.services import edits, requests, staff
from bot.services.decisions import CardChanged, Confirmed, Corrected, WroteAgain
from bot.services.requests import Cancelled, Submitted
from bot.ui.i18n import build_i18n
from db.models import RequestKind, RequestStatus
from tests.unit.conftest import World

I18N: I18n = build_i18n("zh")


def draft(key: str = "d1") -> dict:
    """A supplies draft as the wizard leaves it."""
    return Draft(kind=RequestKind.SUPPLIES, draft_key=key, items=[("米", "5公斤")], raw_items="米 5公斤", address="1号")


async def test_a_new_draft_is_submitted_once_and_owes_a_confirmation_and_a_card(world: World) -> None:
    async with world.sessions.begin() as session:
        first = await requests.submit(session, I18N, world.settings, world.resident, draft())
    assert isinstance(first, Submitted) and first.created
    assert first.told == (Confirmed(world.resident, first.request), CardChanged(first.request))
    assert first.request.next_check_at is not None  # the SLA clock starts with the filing
    assert await world.outbox_rows() == 0  # the Notifier writes them, not the service
    async with world.sessions.begin() as session:
        again = await requests.submit(session, I18N, world.settings, world.resident, draft())
    assert not again.created and again.request.id == first.request.id and again.told == ()


async def test_cancel_tells_the_card_and_refuses_what_is_not_the_residents(world: World) -> None:
    async with world.sessions.begin() as session:
        filed = await requests.submit(session, I18N, world.settings, world.resident, draft())
    request_id = filed.request.id or 0
    stranger = world.resident.model_copy(update={"id": (world.resident.id or 0) + 1000})
    async with world.sessions.begin() as session:
        assert await requests.cancel(session, stranger, request_id) is None
        cancelled = await requests.cancel(session, world.resident, request_id)
    assert isinstance(cancelled, Cancelled)
    assert cancelled.request.status == RequestStatus.CANCELLED
    assert cancelled.told == (CardChanged(cancelled.request),)
    async with world.sessions.begin() as session:
        assert await requests.cancel(session, world.resident, request_id) is None  # no longer open


async def test_a_follow_up_goes_to_the_claimer_only_once_claimed(world: World) -> None:
    async with world.sessions.begin() as session:
        filed = await requests.submit(session, I18N, world.settings, world.resident, draft())
        unclaimed = await requests.add_follow_up(session, world.resident, text="还要牛奶")
    assert unclaimed is not None and unclaimed.claimer is None
    assert unclaimed.told == (CardChanged(unclaimed.request),)
    async with world.sessions.begin() as session:
        claimed = await staff.claim(session, world.settings, world.worker, filed.request.id or 0, world.worker.chat_id)
        assert claimed.refusal is None
        added = await requests.add_follow_up(session, world.resident, voice="voice-1", danger="self_harm")
    assert added is not None and added.claimer is not None and added.claimer.id == world.worker.id
    assert added.told == (WroteAgain(added.request, added.claimer, None, "voice-1", None), CardChanged(added.request))
    assert added.request.urgency == "urgent" and added.request.danger == "self_harm"


async def test_no_open_request_no_follow_up(world: World) -> None:
    async with world.sessions.begin() as session:
        assert await requests.add_follow_up(session, world.resident, text="hello") is None


async def test_an_urgent_talk_joins_the_open_danger_request(world: World) -> None:
    async with world.sessions.begin() as session:
        opened = await requests.open_urgent_talk(session, I18N, world.settings, world.resident, "self_harm", "我不想活了")
        again = await requests.open_urgent_talk(session, I18N, world.settings, world.resident, "medical", "胸口疼")
    assert opened.created and [type(t) for t in opened.told] == [Confirmed, CardChanged]
    assert not again.created and again.request.id == opened.request.id
    assert again.told == (CardChanged(again.request),)
    assert await world.outbox_rows() == 0


async def test_an_edit_of_a_message_that_fed_a_sent_request_is_a_correction(world: World) -> None:
    data = draft().changed(sources={"101": "Intake:items"})
    async with world.sessions.begin() as session:
        filed = await requests.submit(session, I18N, world.settings, world.resident, data)
        correction = await edits.to_request(session, world.resident, 101, " 米 10公斤 ")
        unrelated = await edits.to_request(session, world.resident, 102, "hello")
    assert unrelated is None
    assert correction is not None and correction.passed and correction.request.id == filed.request.id
    assert correction.told == (Corrected(correction.request, "米 10公斤"),)
    async with world.sessions.begin() as session:
        await requests.cancel(session, world.resident, filed.request.id or 0)
        late = await edits.to_request(session, world.resident, 101, "米 20公斤")
    assert late is not None and not late.passed and late.told == ()
