"""Follow-up queries: requests whose follow-up is due, follow-ups awaiting an answer or due for silence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import CheckinAnswer, FollowUp, Request, RequestStatus, storable_id


async def choose(session: AsyncSession, request_id: int, days: int, at: datetime | None, chosen_at: datetime) -> bool:
    """Record a worker's follow-up choice on a done request that has none yet (conditional: one winner)."""
    result = await session.execute(
        update(Request)
        .where(col(Request.id) == request_id, col(Request.follow_up_days).is_(None),
               col(Request.status).in_((RequestStatus.DONE, RequestStatus.RECEIVED)))
        .values(follow_up_days=days, follow_up_at=at, updated_at=chosen_at)
    )
    return result.rowcount == 1


async def due_requests(session: AsyncSession, now: datetime, limit: int) -> list[Request]:
    """Requests whose follow-up question is due, oldest first (locked: another instance skips them)."""
    query = (
        select(Request)
        .where(col(Request.follow_up_at) <= now)
        .order_by(col(Request.follow_up_at), col(Request.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def by_id(session: AsyncSession, followup_id: int) -> FollowUp | None:
    """A follow-up; None for an id no row can have."""
    return await session.get(FollowUp, followup_id) if storable_id(followup_id) else None


async def of_request(session: AsyncSession, request_id: int) -> FollowUp | None:
    """The follow-up asked after a request (the latest), or None."""
    query = select(FollowUp).where(FollowUp.request_id == request_id).order_by(col(FollowUp.id).desc()).limit(1)
    return (await session.exec(query)).first()


async def opened(session: AsyncSession, new_request_id: int) -> FollowUp | None:
    """The follow-up whose answer opened a request, or None."""
    query = select(FollowUp).where(FollowUp.new_request_id == new_request_id).limit(1)
    return (await session.exec(query)).first()


async def latest_delivered(session: AsyncSession, resident_id: int, since: datetime) -> FollowUp | None:
    """The resident's latest follow-up delivered since `since` (answered or not)."""
    query = select(FollowUp).where(
        FollowUp.resident_id == resident_id, col(FollowUp.sent_at).is_not(None), col(FollowUp.sent_at) >= since,
    )
    return (await session.exec(query.order_by(col(FollowUp.id).desc()).limit(1))).first()


async def mark_delivered(session: AsyncSession, ids: list[int], at: datetime, silent_at: datetime) -> None:
    """The questions reached their residents: silence counts from now."""
    if ids:
        await session.execute(
            update(FollowUp)
            .where(col(FollowUp.id).in_(ids), col(FollowUp.sent_at).is_(None))
            .values(sent_at=at, next_check_at=silent_at)
        )


async def due_silent(session: AsyncSession, now: datetime, limit: int) -> list[FollowUp]:
    """Unanswered follow-ups whose grace is over (locked)."""
    query = (
        select(FollowUp)
        .where(FollowUp.answer == CheckinAnswer.PENDING, col(FollowUp.next_check_at) <= now)
        .order_by(col(FollowUp.next_check_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def stop_for_resident(session: AsyncSession, resident_id: int) -> None:
    """A resident erased their data: no follow-up is asked, and no silence is reported."""
    await session.execute(
        update(Request).where(col(Request.resident_id) == resident_id, col(Request.follow_up_at).is_not(None))
        .values(follow_up_at=None)
    )
    await session.execute(
        update(FollowUp).where(col(FollowUp.resident_id) == resident_id, col(FollowUp.next_check_at).is_not(None))
        .values(next_check_at=None)
    )
