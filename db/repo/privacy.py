"""Erasure and retention queries: where personal data lies beyond the resident row, and the pruning
of old rows in small batches (each a short transaction of the caller's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, not_, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    CardView,
    FailedUpdate,
    Outbox,
    OutboxStatus,
    ProcessedUpdate,
    Request,
    RequestEvent,
    RequestItem,
    RequestStatus,
)

CLOSED_STATUSES = (RequestStatus.DONE, RequestStatus.RECEIVED, RequestStatus.FAILED, RequestStatus.CANCELLED)

#: Event data keys that hold codes and numbers, never what a person wrote; anonymising keeps only these.
EVENT_CODE_KEYS = frozenset({"urgency", "reason", "answer", "stars", "source", "target"})


async def request_ids_of_resident(session: AsyncSession, resident_id: int) -> list[int]:
    """Every request of a resident, open or closed."""
    query = select(Request.id).where(Request.resident_id == resident_id).order_by(col(Request.id))
    return [int(i) for i in (await session.exec(query)).all() if i is not None]


async def with_card_views(session: AsyncSession, request_ids: Sequence[int]) -> list[int]:
    """Which of these requests some staff-chat message shows."""
    if not request_ids:
        return []
    query = select(CardView.request_id).where(col(CardView.request_id).in_(list(request_ids))).distinct()
    return sorted(int(i) for i in (await session.exec(query)).all())


async def anonymised_among(session: AsyncSession, request_ids: set[int]) -> set[int]:
    """Which of these requests were anonymised."""
    if not request_ids:
        return set()
    query = select(Request.id).where(col(Request.id).in_(list(request_ids)), col(Request.anonymized_at).is_not(None))
    return {int(i) for i in (await session.exec(query)).all() if i is not None}


async def anonymize_requests(session: AsyncSession, request_ids: Sequence[int], at: datetime) -> None:
    """Blank what people wrote or sent with these requests (address, texts, photo, voice, item names and
    amounts, free text in their audit trail); kind, status, district, urgency and times stay for
    statistics. Marks them anonymised at `at`."""
    if not request_ids:
        return
    ids = list(request_ids)
    await session.execute(
        update(Request)
        .where(col(Request.id).in_(ids))
        .values(address=None, details=None, medicine=None, call_time=None, photo_file_id=None,
                voice_file_ids=[], photo_file_ids=[], edits=[], source_message_ids=[], answers={}, anonymized_at=at)
    )
    await session.execute(update(RequestItem).where(col(RequestItem.request_id).in_(ids)).values(name="", quantity=""))
    for event in (await session.exec(select(RequestEvent).where(col(RequestEvent.request_id).in_(ids)))).all():
        kept = {key: value for key, value in event.data.items() if key in EVENT_CODE_KEYS}
        if kept != event.data:
            event.data = kept
            session.add(event)


async def outbox_rows_of(
    session: AsyncSession, request_ids: Sequence[int], resident_id: int | None = None, chat_id: int | None = None
) -> list[Outbox]:
    """Outbox rows about these requests, to this resident, or to their private chat (pending or done)."""
    conditions = [col(Outbox.request_id).in_(list(request_ids))] if request_ids else []
    if resident_id is not None:
        conditions.append(col(Outbox.resident_id) == resident_id)
    if chat_id is not None:
        conditions.append(col(Outbox.chat_id) == chat_id)
    if not conditions:
        return []
    query = select(Outbox).where(or_(*conditions)).order_by(col(Outbox.id)).with_for_update()
    return list((await session.exec(query)).all())


async def failed_updates_after(session: AsyncSession, after_id: int, limit: int) -> list[FailedUpdate]:
    """Kept failed updates in id order, a batch at a time (for a scan)."""
    query = select(FailedUpdate).where(col(FailedUpdate.id) > after_id).order_by(col(FailedUpdate.id)).limit(limit)
    return list((await session.exec(query)).all())


async def delete_failed_updates(session: AsyncSession, ids: Sequence[int]) -> None:
    """Forget these failed updates."""
    if ids:
        await session.execute(delete(FailedUpdate).where(col(FailedUpdate.id).in_(list(ids))))


async def closed_requests_before(session: AsyncSession, before: datetime, limit: int) -> list[int]:
    """Closed requests last changed before `before` and not yet anonymised, oldest first."""
    query = (
        select(Request.id)
        .where(col(Request.anonymized_at).is_(None), col(Request.updated_at) < before,
               col(Request.status).in_(CLOSED_STATUSES))
        .order_by(col(Request.updated_at))
        .limit(limit)
    )
    return [int(i) for i in (await session.exec(query)).all() if i is not None]


async def prune_outbox(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` sent or failed outbox rows finished before `before`. A claimer's details row
    stays while its request is not anonymised: its message id is what erasure edits."""
    anonymised = select(Request.id).where(col(Request.anonymized_at).is_not(None))
    keep = and_(col(Outbox.purpose) == "details", not_(col(Outbox.request_id).in_(anonymised)))
    ids = (
        select(Outbox.id)
        .where(col(Outbox.status).in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
               func.coalesce(Outbox.sent_at, Outbox.created_at) < before, not_(keep))
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    found = list((await session.exec(ids)).all())
    if found:
        await session.execute(delete(Outbox).where(col(Outbox.id).in_(found)))
    return len(found)


async def prune_processed_updates(session: AsyncSession, before: datetime, limit: int) -> int:
    """Forget up to `limit` processed update ids recorded before `before`."""
    ids = select(ProcessedUpdate.update_id).where(col(ProcessedUpdate.at) < before).order_by(col(ProcessedUpdate.at)).limit(limit)
    found = list((await session.exec(ids)).all())
    if found:
        await session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.update_id).in_(found)))
    return len(found)


async def prune_given_up_updates(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` failed updates given up on whose last try was due before `before`."""
    ids = (
        select(FailedUpdate.id)
        .where(col(FailedUpdate.gave_up).is_(True), col(FailedUpdate.next_attempt_at) < before)
        .order_by(col(FailedUpdate.id))
        .limit(limit)
    )
    found = list((await session.exec(ids)).all())
    await delete_failed_updates(session, [int(i) for i in found if i is not None])
    return len(found)
