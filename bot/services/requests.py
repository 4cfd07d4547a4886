"""Request rules: submit a wizard draft once, cancel an open request, list a resident's requests."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.services import staff, volunteers
from bot.services.decisions import CardChanged, Confirmed, Decision, WroteAgain
from bot.domain.danger import DangerKind
from bot.domain.draft import Draft
from db.models import OPEN_STATUSES, Request, RequestItem, RequestKind, RequestStatus, Resident, Staff, Urgency
from db.repo import requests as repo
from db.repo import staff as staff_repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """Outcome of a submit: the request, whether this call created it, and what to tell (the resident's
    confirmation and the staff card when created; a follow-up's news when an urgent talk joined an open
    request)."""

    request: Request
    created: bool
    told: tuple[Decision, ...] = ()


def photos_of(data: Mapping[str, Any]) -> list[str]:
    """Photo file ids of a draft ("photos", a list) or of a request's card data (older drafts: "photo")."""
    photos = list(data.get("photos") or [])
    if not photos and data.get("photo"):
        photos = [data["photo"]]
    return photos


def build_request(resident: Resident, draft: Draft) -> tuple[Request, list[RequestItem]]:
    """Turn a wizard's draft into a request row and its items."""
    request = Request(
        resident_id=resident.id or 0,
        district_id=resident.district_id,
        kind=draft.kind,
        urgency=draft.urgency,
        danger=draft.danger,
        details=draft.feeling if draft.kind == RequestKind.PSYCH else draft.raw_items,
        medicine=draft.medicine,
        call_time=draft.call_time,
        photo_file_id=(draft.photos or [None])[0],
        photo_file_ids=list(draft.photos),
        voice_file_ids=list(draft.voices),
        address=draft.address,
        answers=dict(draft.answers),
        draft_key=draft.draft_key,
        source_message_ids=sorted(int(key) for key in draft.sources),
    )
    items = [RequestItem(position=0, name=name[:200], quantity=qty[:100]) for name, qty in draft.items]
    return request, items


async def submit(session: AsyncSession, i18n: I18n, settings: Settings, resident: Resident, data: Draft) -> Submitted:
    """Store a draft as a request with its audit event (idempotent); a new one owes its resident the
    confirmation and the staff its card (Submitted.told, for the caller's Notifier). `i18n` is no longer
    read here (the Notifier renders); it stays for the callers."""
    existing = await repo.by_draft_key(session, data.draft_key)
    if existing is not None:
        return Submitted(existing, created=False)
    request, items = build_request(resident, data)
    if not await repo.insert(session, request, items):
        again = await repo.by_draft_key(session, data.draft_key)
        assert again is not None
        return Submitted(again, created=False)
    repo.add_event(session, request.id or 0, "resident", resident.id, "created", urgency=request.urgency)
    request.next_check_at = staff.due_after_filing(request, settings, request.created_at)
    session.add(request)
    log.info("request %s created by resident %s", request.id, resident.id)
    return Submitted(request, created=True, told=(Confirmed(resident, request), CardChanged(request)))


#: characters of a message kept as the details of an urgent request opened for it
URGENT_DETAILS_MAX = 3000


async def open_urgent_talk(
    session: AsyncSession, i18n: I18n, settings: Settings, resident: Resident, danger: str, details: str
) -> Submitted:
    """An urgent «someone to talk to» request for a resident whose message outside a request signalled
    danger (`danger`: a DangerKind value; `details`: their message), with its card and confirmation, so
    that a worker calls. A resident who already has an open request marked as danger gets no second one:
    that one is returned (created=False), with the new message added to it as the resident writing again
    (the card or the claimer shows it; self-harm outranks a medical danger)."""
    for request in await repo.of_resident(session, resident.id or 0):
        if request.danger and request.status in OPEN_STATUSES:
            joined = await follow_up_on(session, resident, request, text=details.strip()[:URGENT_DETAILS_MAX], danger=danger)
            return Submitted(request, created=False, told=joined.told)
    data = Draft(
        kind=RequestKind.PSYCH, urgency=Urgency.URGENT, danger=danger, feeling=details.strip()[:URGENT_DETAILS_MAX],
        address=resident.address, draft_key=secrets.token_urlsafe(9),
    )
    return await submit(session, i18n, settings, resident, data)


@dataclass(frozen=True)
class Cancelled:
    """A request the resident cancelled; its card says so."""

    request: Request
    told: tuple[Decision, ...] = ()


async def cancel(session: AsyncSession, resident: Resident, request_id: int) -> Cancelled | None:
    """Cancel the resident's own open request; None when it is not theirs or no longer open."""
    request = await repo.by_id(session, request_id)
    if request is None or request.resident_id != resident.id:
        log.warning("resident %s tried to cancel request %s that is not theirs", resident.id, request_id)
        return None
    if not await repo.set_status(session, request, RequestStatus.CANCELLED, OPEN_STATUSES, clock.now()):
        return None
    repo.add_event(session, request_id, "resident", resident.id, "cancelled")
    withdrawn = await volunteers.withdraw(session, request_id, "resident", resident.id)
    return Cancelled(request, (*withdrawn, CardChanged(request)))


async def of_resident(session: AsyncSession, resident: Resident) -> list[Request]:
    """The resident's latest requests, open first."""
    return await repo.of_resident(session, resident.id or 0)


def open_ids(requests: list[Request]) -> list[int]:
    """Ids of the requests that can still be cancelled."""
    return [r.id for r in requests if r.status in OPEN_STATUSES and r.id is not None]


@dataclass(frozen=True)
class FollowUp:
    """Outcome of add_follow_up: the request it joined, its claimer (None while unclaimed), and what to
    tell (the claimer privately, the card)."""

    request: Request
    claimer: Staff | None
    told: tuple[Decision, ...] = ()


async def latest_open(session: AsyncSession, resident: Resident) -> Request | None:
    """The resident's most recent open request, or None."""
    mine = await repo.of_resident(session, resident.id or 0)
    return next((r for r in mine if r.status in OPEN_STATUSES), None)


async def add_follow_up(
    session: AsyncSession, resident: Resident, *,
    text: str | None = None, voice: str | None = None, photo: str | None = None, danger: str | None = None,
) -> FollowUp | None:
    """Add what the resident wrote outside a request to their latest open request; None when none is open.

    text: as typed; voice / photo: Telegram file ids; danger: the safety check's kind for the text.
    Stored as a «wrote» event of the request. A claimer with a private chat gets it there; the card is
    brought up to date either way (it shows the follow-up while the request waits for a claim, or to
    whom it went). Danger makes the request urgent.
    """
    request = await latest_open(session, resident)
    if request is None:
        return None
    return await follow_up_on(session, resident, request, text=text, voice=voice, photo=photo, danger=danger)


async def follow_up_on(
    session: AsyncSession, resident: Resident, request: Request, *,
    text: str | None = None, voice: str | None = None, photo: str | None = None, danger: str | None = None,
) -> FollowUp:
    """Add what the resident wrote to this open request (see add_follow_up); danger (a DangerKind value)
    makes it urgent and marks it, self-harm outranking a medical danger."""
    repo.add_event(session, request.id or 0, "resident", resident.id, repo.WROTE, text=text, voice=voice, photo=photo)
    if danger and request.urgency != Urgency.URGENT:
        request.urgency = Urgency.URGENT
    if danger and (not request.danger or danger == DangerKind.SELF_HARM):
        request.danger = danger
    session.add(request)
    claimer = await staff_repo.by_id(session, request.claimed_by) if request.status != RequestStatus.NEW else None
    told: list[Decision] = [WroteAgain(request, claimer, text, voice, photo)] if claimer is not None else []
    told.append(CardChanged(request))
    log.info("resident %s wrote again to request %s", resident.id, request.id)
    return FollowUp(request, claimer, tuple(told))
