"""Resident rules: consent, details, registration, language, deletion."""

from __future__ import annotations

import logging
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.domain.items import visible
from bot.services import privacy
from bot.services.decisions import Decision
from db.models import District, Resident
from db.repo import districts
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
    if not visible(cleaned):
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


async def erase(session: AsyncSession, resident: Resident) -> list[Decision]:
    """Erase the resident's personal data everywhere (bot.services.privacy); open requests are cancelled,
    check-ins stop, the requests stay as anonymous counts. Returns what to tell (cards, claimers'
    details messages replaced)."""
    return await privacy.erase_resident(session, resident, clock.now())


async def district_by_code(session: AsyncSession, code: str) -> District | None:
    """A configured district, or None for a forged or removed code."""
    return await districts.by_code(session, code)


async def district_of(session: AsyncSession, resident: Resident) -> District | None:
    """The resident's district."""
    return await districts.by_id(session, resident.district_id)
