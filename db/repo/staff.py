"""Staff, staff chat and staff-side request queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import OPEN_STATUSES, Request, RequestStatus, Staff, StaffChat, StaffRole


async def by_tg_user(session: AsyncSession, tg_user_id: int) -> Staff | None:
    """The staff member behind a Telegram account."""
    return (await session.exec(select(Staff).where(Staff.tg_user_id == tg_user_id))).first()


async def by_id(session: AsyncSession, staff_id: int | None) -> Staff | None:
    """A staff member by id."""
    return await session.get(Staff, staff_id) if staff_id is not None else None


async def on_duty(session: AsyncSession, chat_id: int, district_id: int | None) -> list[Staff]:
    """Who is on duty for a district in a chat (district-less staff cover the whole chat)."""
    query = select(Staff).where(Staff.chat_id == chat_id, col(Staff.on_duty).is_(True), col(Staff.left_at).is_(None))
    rows = (await session.exec(query.order_by(col(Staff.id)))).all()
    return [s for s in rows if s.district_id in (None, district_id)]


async def coordinators(session: AsyncSession, chat_id: int) -> list[Staff]:
    """The coordinators of a chat (who have not left it)."""
    query = select(Staff).where(Staff.chat_id == chat_id, Staff.role == StaffRole.COORDINATOR, col(Staff.left_at).is_(None))
    return list((await session.exec(query.order_by(col(Staff.id)))).all())


async def members_of(session: AsyncSession, chat_id: int) -> list[Staff]:
    """Everyone registered in a chat who has not left it, the earliest /join first."""
    query = select(Staff).where(Staff.chat_id == chat_id, col(Staff.left_at).is_(None))
    return list((await session.exec(query.order_by(col(Staff.joined_at), col(Staff.id)))).all())


async def chat_locale(session: AsyncSession, chat_id: int) -> str | None:
    """A staff chat's configured language."""
    row = await session.get(StaffChat, chat_id)
    return row.locale if row else None


async def set_chat_locale(session: AsyncSession, chat_id: int, locale: str) -> None:
    """Set a staff chat's language."""
    row = await session.get(StaffChat, chat_id) or StaffChat(chat_id=chat_id, locale=locale)
    row.locale = locale
    session.add(row)


async def claim(
    session: AsyncSession, request_id: int, staff_id: int, at: datetime, nudge_at: datetime,
    details_undelivered: str | None = None,
) -> bool:
    """Take a new request: exactly one concurrent caller wins."""
    result = await session.execute(
        update(Request)
        .where(col(Request.id) == request_id, col(Request.status) == RequestStatus.NEW)
        .values(
            status=RequestStatus.CLAIMED, claimed_by=staff_id, claimed_at=at, updated_at=at, next_check_at=nudge_at,
            details_undelivered=details_undelivered,
        )
    )
    return result.rowcount == 1


async def open_in_chat(
    session: AsyncSession, district_ids: Sequence[int | None], limit: int = 30, offset: int = 0
) -> list[Request]:
    """Open requests of some districts: urgent first, then oldest (id breaks ties, so pages do not overlap)."""
    query = (
        select(Request)
        .where(col(Request.status).in_(OPEN_STATUSES), col(Request.district_id).in_([d for d in district_ids if d]))
        .order_by(col(Request.urgency).desc(), col(Request.created_at), col(Request.id))
        .offset(offset)
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def count_open(session: AsyncSession, district_ids: Sequence[int | None]) -> int:
    """How many requests of some districts are open."""
    query = select(func.count()).select_from(Request).where(
        col(Request.status).in_(OPEN_STATUSES), col(Request.district_id).in_([d for d in district_ids if d])
    )
    return int((await session.exec(query)).one())


async def claimed_by(session: AsyncSession, staff_id: int) -> list[Request]:
    """A worker's requests that are not finished yet."""
    query = (
        select(Request)
        .where(col(Request.claimed_by) == staff_id, col(Request.status).in_([RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY]))
        .order_by(col(Request.created_at))
    )
    return list((await session.exec(query)).all())


async def details_owed(session: AsyncSession, staff_id: int) -> list[Request]:
    """A worker's requests in progress whose phone and address have not reached them yet."""
    query = (
        select(Request)
        .where(col(Request.claimed_by) == staff_id, col(Request.status).in_([RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY]),
               col(Request.details_undelivered).is_not(None))
        .order_by(col(Request.created_at))
    )
    return list((await session.exec(query)).all())


async def due_checks(session: AsyncSession, now: datetime, limit: int = 100) -> list[Request]:
    """Open requests whose reminder, escalation or nudge time has come (leased by moving it on)."""
    query = (
        select(Request)
        .where(col(Request.next_check_at) <= now, col(Request.status).in_(OPEN_STATUSES))
        .order_by(col(Request.next_check_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def day_counts(session: AsyncSession, district_ids: Sequence[int], since: datetime) -> dict[str, int]:
    """Requests created since a time, by status."""
    query = (
        select(Request.status, func.count())
        .where(col(Request.district_id).in_(district_ids), col(Request.created_at) >= since)
        .group_by(Request.status)
    )
    return {str(status): int(count) for status, count in (await session.exec(query)).all()}


async def claim_delays(session: AsyncSession, district_ids: Sequence[int], since: datetime) -> list[float]:
    """Seconds from filing to claim, for requests claimed since a time."""
    query = select(Request.created_at, Request.claimed_at).where(
        col(Request.district_id).in_(district_ids), col(Request.claimed_at) >= since
    )
    return [(claimed - created).total_seconds() for created, claimed in (await session.exec(query)).all()]
