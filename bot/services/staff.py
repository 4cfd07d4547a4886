"""Staff rules: join, duty, claim (one winner), progress, release, transfer, resident feedback, SLA checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.services import volunteers
from bot.services.decisions import (
    Batch,
    CardChanged,
    Decision,
    DetailsOwed,
    MemberLeft,
    NotReceived,
    SlaAction,
    SlaAlert,
    StatusChanged,
    Transferred,
)
from db.models import District, Request, RequestStatus, Staff, StaffRole, Urgency, storable_id
from db.repo import cards, districts, residents
from db.repo import requests as requests_repo
from db.repo import staff as repo

log = logging.getLogger(__name__)

WORKING = (RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY)
FAIL_REASONS = ("stock", "unreachable", "area", "other")
#: Why a request is referred to another station (the texts are in bot.ui.staff_texts.REFERRAL_REASONS).
REFERRAL_REASONS = ("area", "service", "busy", "other")
NOTE_MAX = 300  # characters of a typed referral reason that are kept


class Refusal(StrEnum):
    """Why a staff action was refused."""

    NOT_STAFF = "not_staff"
    WRONG_CHAT = "wrong_chat"
    GONE = "gone"
    TAKEN = "taken"
    NOT_YOURS = "not_yours"
    WRONG_STATE = "wrong_state"
    NOT_THIS_MESSAGE = "not_this_message"


@dataclass(frozen=True)
class Outcome:
    """What a staff action did: the request, or why it was refused (with the holder's name); and what to
    tell (the card, the claimer's details, the resident's status)."""

    request: Request | None = None
    refusal: Refusal | None = None
    holder: str | None = None
    told: tuple[Decision, ...] = ()


async def join(session: AsyncSession, settings: Settings, tg_user_id: int, name: str, chat_id: int) -> Staff:
    """Register (or move, or take back) a staff member into a staff chat. Settings' admins are
    coordinators; a chat that none of them has joined is coordinated by its earliest /join-ed member."""
    member = await repo.by_tg_user(session, tg_user_id) or Staff(tg_user_id=tg_user_id, chat_id=chat_id, name=name)
    if member.id is None or member.chat_id != chat_id or member.left_at is not None:
        member.joined_at, member.role = clock.now(), StaffRole.WORKER  # rights never travel from another chat
    member.chat_id, member.name, member.left_at = chat_id, name[:100], None
    if tg_user_id in settings.admins:
        member.role = StaffRole.COORDINATOR
    session.add(member)
    await session.flush()
    await settle_coordinators(session, settings, chat_id)
    log.info("staff %s joined chat %s as %s", member.id, chat_id, member.role)
    return member


async def settle_coordinators(session: AsyncSession, settings: Settings, chat_id: int) -> Staff | None:
    """Make sure someone in the chat can reassign requests: the ADMINS who joined it, else its earliest
    /join-ed member. Returns the member made coordinator here, if any."""
    members = await repo.members_of(session, chat_id)
    if any(m.tg_user_id in settings.admins for m in members):
        for m in members:
            if m.role == StaffRole.COORDINATOR and m.tg_user_id not in settings.admins:
                m.role = StaffRole.WORKER  # ADMINS say otherwise now
                session.add(m)
        return None
    if not members or any(m.role == StaffRole.COORDINATOR for m in members):
        return None
    first = members[0]
    first.role = StaffRole.COORDINATOR
    session.add(first)
    log.info("staff %s coordinates chat %s (no admin joined it)", first.id, chat_id)
    return first


async def left_chat(session: AsyncSession, settings: Settings, tg_user_id: int, chat_id: int) -> list[Decision] | None:
    """Someone left a staff chat or was removed (Telegram's chat_member update): their rights there end,
    their requests in progress go back to the queue (reminders start again), and the chat keeps a
    coordinator. Returns what to tell (their cards; the chat, if requests came back or someone
    coordinates now); None when they were not (or no longer) staff of that chat."""
    member = await repo.by_tg_user(session, tg_user_id)
    if member is None or member.chat_id != chat_id or member.left_at is not None:
        return None
    now = clock.now()
    member.left_at, member.on_duty, member.role = now, False, StaffRole.WORKER
    session.add(member)
    await session.flush()
    released: list[Request] = []
    told: list[Decision] = []
    for request in await repo.claimed_by(session, member.id or 0):
        if await requests_repo.set_status(
            session, request, RequestStatus.NEW, WORKING, now, claimed_by=None, claimed_at=None,
            next_check_at=due_after_filing(request, settings, now), reminded_at=None, escalated_at=None,
            details_undelivered=None,
        ):
            requests_repo.add_event(session, request.id or 0, "staff", member.id, "left_chat")
            told += await volunteers.withdraw(session, request.id or 0, "staff", member.id)
            told.append(CardChanged(request))
            released.append(request)
    promoted = await settle_coordinators(session, settings, chat_id)
    if released or promoted is not None:
        told.append(MemberLeft(chat_id, member, released, promoted))
    log.info("staff %s left chat %s; %s requests back in the queue", member.id, chat_id, len(released))
    return told


async def authorize(session: AsyncSession, tg_user_id: int, chat_id: int) -> Staff | Refusal:
    """The presser must be registered staff of the chat the button is in."""
    member = await repo.by_tg_user(session, tg_user_id)
    if member is None or member.left_at is not None:
        return Refusal.NOT_STAFF
    if member.chat_id != chat_id:
        return Refusal.WRONG_CHAT
    return member


async def pressed_on(
    session: AsyncSession, chat_id: int, message_id: int, request_id: int, replied_to: int | None = None,
) -> Refusal | None:
    """A button acts only on a request that its message shows (its card, its digest line, a picker asked
    for it): chat_id, message_id and replied_to (the message it answers, Telegram's
    callback_query.message.reply_to_message) come from Telegram, request_id from the callback data,
    which the client can forge. A picker answers the card it was opened from, so a message replying to
    one that shows the request shows it too: that covers a picker whose own id is not known yet (it
    waited in the outbox for the group's budget). None when the press may go on; GONE for a request
    that does not exist (or an id no row can have)."""
    if not storable_id(request_id) or await requests_repo.by_id(session, request_id) is None:
        return Refusal.GONE
    if await cards.shows(session, chat_id, message_id, request_id):
        return None
    if replied_to is not None and await cards.shows(session, chat_id, replied_to, request_id):
        return None
    return Refusal.NOT_THIS_MESSAGE


def picker_shown(session: AsyncSession, chat_id: int, message_id: int, request_id: int) -> None:
    """Remember that a picker message (a reason, a target district) asks about this request; nothing for
    a picker queued behind the group's budget (message_id 0: its id is known only once it is sent, and
    pressed_on knows it by the card it replies to)."""
    if message_id:
        cards.add_picker(session, chat_id, message_id, request_id)


def due_after_filing(request: Request, settings: Settings, at: datetime) -> datetime:
    """When an unclaimed request first needs a reminder."""
    minutes = settings.sla.urgent_remind_minutes if request.urgency == Urgency.URGENT else settings.sla.remind_minutes
    return at + timedelta(minutes=minutes)


async def in_chat(session: AsyncSession, settings: Settings, request: Request, chat_id: int) -> bool:
    """Whether a request currently belongs to a staff chat."""
    return await route_chat(session, settings, request.district_id) == chat_id


async def route_chat(session: AsyncSession, settings: Settings, district_id: int | None) -> int:
    """The staff chat that serves a district."""
    district = await districts.by_id(session, district_id)
    return await districts.resolve_chat(session, (district.staff_chat_id if district else None) or settings.staff_chat_id)


async def load(session: AsyncSession, settings: Settings, request_id: int, chat_id: int) -> Request | Refusal:
    """The request if it exists and belongs to this chat (GONE, WRONG_CHAT otherwise)."""
    request = await requests_repo.by_id(session, request_id)
    if request is None:
        return Refusal.GONE
    if not await in_chat(session, settings, request, chat_id):
        return Refusal.WRONG_CHAT
    return request


async def claim(session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int) -> Outcome:
    """Conditional claim: one winner; the others learn who has it."""
    loaded = await load(session, settings, request_id, chat_id)
    if isinstance(loaded, Refusal):
        return Outcome(refusal=loaded)
    now = clock.now()
    owed = None if member.has_private_chat else "no_chat"
    if not await repo.claim(session, request_id, member.id or 0, now, now + timedelta(hours=settings.sla.nudge_hours), owed):
        await session.refresh(loaded)
        holder = await repo.by_id(session, loaded.claimed_by)
        return Outcome(request=loaded, refusal=Refusal.TAKEN, holder=holder.name if holder else None)
    await session.refresh(loaded)
    requests_repo.add_event(session, request_id, "staff", member.id, "claimed")
    log.info("request %s claimed by staff %s", request_id, member.id)
    return Outcome(request=loaded, told=(
        CardChanged(loaded), DetailsOwed(loaded, member), StatusChanged(loaded, member, RequestStatus.CLAIMED)))


async def progress(
    session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int,
    new: RequestStatus, reason: str | None = None,
) -> Outcome:
    """On the way, done, can't fulfil or release: only the claimer (or a coordinator), only from a working state."""
    loaded = await load(session, settings, request_id, chat_id)
    if isinstance(loaded, Refusal):
        return Outcome(refusal=loaded)
    if loaded.claimed_by != member.id and member.role != StaffRole.COORDINATOR:
        holder = await repo.by_id(session, loaded.claimed_by)
        return Outcome(request=loaded, refusal=Refusal.NOT_YOURS, holder=holder.name if holder else None)
    allowed = (RequestStatus.CLAIMED,) if new == RequestStatus.ON_THE_WAY else WORKING
    now = clock.now()
    values: dict[str, object] = {}
    if new == RequestStatus.NEW:
        values = {"claimed_by": None, "claimed_at": None, "next_check_at": due_after_filing(loaded, settings, now),
                  "reminded_at": None, "escalated_at": None}
    elif new in (RequestStatus.DONE, RequestStatus.FAILED):
        values = {"finished_at": now, "next_check_at": None, "fail_reason": reason}
    if not await requests_repo.set_status(session, loaded, new, allowed, now, **values):
        return Outcome(request=loaded, refusal=Refusal.WRONG_STATE)
    requests_repo.add_event(session, request_id, "staff", member.id, str(new), reason=reason)
    told: tuple[Decision, ...] = ()
    if new != RequestStatus.ON_THE_WAY:  # the worker finished or released it: no volunteer goes on with it
        told += tuple(await volunteers.withdraw(session, request_id, "staff", member.id))
    told += (CardChanged(loaded),)
    if new != RequestStatus.NEW:
        told += (StatusChanged(loaded, member, new),)
    return Outcome(request=loaded, told=told)


async def transfer(
    session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int, code: str,
    reason: str, note: str | None = None,
) -> Outcome:
    """Refer an open request to another district's station, with its history and why: `reason` is one of
    REFERRAL_REASONS, `note` the words typed for "other" (at most NOTE_MAX characters are kept)."""
    if reason not in REFERRAL_REASONS or (reason == "other" and not (note or "").strip()):
        return Outcome(refusal=Refusal.WRONG_STATE)
    loaded = await load(session, settings, request_id, chat_id)
    if isinstance(loaded, Refusal):
        return Outcome(refusal=loaded)
    target = await districts.by_code(session, code)
    if target is None or target.id == loaded.district_id:
        return Outcome(request=loaded, refusal=Refusal.WRONG_STATE)
    if loaded.status not in (RequestStatus.NEW, *WORKING):
        return Outcome(request=loaded, refusal=Refusal.WRONG_STATE)
    if loaded.claimed_by not in (None, member.id) and member.role != StaffRole.COORDINATOR:
        holder = await repo.by_id(session, loaded.claimed_by)
        return Outcome(request=loaded, refusal=Refusal.NOT_YOURS, holder=holder.name if holder else None)
    source = await districts.by_id(session, loaded.district_id)
    now = clock.now()
    await requests_repo.set_status(
        session, loaded, RequestStatus.NEW, (loaded.status,), now, district_id=target.id, claimed_by=None,
        claimed_at=None,
        next_check_at=due_after_filing(loaded, settings, now), reminded_at=None, escalated_at=None,
    )
    why: dict[str, str] = {"reason": reason}
    if reason == "other":
        why["note"] = (note or "").strip()[:NOTE_MAX]
    requests_repo.add_event(
        session, request_id, "staff", member.id, "transferred",
        source=source.code if source else None, target=target.code, **why,
    )
    withdrawn = tuple(await volunteers.withdraw(session, request_id, "staff", member.id))
    return Outcome(request=loaded, told=(*withdrawn, CardChanged(loaded), Transferred(loaded, target, reason)))


async def set_duty(session: AsyncSession, member: Staff, on: bool) -> None:
    """Start or end a shift."""
    member.on_duty = on
    session.add(member)


async def run_checks(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """Reminders, escalations and nudges whose time has come: how many acted, and the alerts to tell."""
    due = await repo.due_checks(session, now)
    return Batch(len(due), [check_one(session, settings, request, now) for request in due])


def check_one(session: AsyncSession, settings: Settings, request: Request, now: datetime) -> SlaAlert:
    """Act on one due request and set its next check time; the alert it calls for."""
    sla = settings.sla
    if request.status == RequestStatus.NEW and request.reminded_at is None:
        action = SlaAction.REMIND
        request.reminded_at = now
        minutes = sla.urgent_escalate_minutes if request.urgency == Urgency.URGENT else sla.escalate_minutes
        request.next_check_at = request.created_at + timedelta(minutes=minutes)
    elif request.status == RequestStatus.NEW:
        action = SlaAction.ESCALATE
        request.escalated_at, request.next_check_at = now, None
    else:
        action = SlaAction.NUDGE
        request.nudged_at, request.next_check_at = now, None
    if request.next_check_at is not None and request.next_check_at <= now:
        request.next_check_at = now + timedelta(minutes=1)
    session.add(request)
    requests_repo.add_event(session, request.id or 0, "system", None, action.value)
    return SlaAlert(request, action)


@dataclass(frozen=True)
class Feedback:
    """A resident's «received» or «not received»: the request, and what to tell (its card; the staff
    chat when it did not arrive)."""

    request: Request
    told: tuple[Decision, ...] = ()


async def resident_feedback(
    session: AsyncSession, settings: Settings, resident_id: int, request_id: int, received: bool
) -> Feedback | None:
    """'Received' closes a done request; 'not received' reopens it and tells the staff. None when the
    button is no longer active."""
    request = await requests_repo.by_id(session, request_id)
    if request is None or request.resident_id != resident_id:
        return None
    now = clock.now()
    if received:
        ok = await requests_repo.set_status(session, request, RequestStatus.RECEIVED, (RequestStatus.DONE,), now)
    else:
        ok = await requests_repo.set_status(
            session, request, RequestStatus.NEW, (RequestStatus.DONE,), now, finished_at=None, claimed_by=None,
            claimed_at=None, next_check_at=due_after_filing(request, settings, now), reminded_at=None,
            escalated_at=None,
        )
    if not ok:
        return None
    requests_repo.add_event(session, request_id, "resident", resident_id, "received" if received else "not_received")
    if received:
        return Feedback(request, (CardChanged(request),))
    return Feedback(request, (CardChanged(request), NotReceived(request)))


async def rate(session: AsyncSession, resident_id: int, request_id: int, stars: int) -> bool:
    """A 1-5 rating of a finished request by its resident."""
    request = await requests_repo.by_id(session, request_id)
    if request is None or request.resident_id != resident_id or not 1 <= stars <= 5:
        return False
    if request.status not in (RequestStatus.DONE, RequestStatus.RECEIVED):
        return False
    request.rating = stars
    session.add(request)
    requests_repo.add_event(session, request_id, "resident", resident_id, "rated", stars=stars)
    return True


async def resident_of(session: AsyncSession, request: Request):  # type: ignore[no-untyped-def]
    """The resident who filed a request."""
    return await residents.by_id(session, request.resident_id)


async def district_of(session: AsyncSession, request: Request) -> District | None:
    """A request's district."""
    return await districts.by_id(session, request.district_id)


@dataclass(frozen=True)
class PrivateChat:
    """A staff member who opened the private chat, and what to tell (the details owed, their cards)."""

    member: Staff
    told: tuple[Decision, ...] = ()


async def open_private_chat(session: AsyncSession, tg_user_id: int) -> PrivateChat | None:
    """A staff member started (or wrote to) the bot privately: the details that have not reached them
    yet are owed now, and their cards stop asking for it. None when they are not staff."""
    member = await repo.by_tg_user(session, tg_user_id)
    if member is None:
        return None
    member.has_private_chat = True
    session.add(member)
    told: list[Decision] = []
    for request in await repo.details_owed(session, member.id or 0):
        request.details_undelivered = None
        session.add(request)
        told += [DetailsOwed(request, member), CardChanged(request)]
    return PrivateChat(member, tuple(told))


async def owes_details(session: AsyncSession, tg_user_id: int) -> bool:
    """Whether a user is staff with details that have not reached them yet."""
    member = await repo.by_tg_user(session, tg_user_id)
    return member is not None and bool(await repo.details_owed(session, member.id or 0))


async def details_undeliverable(session: AsyncSession, chat_id: int, request_id: int | None) -> list[Decision]:
    """Telegram refused the claimer's details (they blocked the bot): their card says so (returned), and
    the details are sent again when they open the bot (open_private_chat)."""
    member = await repo.by_tg_user(session, chat_id)  # a private chat's id is its user's id
    if member is None:
        return []
    member.has_private_chat = False
    session.add(member)
    request = await requests_repo.by_id(session, request_id) if request_id is not None else None
    if request is None or request.claimed_by != member.id or request.status not in WORKING:
        return []
    told: list[Decision] = []
    if request.details_undelivered != "blocked":
        request.details_undelivered = "blocked"
        session.add(request)
        told.append(CardChanged(request))
    log.warning("details of request %s not delivered to staff %s (bot blocked)", request.id, member.id)
    return told


async def settle(
    session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int,
    new: RequestStatus,
) -> Outcome:
    """A check-in escalation settled in one tap: claimed first if nobody has it yet (what the claim
    tells comes first, then what the progress tells)."""
    loaded = await load(session, settings, request_id, chat_id)
    if isinstance(loaded, Refusal):
        return Outcome(refusal=loaded)
    claimed: tuple[Decision, ...] = ()
    if loaded.status == RequestStatus.NEW:
        outcome = await claim(session, settings, member, request_id, chat_id)
        if outcome.refusal is not None:
            return outcome
        claimed = outcome.told
    outcome = await progress(session, settings, member, request_id, chat_id, new)
    return replace(outcome, told=claimed + outcome.told)
