"""Outbox queries: enqueue with the causing change, lease due rows, record outcomes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Outbox, OutboxPriority, OutboxStatus

#: The method of a row that brings a request's cards up to date; rendered when it is sent (bot.ui.cards).
SYNC_CARD = "syncCard"


def enqueue(
    session: AsyncSession,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    *,
    purpose: str,
    resident_id: int | None = None,
    request_id: int | None = None,
    ref_id: int | None = None,
    priority: int = OutboxPriority.NORMAL,
) -> Outbox:
    """Add a Bot API call to the outbox in the caller's transaction; `priority` is an OutboxPriority
    (bot.domain.priority decides it from the purpose)."""
    row = Outbox(
        chat_id=chat_id,
        method=method,
        payload=payload,
        purpose=purpose,
        priority=int(priority),
        resident_id=resident_id,
        request_id=request_id,
        ref_id=ref_id,
    )
    session.add(row)
    session.info["outbox_queued"] = True
    return row


def queued(session: AsyncSession) -> bool:
    """Whether this session has added outbox rows (so the sender is worth waking after the commit)."""
    return bool(session.info.get("outbox_queued"))


async def lease_due(
    session: AsyncSession, owner: str, now: datetime, lease: timedelta, limit: int, starve_after: timedelta,
    up_to_class: OutboxPriority | None = None,
) -> list[Outbox]:
    """Lease the first due row of each chat (order within a chat is kept), highest priority class first
    and oldest first within a class; a row that has waited `starve_after` since it was written counts as
    the highest class. With `up_to_class`, only rows of that class or a higher one (a lower
    OutboxPriority value) are leased: the sender's express worker. Safe across processes (FOR UPDATE
    SKIP LOCKED on PostgreSQL)."""
    earlier = aliased(Outbox)
    blocked = exists().where(
        and_(earlier.chat_id == Outbox.chat_id, earlier.status == OutboxStatus.PENDING, earlier.id < Outbox.id)
    )
    served_class = case(
        (col(Outbox.created_at) <= now - starve_after, OutboxPriority.INTERACTIVE.value), else_=Outbox.priority
    )
    due = (
        select(Outbox.id)
        .where(
            Outbox.status == OutboxStatus.PENDING,
            col(Outbox.next_attempt_at) <= now,
            or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now),
            ~blocked,
            *([col(Outbox.priority) <= int(up_to_class)] if up_to_class is not None else []),
        )
        .order_by(served_class, col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # One statement (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …) rather than a select,
    # an update and a select again: the lease is on the path of every reply a person waits for (issue #12).
    leased = await session.execute(
        update(Outbox)
        .where(col(Outbox.id).in_(due))
        .values(lease_until=now + lease, lease_owner=owner)
        .returning(Outbox, served_class)
        .execution_options(synchronize_session=False)
    )
    served = sorted(leased.all(), key=lambda pair: (pair[1], pair[0].id))
    return [row for row, _ in served]  # in the order served


async def finish(session: AsyncSession, row_id: int, owner: str, status: OutboxStatus, at: datetime, error: str | None = None) -> None:
    """Mark a leased row sent or failed for good."""
    await session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.lease_owner) == owner)
        .values(status=status, sent_at=at, lease_until=None, error=error, attempts=Outbox.attempts + 1)
    )


async def finish_many(session: AsyncSession, row_ids: list[int], owner: str, at: datetime) -> None:
    """Mark a batch of leased rows sent."""
    await session.execute(
        update(Outbox)
        .where(col(Outbox.id).in_(row_ids), col(Outbox.lease_owner) == owner)
        .values(status=OutboxStatus.SENT, sent_at=at, lease_until=None, error=None, attempts=Outbox.attempts + 1)
    )


async def set_message_ids(session: AsyncSession, message_ids: dict[int, int]) -> None:
    """Record the message Telegram created for each of these rows (row id → message id)."""
    for row_id, message_id in message_ids.items():
        await session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(message_id=message_id))


async def retry_later(session: AsyncSession, row_id: int, owner: str, when: datetime, error: str, count_attempt: bool = True) -> None:
    """Give a leased row back to be tried again at a later time."""
    values: dict[str, Any] = {"next_attempt_at": when, "lease_until": None, "lease_owner": None, "error": error}
    if count_attempt:
        values["attempts"] = Outbox.attempts + 1
    await session.execute(update(Outbox).where(col(Outbox.id) == row_id, col(Outbox.lease_owner) == owner).values(**values))


async def release(session: AsyncSession, row_ids: list[int], owner: str) -> None:
    """Give leased rows back untried, as they were (another sender may take them at once)."""
    await session.execute(
        update(Outbox)
        .where(col(Outbox.id).in_(row_ids), col(Outbox.lease_owner) == owner)
        .values(lease_until=None, lease_owner=None)
    )


async def retarget_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """Point pending rows of a migrated group at its new supergroup id."""
    pending = and_(Outbox.chat_id == old_chat_id, Outbox.status == OutboxStatus.PENDING)
    rows = (await session.exec(select(Outbox).where(pending))).all()
    for row in rows:
        row.chat_id = new_chat_id
        row.payload = {**row.payload, "chat_id": new_chat_id}
        session.add(row)


async def depth(session: AsyncSession) -> tuple[int, datetime | None]:
    """Pending rows and the oldest one's creation time."""
    query = select(func.count(), func.min(Outbox.created_at)).where(Outbox.status == OutboxStatus.PENDING)
    count, oldest = (await session.exec(query)).one()
    return int(count), oldest


async def next_due(session: AsyncSession) -> datetime | None:
    """When the next pending row becomes due."""
    query = select(func.min(Outbox.next_attempt_at)).where(Outbox.status == OutboxStatus.PENDING)
    return (await session.exec(query)).one()


async def pending_in_chat(session: AsyncSession, chat_id: int) -> bool:
    """Whether a chat still has rows waiting to be sent (a direct send now would overtake them)."""
    query = select(Outbox.id).where(Outbox.chat_id == chat_id, Outbox.status == OutboxStatus.PENDING).limit(1)
    return (await session.exec(query)).first() is not None


async def pending_of_class(session: AsyncSession, priority: int) -> int:
    """Pending rows of one priority class (an OutboxPriority), e.g. how much of a check-in wave is queued."""
    query = select(func.count()).where(Outbox.status == OutboxStatus.PENDING, Outbox.priority == int(priority))
    return int((await session.exec(query)).one())
