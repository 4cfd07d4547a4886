"""Medicine that never runs out: a resident's regular medicines, the reminder MEDICINES__REMIND_DAYS_BEFORE
days before one runs out (at their check-in hour, in their timezone) with one tap to order it, the
run-out day moved on when a refill is received, the staff's list of who runs out soon, and a «do not
interrupt» medicine whose reminder got no answer escalated like a missed check-in.

Due times live in the database (Medicine.remind_at, Medicine.escalate_at) and are claimed in batches
by the tick in bot.app; nothing is scheduled per person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.domain.meds import MedLine, remind_on
from bot.domain.schedule import parse_time, parse_times, quiet_end_after
from bot.services import checkins
from bot.services.decisions import Batch, Decision, MedicineDue
from bot.services.staff_queries import district_ids
from db.models import Medicine, Request, RequestKind, RequestStatus, Resident
from db.repo import checkins as checkins_repo
from db.repo import medicines as repo
from db.repo import requests as requests_repo

log = logging.getLogger(__name__)

#: the request answer (Request.answers) naming the medicine a refill request orders
REFILL = "refill"
#: /meds lists who runs out within this many days
SOON_DAYS = 7
#: at most this many lines in /meds
LIST_MAX = 50


@dataclass(frozen=True)
class Soon:
    """One line of /meds: the medicine, its resident, and the days left (0: runs out today)."""

    medicine: Medicine
    resident: Resident
    days_left: int


def today_of(resident: Resident, settings: Settings, now: datetime | None = None) -> date:
    """The resident's local day."""
    return (now or clock.now()).astimezone(checkins.tz_of(resident, settings)).date()


async def hour_of(session: AsyncSession, resident: Resident, settings: Settings) -> time:
    """The resident's first daily check-in time, else CHECKINS__DEFAULT_TIME."""
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    times = parse_times(plan.times) if plan is not None and plan.active else []
    return min(times) if times else parse_time(settings.checkins.default_time) or time(9)


async def schedule(session: AsyncSession, settings: Settings, medicine: Medicine, resident: Resident, now: datetime) -> None:
    """Set when the reminder comes: MEDICINES__REMIND_DAYS_BEFORE days before the run-out day at the
    resident's hour in their timezone (at once when that is already past, but never in their quiet
    hours: then when they end); the last reminder's escalation and answer are forgotten."""
    tz = checkins.tz_of(resident, settings)
    day = remind_on(medicine.runs_out_on, settings.medicines.remind_days_before, today_of(resident, settings, now))
    at = max(datetime.combine(day, await hour_of(session, resident, settings), tzinfo=tz), now)
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    quiet = (plan.quiet_start, plan.quiet_end) if plan else (settings.checkins.quiet_start, settings.checkins.quiet_end)
    start, end = parse_time(quiet[0]), parse_time(quiet[1])
    if start is not None and end is not None:
        at = quiet_end_after(at, tz, start, end)
    medicine.remind_at, medicine.reminded_at, medicine.escalate_at, medicine.answered_at = at, None, None, None


async def record(
    session: AsyncSession, settings: Settings, resident: Resident, line: MedLine, recorded_by: int | None = None,
) -> Medicine:
    """Record a regular medicine (or update the resident's one of the same name): its run-out day from
    the days given or the date, its supply for the next order, its reminder scheduled."""
    now = clock.now()
    today = today_of(resident, settings, now)
    same = [m for m in await repo.of_resident(session, resident.id or 0) if m.name.casefold() == line.name.casefold()]
    medicine = same[0] if same else Medicine(resident_id=resident.id or 0, name=line.name, runs_out_on=today)
    medicine.name, medicine.dose = line.name[:200], line.dose[:200]
    medicine.runs_out_on, medicine.days_supply = line.run_out(today), line.supply_days(today)
    medicine.do_not_interrupt, medicine.active, medicine.recorded_by = line.do_not_interrupt, True, recorded_by
    await schedule(session, settings, medicine, resident, now)
    session.add(medicine)
    await session.flush()
    log.info("medicine %s of resident %s recorded (runs out in %s days)", medicine.id, resident.id,
             (medicine.runs_out_on - today).days)
    return medicine


async def stop(session: AsyncSession, resident: Resident, medicine_id: int) -> Medicine | None:
    """The resident no longer takes it: no more reminders. None when it is not theirs."""
    medicine = await repo.by_id(session, medicine_id)
    if medicine is None or medicine.resident_id != resident.id:
        return None
    medicine.active, medicine.remind_at, medicine.escalate_at = False, None, None
    session.add(medicine)
    return medicine


async def remind_due(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """One batch of due reminders: each resident is told (once); a «do not interrupt» one will escalate
    if nobody answers within CHECKINS__ESCALATE_AFTER_MINUTES. A medicine ordered from its last reminder
    (the request sent, and neither cancelled nor failed) is not reminded again: the refill received schedules
    the next reminder."""
    due = await repo.due_reminders(session, now, settings.checkins.batch)
    people = await checkins_repo.residents_by_ids(session, [m.resident_id for m in due])
    told: list[Decision] = []
    for medicine in due:
        order = await ordered(session, medicine) if medicine.reminded_at is not None else None
        if order is not None and order.status not in (RequestStatus.CANCELLED, RequestStatus.FAILED):
            medicine.remind_at = None  # ordered from the last reminder: the refill received sets the next one
            session.add(medicine)
            continue
        medicine.remind_at, medicine.reminded_at, medicine.answered_at = None, now, None
        resident = people.get(medicine.resident_id)
        if resident is None or resident.chat_id is None or resident.registered_at is None:
            medicine.active = False
        else:
            if medicine.do_not_interrupt:
                medicine.escalate_at = now + timedelta(minutes=settings.checkins.escalate_after_minutes)
            told.append(MedicineDue(resident, medicine))
        session.add(medicine)
    return Batch(len(due), told)


async def escalate_due(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """«Do not interrupt» reminders nobody answered: an urgent wellbeing request for the staff, as a
    missed check-in (the resident's open one is reused)."""
    due = await repo.due_escalations(session, now, settings.checkins.batch)
    people = await checkins_repo.residents_by_ids(session, [m.resident_id for m in due])
    told: list[Decision] = []
    for medicine in due:
        medicine.escalate_at = None
        session.add(medicine)
        resident = people.get(medicine.resident_id)
        if resident is None or medicine.answered_at is not None:
            continue
        stamp = int((medicine.reminded_at or now).timestamp())
        raised = await checkins.raise_request(session, settings, resident, checkins.Reason.MEDICINE,
                                              key=f"md{medicine.id}-{stamp}"[:32])
        told += raised.told
        log.info("medicine %s of resident %s: no answer, escalated as request %s", medicine.id, resident.id, raised.request.id)
    return Batch(len(due), told)


async def answered(session: AsyncSession, resident: Resident, medicine_id: int) -> Medicine | None:
    """The resident answered the reminder (ordered it, or not now): no escalation. None when the
    medicine is not theirs or no longer recorded."""
    medicine = await repo.by_id(session, medicine_id)
    if medicine is None or medicine.resident_id != resident.id or not medicine.active:
        return None
    medicine.answered_at, medicine.escalate_at = clock.now(), None
    session.add(medicine)
    return medicine


def order_key(medicine: Medicine) -> str:
    """The draft key of the request ordered from the medicine's latest reminder: one request per reminder."""
    stamp = int(medicine.reminded_at.timestamp()) if medicine.reminded_at else 0
    return f"md{medicine.id}r{stamp}"[:32]


async def ordered(session: AsyncSession, medicine: Medicine) -> Request | None:
    """The request already filed from the medicine's latest reminder, or None."""
    return await requests_repo.by_draft_key(session, order_key(medicine))


async def order_opened(session: AsyncSession, settings: Settings, resident: Resident, medicine_id: int) -> Medicine | None:
    """«Order it»: answered (no escalation), and reminded again tomorrow at the same hour while it has not
    run out, unless the request is sent by then (a summary cancelled or left must not be the last
    reminder). None when the medicine is not theirs or no longer recorded."""
    return await not_now(session, settings, resident, medicine_id)


async def not_now(session: AsyncSession, settings: Settings, resident: Resident, medicine_id: int) -> Medicine | None:
    """«Not now»: answered; reminded again tomorrow at the same hour while it has not run out."""
    medicine = await answered(session, resident, medicine_id)
    if medicine is None:
        return None
    now = clock.now()
    tomorrow = today_of(resident, settings, now) + timedelta(days=1)
    if tomorrow <= medicine.runs_out_on:
        at = datetime.combine(tomorrow, await hour_of(session, resident, settings), tzinfo=checkins.tz_of(resident, settings))
        medicine.remind_at = at
    return medicine


async def refill_received(session: AsyncSession, settings: Settings, request: Request) -> Medicine | None:
    """A refill request (ordered from a reminder) was confirmed received: the run-out day moves on by
    one supply (from the old run-out day, or from today if it had already run out) and the next
    reminder is scheduled. None for any other request."""
    ref = (request.answers or {}).get(REFILL, "")
    if request.kind != RequestKind.MEDICINE or not ref.isdigit():
        return None
    medicine = await repo.by_id(session, int(ref))
    if medicine is None or medicine.resident_id != request.resident_id or not medicine.active:
        return None
    if medicine.request_id == request.id and medicine.answered_at is None:
        return None  # already moved on for this request
    resident = (await checkins_repo.residents_by_ids(session, [request.resident_id])).get(request.resident_id)
    if resident is None:
        return None
    now = clock.now()
    medicine.runs_out_on = max(medicine.runs_out_on, today_of(resident, settings, now)) + timedelta(days=medicine.days_supply)
    await schedule(session, settings, medicine, resident, now)
    medicine.request_id = request.id
    session.add(medicine)
    log.info("medicine %s refilled by request %s", medicine.id, request.id)
    return medicine


async def running_out(session: AsyncSession, settings: Settings, chat_id: int) -> list[Soon]:
    """Who runs out within SOON_DAYS days in the districts this staff chat serves, «do not interrupt» first."""
    ids = await district_ids(session, settings, chat_id)
    until = clock.now().astimezone(settings.tz).date() + timedelta(days=SOON_DAYS)
    rows = await repo.running_out(session, ids, until, LIST_MAX)
    return [Soon(m, r, max(0, (m.runs_out_on - today_of(r, settings)).days)) for m, r in rows]
