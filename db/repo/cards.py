"""Card views: which staff-chat messages show which requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import CardView, Outbox, OutboxStatus, Request, RequestStatus, storable_id


async def views_of(session: AsyncSession, request_id: int) -> list[CardView]:
    """Every card or digest that shows a request (pickers are not re-rendered)."""
    query = (
        select(CardView)
        .where(CardView.request_id == request_id, col(CardView.picker).is_(False))
        .order_by(col(CardView.id))
    )
    return list((await session.exec(query)).all())


async def shows(session: AsyncSession, chat_id: int, message_id: int, request_id: int) -> bool:
    """Whether the message (chat_id, message_id, from Telegram's callback_query.message) shows the request:
    its card, a digest line or a picker asked for it. False for ids no row can have."""
    if not storable_id(request_id):
        return False
    query = select(CardView.id).where(
        CardView.chat_id == chat_id, CardView.message_id == message_id, CardView.request_id == request_id
    ).limit(1)
    return (await session.exec(query)).first() is not None


def add_picker(session: AsyncSession, chat_id: int, message_id: int, request_id: int) -> None:
    """Record a picker message (a reason, a target district) that asks about this request."""
    session.add(CardView(request_id=request_id, chat_id=chat_id, message_id=message_id, picker=True))


async def message_views(session: AsyncSession, chat_id: int, message_id: int) -> list[CardView]:
    """The views that make up one message (one for a card, several for a digest)."""
    query = (
        select(CardView)
        .where(CardView.chat_id == chat_id, CardView.message_id == message_id, col(CardView.picker).is_(False))
        .order_by(col(CardView.request_id))
    )
    return list((await session.exec(query)).all())


def add_views(session: AsyncSession, chat_id: int, message_id: int, request_ids: Sequence[int], digest: bool, rendered: str) -> None:
    """Record a message that now shows these requests."""
    for request_id in request_ids:
        session.add(CardView(request_id=request_id, chat_id=chat_id, message_id=message_id, digest=digest, rendered=rendered))


async def set_rendered(session: AsyncSession, chat_id: int, message_id: int, rendered: str) -> None:
    """Remember what a message shows now, so an unchanged one is not edited again."""
    await session.execute(
        update(CardView)
        .where(col(CardView.chat_id) == chat_id, col(CardView.message_id) == message_id)
        .values(rendered=rendered)
    )


async def lease_waiting_siblings(
    session: AsyncSession, row: Outbox, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Outbox]:
    """Later card rows of the same chat for new requests not shown anywhere yet: they can join a digest."""
    shown = exists().where(CardView.request_id == Outbox.request_id, col(CardView.picker).is_(False))
    query = (
        select(Outbox)
        .join(Request, col(Request.id) == Outbox.request_id)
        .where(
            Outbox.chat_id == row.chat_id,
            Outbox.method == row.method,
            Outbox.status == OutboxStatus.PENDING,
            col(Outbox.id) > (row.id or 0),
            or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now),
            Request.status == RequestStatus.NEW,
            ~shown,
        )
        .order_by(col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=Outbox)
    )
    rows = list((await session.exec(query)).all())
    if rows:
        await session.execute(
            update(Outbox)
            .where(col(Outbox.id).in_([r.id for r in rows]))
            .values(lease_until=now + lease, lease_owner=owner)
        )
    return rows


async def requests_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Request]:
    """Requests by id, in id order."""
    if not ids:
        return []
    query = select(Request).where(col(Request.id).in_(ids)).order_by(col(Request.id))
    return list((await session.exec(query)).all())




async def forget_message(session: AsyncSession, chat_id: int, message_id: int) -> list[int]:
    """A message showing requests is gone (deleted in the chat): drop its views; the requests it showed."""
    views = await message_views(session, chat_id, message_id)
    for view in views:
        await session.delete(view)
    return [view.request_id for view in views]
