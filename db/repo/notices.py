"""Official notice queries: the audience (counted, and read in id order from a cursor), the notices being
sent, their counters, and their rows still in the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    CheckinPlan,
    Notice,
    NoticeAudience,
    NoticeStatus,
    Outbox,
    OutboxStatus,
    Resident,
    Staff,
)
from db.repo.reports import at as bound

#: Outbox purposes of a notice's rows: the message (counted) and, when the text is too long for a caption,
#: the photo or PDF after it.
PURPOSES = ("notice", "notice_file")
#: Outbox purpose of an edit of the progress message in the coordinator's chat.
PROGRESS = "notice_progress"


def _residents(audience: NoticeAudience, district_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    """Registered residents who talk to the bot (erased ones have neither), in the audience."""
    where = [col(Resident.registered_at).is_not(None), col(Resident.chat_id).is_not(None)]
    if audience == NoticeAudience.DISTRICTS:
        where.append(col(Resident.district_id).in_(list(district_ids)))
    elif audience == NoticeAudience.CHECKINS:
        active = select(CheckinPlan.resident_id).where(col(CheckinPlan.active).is_(True))
        where.append(col(Resident.id).in_(active))
    return where


def _staff() -> list[ColumnElement[bool]]:
    """Staff members still in their chat who opened a private chat with the bot."""
    return [col(Staff.left_at).is_(None), col(Staff.has_private_chat).is_(True)]


async def count_audience(session: AsyncSession, audience: NoticeAudience, district_ids: Sequence[int]) -> tuple[int, int]:
    """(everyone in the audience, those of them who turned notices off)."""
    if audience == NoticeAudience.STAFF:
        return int((await session.exec(select(func.count()).select_from(Staff).where(*_staff()))).one()), 0
    off = func.sum(case((col(Resident.notices_off).is_(True), 1), else_=0))
    query = select(func.count(), func.coalesce(off, 0)).select_from(Resident).where(*_residents(audience, district_ids))
    total, muted = (await session.exec(query)).one()
    return int(total), int(muted)


async def last_id(session: AsyncSession, audience: NoticeAudience, district_ids: Sequence[int]) -> int:
    """The highest id in the audience now (0 when it is empty)."""
    if audience == NoticeAudience.STAFF:
        query = select(func.max(Staff.id)).where(*_staff())
    else:
        query = select(func.max(Resident.id)).where(*_residents(audience, district_ids))
    return int((await session.exec(query)).one() or 0)


async def residents_after(
    session: AsyncSession, audience: NoticeAudience, district_ids: Sequence[int], cursor: int, last: int, limit: int,
) -> list[Resident]:
    """The next residents of the audience after resident id `cursor` up to `last`, in id order."""
    query = (select(Resident).where(*_residents(audience, district_ids), col(Resident.id) > cursor,
                                    col(Resident.id) <= last)
             .order_by(col(Resident.id)).limit(limit))
    return list((await session.exec(query)).all())


async def staff_after(session: AsyncSession, cursor: int, last: int, limit: int) -> list[Staff]:
    """The next staff members (who opened a private chat) after staff id `cursor` up to `last`, in id order."""
    query = (select(Staff).where(*_staff(), col(Staff.id) > cursor, col(Staff.id) <= last)
             .order_by(col(Staff.id)).limit(limit))
    return list((await session.exec(query)).all())


async def progress_pending(session: AsyncSession, notice_id: int) -> bool:
    """Whether an edit of the notice's progress message is still waiting in the outbox."""
    query = select(Outbox.id).where(Outbox.status == OutboxStatus.PENDING, Outbox.purpose == PROGRESS,
                                    Outbox.ref_id == notice_id).limit(1)
    return (await session.exec(query)).first() is not None


async def by_id(session: AsyncSession, notice_id: int) -> Notice | None:
    """One notice."""
    return await session.get(Notice, notice_id)


async def by_key(session: AsyncSession, key: str) -> Notice | None:
    """The notice a wizard made (its key), if it was sent already."""
    return (await session.exec(select(Notice).where(Notice.key == key))).first()


async def sending(session: AsyncSession, cancelled_since: datetime, limit: int = 20) -> list[Notice]:
    """Notices still being sent, and those cancelled since `cancelled_since` (a row in flight when Cancel
    was pressed may still be counted), oldest first; locked so that another instance skips them."""
    recent = and_(Notice.status == NoticeStatus.CANCELLED, col(Notice.finished_at) >= bound(cancelled_since))
    query = (select(Notice).where(or_(Notice.status == NoticeStatus.SENDING, recent)).order_by(col(Notice.id))
             .limit(limit).with_for_update(skip_locked=True))
    return list((await session.exec(query)).all())


async def add_counts(session: AsyncSession, notice_id: int, **counts: int) -> None:
    """Add to a notice's counters (sent=…, unreachable=…) in one statement (the sender's hooks run while the
    tick may hold the row; no read-modify-write)."""
    values: dict[str, Any] = {name: getattr(Notice, name) + n for name, n in counts.items() if n}
    if values:
        await session.execute(update(Notice).where(col(Notice.id) == notice_id).values(**values))


async def pending_rows(session: AsyncSession, notice_id: int) -> int:
    """A notice's rows still waiting in the outbox (pending rows are few: the look-ahead bounds them)."""
    query = select(func.count()).where(
        Outbox.status == OutboxStatus.PENDING, col(Outbox.purpose).in_(PURPOSES), Outbox.ref_id == notice_id)
    return int((await session.exec(query)).one())


async def drop_pending(session: AsyncSession, notice_id: int, at: datetime) -> int:
    """Cancel: a notice's rows not sent yet are dropped (failed, «cancelled»); a row a sender holds this moment
    may still go out. Returns how many message rows were dropped."""
    where = [Outbox.status == OutboxStatus.PENDING, col(Outbox.purpose).in_(PURPOSES), Outbox.ref_id == notice_id]
    messages = int((await session.exec(select(func.count()).where(*where, Outbox.purpose == "notice"))).one())
    await session.execute(update(Outbox).where(*where).values(status=OutboxStatus.FAILED, error="cancelled", sent_at=at))
    return messages


async def in_period(session: AsyncSession, start: datetime, end: datetime) -> list[Notice]:
    """Notices sent in [start, end) (a few a day at most)."""
    query = select(Notice).where(col(Notice.created_at) >= bound(start), col(Notice.created_at) < bound(end))
    return list((await session.exec(query.order_by(col(Notice.id)))).all())
