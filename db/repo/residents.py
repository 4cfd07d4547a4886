"""Resident queries."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel import select

from db.models import Resident


async def by_tg_user(session: AsyncSession, tg_user_id: int) -> Resident | None:
    """The resident behind a Telegram account."""
    return (await session.exec(select(Resident).where(Resident.tg_user_id == tg_user_id))).first()


async def by_id(session: AsyncSession, resident_id: int) -> Resident | None:
    """A resident by id."""
    return await session.get(Resident, resident_id)


async def mark_unreachable(session: AsyncSession, chat_id: int) -> Resident | None:
    """Flag the resident of a private chat as unreachable (blocked the bot or deactivated)."""
    resident = (await session.exec(select(Resident).where(Resident.chat_id == chat_id))).first()
    if resident is not None and not resident.unreachable:
        resident.unreachable = True
        session.add(resident)
    return resident
