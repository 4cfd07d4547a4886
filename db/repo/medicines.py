"""Medicine queries: a resident's medicines, reminders and escalations that are due, who runs out soon."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Medicine, Resident, storable_id


async def by_id(session: AsyncSession, medicine_id: int) -> Medicine | None:
    """A medicine; None for an id no row can have."""
    return await session.get(Medicine, medicine_id) if storable_id(medicine_id) else None


async def of_resident(session: AsyncSession, resident_id: int) -> list[Medicine]:
    """A resident's active medicines, soonest to run out first."""
    query = (select(Medicine).where(Medicine.resident_id == resident_id, col(Medicine.active).is_(True))
             .order_by(col(Medicine.runs_out_on), col(Medicine.id)))
    return list((await session.exec(query)).all())


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> list[Medicine]:
    """Active medicines whose reminder is due, oldest first (locked: another instance skips them)."""
    query = (
        select(Medicine)
        .where(col(Medicine.active).is_(True), col(Medicine.remind_at) <= now)
        .order_by(col(Medicine.remind_at), col(Medicine.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def due_escalations(session: AsyncSession, now: datetime, limit: int) -> list[Medicine]:
    """«Do not interrupt» medicines whose reminder got no answer in time (locked)."""
    query = (
        select(Medicine)
        .where(col(Medicine.escalate_at) <= now)
        .order_by(col(Medicine.escalate_at), col(Medicine.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def running_out(session: AsyncSession, district_ids: list[int], until: date, limit: int) -> list[tuple[Medicine, Resident]]:
    """Active medicines of registered residents of these districts that run out on or before `until`:
    «do not interrupt» first, then the soonest."""
    if not district_ids:
        return []
    query = (
        select(Medicine, Resident)
        .join(Resident, col(Resident.id) == col(Medicine.resident_id))
        .where(col(Medicine.active).is_(True), col(Medicine.runs_out_on) <= until,
               col(Resident.district_id).in_(district_ids), col(Resident.registered_at).is_not(None))
        .order_by(col(Medicine.do_not_interrupt).desc(), col(Medicine.runs_out_on), col(Medicine.id))
        .limit(limit)
    )
    return [(m, r) for m, r in (await session.exec(query)).all()]


async def delete_of_resident(session: AsyncSession, resident_id: int) -> None:
    """A resident erased their data: their medicines are gone (health data)."""
    await session.execute(delete(Medicine).where(col(Medicine.resident_id) == resident_id))
