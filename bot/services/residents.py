"""Resident rules: consent, details, registration, language, deletion."""

from __future__ import annotations

import logging
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock
from bot.notify import Notifier
from db.models import OPEN_STATUSES, District, Resident
from db.repo import checkins as checkins_repo
from db.repo import districts
from db.repo import requests as requests_repo
from db.repo import residents as repo

log = logging.getLogger(__name__)

NAME_MAX, ADDRESS_MAX, DETAILS_MAX = 100, 300, 3000


class Problem(StrEnum):
    """Why a typed answer cannot be taken."""

    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_text(text: str | None, limit: int) -> Problem | None:
    """Whether typed text is usable for a field of this length."""
    cleaned = (text or "").strip()
    if not cleaned:
        return Problem.EMPTY
    if len(cleaned) > limit:
        return Problem.TOO_LONG
    return None


async def give_consent(session: AsyncSession, tg_user_id: int, chat_id: int, locale: str) -> Resident:
    """Create (or reuse) the resident record once they agreed to the privacy notice."""
    resident = await repo.by_tg_user(session, tg_user_id)
    if resident is None:
        resident = Resident(tg_user_id=tg_user_id, chat_id=chat_id, locale=locale)
    resident.consent_at, resident.chat_id, resident.unreachable = clock.now(), chat_id, False
    session.add(resident)
    await session.flush()
    log.info("resident %s gave consent", resident.id)
    return resident


def update(session: AsyncSession, resident: Resident, **fields: object) -> None:
    """Change some of a resident's details."""
    for name, value in fields.items():
        setattr(resident, name, value)
    session.add(resident)


def finish_registration(session: AsyncSession, resident: Resident) -> None:
    """Mark the registration complete."""
    if resident.registered_at is None:
        update(session, resident, registered_at=clock.now())
        log.info("resident %s registered", resident.id)


def is_registered(resident: Resident | None) -> bool:
    """Whether the resident finished registration."""
    return resident is not None and resident.registered_at is not None


async def erase(session: AsyncSession, notify: Notifier, resident: Resident) -> None:
    """Delete personal data, stop check-ins and cancel open requests (their cards say so); the requests
    stay as anonymous counts."""
    open_requests = [r for r in await requests_repo.of_resident(session, resident.id or 0, limit=1000)
                     if r.status in OPEN_STATUSES]
    await requests_repo.anonymize_of_resident(session, resident.id or 0, clock.now())
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    if plan is not None:
        plan.active, plan.next_due_at = False, None
        session.add(plan)
    for request in open_requests:
        await session.refresh(request)
        await notify.card(request)
    update(
        session, resident, name=None, phone=None, address=None, consent_at=None, registered_at=None,
        lives_alone=False, over_65=False, disability=False, chronic_illness=False, other_flags=[],
        contact_name=None, contact_phone=None, invite_code=None, imported_checkin_times=[],
    )
    log.info("resident %s erased their data", resident.id)


async def district_by_code(session: AsyncSession, code: str) -> District | None:
    """A configured district, or None for a forged or removed code."""
    return await districts.by_code(session, code)


async def district_of(session: AsyncSession, resident: Resident) -> District | None:
    """The resident's district."""
    return await districts.by_id(session, resident.district_id)
