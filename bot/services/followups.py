"""Follow-ups after support: a worker who marked a «someone to talk to» request done chooses when the
resident is asked how they are (tomorrow, in three days, in a week, or not at all); a tick asks on that
day at the resident's check-in hour, in their timezone; «not so well», «I need help» or danger opens a
new request linked to the old one that goes to the same worker first; silence is shown to that worker.

Due times live in the database (Request.follow_up_at for the question, FollowUp.next_check_at for
silence) and are claimed by the ticks in bot.app; nothing is scheduled per person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.domain.danger import DangerKind
from bot.domain.schedule import parse_time, parse_times
from bot.services import requests as requests_service
from bot.services import staff
from bot.services.checkins import tz_of
from bot.services.decisions import (
    Batch,
    CardChanged,
    Decision,
    DetailsOwed,
    FollowUpDue,
    FollowUpHeard,
    StatusChanged,
)
from bot.services.staff import Outcome, Refusal
from db.models import (
    OPEN_STATUSES,
    CheckinAnswer,
    FollowUp,
    Request,
    RequestKind,
    RequestStatus,
    Resident,
    Staff,
    StaffRole,
    Urgency,
)
from db.repo import checkins as checkins_repo
from db.repo import followups as repo
from db.repo import requests as requests_repo
from db.repo import staff as staff_repo

log = logging.getLogger(__name__)

#: The follow-up choices on a done card, in days (0: no follow-up).
CHOICES = (1, 3, 7, 0)
#: How long after its delivery a follow-up question can still be answered by typing (or a danger
#: message counts as its answer), in hours.
ANSWER_HOURS = 24
#: What opens a linked request.
WORSE = (CheckinAnswer.NOT_WELL, CheckinAnswer.HELP)


@dataclass(frozen=True)
class Answered:
    """Outcome of a follow-up answer: the follow-up (None when it is not the presser's), whether this
    exact answer was already stored (a double tap: nothing changed), the request it opened or joined
    (None for «fine»), the worker it went to, and what to tell."""

    followup: FollowUp | None
    repeat: bool = False
    request: Request | None = None
    worker: Staff | None = None
    told: tuple[Decision, ...] = ()


def ask_time(resident: Resident, settings: Settings, plan_times: list[str] | None, days: int, now: datetime) -> datetime:
    """When to ask: `days` local days after today, at the resident's first check-in time (their plan's,
    else CHECKINS__DEFAULT_TIME), in their timezone; returned in UTC terms (an aware datetime)."""
    tz = tz_of(resident, settings)
    times = parse_times(plan_times or []) or [parse_time(settings.checkins.default_time) or time(9)]
    day = now.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(day, min(times), tzinfo=tz)


async def choose(
    session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int, days: int,
) -> Outcome:
    """The worker's follow-up choice on a done «someone to talk to» request: only its claimer (or a
    coordinator), once (the same choice again changes nothing: a double tap), days one of CHOICES."""
    loaded = await staff.load(session, settings, request_id, chat_id)
    if isinstance(loaded, Refusal):
        return Outcome(refusal=loaded)
    if loaded.claimed_by != member.id and member.role != StaffRole.COORDINATOR:
        holder = await staff_repo.by_id(session, loaded.claimed_by)
        return Outcome(request=loaded, refusal=Refusal.NOT_YOURS, holder=holder.name if holder else None)
    if days not in CHOICES or loaded.kind != RequestKind.PSYCH:
        return Outcome(request=loaded, refusal=Refusal.WRONG_STATE)
    if loaded.follow_up_days is not None:
        same = loaded.follow_up_days == days
        return Outcome(request=loaded, refusal=None if same else Refusal.WRONG_STATE)
    resident = (await checkins_repo.residents_by_ids(session, [loaded.resident_id])).get(loaded.resident_id)
    plan = await checkins_repo.plan_of(session, loaded.resident_id)
    now = clock.now()
    at = ask_time(resident, settings, plan.times if plan and plan.active else None, days, now) if days and resident else None
    if not await repo.choose(session, loaded.id or 0, days, at, now):
        return Outcome(request=loaded, refusal=Refusal.WRONG_STATE)
    await session.refresh(loaded)
    requests_repo.add_event(session, loaded.id or 0, "staff", member.id, "follow_up_set", days=days)
    log.info("request %s: follow-up in %s days set by staff %s", loaded.id, days, member.id)
    return Outcome(request=loaded, told=(CardChanged(loaded),))


async def ask_due(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """One batch of requests whose follow-up is due: the question to each resident (a follow-up row
    each, its due time cleared so it is asked once). A resident who erased their data or no longer
    talks to the bot is not asked."""
    due = await repo.due_requests(session, now, settings.checkins.batch)
    people = await checkins_repo.residents_by_ids(session, [r.resident_id for r in due])
    told: list[Decision] = []
    for request in due:
        request.follow_up_at = None
        session.add(request)
        resident = people.get(request.resident_id)
        if resident is None or resident.chat_id is None or resident.registered_at is None:
            continue
        followup = FollowUp(
            request_id=request.id or 0, resident_id=resident.id or 0, staff_id=request.claimed_by, asked_at=now,
            next_check_at=now + timedelta(minutes=settings.checkins.escalate_after_minutes),
        )
        session.add(followup)
        await session.flush()
        worker = await staff_repo.by_id(session, request.claimed_by)
        told.append(FollowUpDue(resident, followup, worker))
        log.info("follow-up %s of request %s asked", followup.id, request.id)
    return Batch(len(due), told)


async def delivered(session: AsyncSession, settings: Settings, ids: list[int], at: datetime) -> None:
    """The questions reached their residents: silence counts from now (CHECKINS__ESCALATE_AFTER_MINUTES)."""
    await repo.mark_delivered(session, ids, at, at + timedelta(minutes=settings.checkins.escalate_after_minutes))


async def silence(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """Follow-ups nobody answered within the grace: marked missed, shown to the worker (privately, or
    in the station's chat) and on the old request's card."""
    due = await repo.due_silent(session, now, settings.checkins.batch)
    told: list[Decision] = []
    for followup in due:
        followup.answer, followup.next_check_at, followup.silence_told_at = CheckinAnswer.MISSED, None, now
        session.add(followup)
        request = await requests_repo.by_id(session, followup.request_id)
        if request is None:
            continue
        requests_repo.add_event(session, request.id or 0, "system", None, "follow_up_silent")
        worker = await staff_repo.by_id(session, followup.staff_id)
        told += [FollowUpHeard(followup, request, worker), CardChanged(request)]
    return Batch(len(due), told)


async def answer(
    session: AsyncSession, settings: Settings, resident: Resident, followup_id: int, value: CheckinAnswer,
    *, danger: str | None = None, text: str | None = None,
) -> Answered:
    """The resident's answer to their follow-up (a press, a typed answer, or a danger message: `danger`
    a DangerKind value, `text` their words). «Fine» is shown to the worker; «not so well», «I need
    help» or danger opens a request linked to the old one, to the same worker first (or joins the one
    it opened already). Only the resident's own follow-up; the same answer twice changes nothing."""
    followup = await repo.by_id(session, followup_id)
    if followup is None or followup.resident_id != resident.id or value == CheckinAnswer.PENDING:
        return Answered(None)
    if followup.answer == value and danger is None and text is None:
        opened = await requests_repo.by_id(session, followup.new_request_id) if followup.new_request_id else None
        return Answered(followup, repeat=True, request=opened, worker=await staff_repo.by_id(session, followup.staff_id))
    old = await requests_repo.by_id(session, followup.request_id)
    if old is None:
        return Answered(None)
    now = clock.now()
    first = followup.answered_at is None
    followup.answer, followup.answered_at, followup.next_check_at = value, now, None
    session.add(followup)
    requests_repo.add_event(session, old.id or 0, "resident", resident.id, "follow_up_answered", answer=value.value)
    worker = await staff_repo.by_id(session, followup.staff_id)
    if value not in WORSE:
        told: tuple[Decision, ...] = (CardChanged(old),)
        if first or followup.silence_told_at is not None:
            told = (FollowUpHeard(followup, old, worker), *told)
        return Answered(followup, worker=worker, told=told)
    linked = await open_linked(session, settings, resident, followup, old, worker, value, danger=danger, text=text)
    return Answered(followup, request=linked[0], worker=worker, told=(*linked[1], CardChanged(old)))


async def open_linked(
    session: AsyncSession, settings: Settings, resident: Resident, followup: FollowUp, old: Request,
    worker: Staff | None, value: CheckinAnswer, *, danger: str | None = None, text: str | None = None,
) -> tuple[Request, tuple[Decision, ...]]:
    """A «someone to talk to» request linked to `old` (follows_request_id), urgent for «I need help» or
    danger. It goes to the same worker first: claimed for them when they are still staff of the station
    (their private chat gets the details, the resident hears who handles it), else it waits for anyone.
    When the follow-up already opened a request that is still open, that one is joined instead."""
    urgent = value == CheckinAnswer.HELP or danger is not None
    if followup.new_request_id is not None:
        existing = await requests_repo.by_id(session, followup.new_request_id)
        if existing is not None and existing.status in OPEN_STATUSES:
            if text or danger:
                joined = await requests_service.follow_up_on(session, resident, existing, text=text, danger=danger)
                return existing, joined.told
            if urgent and existing.urgency != Urgency.URGENT:
                existing.urgency = Urgency.URGENT
                session.add(existing)
            return existing, (CardChanged(existing),)
    now = clock.now()
    request = Request(
        resident_id=resident.id or 0, district_id=resident.district_id, kind=RequestKind.PSYCH,
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL, danger=danger,
        details=(text or "").strip()[:requests_service.URGENT_DETAILS_MAX] or None,
        call_time=old.call_time, address=resident.address, follows_request_id=old.id,
        draft_key=f"fu{followup.id}-{followup.answered_at.timestamp() if followup.answered_at else 0:.0f}"[:32],
    )
    mine = worker is not None and worker.left_at is None and await staff.in_chat(session, settings, request, worker.chat_id)
    if mine:
        assert worker is not None
        minutes = settings.sla.urgent_remind_minutes if urgent else settings.sla.nudge_hours * 60
        request.status, request.claimed_by, request.claimed_at = RequestStatus.CLAIMED, worker.id, now
        request.next_check_at = now + timedelta(minutes=minutes)
        request.details_undelivered = None if worker.has_private_chat else "no_chat"
    else:
        request.next_check_at = staff.due_after_filing(request, settings, now)
    if not await requests_repo.insert(session, request, []):
        again = await requests_repo.by_draft_key(session, request.draft_key)
        assert again is not None
        return again, ()
    followup.new_request_id = request.id
    session.add(followup)
    requests_repo.add_event(session, request.id or 0, "resident", resident.id, "created", follows=old.id,
                            answer=value.value)
    if mine:
        assert worker is not None
        requests_repo.add_event(session, request.id or 0, "staff", worker.id, "claimed", follow_up=True)
    log.info("follow-up %s opened request %s (linked to %s)", followup.id, request.id, old.id)
    told: tuple[Decision, ...] = (CardChanged(request),)
    if mine:
        assert worker is not None
        told += (DetailsOwed(request, worker), StatusChanged(request, worker, RequestStatus.CLAIMED))
    return request, told


async def awaiting(session: AsyncSession, resident: Resident) -> FollowUp | None:
    """The resident's follow-up delivered in the last ANSWER_HOURS (answered or not), or None: a typed
    answer or a danger message counts as its answer."""
    return await repo.latest_delivered(session, resident.id or 0, clock.now() - timedelta(hours=ANSWER_HOURS))


async def danger_answer(
    session: AsyncSession, settings: Settings, resident: Resident, kind: DangerKind, text: str,
) -> Answered | None:
    """Danger in what a resident wrote while a follow-up of theirs is recent: their answer is «I need
    help» and the urgent request, marked with the danger and holding their words, goes to the same
    worker first. None when no follow-up is recent (the usual danger path then opens its request)."""
    followup = await awaiting(session, resident)
    if followup is None:
        return None
    return await answer(session, settings, resident, followup.id or 0, CheckinAnswer.HELP, danger=str(kind), text=text)
