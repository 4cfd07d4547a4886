"""/report: who may see which districts, and the figures of a period as a Report of plain numbers
(bot/ui/report_texts.py renders them, bot/ui/charts.py draws them). The SQL is in db/repo/reports.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.domain.periods import MONTH, TODAY, WEEK, Args, Period, parse_args
from db.models import District, NoticeAudience, RequestKind, Staff, StaffRole
from db.repo import districts
from db.repo import notices as notices_repo
from db.repo import reports as repo
from db.repo import volunteers as volunteers_repo

#: The words that name a period.
PERIOD_WORDS = TODAY | WEEK | MONTH
#: Bins of the time-to-claim chart, in minutes: [0, 5), [5, 15), … , [480, ∞).
CLAIM_BINS_MINUTES = (5, 15, 30, 60, 120, 240, 480)
#: How many workers the report names.
BUSIEST = 5
#: The outcomes a day's bar is stacked by, bottom to top.
OUTCOMES = ("done", "failed", "cancelled", "open")
_OUTCOME_OF = {"done": "done", "received": "done", "failed": "failed", "cancelled": "cancelled",
               "new": "open", "claimed": "open", "on_the_way": "open"}


class ScopeRefusal(StrEnum):
    """Why a report of a district is refused."""

    NOT_YOURS = "not_yours"  # a worker asked for a district that is not theirs


@dataclass
class Scope:
    """The districts a report covers (ids and codes, in code order)."""

    districts: list[District]
    everything: bool  # all the chat may see, no district named

    @property
    def ids(self) -> list[int]:
        """Their ids."""
        return [d.id for d in self.districts if d.id is not None]


async def scope(session: AsyncSession, settings: Settings, member: Staff, chat_id: int,
                code: str | None) -> Scope | ScopeRefusal:
    """A coordinator sees every district of the deployment; a worker those of their chat, or only their own
    district when they have one. `code` narrows it to one district they may see."""
    if member.role == StaffRole.COORDINATOR:
        visible = await districts.all_districts(session)
    else:
        visible = await districts.served_by(session, chat_id, settings.staff_chat_id)
        if member.district_id is not None:
            visible = [d for d in visible if d.id == member.district_id]
    if code is None:
        return Scope(visible, True)
    chosen = [d for d in visible if d.code == code]
    return Scope(chosen, False) if chosen else ScopeRefusal.NOT_YOURS


@dataclass
class Counts:
    """Requests by what became of them."""

    filed: int = 0
    claimed: int = 0
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    open: int = 0
    breached: int = 0

    def add(self, status: str, n: int, claimed: int, breached: int) -> None:
        """Count n requests now in `status`."""
        self.filed += n
        self.claimed += claimed
        self.breached += breached
        outcome = _OUTCOME_OF[status]
        setattr(self, outcome, getattr(self, outcome) + n)

    @property
    def rate(self) -> float | None:
        """Fulfilment rate: done among those filed and not cancelled (None when there are none)."""
        base = self.filed - self.cancelled
        return self.done / base if base else None


@dataclass
class CheckinFigures:
    """Check-ins due in the period and what became of them."""

    asked: int = 0
    fine: int = 0
    not_well: int = 0
    help: int = 0
    missed: int = 0  # delivered and never answered
    escalated: int = 0  # put before the staff (missed, unreachable, or an answer that asked for it)
    unreachable: int = 0  # could not be delivered (the resident blocked the bot or is gone)
    pending: int = 0  # not answered yet, still within the grace period


@dataclass
class VolunteerFigures:
    """Deliveries handed to volunteers in the period (by when they were handed over)."""

    handed: int = 0
    delivered: int = 0
    not_delivered: int = 0  # the volunteer could not deliver, or it was taken back: the worker's again
    open: int = 0  # offered, taken or picked up now
    volunteers: int = 0  # different volunteers who took one


@dataclass
class NoticeFigures:
    """Official notices sent in the period (bot/services/notices.py) and what became of their messages."""

    sent: int = 0  # notices sent (cancelled ones included: they reached some)
    reached: int = 0  # recipients who got one
    unreachable: int = 0  # recipients Telegram refused (blocked the bot)


@dataclass
class Report:
    """The figures of a period; times in seconds; a None time means no request had one."""

    period: Period
    scope: Scope
    totals: Counts
    by_kind: dict[str, Counts]
    by_district: dict[int, Counts]
    claim_median: float | None
    claim_p90: float | None
    done_median: float | None
    done_p90: float | None
    rating_sum: int
    rating_count: int
    not_received: int
    checkins: CheckinFigures
    busiest: list[tuple[str, int, int]]
    #: day index → outcome → requests filed that day (for the chart)
    days: list[dict[str, int]] = field(default_factory=list)
    #: requests claimed within each bin of CLAIM_BINS_MINUTES (len + 1 counts)
    claim_histogram: list[int] = field(default_factory=list)
    volunteers: VolunteerFigures = field(default_factory=VolunteerFigures)
    notices: NoticeFigures = field(default_factory=NoticeFigures)

    @property
    def rating_mean(self) -> float | None:
        """The mean rating, None without ratings."""
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def day_dates(self) -> list[date]:
        """The date of each day."""
        return [self.period.first.fromordinal(self.period.first.toordinal() + i) for i in range(self.period.days)]


async def build(session: AsyncSession, settings: Settings, chosen: Scope, period: Period) -> Report:
    """Every figure of the report, each from one aggregate query."""
    ids = chosen.ids
    start, end = period.bounds(settings.tz)
    now = clock.now()
    totals, by_kind, by_district = Counts(), {k.value: Counts() for k in RequestKind}, {i: Counts() for i in ids}
    rating_sum = rating_count = 0
    sla = settings.sla
    rows = await repo.request_groups(session, ids, start, end, now, sla.urgent_escalate_minutes * 60.0,
                                     sla.escalate_minutes * 60.0)
    for district_id, kind, status, n, claimed, breached, r_sum, r_count in rows:
        for counts in (totals, by_kind[kind], by_district.setdefault(district_id or 0, Counts())):
            counts.add(status, n, claimed, breached)
        rating_sum += r_sum
        rating_count += r_count
    claim, histogram = await repo.claim_times(session, ids, start, end, (0.5, 0.9),
                                              [m * 60.0 for m in CLAIM_BINS_MINUTES])
    done = await repo.percentiles(session, ids, start, end, "done", (0.5, 0.9))
    checkins = CheckinFigures()
    for answer, escalated, delivered, n in await repo.checkin_groups(session, ids, start, end):
        checkins.asked += n
        if escalated:
            checkins.escalated += n
        if answer == "missed":
            if delivered:
                checkins.missed += n
            else:
                checkins.unreachable += n
        elif answer == "pending":
            checkins.pending += n
        else:
            setattr(checkins, answer, getattr(checkins, answer) + n)
    days = [{o: 0 for o in OUTCOMES} for _ in range(period.days)]
    for index, status, n in await repo.per_day(session, ids, period.day_starts(settings.tz), settings.timezone):
        if 0 <= index < len(days):
            days[index][_OUTCOME_OF[status]] += n
    handed = await volunteers_repo.period_counts(session, ids, start, end)
    figures = VolunteerFigures(
        handed=sum(n for status, n in handed.items() if status != "volunteers"),
        delivered=handed.get("delivered", 0), not_delivered=handed.get("failed", 0) + handed.get("returned", 0),
        open=handed.get("offered", 0) + handed.get("taken", 0) + handed.get("picked_up", 0),
        volunteers=handed.get("volunteers", 0),
    )
    return Report(
        volunteers=figures, period=period, scope=chosen, totals=totals, by_kind=by_kind, by_district=by_district,
        claim_median=claim[0], claim_p90=claim[1], done_median=done[0], done_p90=done[1],
        rating_sum=rating_sum, rating_count=rating_count,
        not_received=await repo.not_received(session, ids, start, end), checkins=checkins,
        busiest=await repo.busiest(session, ids, start, end, BUSIEST), days=days, claim_histogram=histogram,
        notices=await notice_figures(session, chosen, start, end),
    )


async def notice_figures(session: AsyncSession, chosen: Scope, start: datetime, end: datetime) -> NoticeFigures:
    """Notices sent in [start, end) to the report's scope: those to any of its districts, and those to
    residents with check-ins or to the staff when the report covers all the reader may see."""
    figures = NoticeFigures()
    wanted = set(chosen.ids)
    for notice in await notices_repo.in_period(session, start, end):
        if notice.audience == NoticeAudience.DISTRICTS:
            if not wanted & set(notice.district_ids):
                continue
        elif not chosen.everything:
            continue
        figures.sent += 1
        figures.reached += notice.sent
        figures.unreachable += notice.unreachable
    return figures


def today(settings: Settings) -> date:
    """Today's date in the deployment's timezone."""
    return clock.now().astimezone(settings.tz).date()


async def parse(session: AsyncSession, settings: Settings, text: str, flags: frozenset[str] = frozenset(),
                default: str = "today") -> Args:
    """A command's arguments: a period, a district code of the deployment, "personal", its own flags."""
    codes = {d.code for d in await districts.all_districts(session)}
    return parse_args(text, today(settings), codes, flags, default)
