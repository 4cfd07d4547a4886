"""Volunteer and delivery queries; the hand-over's one-winner take is a conditional update."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    OPEN_DELIVERY,
    Delivery,
    DeliveryStatus,
    Outbox,
    OutboxStatus,
    Volunteer,
    VolunteerStatus,
    storable_id,
)


async def by_tg_user(session: AsyncSession, tg_user_id: int) -> Volunteer | None:
    """The volunteer behind a Telegram account."""
    return (await session.exec(select(Volunteer).where(Volunteer.tg_user_id == tg_user_id))).first()


async def by_id(session: AsyncSession, volunteer_id: int | None) -> Volunteer | None:
    """A volunteer by id (None for None or an id no row can have)."""
    if volunteer_id is None or not storable_id(volunteer_id):
        return None
    return await session.get(Volunteer, volunteer_id)


async def all_volunteers(session: AsyncSession) -> list[Volunteer]:
    """Every volunteer who is not removed or declined, in the order they signed up."""
    query = select(Volunteer).where(col(Volunteer.status).in_(
        [VolunteerStatus.PENDING, VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED]))
    return list((await session.exec(query.order_by(col(Volunteer.id)))).all())


async def approved_in(session: AsyncSession, district_code: str, skill: str) -> list[Volunteer]:
    """Approved volunteers who cover a district and can do `skill` ("deliver", "medicine")."""
    rows = (await session.exec(select(Volunteer).where(Volunteer.status == VolunteerStatus.APPROVED)
                               .order_by(col(Volunteer.id)))).all()
    return [v for v in rows if district_code in v.districts and skill in v.skills]


async def decide(session: AsyncSession, volunteer_id: int, new: str, allowed: Sequence[str], at: datetime,
                 staff_id: int | None) -> bool:
    """Conditional status change of a volunteer: exactly one concurrent caller wins."""
    result = await session.execute(
        update(Volunteer)
        .where(col(Volunteer.id) == volunteer_id, col(Volunteer.status).in_(list(allowed)))
        .values(status=new, decided_at=at, decided_by=staff_id)
    )
    return result.rowcount == 1


async def open_delivery(session: AsyncSession, request_id: int) -> Delivery | None:
    """The request's delivery that is still open (offered, taken or picked up)."""
    return (await session.exec(select(Delivery).where(Delivery.open_request_id == request_id))).first()


async def add_delivery(session: AsyncSession, delivery: Delivery) -> bool:
    """Insert an open delivery; False when the request already has one (a double tap)."""
    try:
        async with session.begin_nested():
            session.add(delivery)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def delivery_by_id(session: AsyncSession, delivery_id: int) -> Delivery | None:
    """A delivery by id (None for an id no row can have)."""
    return await session.get(Delivery, delivery_id) if storable_id(delivery_id) else None


async def deliveries_of(session: AsyncSession, request_id: int) -> list[Delivery]:
    """A request's deliveries, oldest first."""
    query = select(Delivery).where(Delivery.request_id == request_id).order_by(col(Delivery.id))
    return list((await session.exec(query)).all())


async def take(session: AsyncSession, delivery_id: int, volunteer_id: int, at: datetime, check_at: datetime) -> bool:
    """A volunteer takes an offered delivery: exactly one concurrent caller wins."""
    result = await session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.OFFERED)
        .values(status=DeliveryStatus.TAKEN, volunteer_id=volunteer_id, taken_at=at, next_check_at=check_at)
    )
    return result.rowcount == 1


async def move(session: AsyncSession, delivery: Delivery, new: str, allowed: Sequence[str], **values: object) -> bool:
    """Conditional step of a delivery (one winner); a finished one (delivered, failed, returned) is no
    longer open, so the request may be handed over again."""
    if new not in OPEN_DELIVERY:
        values.setdefault("open_request_id", None)
        values.setdefault("next_check_at", None)
    result = await session.execute(
        update(Delivery).where(col(Delivery.id) == delivery.id, col(Delivery.status).in_(list(allowed)))
        .values(status=new, **values)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(delivery)
    return True


async def open_of_volunteer(session: AsyncSession, volunteer_id: int) -> list[Delivery]:
    """A volunteer's deliveries that are taken or picked up."""
    query = select(Delivery).where(
        Delivery.volunteer_id == volunteer_id,
        col(Delivery.status).in_([DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP]),
    ).order_by(col(Delivery.id))
    return list((await session.exec(query)).all())


async def deliveries_of_volunteer(session: AsyncSession, volunteer_id: int) -> list[Delivery]:
    """Every delivery a volunteer took, oldest first."""
    query = select(Delivery).where(Delivery.volunteer_id == volunteer_id).order_by(col(Delivery.id))
    return list((await session.exec(query)).all())


async def rows_about(session: AsyncSession, volunteer_id: int, tg_user_id: int, request_ids: Sequence[int]) -> list[Outbox]:
    """Outbox rows that may carry a volunteer's name or phone: to their private chat, their application
    card and its edits, and every row about the requests they delivered (locked, in id order)."""
    conditions = [col(Outbox.chat_id) == tg_user_id,
                  (col(Outbox.ref_id) == volunteer_id) & col(Outbox.purpose).in_(["volunteer_card", "volunteer_edit"])]
    if request_ids:
        conditions.append(col(Outbox.request_id).in_(list(request_ids)))
    query = select(Outbox).where(or_(*conditions)).order_by(col(Outbox.id)).with_for_update()
    return list((await session.exec(query)).all())


async def due_checks(session: AsyncSession, now: datetime, limit: int = 100) -> list[Delivery]:
    """Open deliveries whose stall check has come (leased by clearing it)."""
    query = (
        select(Delivery)
        .where(col(Delivery.next_check_at) <= now, col(Delivery.status).in_(list(OPEN_DELIVERY)))
        .order_by(col(Delivery.next_check_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def counts_by_volunteer(session: AsyncSession, since: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per volunteer id: how many of their deliveries are in each status (taken since `since`, if given)."""
    query = select(Delivery.volunteer_id, Delivery.status, func.count()).where(col(Delivery.volunteer_id).is_not(None))
    if since is not None:
        query = query.where(col(Delivery.taken_at) >= since)
    counts: dict[int, dict[str, int]] = {}
    for volunteer_id, status, count in (await session.exec(query.group_by(Delivery.volunteer_id, Delivery.status))).all():
        counts.setdefault(int(volunteer_id), {})[str(status)] = int(count)
    return counts


async def period_counts(session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime) -> dict[str, int]:
    """Deliveries handed over in [start, end) in some districts, by status; "volunteers": how many
    different volunteers took one."""
    where = (col(Delivery.district_id).in_(list(district_ids)), col(Delivery.offered_at) >= start, col(Delivery.offered_at) < end)
    rows = (await session.exec(select(Delivery.status, func.count()).where(*where).group_by(Delivery.status))).all()
    counts = {str(status): int(count) for status, count in rows}
    people = select(func.count(func.distinct(Delivery.volunteer_id))).where(*where, col(Delivery.volunteer_id).is_not(None))
    counts["volunteers"] = int((await session.exec(people)).one())
    return counts


# --------------------------------------------------------------------------- the messages that show them

async def shows(session: AsyncSession, chat_id: int, message_id: int, purpose: str, ref_id: int) -> bool:
    """Whether the bot's message `message_id` in `chat_id` was sent as an outbox row of `purpose` about
    `ref_id` (a delivery card, a volunteer's private copy, an application card)."""
    query = select(Outbox.id).where(
        Outbox.chat_id == chat_id, Outbox.message_id == message_id, Outbox.purpose == purpose, Outbox.ref_id == ref_id)
    return (await session.exec(query.limit(1))).first() is not None


async def sent_messages(session: AsyncSession, purpose: str, ref_id: int) -> list[tuple[int, int]]:
    """(chat_id, message_id) of the sent messages of `purpose` about `ref_id`."""
    query = select(Outbox.chat_id, Outbox.message_id).where(
        Outbox.purpose == purpose, Outbox.ref_id == ref_id, col(Outbox.message_id).is_not(None)).order_by(col(Outbox.id))
    return [(int(chat), int(message)) for chat, message in (await session.exec(query)).all()]


async def cards_alive(session: AsyncSession, purpose: str, ref_id: int) -> int:
    """How many messages of `purpose` about `ref_id` are still to be sent or were sent (not failed)."""
    query = select(func.count()).select_from(Outbox).where(
        Outbox.purpose == purpose, Outbox.ref_id == ref_id,
        col(Outbox.status).in_([OutboxStatus.PENDING, OutboxStatus.SENT]))
    return int((await session.exec(query)).one())


async def drop_unsent(session: AsyncSession, purpose: str, ref_id: int, now: datetime) -> int:
    """Messages of `purpose` about `ref_id` still waiting in the outbox (not leased by a sender) are not
    sent any more (a delivery card once the delivery was taken): how many."""
    result = await session.execute(
        update(Outbox)
        .where(col(Outbox.purpose) == purpose, col(Outbox.ref_id) == ref_id, col(Outbox.status) == OutboxStatus.PENDING,
               (col(Outbox.lease_until).is_(None)) | (col(Outbox.lease_until) < now))
        .values(status=OutboxStatus.FAILED, error="superseded")
    )
    return int(result.rowcount or 0)
