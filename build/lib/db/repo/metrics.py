"""Counts for the Prometheus gauges (read by a periodic tick, never per scrape) and the health probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Checkin, CheckinPlan, Outbox, OutboxStatus, Request


@dataclass
class Snapshot:
    """What the gauges show."""

    requests: dict[str, int] = field(default_factory=dict)
    outbox_depth: int = 0
    outbox_oldest: datetime | None = None
    checkins_due: int = 0
    checkins_today: dict[str, int] = field(default_factory=dict)


async def ping(session: AsyncSession) -> None:
    """Raise unless the database answers."""
    await session.execute(text("SELECT 1"))


async def snapshot(session: AsyncSession, now: datetime, day_start: datetime) -> Snapshot:
    """Requests by status, the outbox backlog, plans due now and today's check-ins by answer."""
    result = Snapshot()
    by_status = select(Request.status, func.count()).group_by(Request.status)
    result.requests = {str(status): int(n) for status, n in (await session.exec(by_status)).all()}
    pending = select(func.count(), func.min(Outbox.created_at)).where(Outbox.status == OutboxStatus.PENDING)
    depth, result.outbox_oldest = (await session.exec(pending)).one()
    result.outbox_depth = int(depth)
    due = select(func.count()).where(col(CheckinPlan.active).is_(True), col(CheckinPlan.next_due_at) <= now)
    result.checkins_due = int((await session.exec(due)).one())
    today = select(Checkin.answer, func.count()).where(col(Checkin.due_at) >= day_start).group_by(Checkin.answer)
    result.checkins_today = {str(answer): int(n) for answer, n in (await session.exec(today)).all()}
    return result
