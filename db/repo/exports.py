"""The rows of an export (requests, their items, check-ins of a period) and the record of every export.
Rows are read as plain tuples through a streamed result, a few thousand at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Checkin, District, ExportRecord, Request, RequestItem, Resident, Staff
from db.repo.reports import at

#: Rows fetched from the database at a time.
CHUNK = 2000


async def _rows(session: AsyncSession, query: Any) -> list[tuple[Any, ...]]:
    result = await session.stream(query.execution_options(yield_per=CHUNK))
    rows: list[tuple[Any, ...]] = []
    async for partition in result.partitions():
        rows.extend(tuple(row) for row in partition)
    return rows


async def requests(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, personal: bool
) -> list[tuple[Any, ...]]:
    """Requests filed in [start, end): number, kind, urgency, district code, status, filed, claimed,
    finished, worker, reason it failed, rating (then name, phone, address with personal data), by number."""
    columns: list[Any] = [
        Request.id, Request.kind, Request.urgency, District.code, Request.status, Request.created_at,
        Request.claimed_at, Request.finished_at, Staff.name, Request.fail_reason, Request.rating,
    ]
    query = (
        select(*columns, *([Resident.name, Resident.phone, Request.address, Resident.address] if personal else []))
        .select_from(Request)
        .outerjoin(District, col(District.id) == col(Request.district_id))
        .outerjoin(Staff, col(Staff.id) == col(Request.claimed_by))
        .where(col(Request.district_id).in_(list(district_ids)), col(Request.created_at) >= at(start),
               col(Request.created_at) < at(end))
        .order_by(col(Request.id))
    )
    if personal:
        query = query.outerjoin(Resident, col(Resident.id) == col(Request.resident_id))
    rows = await _rows(session, query)
    if personal:  # the delivery address of the request, else the registered one
        rows = [(*row[:13], row[13] or row[14]) for row in rows]
    return rows


async def items(session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """The items of those requests: request number, position, name, quantity."""
    query = (
        select(RequestItem.request_id, RequestItem.position, RequestItem.name, RequestItem.quantity)
        .join(Request, col(Request.id) == col(RequestItem.request_id))
        .where(col(Request.district_id).in_(list(district_ids)), col(Request.created_at) >= at(start),
               col(Request.created_at) < at(end))
        .order_by(col(RequestItem.request_id), col(RequestItem.position))
    )
    return await _rows(session, query)


async def checkins(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, personal: bool
) -> list[tuple[Any, ...]]:
    """Check-ins due in [start, end): id, district code, due, delivered, answer, answered, escalated,
    the request it raised (then the resident's name and phone with personal data)."""
    person = aliased(Resident)
    query = (
        select(Checkin.id, District.code, Checkin.due_at, Checkin.sent_at, Checkin.answer, Checkin.answered_at,
               Checkin.escalated_at, Checkin.request_id, *([person.name, person.phone] if personal else []))
        .select_from(Checkin)
        .outerjoin(District, col(District.id) == col(Checkin.district_id))
        .where(col(Checkin.district_id).in_(list(district_ids)), col(Checkin.due_at) >= at(start),
               col(Checkin.due_at) < at(end))
        .order_by(col(Checkin.due_at), col(Checkin.id))
    )
    if personal:
        query = query.outerjoin(person, col(person.id) == col(Checkin.resident_id))
    return await _rows(session, query)


def record(session: AsyncSession, *, source: str, staff_id: int | None, tg_user_id: int | None, first: date,
           last: date, district: str | None, personal: bool, requests: int) -> ExportRecord:
    """Record an export in the caller's transaction."""
    row = ExportRecord(source=source, staff_id=staff_id, tg_user_id=tg_user_id, first_day=first, last_day=last,
                       district=district, personal=personal, requests=requests)
    session.add(row)
    return row


async def recorded(session: AsyncSession) -> list[ExportRecord]:
    """Every recorded export, oldest first."""
    return list((await session.exec(select(ExportRecord).order_by(col(ExportRecord.id)))).all())
