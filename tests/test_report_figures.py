"""The figures of /report against a seeded database (no bot): every number computed by hand below,
from the rows as written, not by the code under test. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.periods import Period
from bot.services import reports
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.models import (
    Checkin, CheckinAnswer, District, Request, RequestEvent, RequestKind, RequestStatus, Resident, Staff, StaffRole,
    Urgency,
)

TZ = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 7))


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A time in the deployment's timezone (UTC+8)."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A migrated, empty database."""
    engine = make_engine(database_url)
    await migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as s:
            yield s
    finally:
        await engine.dispose()


def settings() -> Settings:
    """Settings with the default SLA: escalation after 45 min, 15 min when urgent."""
    return Settings(bot_token="123456:TEST-TOKEN", telegram_api_url="http://127.0.0.1:1", staff_chat_id=-100, timezone="Asia/Shanghai", _env_file=None,
                    districts=[{"code": "a", "name": "A"}, {"code": "b", "name": "B"}])


async def seed(session: AsyncSession) -> dict[str, int]:
    """Two districts, three workers, ten requests (eight in the period), eight check-ins (seven in it)."""
    a, b = District(code="a", name="A"), District(code="b", name="B")
    session.add_all([a, b])
    await session.flush()
    people = [Resident(locale="zh", district_id=d.id) for d in (a, b)]
    workers = [Staff(tg_user_id=100 + i, chat_id=-100, name=name, role=StaffRole.WORKER)
               for i, name in enumerate(["王社工", "李社工", "张社工"])]
    session.add_all([*people, *workers])
    await session.flush()
    w1, w2, w3 = (w.id for w in workers)

    def request(n: int, district: District, kind: RequestKind, status: RequestStatus, created: datetime,
                claim_min: int | None = None, done_min: int | None = None, worker: int | None = None,
                urgent: bool = False, rating: int | None = None) -> Request:
        return Request(
            resident_id=people[0 if district is a else 1].id, district_id=district.id, kind=kind, status=status,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL, draft_key=f"k{n}", created_at=created,
            claimed_at=created + timedelta(minutes=claim_min) if claim_min is not None else None,
            finished_at=created + timedelta(minutes=done_min) if done_min is not None else None,
            claimed_by=worker, rating=rating,
        )

    S, M, P, W = RequestKind.SUPPLIES, RequestKind.MEDICINE, RequestKind.PSYCH, RequestKind.WELLBEING
    rows = [
        request(1, a, S, RequestStatus.DONE, local(1, 10), 10, 120, w1, rating=5),
        request(2, a, S, RequestStatus.RECEIVED, local(1, 11), 20, 180, w1, rating=3),
        request(3, a, M, RequestStatus.FAILED, local(2, 9), 50, 60, w1),  # claimed after 45 min: SLA
        request(4, a, M, RequestStatus.CANCELLED, local(3, 9)),
        request(5, a, P, RequestStatus.CLAIMED, local(3, 12), 20, None, w2, urgent=True),  # urgent, 20 > 15: SLA
        request(6, a, S, RequestStatus.NEW, local(5, 8)),  # never claimed and long past 45 min: SLA
        request(7, b, S, RequestStatus.DONE, local(4, 10), 5, 60, w2, rating=4),
        request(8, b, W, RequestStatus.DONE, local(6, 23, 30), 1, 30, w3, urgent=True),  # 15:30 UTC: still 6 Nov
        request(9, a, S, RequestStatus.DONE, local(31, 23, 50, month=10), 1, 5, w3),  # the day before
        request(10, a, S, RequestStatus.NEW, local(8, 0)),  # the day after
    ]
    session.add_all(rows)
    await session.flush()
    session.add_all([
        RequestEvent(request_id=rows[0].id, actor="resident", action="not_received", at=local(1, 13)),
        RequestEvent(request_id=rows[8].id, actor="resident", action="not_received", at=local(31, 23, month=10)),
    ])
    A = CheckinAnswer

    def checkin(district: District, answer: CheckinAnswer, day: int, sent: bool = True, escalated: bool = False) -> Checkin:
        due = local(day, 9)
        return Checkin(resident_id=people[0].id, district_id=district.id, due_at=due, answer=answer,
                       sent_at=due if sent else None, escalated_at=due + timedelta(hours=2) if escalated else None)

    session.add_all([
        checkin(a, A.FINE, 1), checkin(b, A.FINE, 2), checkin(a, A.NOT_WELL, 2), checkin(a, A.HELP, 3, escalated=True),
        checkin(a, A.MISSED, 4, escalated=True), checkin(b, A.MISSED, 5, sent=False, escalated=True),
        checkin(a, A.PENDING, 7), checkin(a, A.FINE, 8),
    ])
    await session.commit()
    return {"a": a.id or 0, "b": b.id or 0}


async def test_the_figures_of_a_week(session: AsyncSession) -> None:
    """Both districts, 1–7 November: every figure as worked out by hand from the rows above."""
    ids = await seed(session)
    chosen = reports.Scope([await session.get(District, ids["a"]), await session.get(District, ids["b"])], True)  # type: ignore[list-item]
    report = await reports.build(session, settings(), chosen, PERIOD)
    t = report.totals
    assert (t.filed, t.claimed, t.done, t.failed, t.cancelled, t.open) == (8, 6, 4, 1, 1, 2)
    assert t.rate == pytest.approx(4 / 7)
    assert t.breached == 3
    # time to claim (min) 10, 20, 50, 20, 5, 1 → sorted 1 5 10 20 20 50: rank 3 and rank 6 of 6
    assert (report.claim_median, report.claim_p90) == (pytest.approx(600, abs=0.01), pytest.approx(3000, abs=0.01))
    # time to done (min) of the done ones 120, 180, 60, 30 → 30 60 120 180: rank 2 and rank 4 of 4
    assert (report.done_median, report.done_p90) == (pytest.approx(3600, abs=0.01), pytest.approx(10800, abs=0.01))
    supplies = report.by_kind["supplies"]
    assert (supplies.filed, supplies.done, supplies.open) == (4, 3, 1)
    assert (report.by_kind["medicine"].failed, report.by_kind["medicine"].cancelled) == (1, 1)
    assert (report.by_district[ids["a"]].filed, report.by_district[ids["a"]].done, report.by_district[ids["a"]].open) == (6, 2, 2)
    assert (report.by_district[ids["b"]].filed, report.by_district[ids["b"]].done) == (2, 2)
    assert (report.rating_sum, report.rating_count, report.rating_mean) == (12, 3, 4.0)
    assert report.not_received == 1
    c = report.checkins
    assert (c.asked, c.fine, c.not_well, c.help, c.missed, c.escalated, c.unreachable, c.pending) == (7, 2, 1, 1, 1, 3, 1, 1)
    assert report.busiest == [("王社工", 3, 2), ("李社工", 2, 1), ("张社工", 1, 1)]
    zero = {"done": 0, "failed": 0, "cancelled": 0, "open": 0}
    assert report.days == [
        {**zero, "done": 2}, {**zero, "failed": 1}, {**zero, "cancelled": 1, "open": 1}, {**zero, "done": 1},
        {**zero, "open": 1}, {**zero, "done": 1}, zero,
    ]
    assert report.claim_histogram == [1, 2, 2, 1, 0, 0, 0, 0]  # <5, 5–15, 15–30, 30–60, … minutes


async def test_one_district_and_an_empty_period(session: AsyncSession) -> None:
    """District B alone; a period with nothing in it has no times and no rate."""
    ids = await seed(session)
    b = await session.get(District, ids["b"])
    assert b is not None
    report = await reports.build(session, settings(), reports.Scope([b], False), PERIOD)
    assert (report.totals.filed, report.totals.done, report.totals.breached) == (2, 2, 0)
    assert (report.claim_median, report.claim_p90) == (pytest.approx(60, abs=0.01), pytest.approx(300, abs=0.01))
    assert report.checkins.asked == 2 and report.checkins.unreachable == 1
    assert report.busiest == [("李社工", 1, 1), ("张社工", 1, 1)]
    empty = await reports.build(session, settings(), reports.Scope([b], False), Period(date(2026, 12, 1), date(2026, 12, 1)))
    assert (empty.totals.filed, empty.totals.rate, empty.claim_median, empty.done_p90, empty.rating_mean) == (0, None, None, None, None)

