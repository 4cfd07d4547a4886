"""Check-in rules: plans, the due tick, reminders and escalation, answers, and requests they raise."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.services import staff
from bot.services.decisions import Batch, CardChanged, CheckinDue, Decision
from bot.domain.schedule import fmt, next_slot, parse_time, parse_times, quiet_end_after
from db.models import (
    OPEN_STATUSES,
    Checkin,
    CheckinAnswer,
    CheckinPlan,
    OutboxPriority,
    Request,
    RequestKind,
    Resident,
    Urgency,
)
from db.repo import checkins as repo
from db.repo import outbox as outbox_repo
from db.repo import requests as requests_repo

log = logging.getLogger(__name__)


class Reason(StrEnum):
    """Why a check-in became a request for the staff."""

    MISSED = "missed"
    UNREACHABLE = "unreachable"
    HELP = "help"
    HEALTH = "health"
    MEDICINE = "medicine"  # a «do not interrupt» medicine's reminder got no answer (bot/services/medicines.py)


@dataclass(frozen=True)
class Answered:
    """Outcome of an answer: the check-in (None when it is not the presser's), and whether it was new."""

    checkin: Checkin | None
    first: bool
    repeat: bool = False  # the same answer again (a double tap): nothing changed, nothing to say twice
    told: tuple[Decision, ...] = ()  # the card of the request the check-in raised, which shows the answer


@dataclass(frozen=True)
class Raised:
    """A wellbeing request raised for the staff (a new one, or the resident's open one again), and what
    to tell (its card)."""

    request: Request
    told: tuple[Decision, ...] = ()


def tz_of(resident: Resident, settings: Settings) -> ZoneInfo:
    """The resident's timezone (the deployment's unless they have their own)."""
    return ZoneInfo(resident.timezone) if resident.timezone else settings.tz


def schedule(plan: CheckinPlan, resident: Resident, settings: Settings, after: datetime) -> None:
    """Set the plan's next due time after an instant (None when stopped or without times)."""
    times = parse_times(plan.times)
    plan.next_due_at = next_slot(times, tz_of(resident, settings), after, plan.paused_until) if plan.active else None


def offered(resident: Resident) -> bool:
    """Who is offered daily check-ins at registration: living alone or over 65."""
    return resident.lives_alone or resident.over_65


async def enrol(session: AsyncSession, settings: Settings, resident: Resident, times: list[str] | None = None) -> CheckinPlan:
    """Start (or restart) daily check-ins for a resident."""
    plan = await repo.plan_of(session, resident.id or 0) or CheckinPlan(resident_id=resident.id or 0)
    plan.times = [fmt(t) for t in parse_times(times or [settings.checkins.default_time])]
    plan.quiet_start = plan.quiet_start or settings.checkins.quiet_start
    plan.quiet_end = plan.quiet_end or settings.checkins.quiet_end
    plan.active, plan.paused_until = True, None
    schedule(plan, resident, settings, clock.now())
    session.add(plan)
    log.info("resident %s enrolled in check-ins", resident.id)
    return plan


async def change(
    session: AsyncSession, settings: Settings, resident: Resident, plan: CheckinPlan, *,
    times: list[str] | None = None, paused_until: date | None | bool = False, active: bool | None = None,
    quiet: tuple[str, str] | None = None,
) -> CheckinPlan:
    """Change times, pause (a date, or None to resume), stop/start, or quiet hours; then reschedule."""
    if times is not None:
        plan.times = [fmt(t) for t in parse_times(times)] or plan.times
    if paused_until is not False:
        plan.paused_until = paused_until  # type: ignore[assignment]
    if active is not None:
        plan.active = active
    if quiet is not None:
        plan.quiet_start, plan.quiet_end = quiet
    schedule(plan, resident, settings, clock.now())
    session.add(plan)
    return plan


def pause_until(plan: CheckinPlan, resident: Resident, settings: Settings, days: int) -> date:
    """A pause of n days skips the next n days that have a check-in (today only if its check-in is still
    to come); the date returned is the day check-ins resume."""
    tz = tz_of(resident, settings)
    upcoming = next_slot(parse_times(plan.times), tz, clock.now())
    return (upcoming or clock.now()).astimezone(tz).date() + timedelta(days=days)


def wave_room(settings: Settings, queued: int) -> int:
    """How many more check-ins the outbox may take now: the bot's send budget over the look-ahead
    (CHECKINS__LOOKAHEAD_SECONDS × LIMITS__GLOBAL_PER_SECOND rows) less the `queued` check-in rows
    still pending; never negative. A wave of due check-ins thus enters the outbox as the budget can
    send it, so urgent rows never wait behind all of it and a plan paused meanwhile is honoured."""
    ahead = int(settings.limits.global_per_second * settings.checkins.lookahead_seconds)
    return max(0, ahead - queued)


async def send_due(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """One batch of due plans, as far as the look-ahead leaves room (wave_room), oldest due first: one
    check-in each (however long the bot was down), next time set. Returns how many plans it took and
    what to tell: the questions, and the cards of residents known to be unreachable."""
    room = wave_room(settings, await outbox_repo.pending_of_class(session, OutboxPriority.CHECKIN))
    if room == 0:
        return Batch()
    plans = await repo.due_plans(session, now, min(settings.checkins.batch, room))
    people = await repo.residents_by_ids(session, [p.resident_id for p in plans])
    new: list[tuple[Checkin, Resident]] = []
    for plan in plans:
        resident = people.get(plan.resident_id)
        if resident is None or resident.registered_at is None or resident.chat_id is None:
            plan.active, plan.next_due_at = False, None
            session.add(plan)
            continue
        tz = tz_of(resident, settings)
        quiet_until = quiet_end_after(now, tz, parse_time(plan.quiet_start) or parse_time("22:00"), parse_time(plan.quiet_end) or parse_time("07:00"))  # type: ignore[arg-type]
        if quiet_until > now:
            plan.next_due_at = quiet_until
            session.add(plan)
            continue
        due = plan.next_due_at or now
        if due.astimezone(tz).date() < now.astimezone(tz).date():
            due = now  # after an outage the one check-in sent now is today's, not that of a day long gone
        checkin = Checkin(resident_id=resident.id or 0, district_id=resident.district_id, due_at=due)
        session.add(checkin)
        new.append((checkin, resident))
        schedule(plan, resident, settings, max(now, plan.next_due_at or now))
        session.add(plan)
    await session.flush()
    told: list[Decision] = []
    for checkin, resident in new:
        if resident.unreachable:
            told += (await escalate(session, settings, checkin, resident, Reason.UNREACHABLE, now)).told
        else:
            told.append(CheckinDue(resident, checkin, reminder=False))
    return Batch(len(plans), told)


async def delivered(session: AsyncSession, settings: Settings, checkin_ids: list[int], at: datetime) -> None:
    """The questions reached their residents: grace periods start now, not when they were due."""
    await repo.mark_delivered(session, checkin_ids, at, at + timedelta(minutes=settings.checkins.reminder_after_minutes))


async def undeliverable(session: AsyncSession, settings: Settings, checkin_id: int) -> list[Decision]:
    """The resident blocked the bot or is gone: the staff hear at once (the card returned)."""
    checkin = await repo.by_id(session, checkin_id)
    if checkin is None or checkin.answer != CheckinAnswer.PENDING or checkin.escalated_at is not None:
        return []
    resident = (await repo.residents_by_ids(session, [checkin.resident_id])).get(checkin.resident_id)
    if resident is None:
        return []
    return list((await escalate(session, settings, checkin, resident, Reason.UNREACHABLE, clock.now())).told)


async def follow_up(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """Unanswered check-ins: a reminder first, then an escalation card. Returns how many it took and
    what to tell."""
    due = await repo.due_follow_ups(session, now, settings.checkins.batch)
    people = await repo.residents_by_ids(session, [c.resident_id for c in due])
    told: list[Decision] = []
    for checkin in due:
        resident = people.get(checkin.resident_id)
        if resident is None:
            checkin.next_check_at = None
        elif checkin.reminded_at is None:
            told.append(CheckinDue(resident, checkin, reminder=True))
            checkin.reminded_at = now
            start = checkin.sent_at or now
            checkin.next_check_at = max(now, start + timedelta(minutes=settings.checkins.escalate_after_minutes))
        else:
            told += (await escalate(session, settings, checkin, resident, Reason.MISSED, now)).told
        session.add(checkin)
    return Batch(len(due), told)


async def escalate(
    session: AsyncSession, settings: Settings, checkin: Checkin, resident: Resident, reason: Reason, now: datetime
) -> Raised:
    """Mark the check-in missed and put it before the staff as an urgent request (one per open case)."""
    raised = await raise_request(session, settings, resident, reason, key=f"{reason.value[0]}{checkin.id}")
    request = raised.request
    checkin.answer = CheckinAnswer.MISSED if checkin.answer == CheckinAnswer.PENDING else checkin.answer
    checkin.escalated_at, checkin.next_check_at, checkin.request_id = now, None, request.id
    session.add(checkin)
    log.info("check-in %s of resident %s escalated (%s) as request %s", checkin.id, resident.id, reason, request.id)
    return raised


async def raise_request(
    session: AsyncSession, settings: Settings, resident: Resident, reason: Reason, key: str | None = None
) -> Raised:
    """An urgent wellbeing request for the staff; an open one for the same resident is reused."""
    for existing in await requests_repo.of_resident(session, resident.id or 0, limit=20):
        if existing.kind == RequestKind.WELLBEING and existing.status in OPEN_STATUSES:
            requests_repo.add_event(session, existing.id or 0, "system", None, f"again_{reason.value}")
            if reason in (Reason.HELP, Reason.HEALTH):
                existing.details = reason.value
                session.add(existing)
            return Raised(existing, (CardChanged(existing),))
    request = Request(
        resident_id=resident.id or 0, district_id=resident.district_id, kind=RequestKind.WELLBEING,
        urgency=Urgency.URGENT, details=reason.value, address=resident.address,
        draft_key=key or secrets.token_urlsafe(9),
    )
    if not await requests_repo.insert(session, request, []):
        again = await requests_repo.by_draft_key(session, request.draft_key)
        assert again is not None
        return Raised(again)
    requests_repo.add_event(session, request.id or 0, "system", None, "created", reason=reason.value)
    request.next_check_at = staff.due_after_filing(request, settings, request.created_at)
    session.add(request)
    return Raised(request, (CardChanged(request),))


#: How long a delivered check-in can still be answered by typing («好»), in hours.
TYPED_ANSWER_HOURS = 24


async def awaiting_answer(session: AsyncSession, resident: Resident) -> Checkin | None:
    """The resident's latest check-in delivered in the last TYPED_ANSWER_HOURS and not answered yet."""
    return await repo.awaiting_answer(session, resident.id or 0, clock.now() - timedelta(hours=TYPED_ANSWER_HOURS))


async def answer(
    session: AsyncSession, settings: Settings, resident: Resident, checkin_id: int, value: CheckinAnswer
) -> Answered:
    """Store the resident's answer; if the staff were already alerted, their card shows it."""
    checkin = await repo.by_id(session, checkin_id)
    if checkin is None or checkin.resident_id != resident.id:
        return Answered(None, False)
    first = checkin.answered_at is None
    if not first and checkin.answer == value:
        return Answered(checkin, False, repeat=True)
    now = clock.now()
    checkin.answer, checkin.answered_at, checkin.next_check_at = value, now, None
    session.add(checkin)
    if checkin.request_id is not None:
        request = await requests_repo.by_id(session, checkin.request_id)
        if request is not None and request.status in OPEN_STATUSES:
            request.late_answer, request.late_answer_at = value.value, now
            session.add(request)
            requests_repo.add_event(session, request.id or 0, "resident", resident.id, "answered", answer=value.value)
            return Answered(checkin, first, told=(CardChanged(request),))
    return Answered(checkin, first)


async def ask_for_help(session: AsyncSession, settings: Settings, resident: Resident, checkin: Checkin, reason: Reason) -> Raised:
    """'I need help' or 'I feel ill': an urgent request at once."""
    raised = await raise_request(session, settings, resident, reason, key=f"{reason.value[0]}{checkin.id}")
    if checkin.request_id is None:
        checkin.request_id = raised.request.id
        session.add(checkin)
    return raised
