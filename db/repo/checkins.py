"""Check-in plan and check-in queries."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ColumnElement, String, case, cast, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Checkin, CheckinAnswer, CheckinPlan, Resident, storable_id


async def plan_of(session: AsyncSession, resident_id: int) -> CheckinPlan | None:
    """A resident's plan."""
    return (await session.exec(select(CheckinPlan).where(CheckinPlan.resident_id == resident_id))).first()


#: The flags that order a check-in wave (bot/domain/flags.COLUMN_FLAGS, kept as columns so that SQL sees them).
RISK_FLAGS = ("lives_alone", "over_65", "disability", "chronic_illness")


def risk_of_resident() -> ColumnElement[int]:
    """How many of the four vulnerability flags kept as columns a resident has (0–4): lives alone, over
    65, a disability, a chronic illness. The check-in wave asks the most at risk first."""
    return sum(  # type: ignore[return-value]
        (case((col(getattr(Resident, flag)).is_(True), 1), else_=0) for flag in RISK_FLAGS), literal(0)
    )



async def due_plans(session: AsyncSession, now: datetime, limit: int) -> list[CheckinPlan]:
    """Active plans whose time has come, most at risk first (risk_of_resident, highest first), then by
    their own due time; locked so that another instance skips them. When more are due than the wave's
    look-ahead takes, the residents with more vulnerability flags are asked first."""
    query = (
        select(CheckinPlan)
        .join(Resident, col(Resident.id) == col(CheckinPlan.resident_id))
        .where(col(CheckinPlan.active).is_(True), col(CheckinPlan.next_due_at) <= now)
        .order_by(risk_of_resident().desc(), col(CheckinPlan.next_due_at), col(CheckinPlan.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=CheckinPlan)
    )
    return list((await session.exec(query)).all())


async def residents_by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Resident]:
    """Residents by id."""
    if not ids:
        return {}
    rows = (await session.exec(select(Resident).where(col(Resident.id).in_(ids)))).all()
    return {r.id: r for r in rows if r.id is not None}


async def by_id(session: AsyncSession, checkin_id: int) -> Checkin | None:
    """A check-in; None for an id no row can have (see storable_id)."""
    return await session.get(Checkin, checkin_id) if storable_id(checkin_id) else None


async def awaiting_answer(session: AsyncSession, resident_id: int, since: datetime) -> Checkin | None:
    """The resident's latest check-in delivered since `since` and not answered yet."""
    query = select(Checkin).where(
        Checkin.resident_id == resident_id, Checkin.answer == CheckinAnswer.PENDING,
        col(Checkin.sent_at).is_not(None), col(Checkin.sent_at) >= since,
    )
    return (await session.exec(query.order_by(col(Checkin.id).desc()).limit(1))).first()


async def due_follow_ups(session: AsyncSession, now: datetime, limit: int) -> list[Checkin]:
    """Unanswered check-ins whose reminder or escalation time has come (locked)."""
    query = (
        select(Checkin)
        .where(Checkin.answer == CheckinAnswer.PENDING, col(Checkin.next_check_at) <= now)
        .order_by(col(Checkin.next_check_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def last_answered(session: AsyncSession, resident_id: int, before_id: int | None = None) -> Checkin | None:
    """The resident's latest answered check-in."""
    query = select(Checkin).where(Checkin.resident_id == resident_id, col(Checkin.answered_at).is_not(None))
    if before_id is not None:
        query = query.where(col(Checkin.id) != before_id)
    return (await session.exec(query.order_by(col(Checkin.answered_at).desc()).limit(1))).first()


async def of_request(session: AsyncSession, request_id: int) -> Checkin | None:
    """The check-in that raised an escalation request."""
    return (await session.exec(select(Checkin).where(Checkin.request_id == request_id))).first()


async def roll(session: AsyncSession, since: datetime, district_ids: list[int]) -> list[tuple[int | None, str, bool, int]]:
    """Today's check-ins of some districts: (district id, answer, escalated, count)."""
    escalated = col(Checkin.escalated_at).is_not(None)
    query = (
        select(Checkin.district_id, Checkin.answer, escalated, func.count())
        .where(col(Checkin.district_id).in_(district_ids), col(Checkin.due_at) >= since)
        .group_by(Checkin.district_id, Checkin.answer, escalated)
    )
    return [(d, str(a), bool(e), int(n)) for d, a, e, n in (await session.exec(query)).all()]


async def attention_flags(
    session: AsyncSession, today: datetime, district_ids: list[int]
) -> list[tuple[int | None, list[str], list[str], int]]:
    """Today's check-ins of some districts that were not well, needed help, went unanswered or were
    escalated, by the flags of their residents: (district id, column flags set, other_flags, count)."""
    attention = col(Checkin.answer).in_([CheckinAnswer.NOT_WELL, CheckinAnswer.HELP, CheckinAnswer.MISSED]) | col(
        Checkin.escalated_at).is_not(None)
    other = cast(Resident.other_flags, String)
    columns = (Resident.lives_alone, Resident.over_65, Resident.disability, Resident.chronic_illness)
    query = (
        select(Checkin.district_id, *columns, other, func.count())
        .select_from(Checkin)
        .join(Resident, col(Resident.id) == Checkin.resident_id)
        .where(col(Checkin.district_id).in_(district_ids), col(Checkin.due_at) >= today, attention)
        .group_by(Checkin.district_id, *columns, other)
    )
    rows = []
    for district_id, alone, over_65, disability, chronic, others, n in (await session.exec(query)).all():
        set_columns = [code for code, value in zip(
            ("lives_alone", "over_65", "disability", "chronic_illness"), (alone, over_65, disability, chronic), strict=True
        ) if value]
        rows.append((district_id, set_columns, list(json.loads(others or "[]")), int(n)))
    return rows


async def paused_counts(session: AsyncSession, today: datetime, district_ids: list[int]) -> dict[int | None, int]:
    """Plans of some districts paused today, by district."""
    query = (
        select(Resident.district_id, func.count())
        .select_from(CheckinPlan)
        .join(Resident, col(Resident.id) == CheckinPlan.resident_id)
        .where(col(CheckinPlan.active).is_(True), col(CheckinPlan.paused_until) > today.date(),
               col(Resident.district_id).in_(district_ids))
        .group_by(Resident.district_id)
    )
    return {d: int(n) for d, n in (await session.exec(query)).all()}


async def mark_delivered(session: AsyncSession, checkin_ids: list[int], at: datetime, check_at: datetime) -> None:
    """The questions reached their residents: grace periods start now."""
    from sqlalchemy import update

    await session.execute(
        update(Checkin)
        .where(col(Checkin.id).in_(checkin_ids), col(Checkin.sent_at).is_(None))
        .values(sent_at=at)
    )
    await session.execute(
        update(Checkin)
        .where(col(Checkin.id).in_(checkin_ids), Checkin.answer == CheckinAnswer.PENDING, col(Checkin.next_check_at).is_(None),
               col(Checkin.reminded_at).is_(None))
        .values(next_check_at=check_at)
    )
