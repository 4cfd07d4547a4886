"""bot.services.privacy erases and scrubs; the cards and the replaced details messages it decides on are
told by the caller's Notifier in the same transaction."""

from __future__ import annotations

from sqlmodel import select

from bot.domain.draft import Draft
from bot.core import clock
from bot.services import privacy, requests, staff
from bot.services.decisions import CardChanged, DetailsRemoved
from bot.ui.i18n import build_i18n
from db.models import RequestKind, Outbox, OutboxStatus, RequestStatus, Resident
from db.repo import outbox
from tests.unit.conftest import World

I18N = build_i18n("zh")


async def test_erasure_cancels_the_open_request_and_replaces_the_claimers_details(world: World) -> None:
    data = Draft(kind=RequestKind.SUPPLIES, draft_key="d1", items=[("米", "5公斤")], raw_items="米 5公斤", address="1号")
    async with world.sessions.begin() as session:
        request = (await requests.submit(session, I18N, world.settings, world.resident, data)).request
        await staff.claim(session, world.settings, world.worker, request.id or 0, world.worker.chat_id)
        details = outbox.enqueue(session, world.worker.tg_user_id, "sendMessage", {"text": "林婆婆 1号"},
                                 purpose="details", request_id=request.id)
        await session.flush()
        details.status, details.message_id = OutboxStatus.SENT, 77
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        told = await privacy.erase_resident(session, resident, clock.now())
    assert told[0] == DetailsRemoved(world.worker.tg_user_id, 77, request.id or 0, "sendMessage", None)
    assert isinstance(told[1], CardChanged) and told[1].request.id == request.id
    assert told[1].request.status == RequestStatus.CANCELLED and len(told) == 2
    async with world.sessions.begin() as session:
        rows = (await session.exec(select(Outbox))).all()
    assert [(r.id, r.payload) for r in rows] == [(details.id, {})]  # scrubbed; nothing new written by the service
    async with world.sessions.begin() as session:
        sent_late = await privacy.details_delivered(session, [details])
    assert sent_late == [DetailsRemoved(world.worker.tg_user_id, 77, request.id or 0, "sendMessage", None)]
