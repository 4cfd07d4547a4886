"""Request rules: submit a wizard draft once, cancel an open request, list a resident's requests."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock, texts
from bot.config import Settings
from bot.keyboards import main_menu
from bot.notify import Notifier
from bot.services import staff
from bot.services.priority import outbox_priority
from db.models import OPEN_STATUSES, Request, RequestItem, RequestKind, RequestStatus, Resident, Urgency
from db.repo import outbox
from db.repo import requests as repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """Outcome of a submit: the request, and whether this call created it."""

    request: Request
    created: bool


def build_request(resident: Resident, data: Mapping[str, Any]) -> tuple[Request, list[RequestItem]]:
    """Turn wizard data into a request row and its items."""
    kind = RequestKind(data["kind"])
    request = Request(
        resident_id=resident.id or 0,
        district_id=resident.district_id,
        kind=kind,
        urgency=Urgency(data.get("urgency", Urgency.NORMAL)),
        danger=data.get("danger"),
        details=data.get("feeling") if kind == RequestKind.PSYCH else data.get("raw_items"),
        medicine=data.get("medicine"),
        call_time=data.get("call_time"),
        photo_file_id=data.get("photo"),
        voice_file_ids=list(data.get("voice", [])),
        address=data.get("address"),
        draft_key=data["draft_key"],
    )
    items = [RequestItem(position=0, name=name[:200], quantity=qty[:100]) for name, qty in data.get("items", [])]
    return request, items


async def submit(session: AsyncSession, i18n: I18n, settings: Settings, resident: Resident, data: Mapping[str, Any]) -> Submitted:
    """Store a draft as a request with its audit event, confirmation and staff card (idempotent)."""
    existing = await repo.by_draft_key(session, data["draft_key"])
    if existing is not None:
        return Submitted(existing, created=False)
    request, items = build_request(resident, data)
    if not await repo.insert(session, request, items):
        again = await repo.by_draft_key(session, data["draft_key"])
        assert again is not None
        return Submitted(again, created=False)
    repo.add_event(session, request.id or 0, "resident", resident.id, "created", urgency=request.urgency)
    with i18n.use_locale(resident.locale):
        text, markup = texts.confirmation(request), main_menu()
    assert resident.chat_id is not None, "only a resident who talks to the bot files requests"
    outbox.enqueue(
        session, resident.chat_id, "sendMessage",
        {"chat_id": resident.chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)},
        purpose="confirmation", resident_id=resident.id, request_id=request.id,
        priority=outbox_priority("confirmation"),
    )
    request.next_check_at = staff.due_after_filing(request, settings, request.created_at)
    session.add(request)
    await Notifier(session, i18n, settings).card(request)
    log.info("request %s created by resident %s", request.id, resident.id)
    return Submitted(request, created=True)


async def cancel(session: AsyncSession, notify: Notifier, resident: Resident, request_id: int) -> Request | None:
    """Cancel the resident's own open request; None when it is not theirs or no longer open."""
    request = await repo.by_id(session, request_id)
    if request is None or request.resident_id != resident.id:
        log.warning("resident %s tried to cancel request %s that is not theirs", resident.id, request_id)
        return None
    if not await repo.set_status(session, request, RequestStatus.CANCELLED, OPEN_STATUSES, clock.now()):
        return None
    repo.add_event(session, request_id, "resident", resident.id, "cancelled")
    await notify.card(request)
    return request


async def of_resident(session: AsyncSession, resident: Resident) -> list[Request]:
    """The resident's latest requests, open first."""
    return await repo.of_resident(session, resident.id or 0)


def open_ids(requests: list[Request]) -> list[int]:
    """Ids of the requests that can still be cancelled."""
    return [r.id for r in requests if r.status in OPEN_STATUSES and r.id is not None]
