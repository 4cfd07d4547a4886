"""A resident's edited message (Telegram's edited_message): into the draft it fed, or, once the request
was sent, added to the request for the social worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.services.decisions import Corrected, Decision
from bot.services.residents import DETAILS_MAX
from db.models import OPEN_STATUSES, Request, Resident
from db.repo import requests as repo

log = logging.getLogger(__name__)

#: corrections kept per request (the newest)
EDITS_KEPT = 5


@dataclass(frozen=True)
class Correction:
    """An edit that reached a sent request; `passed` is False when the request was already closed; what
    to tell (the card and the claimer) when it was passed on."""

    request: Request
    passed: bool
    told: tuple[Decision, ...] = ()


async def to_request(
    session: AsyncSession, resident: Resident, message_id: int, text: str
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
        log.info("request %s corrected by resident %s", request.id, resident.id)
        return Correction(request, passed=True, told=(Corrected(request, text.strip()),))
    return None
