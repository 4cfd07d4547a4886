"""The figures of /report and the rows of /needs and /export: SQL aggregates over a period, never a
Python loop over every request (a city has hundreds of thousands). Each works on SQLite and PostgreSQL:
durations are computed by `seconds_between`, percentiles by the nearest rank (ORDER BY … OFFSET), and
days are buckets between boundaries computed by the caller in the deployment's timezone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.sqltypes import UTCDateTime

from db.models import (
    OPEN_STATUSES, Checkin, CheckinAnswer, Request, RequestEvent, RequestItem, RequestKind, RequestStatus, Resident,
    Staff, Urgency,
)

DONE_STATUSES = (RequestStatus.DONE, RequestStatus.RECEIVED)


def at(value: datetime) -> ColumnElement[Any]:
    """A time as a bound value of the columns' own type (naive UTC text on SQLite, timestamptz on PostgreSQL)."""
    return literal(value, UTCDateTime())


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """end − start in seconds, as a float, on either database."""
    if dialect == "postgresql":
        # date_part, not EXTRACT: since PostgreSQL 14 EXTRACT returns numeric, and sorting 150,000 numerics for
        # a city's month (percentile_disc) and comparing each with the histogram's float edges took twice as
        # long as with doubles, spilling the sort to disk at the default work_mem (bench/report_scale.py).
        return func.date_part("epoch", end - start, type_=Float)
    # julianday() is a double of ~2.46 million days: about 40 µs of noise, so 300 s may come out as 299.99998.
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3), Float)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name


def _scope(district_ids: Sequence[int], start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Requests of these districts filed in [start, end)."""
    return [col(Request.district_id).in_(list(district_ids)), col(Request.created_at) >= at(start),
            col(Request.created_at) < at(end)]


def sla_limit(urgent_seconds: float, normal_seconds: float) -> ColumnElement[float]:
    """The escalation limit of each request, by its urgency."""
    return case((col(Request.urgency) == Urgency.URGENT, literal(urgent_seconds)), else_=literal(normal_seconds))


async def request_groups(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, now: datetime,
    urgent_sla: float, normal_sla: float,
) -> list[tuple[int | None, str, str, int, int, int, int, int]]:
    """Requests filed in the period, grouped by (district id, kind, status): count, how many were ever
    claimed, how many breached the SLA (claimed after the escalation limit, or still unclaimed and open past
    it), the sum and the count of their ratings."""
    dialect = _dialect(session)
    waited = seconds_between(dialect, Request.created_at, func.coalesce(Request.claimed_at, at(now)))
    open_or_claimed = or_(col(Request.claimed_at).is_not(None), col(Request.status).in_(OPEN_STATUSES))
    breached = func.sum(case((and_(open_or_claimed, waited > sla_limit(urgent_sla, normal_sla)), 1), else_=0))
    query = (
        select(
            Request.district_id, Request.kind, Request.status, func.count(),
            func.count(Request.claimed_at), breached, func.coalesce(func.sum(Request.rating), 0), func.count(Request.rating),
        )
        .where(*_scope(district_ids, start, end))
        .group_by(Request.district_id, Request.kind, Request.status)
    )
    rows = (await session.exec(query)).all()
    return [(d, str(RequestKind(k)), str(RequestStatus(s)), int(n), int(c), int(b or 0), int(rs or 0), int(rn))
            for d, k, s, n, c, b, rs, rn in rows]


def _delay(dialect: str, which: str) -> tuple[ColumnElement[float], list[ColumnElement[bool]]]:
    """The duration and the condition for "claim" (filing to claim) or "done" (filing to done)."""
    if which == "claim":
        return seconds_between(dialect, Request.created_at, Request.claimed_at), [col(Request.claimed_at).is_not(None)]
    return (seconds_between(dialect, Request.created_at, Request.finished_at),
            [col(Request.finished_at).is_not(None), col(Request.status).in_(DONE_STATUSES)])


async def percentiles(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, which: str,
    fractions: Sequence[float],
) -> list[float | None]:
    """Nearest-rank percentiles (the smallest value with at least that fraction of values at or below it)
    of the time to claim or to done, in seconds, of the requests filed in the period; None when there are
    none. PostgreSQL: percentile_disc, all fractions from one sort; SQLite: ORDER BY … OFFSET per fraction."""
    dialect = _dialect(session)
    delay, condition = _delay(dialect, which)
    where = [*_scope(district_ids, start, end), *condition]
    if dialect == "postgresql":
        wanted = [func.percentile_disc(fraction).within_group(delay) for fraction in fractions]
        values = (await session.exec(select(*wanted).where(*where))).one()
        return [float(v) if v is not None else None for v in values]
    count = int((await session.exec(select(func.count()).select_from(Request).where(*where))).one())
    result: list[float | None] = []
    for fraction in fractions:
        if not count:
            result.append(None)
            continue
        rank = max(1, -(-int(round(fraction * 1000)) * count // 1000))  # ceil(fraction × count), exactly
        query = select(delay).where(*where).order_by(delay).offset(rank - 1).limit(1)
        result.append(float((await session.exec(query)).one()))
    return result


async def delay_histogram(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, edges: Sequence[float]
) -> list[int]:
    """How many requests filed in the period were claimed within each bin of `edges` seconds
    ([0, e0), [e0, e1), …, [e_last, ∞)): len(edges) + 1 counts."""
    delay, condition = _delay(_dialect(session), "claim")
    bucket = case(*[(delay < edge, literal(i)) for i, edge in enumerate(edges)], else_=literal(len(edges)))
    query = select(bucket, func.count()).where(*_scope(district_ids, start, end), *condition).group_by(bucket)
    counts = [0] * (len(edges) + 1)
    for index, n in (await session.exec(query)).all():
        counts[int(index)] += int(n)
    return counts


async def claim_times(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, fractions: Sequence[float],
    edges: Sequence[float],
) -> tuple[list[float | None], list[int]]:
    """The percentiles of the time to claim (as `percentiles`) and its histogram (as `delay_histogram`);
    on PostgreSQL from one pass over the period's requests."""
    dialect = _dialect(session)
    if dialect != "postgresql":
        return (await percentiles(session, district_ids, start, end, "claim", fractions),
                await delay_histogram(session, district_ids, start, end, edges))
    computed, condition = _delay(dialect, "claim")
    # Each delay computed once, in a subquery that OFFSET 0 keeps PostgreSQL from merging into the outer query
    # (merged, the expression is evaluated again in each of the 16 bin comparisons: a third of the statement's
    # time for a city's month).
    rows = select(computed.label("delay")).where(*_scope(district_ids, start, end), *condition).offset(0).subquery()
    delay = rows.c.delay
    wanted: list[Any] = [func.percentile_disc(fraction).within_group(delay) for fraction in fractions]
    bins = [delay < edges[0], *(and_(delay >= low, delay < high) for low, high in zip(edges, edges[1:])),
            delay >= edges[-1]]
    wanted += [func.count().filter(inside) for inside in bins]
    row = (await session.exec(select(*wanted).select_from(rows))).one()
    values = [float(v) if v is not None else None for v in row[: len(fractions)]]
    return values, [int(n) for n in row[len(fractions):]]


def day_bucket(column: Any, boundaries: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the day a time falls in (boundaries: each day's start, then the end)."""
    return case(*[(column < at(b), literal(i)) for i, b in enumerate(boundaries[1:])], else_=literal(len(boundaries) - 1))


async def per_day(
    session: AsyncSession, district_ids: Sequence[int], boundaries: Sequence[datetime], tz: str
) -> list[tuple[int, str, int]]:
    """Requests filed each day, by their status now: (day index, status, count). Days are local days of
    `tz`: PostgreSQL converts each time to the zone and takes its date; SQLite compares with the
    boundaries (each day's local midnight, then the end)."""
    if _dialect(session) == "postgresql":
        day: Any = func.date(func.timezone(tz, Request.created_at))
    else:
        day = day_bucket(Request.created_at, boundaries)
    query = (
        select(day, Request.status, func.count())
        .where(*_scope(district_ids, boundaries[0], boundaries[-1]))
        .group_by(day, Request.status)
    )
    first = boundaries[0].date()
    rows = (await session.exec(query)).all()
    return [(int(d) if isinstance(d, int) else (d - first).days, str(RequestStatus(s)), int(n)) for d, s, n in rows]


async def not_received(session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime) -> int:
    """"Not received" answers given in the period to requests of these districts."""
    query = (
        select(func.count())
        .select_from(RequestEvent)
        .join(Request, col(Request.id) == col(RequestEvent.request_id))
        .where(col(RequestEvent.action) == "not_received", col(RequestEvent.at) >= at(start),
               col(RequestEvent.at) < at(end), col(Request.district_id).in_(list(district_ids)))
    )
    return int((await session.exec(query)).one())


async def checkin_groups(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[str, bool, bool, int]]:
    """Check-ins due in the period: (answer, escalated, delivered, count)."""
    escalated = col(Checkin.escalated_at).is_not(None)
    delivered = col(Checkin.sent_at).is_not(None)
    query = (
        select(Checkin.answer, escalated, delivered, func.count())
        .where(col(Checkin.district_id).in_(list(district_ids)), col(Checkin.due_at) >= at(start), col(Checkin.due_at) < at(end))
        .group_by(Checkin.answer, escalated, delivered)
    )
    return [(str(CheckinAnswer(a)), bool(e), bool(d), int(n)) for a, e, d, n in (await session.exec(query)).all()]


async def busiest(
    session: AsyncSession, district_ids: Sequence[int], start: datetime, end: datetime, limit: int
) -> list[tuple[str, int, int]]:
    """The workers who claimed the most requests in the period: (name, claimed, of them done)."""
    done = func.sum(case((col(Request.status).in_(DONE_STATUSES), 1), else_=0))
    claimed = func.count()
    query = (
        select(Staff.name, claimed, done)
        .select_from(Request)
        .join(Staff, col(Staff.id) == col(Request.claimed_by))
        .where(col(Request.district_id).in_(list(district_ids)), col(Request.claimed_at) >= at(start),
               col(Request.claimed_at) < at(end))
        .group_by(Staff.id, Staff.name)
        .order_by(claimed.desc(), done.desc(), col(Staff.id))
        .limit(limit)
    )
    return [(str(name), int(c), int(d or 0)) for name, c, d in (await session.exec(query)).all()]


# ------------------------------------------------------------------------------------------ /needs


async def open_items(
    session: AsyncSession, district_ids: Sequence[int], limit: int
) -> list[tuple[int, int | None, str | None, str, str]]:
    """The items of open supplies requests: (request id, district id, delivery address, name, quantity),
    by address then request. At most `limit` rows (the caller says when there were more)."""
    query = (
        select(Request.id, Request.district_id, func.coalesce(Request.address, Resident.address), RequestItem.name,
               RequestItem.quantity)
        .select_from(RequestItem)
        .join(Request, col(Request.id) == col(RequestItem.request_id))
        .join(Resident, col(Resident.id) == col(Request.resident_id))
        .where(col(Request.status).in_(OPEN_STATUSES), col(Request.kind) == RequestKind.SUPPLIES,
               col(Request.district_id).in_(list(district_ids)))
        .order_by(func.coalesce(Request.address, Resident.address), col(Request.id), col(RequestItem.position))
        .limit(limit)
    )
    return [(int(r), d, a, str(n), str(q or "")) for r, d, a, n, q in (await session.exec(query)).all()]


async def open_medicine(
    session: AsyncSession, district_ids: Sequence[int], limit: int
) -> list[tuple[int, int, str | None, str]]:
    """Open medicine requests: (request id, resident id, delivery address, what was asked for), oldest first.
    The address comes in the same query: a second query naming a city's few thousand request ids cost more
    in SQLAlchemy's expansion of the IN list than on the server (bench/report_scale.py)."""
    query = (
        select(Request.id, Request.resident_id, func.coalesce(Request.address, Resident.address),
               func.coalesce(Request.medicine, Request.details, ""))
        .join(Resident, col(Resident.id) == col(Request.resident_id))
        .where(col(Request.status).in_(OPEN_STATUSES), col(Request.kind) == RequestKind.MEDICINE,
               col(Request.district_id).in_(list(district_ids)))
        .order_by(col(Request.id))
        .limit(limit)
    )
    return [(int(r), int(p), a, str(t or "")) for r, p, a, t in (await session.exec(query)).all()]
