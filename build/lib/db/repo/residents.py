"""Resident queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import asyncpg_of
from db.models import OPEN_STATUSES, Request, Resident


async def by_tg_user(session: AsyncSession, tg_user_id: int) -> Resident | None:
    """The resident behind a Telegram account."""
    return (await session.exec(select(Resident).where(Resident.tg_user_id == tg_user_id))).first()


_SENDER_COLUMNS = ", ".join(column.name for column in Resident.__table__.columns)  # type: ignore[attr-defined]
_RESIDENT_CLASS = sa_inspect(Resident).class_manager


async def sender(session: AsyncSession, tg_user_id: int) -> Resident | None:
    """by_tg_user for the update's own session, once per update: on PostgreSQL one asyncpg round trip
    and the row attached to the session as if loaded (changes are flushed as usual)."""
    raw = await asyncpg_of(session)
    if raw is None:
        return await by_tg_user(session, tg_user_id)
    found = await raw.fetchrow(f"SELECT {_SENDER_COLUMNS} FROM resident WHERE tg_user_id = $1", tg_user_id)
    if found is None:
        return None
    # As the ORM builds a loaded row (no __init__: SQLModel's __init__ with its defaults and checks was
    # a tenth of the update's middleware time): a bare instance, its columns set, then attached.
    resident = _RESIDENT_CLASS.new_instance()
    resident.__dict__.update(found.items())
    make_transient_to_detached(resident)
    session.add(resident)
    return resident


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


async def by_invite_code(session: AsyncSession, code: str) -> Resident | None:
    """The resident an invite code was issued to."""
    return (await session.exec(select(Resident).where(Resident.invite_code == code))).first()


async def by_phones(session: AsyncSession, phones: Collection[str]) -> list[Resident]:
    """Residents with any of these normalized phones, oldest first."""
    if not phones:
        return []
    query = select(Resident).where(col(Resident.phone).in_(list(phones))).order_by(col(Resident.id))
    return list((await session.exec(query)).all())


async def taken_codes(session: AsyncSession, codes: Collection[str]) -> set[str]:
    """Which of these invite codes are already issued."""
    if not codes:
        return set()
    query = select(Resident.invite_code).where(col(Resident.invite_code).in_(list(codes)))
    return {code for code in (await session.exec(query)).all() if code}


async def open_requests_of_chat(session: AsyncSession, chat_id: int) -> list[Request]:
    """Open requests of the resident behind a private chat."""
    query = (
        select(Request)
        .join(Resident, col(Resident.id) == Request.resident_id)
        .where(Resident.chat_id == chat_id, col(Request.status).in_(OPEN_STATUSES))
    )
    return list((await session.exec(query)).all())
