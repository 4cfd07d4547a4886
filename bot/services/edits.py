"""A resident's edited message (Telegram's edited_message): into the draft it fed, or, once the request
was sent, added to the request for the social worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.ui.notify import Notifier
from bot.domain.items import parse_items
from bot.services.residents import DETAILS_MAX
from bot.ui.states import Intake
from db.models import OPEN_STATUSES, Request, Resident
from db.repo import requests as repo

log = logging.getLogger(__name__)

#: corrections kept per request (the newest)
EDITS_KEPT = 5


def draft_changes(step: str, text: str) -> dict[str, Any]:
    """The draft fields that the text of a wizard step fills, recomputed from an edited text."""
    text = text.strip()
    if step == Intake.items.state:
        return {"items": [[i.name, i.quantity] for i in parse_items(text)], "raw_items": text}
    field = {Intake.medicine.state: "medicine", Intake.feeling.state: "feeling",
             Intake.call_time.state: "call_time", Intake.address.state: "address"}.get(step)
    return {field: text} if field else {}


@dataclass(frozen=True)
class Correction:
    """An edit that reached a sent request; `passed` is False when the request was already closed."""

    request: Request
    passed: bool


async def to_request(
    session: AsyncSession, notify: Notifier, resident: Resident, message_id: int, text: str
) -> Correction | None:
    """Add an edited text to the sent request that the message fed (None: it fed none of the resident's
    latest requests). An open request keeps it, its card shows it and its claimer gets it privately."""
    for request in await repo.of_resident(session, resident.id or 0):
        if message_id not in request.source_message_ids:
            continue
        if request.status not in OPEN_STATUSES:
            return Correction(request, passed=False)
        request.edits = [*request.edits, text.strip()[:DETAILS_MAX]][-EDITS_KEPT:]
        request.updated_at = clock.now()
        session.add(request)
        repo.add_event(session, request.id or 0, "resident", resident.id, "edited", message_id=message_id)
        await notify.correction(request, text.strip())
        log.info("request %s corrected by resident %s", request.id, resident.id)
        return Correction(request, passed=True)
    return None
