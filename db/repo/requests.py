"""Request, item and event queries."""

from __future__ import annotations

from collections.abc import Sequence

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel import col, select

from db.models import OPEN_STATUSES, Request, RequestEvent, RequestItem, RequestStatus, storable_id


async def by_draft_key(session: AsyncSession, draft_key: str) -> Request | None:
    """The request created from a wizard draft, if any."""
    return (await session.exec(select(Request).where(Request.draft_key == draft_key))).first()


async def insert(session: AsyncSession, request: Request, items: Sequence[RequestItem]) -> bool:
    """Insert a request with its items; False when its draft was already submitted."""
    try:
        async with session.begin_nested():
            session.add(request)
            await session.flush()
            for position, item in enumerate(items, start=1):
                item.request_id, item.position = request.id, position
                session.add(item)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def by_id(session: AsyncSession, request_id: int) -> Request | None:
    """A request by id; None for an id no row can have (see storable_id)."""
    return await session.get(Request, request_id) if storable_id(request_id) else None


async def items_of(session: AsyncSession, request_id: int) -> list[RequestItem]:
    """The items of a request, in order."""
    query = select(RequestItem).where(RequestItem.request_id == request_id).order_by(RequestItem.position)
    return list((await session.exec(query)).all())


async def of_resident(session: AsyncSession, resident_id: int, limit: int = 10) -> list[Request]:
    """A resident's latest requests, open ones first."""
    query = (
        select(Request)
        .where(Request.resident_id == resident_id)
        .order_by(col(Request.status).in_(OPEN_STATUSES).desc(), col(Request.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def set_status(
    session: AsyncSession,
    request: Request,
    new: RequestStatus,
    allowed_from: Sequence[RequestStatus],
    at: datetime,
    **values: object,
) -> bool:
    """Conditional status change: True only if the row was in an allowed state (one winner)."""
    result = await session.execute(
        update(Request)
        .where(col(Request.id) == request.id, col(Request.status).in_(allowed_from))
        .values(status=new, updated_at=at, **values)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(request)
    return True


#: The event of a resident writing again to an open request (data: text, voice, photo as file ids).
WROTE = "wrote"


def add_event(
    session: AsyncSession, request_id: int, actor: str, actor_id: int | None, action: str, **data: object
) -> None:
    """Append to a request's audit trail."""
    session.add(RequestEvent(request_id=request_id, actor=actor, actor_id=actor_id, action=action, data=data))


async def events_of(session: AsyncSession, request_id: int) -> list[RequestEvent]:
    """A request's audit trail, oldest first."""
    query = select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(col(RequestEvent.id))
    return list((await session.exec(query)).all())


async def follow_ups_of(session: AsyncSession, request_id: int) -> list[RequestEvent]:
    """What the resident wrote to the request after filing it, oldest first."""
    query = (
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.action == WROTE)
        .order_by(col(RequestEvent.id))
    )
    return list((await session.exec(query)).all())


async def anonymize_of_resident(session: AsyncSession, resident_id: int, at: datetime) -> None:
    """Cancel a resident's open requests and blank every personal field of all of them."""
    await session.execute(
        update(Request)
        .where(col(Request.resident_id) == resident_id, col(Request.status).in_(OPEN_STATUSES))
        .values(status=RequestStatus.CANCELLED, updated_at=at)
    )
    await session.execute(
        update(Request)
        .where(col(Request.resident_id) == resident_id)
        .values(address=None, details=None, medicine=None, call_time=None, photo_file_id=None, voice_file_ids=[],
                photo_file_ids=[], edits=[], source_message_ids=[], answers={})
    )
    ids = select(Request.id).where(Request.resident_id == resident_id)
    await session.execute(
        update(RequestItem).where(col(RequestItem.request_id).in_(ids)).values(name="", quantity="")
    )
    await session.execute(
        update(RequestEvent)
        .where(col(RequestEvent.request_id).in_(ids), col(RequestEvent.action) == WROTE)
        .values(data={})
    )
    # A referral's typed reason may describe the person: it goes too (the chosen reason's code stays).
    referrals = select(RequestEvent).where(col(RequestEvent.request_id).in_(ids), RequestEvent.action == "transferred")
    for event in (await session.exec(referrals)).all():
        if event.data.get("note"):
            event.data = {**event.data, "note": ""}
            session.add(event)
