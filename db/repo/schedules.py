"""Posts the bot makes by itself: when each is next due per staff chat, and what the morning summary lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import dialect_insert
from db.models import OPEN_STATUSES, Request, ScheduledPost
from db.repo.reports import at


async def ensure(session: AsyncSession, kind: str, chat_id: int, first_due: datetime) -> None:
    """A schedule row for this post in this chat (kept as it is when there is one)."""
    insert = dialect_insert(session.bind.dialect.name)
    await session.execute(
        insert(ScheduledPost).values(kind=kind, chat_id=chat_id, next_due_at=first_due)
        .on_conflict_do_nothing(index_elements=["kind", "chat_id"])
    )


async def due(session: AsyncSession, now: datetime, limit: int) -> list[ScheduledPost]:
    """Posts whose time has come, locked so that another instance skips them."""
    query = (
        select(ScheduledPost)
        .where(col(ScheduledPost.next_due_at) <= at(now))
        .order_by(col(ScheduledPost.next_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def open_before(
    session: AsyncSession, district_ids: Sequence[int], before: datetime, limit: int
) -> tuple[int, list[Request]]:
    """Requests of these districts filed before a time and still open: how many, and the first `limit`
    (urgent first, then oldest)."""
    where = [col(Request.status).in_(OPEN_STATUSES), col(Request.district_id).in_(list(district_ids)),
             col(Request.created_at) < at(before)]
    total = int((await session.exec(select(func.count()).select_from(Request).where(*where))).one())
    rows = (await session.exec(
        select(Request).where(*where).order_by(col(Request.urgency).desc(), col(Request.created_at), col(Request.id))
        .limit(limit)
    )).all()
    return total, list(rows)
