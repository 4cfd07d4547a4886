"""Volunteers' rules: sign-up, a coordinator's decision, suspension; handing a claimed request's delivery
to volunteers, the one-winner take, its steps, and the stall nudge. The worker who claimed the request
stays its owner throughout: a delivery that ends without being delivered comes back to them."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.domain.phones import format_phone
from bot.services import privacy
from bot.services.decisions import (
    Batch,
    CardChanged,
    Decision,
    DeliveryMoved,
    DeliveryOffered,
    DeliveryPhoto,
    DeliveryStalled,
    DeliveryTaken,
    MentionRemoved,
    StatusChanged,
    VolunteerApplied,
    VolunteerDecided,
    VolunteerErased,
)
from db.models import (
    OPEN_DELIVERY,
    Delivery,
    DeliveryStatus,
    OutboxStatus,
    Request,
    RequestKind,
    RequestStatus,
    Staff,
    StaffRole,
    Volunteer,
    VolunteerStatus,
)
from db.repo import districts
from db.repo import requests as requests_repo
from db.repo import staff as staff_repo
from db.repo import volunteers as repo

log = logging.getLogger(__name__)

#: What a volunteer can do (the sign-up's choices).
SKILLS = ("deliver", "medicine", "calls")
#: Which skill a request's delivery needs; other kinds (someone to talk to, check-ins) are never handed over.
SKILL_OF = {RequestKind.SUPPLIES: "deliver", RequestKind.MEDICINE: "medicine"}
#: Why a volunteer could not deliver (the texts are in bot.ui.volunteer_texts.FAIL_REASONS).
FAIL_REASONS = ("not_home", "no_stock", "cannot_go", "other")
AVAILABILITY_MAX = 200


class Refusal:
    """Why a volunteer's or a worker's action was refused (the texts: bot.ui.volunteer_texts.REFUSALS)."""

    NOT_VOLUNTEER = "not_volunteer"
    NOT_APPROVED = "not_approved"
    NOT_THEIR_DISTRICT = "not_their_district"
    TAKEN = "taken"
    GONE = "gone"
    NOT_YOURS = "not_yours"
    WRONG_STATE = "wrong_state"
    NOT_THIS_MESSAGE = "not_this_message"
    NO_VOLUNTEERS = "no_volunteers"
    NOT_DELIVERABLE = "not_deliverable"
    ALREADY_HANDED = "already_handed"
    WRONG_CHAT = "wrong_chat"
    PENDING = "pending"
    ALREADY = "already"
    BARRED = "barred"


@dataclass(frozen=True)
class Result:
    """What an action did: the volunteer or delivery, or why it was refused; and what to tell."""

    volunteer: Volunteer | None = None
    delivery: Delivery | None = None
    refusal: str | None = None
    told: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class Application:
    """A sign-up as the /volunteer conversation collected it (the phone: the sender's own shared contact,
    normalised to E.164; districts: district codes; skills: a subset of SKILLS)."""

    tg_user_id: int
    name: str
    phone: str
    districts: Sequence[str]
    skills: Sequence[str]
    availability: str
    locale: str


async def is_volunteer(session: AsyncSession, tg_user_id: int) -> bool:
    """Whether this Telegram account has a volunteer record (any status): it has data /delete erases."""
    return await repo.by_tg_user(session, tg_user_id) is not None


async def may_sign_up(session: AsyncSession, tg_user_id: int) -> str | None:
    """None when the user may sign up (new, or declined before); else why not: PENDING, ALREADY
    (approved) or BARRED (suspended or removed: a coordinator decides)."""
    volunteer = await repo.by_tg_user(session, tg_user_id)
    if volunteer is None or volunteer.status == VolunteerStatus.DECLINED:
        return None
    return {VolunteerStatus.PENDING: Refusal.PENDING, VolunteerStatus.APPROVED: Refusal.ALREADY}.get(
        VolunteerStatus(volunteer.status), Refusal.BARRED)


async def apply(session: AsyncSession, application: Application) -> Result:
    """Record a sign-up (consent given now) for the coordinators to decide; refused as may_sign_up says,
    or when no known district or no skill was chosen."""
    why = await may_sign_up(session, application.tg_user_id)
    if why is not None:
        return Result(refusal=why)
    known = {d.code for d in await districts.all_districts(session)}
    chosen = [code for code in dict.fromkeys(application.districts) if code in known]
    skills = [skill for skill in SKILLS if skill in application.skills]
    if not chosen or not skills or not application.name.strip() or not application.phone:
        return Result(refusal=Refusal.WRONG_STATE)
    now = clock.now()
    volunteer = await repo.by_tg_user(session, application.tg_user_id) or Volunteer(
        tg_user_id=application.tg_user_id, name="", phone="", locale=application.locale)
    volunteer.name, volunteer.phone = application.name.strip()[:100], application.phone
    volunteer.districts, volunteer.skills = chosen, skills
    volunteer.availability = application.availability.strip()[:AVAILABILITY_MAX]
    volunteer.locale, volunteer.status = application.locale, VolunteerStatus.PENDING
    volunteer.consent_at, volunteer.applied_at, volunteer.decided_at, volunteer.decided_by = now, now, None, None
    session.add(volunteer)
    await session.flush()
    log.info("volunteer %s signed up", volunteer.id)
    return Result(volunteer=volunteer, told=(VolunteerApplied(volunteer),))


def is_coordinator(member: Staff) -> bool:
    """Whether a staff member coordinates (decides about volunteers)."""
    return member.role == StaffRole.COORDINATOR


async def decide(session: AsyncSession, member: Staff, volunteer_id: int, approve: bool) -> Result:
    """A coordinator approves or declines a pending application: one winner on a double press."""
    if not is_coordinator(member):
        return Result(refusal=Refusal.NOT_YOURS)
    volunteer = await repo.by_id(session, volunteer_id)
    if volunteer is None:
        return Result(refusal=Refusal.GONE)
    new = VolunteerStatus.APPROVED if approve else VolunteerStatus.DECLINED
    if not await repo.decide(session, volunteer_id, new, [VolunteerStatus.PENDING], clock.now(), member.id):
        await session.refresh(volunteer)
        return Result(volunteer=volunteer, refusal=Refusal.WRONG_STATE)
    await session.refresh(volunteer)
    log.info("volunteer %s %s by staff %s", volunteer_id, new, member.id)
    return Result(volunteer=volunteer, told=(VolunteerDecided(volunteer, member, new),))


#: Which statuses a coordinator's command may move a volunteer from.
CHANGES = {
    VolunteerStatus.SUSPENDED: (VolunteerStatus.APPROVED,),
    VolunteerStatus.REMOVED: (VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED, VolunteerStatus.PENDING),
    VolunteerStatus.APPROVED: (VolunteerStatus.SUSPENDED,),  # restored
}


async def change(session: AsyncSession, settings: Settings, member: Staff, volunteer_id: int, new: str) -> Result:
    """Suspend, remove or restore a volunteer (coordinators only). A suspended or removed volunteer's
    deliveries in progress go back to their workers (who are told, as is the volunteer)."""
    if not is_coordinator(member):
        return Result(refusal=Refusal.NOT_YOURS)
    volunteer = await repo.by_id(session, volunteer_id)
    if volunteer is None or new not in CHANGES:
        return Result(refusal=Refusal.GONE)
    now = clock.now()
    if not await repo.decide(session, volunteer_id, new, CHANGES[VolunteerStatus(new)], now, member.id):
        return Result(volunteer=volunteer, refusal=Refusal.WRONG_STATE)
    await session.refresh(volunteer)
    told: list[Decision] = [VolunteerDecided(volunteer, member, new)]
    if new != VolunteerStatus.APPROVED:
        for delivery in await repo.open_of_volunteer(session, volunteer_id):
            told += await _end(session, delivery, volunteer, DeliveryStatus.RETURNED, "volunteer_" + new, now)
    log.info("volunteer %s %s by staff %s", volunteer_id, new, member.id)
    return Result(volunteer=volunteer, told=tuple(told))


#: Why a delivery was taken back when its volunteer erased their data.
ERASED = "volunteer_erased"
#: Outbox purposes of the messages that show a volunteer and are rendered again (not edited by text).
RENDERED = ("volunteer_card", "volunteer_edit", "delivery_card", "delivery_edit")


def personal_strings(volunteer: Volunteer) -> list[str]:
    """A volunteer's name (as typed and as HTML-escaped in messages) and phone (stored and displayed)."""
    values = [volunteer.name, html.escape(volunteer.name, quote=False)]
    if volunteer.phone:
        values += [volunteer.phone, format_phone(volunteer.phone)]
    return [v for v in dict.fromkeys(values) if v and len(v.strip()) >= 2]


async def erase(session: AsyncSession, tg_user_id: int, at: datetime) -> list[Decision]:
    """A volunteer's /delete, in the caller's transaction: deliveries they hold go back to their workers
    (as on suspension, reason ERASED); the row keeps only its id, status REMOVED, districts' statistics
    and locale (no name, phone, availability, consent or Telegram id, so they may sign up again as
    someone new); outbox payloads to their chat or naming them are blanked (pending ones not sent);
    failed updates from them are forgotten. Returns what to tell: the application card says the data was
    deleted, the messages that named them (staff card, delivery cards, the worker's and the resident's
    messages) show a neutral label. [] when this account is no volunteer."""
    volunteer = await repo.by_tg_user(session, tg_user_id)
    if volunteer is None:
        return []
    volunteer_id, names = volunteer.id or 0, personal_strings(volunteer)
    taken = await repo.deliveries_of_volunteer(session, volunteer_id)
    ended: list[Decision] = []
    for delivery in taken:
        ended += await _end(session, delivery, volunteer, DeliveryStatus.RETURNED, ERASED, at)
    just_ended = {news.delivery.id for news in ended if isinstance(news, DeliveryMoved)}
    finished = []
    for delivery in taken:
        request = await requests_repo.by_id(session, delivery.request_id)
        if request is not None and delivery.id not in just_ended:
            finished.append((delivery, request))
    told: list[Decision] = [VolunteerErased(volunteer, tg_user_id, volunteer.locale, tuple(finished))]
    request_ids = sorted({delivery.request_id for delivery in taken})
    for row in await repo.rows_about(session, volunteer_id, tg_user_id, request_ids):
        text = str(row.payload.get("text") or row.payload.get("caption") or "")
        mine = row.chat_id == tg_user_id or row.purpose in RENDERED and row.ref_id == volunteer_id
        if not mine and not any(name in text for name in names):
            continue
        if (row.status == OutboxStatus.SENT and row.message_id and row.method == "sendMessage"
                and row.purpose not in RENDERED and row.chat_id != tg_user_id):
            told.append(MentionRemoved(row.chat_id, row.message_id, row.request_id, text, tuple(names), row.resident_id))
        if row.status == OutboxStatus.PENDING:
            row.status, row.error, row.lease_until = OutboxStatus.FAILED, "erased", None
        row.payload = {}
        session.add(row)
    await privacy.forget_failed_updates(session, {tg_user_id}, names)
    volunteer.name, volunteer.phone, volunteer.availability, volunteer.skills = "", "", "", []
    volunteer.status, volunteer.consent_at, volunteer.tg_user_id = VolunteerStatus.REMOVED, None, -volunteer_id
    session.add(volunteer)
    await session.flush()
    for request_id in request_ids:  # the staff cards show the label; those of the returned deliveries are in `ended`
        request = await requests_repo.by_id(session, request_id)
        if request is not None and not any(isinstance(n, CardChanged) and n.request.id == request_id for n in ended):
            ended.append(CardChanged(request))
    log.info("volunteer %s erased their data (%s deliveries)", volunteer_id, len(taken))
    return told + ended


#: Why a delivery was taken back when the bot could not write to its taker privately (403).
UNREACHABLE = "volunteer_unreachable"


async def unreachable(session: AsyncSession, delivery_id: int, tg_user_id: int, at: datetime) -> list[Decision]:
    """Telegram refused the taker's private copy (they blocked the bot): nobody holds the address, so the
    delivery, if still taken or picked up by that account, goes back to its worker (reason UNREACHABLE),
    who is told; [] otherwise."""
    delivery = await repo.delivery_by_id(session, delivery_id)
    volunteer = await repo.by_tg_user(session, tg_user_id)
    if delivery is None or volunteer is None or delivery.volunteer_id != volunteer.id:
        return []
    log.warning("delivery %s: volunteer %s cannot be written to, back to the worker", delivery_id, volunteer.id)
    return await _end(session, delivery, volunteer, DeliveryStatus.RETURNED, UNREACHABLE, at)


#: Why an offered delivery came back: every private card was refused (the volunteers blocked the bot).
NOBODY_REACHED = "unreachable"
#: The outbox purpose of a delivery card (bot.ui.notify.DELIVERY_CARD).
DELIVERY_CARD = "delivery_card"


async def card_refused(session: AsyncSession, delivery_id: int, at: datetime) -> list[Decision]:
    """Telegram refused a delivery card (403: a volunteer blocked the bot, or the bot left the volunteers'
    chat): when no other card of the still offered
    delivery is waiting or was delivered, nobody can take it, so it goes back to its worker at once (reason
    NOBODY_REACHED), who is told; [] otherwise."""
    delivery = await repo.delivery_by_id(session, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.OFFERED:
        return []
    if await repo.cards_alive(session, DELIVERY_CARD, delivery_id):
        return []
    if not await repo.move(session, delivery, DeliveryStatus.RETURNED, [DeliveryStatus.OFFERED], finished_at=at,
                           reason=NOBODY_REACHED):
        return []
    request = await requests_repo.by_id(session, delivery.request_id)
    assert request is not None
    requests_repo.add_event(session, delivery.request_id, "system", None, "delivery_returned", delivery=delivery_id,
                            reason=NOBODY_REACHED)
    log.warning("delivery %s: no volunteer could be reached, back to the worker", delivery_id)
    return [DeliveryMoved(delivery, request, None, DeliveryStatus.RETURNED), CardChanged(request)]


async def _end(session: AsyncSession, delivery: Delivery, volunteer: Volunteer | None, new: str, reason: str | None,
               now: datetime) -> list[Decision]:
    """A delivery ends without reaching the resident: back to the worker (the request stays theirs, in
    its state)."""
    if not await repo.move(session, delivery, new, [DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP], finished_at=now,
                           reason=reason):
        return []
    request = await requests_repo.by_id(session, delivery.request_id)
    assert request is not None
    requests_repo.add_event(session, delivery.request_id, "volunteer", volunteer.id if volunteer else None,
                            "delivery_" + new, delivery=delivery.id, reason=reason)
    return [DeliveryMoved(delivery, request, volunteer, new), CardChanged(request)]


async def _route_chat(session: AsyncSession, settings: Settings, district_id: int | None) -> int:
    """The staff chat that serves a district (as bot.services.staff.route_chat, which imports this module)."""
    district = await districts.by_id(session, district_id)
    return await districts.resolve_chat(session, (district.staff_chat_id if district else None) or settings.staff_chat_id)


#: Why an open delivery was withdrawn: its request was closed, released, transferred or cancelled.
WITHDRAWN = "withdrawn"


async def withdraw(session: AsyncSession, request_id: int, actor: str, actor_id: int | None) -> list[Decision]:
    """The request left its worker's hands (done or failed by the worker, released, transferred, its worker
    left the chat, the resident cancelled it): its open delivery ends (RETURNED, reason WITHDRAWN), so no
    volunteer goes on with it; the cards and the volunteer's copy say so. [] when none was open."""
    delivery = await repo.open_delivery(session, request_id)
    if delivery is None:
        return []
    if not await repo.move(session, delivery, DeliveryStatus.RETURNED, OPEN_DELIVERY, finished_at=clock.now(), reason=WITHDRAWN):
        return []
    request = await requests_repo.by_id(session, request_id)
    assert request is not None
    requests_repo.add_event(session, request_id, actor, actor_id, "delivery_withdrawn", delivery=delivery.id)
    return [DeliveryMoved(delivery, request, await repo.by_id(session, delivery.volunteer_id), DeliveryStatus.RETURNED)]


def may_hand_over(request: Request) -> bool:
    """Only supplies and medicine are delivered by volunteers (never someone to talk to, never a check-in)."""
    return request.kind in SKILL_OF


async def hand_over(session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int) -> Result:
    """The claimer (or a coordinator) hands a claimed supplies or medicine request's delivery to the
    district's volunteers: refused for other kinds, when a delivery is already open, or when the district
    has neither a volunteers' chat nor an approved volunteer who can do it."""
    request = await requests_repo.by_id(session, request_id)
    if request is None:
        return Result(refusal=Refusal.GONE)
    if await _route_chat(session, settings, request.district_id) != chat_id:
        return Result(refusal=Refusal.WRONG_CHAT)
    if request.claimed_by != member.id and not is_coordinator(member):
        return Result(refusal=Refusal.NOT_YOURS)
    if not may_hand_over(request):
        return Result(refusal=Refusal.NOT_DELIVERABLE)
    if request.status not in (RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY) or request.claimed_by is None:
        return Result(refusal=Refusal.WRONG_STATE)
    district = await districts.by_id(session, request.district_id)
    if district is None:
        return Result(refusal=Refusal.NO_VOLUNTEERS)
    if district.volunteer_chat_id is None and not await repo.approved_in(session, district.code, SKILL_OF[RequestKind(request.kind)]):
        return Result(refusal=Refusal.NO_VOLUNTEERS)
    now = clock.now()
    delivery = Delivery(request_id=request_id, open_request_id=request_id, district_id=request.district_id,
                        staff_id=request.claimed_by, offered_at=now,
                        next_check_at=now + timedelta(hours=settings.volunteers.stall_hours))
    if not await repo.add_delivery(session, delivery):
        return Result(refusal=Refusal.ALREADY_HANDED)
    requests_repo.add_event(session, request_id, "staff", member.id, "handed_over", delivery=delivery.id)
    log.info("request %s handed to volunteers (delivery %s) by staff %s", request_id, delivery.id, member.id)
    return Result(delivery=delivery, told=(DeliveryOffered(delivery, request), CardChanged(request)))


async def volunteer_for(session: AsyncSession, tg_user_id: int, delivery: Delivery) -> Volunteer | str:
    """The presser as an approved volunteer who covers the delivery's district and can do it, or why not."""
    volunteer = await repo.by_tg_user(session, tg_user_id)
    if volunteer is None:
        return Refusal.NOT_VOLUNTEER
    if volunteer.status != VolunteerStatus.APPROVED:
        return Refusal.NOT_APPROVED
    district = await districts.by_id(session, delivery.district_id)
    request = await requests_repo.by_id(session, delivery.request_id)
    skill = SKILL_OF.get(RequestKind(request.kind)) if request else None
    if district is None or district.code not in volunteer.districts or skill not in volunteer.skills:
        return Refusal.NOT_THEIR_DISTRICT
    return volunteer


async def take(session: AsyncSession, settings: Settings, tg_user_id: int, delivery_id: int) -> Result:
    """One tap takes an offered delivery: exactly one volunteer wins (a conditional update); the others
    are told it is taken."""
    delivery = await repo.delivery_by_id(session, delivery_id)
    if delivery is None:
        return Result(refusal=Refusal.GONE)
    volunteer = await volunteer_for(session, tg_user_id, delivery)
    if isinstance(volunteer, str):
        return Result(refusal=volunteer)
    now = clock.now()
    if not await repo.take(session, delivery_id, volunteer.id or 0, now, now + timedelta(hours=settings.volunteers.stall_hours)):
        await session.refresh(delivery)
        if delivery.volunteer_id == volunteer.id:  # their own double tap: it is theirs, nothing more to tell
            return Result(volunteer=volunteer, delivery=delivery)
        return Result(delivery=delivery, refusal=Refusal.TAKEN)
    await session.refresh(delivery)
    request = await requests_repo.by_id(session, delivery.request_id)
    assert request is not None
    requests_repo.add_event(session, request.id or 0, "volunteer", volunteer.id, "delivery_taken", delivery=delivery_id)
    log.info("delivery %s taken by volunteer %s", delivery_id, volunteer.id)
    return Result(volunteer=volunteer, delivery=delivery,
                  told=(DeliveryTaken(delivery, request, volunteer), CardChanged(request)))


async def step(session: AsyncSession, settings: Settings, tg_user_id: int, delivery_id: int, new: str,
               reason: str | None = None) -> Result:
    """The volunteer who took the delivery: picked up (the request is on its way), delivered (the request
    is done: the resident confirms receipt as always) or could not deliver (a reason of FAIL_REASONS:
    back to the worker)."""
    delivery = await repo.delivery_by_id(session, delivery_id)
    if delivery is None:
        return Result(refusal=Refusal.GONE)
    volunteer = await repo.by_tg_user(session, tg_user_id)
    if volunteer is None or volunteer.id != delivery.volunteer_id:
        return Result(refusal=Refusal.NOT_YOURS)
    if volunteer.status != VolunteerStatus.APPROVED:
        return Result(refusal=Refusal.NOT_APPROVED)
    request = await requests_repo.by_id(session, delivery.request_id)
    claimer = await staff_repo.by_id(session, request.claimed_by) if request else None
    if request is None or claimer is None:
        return Result(refusal=Refusal.GONE)
    now = clock.now()
    told: list[Decision] = []
    if new == DeliveryStatus.FAILED:
        if reason not in FAIL_REASONS:
            return Result(refusal=Refusal.WRONG_STATE)
        told = await _end(session, delivery, volunteer, DeliveryStatus.FAILED, reason, now)
        return Result(volunteer, delivery, None, tuple(told)) if told else await _again(session, volunteer, delivery, new)
    if new == DeliveryStatus.PICKED_UP:
        if not await repo.move(session, delivery, new, [DeliveryStatus.TAKEN], picked_up_at=now,
                               next_check_at=now + timedelta(hours=settings.volunteers.stall_hours)):
            return await _again(session, volunteer, delivery, new)
        if await requests_repo.set_status(session, request, RequestStatus.ON_THE_WAY, (RequestStatus.CLAIMED,), now):
            told.append(StatusChanged(request, claimer, RequestStatus.ON_THE_WAY))
    elif new == DeliveryStatus.DELIVERED:
        if not await repo.move(session, delivery, new, [DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP], finished_at=now):
            return await _again(session, volunteer, delivery, new)
        if await requests_repo.set_status(session, request, RequestStatus.DONE,
                                          (RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY), now,
                                          finished_at=now, next_check_at=None):
            told.append(StatusChanged(request, claimer, RequestStatus.DONE))
    else:
        return Result(refusal=Refusal.WRONG_STATE)
    requests_repo.add_event(session, request.id or 0, "volunteer", volunteer.id, "delivery_" + new, delivery=delivery_id)
    log.info("delivery %s %s by volunteer %s", delivery_id, new, volunteer.id)
    return Result(volunteer, delivery, None, (DeliveryMoved(delivery, request, volunteer, new), *told, CardChanged(request)))


async def _again(session: AsyncSession, volunteer: Volunteer, delivery: Delivery, new: str) -> Result:
    """A step that did not apply: the volunteer's own double tap (the delivery is already there) is done,
    with nothing more to tell; anything else cannot be done any more."""
    await session.refresh(delivery)
    if delivery.status == new:
        return Result(volunteer, delivery)
    return Result(volunteer, delivery, Refusal.WRONG_STATE)


async def add_photo(session: AsyncSession, tg_user_id: int, delivery_id: int, file_id: str) -> Result:
    """The optional photo of a delivered order, from the volunteer who delivered it."""
    delivery = await repo.delivery_by_id(session, delivery_id)
    volunteer = await repo.by_tg_user(session, tg_user_id)
    if delivery is None or volunteer is None or delivery.volunteer_id != volunteer.id:
        return Result(refusal=Refusal.NOT_YOURS)
    if delivery.status != DeliveryStatus.DELIVERED:
        return Result(refusal=Refusal.WRONG_STATE)
    delivery.photo_file_id = file_id[:256]
    session.add(delivery)
    request = await requests_repo.by_id(session, delivery.request_id)
    assert request is not None
    return Result(volunteer, delivery, None, (DeliveryPhoto(delivery, request, delivery.photo_file_id), CardChanged(request)))


async def run_checks(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """Handed-over deliveries that did not move on for VOLUNTEERS__STALL_HOURS: their workers are nudged
    once per step (the next step sets a new time)."""
    due = await repo.due_checks(session, now)
    batch = Batch(len(due))
    for delivery in due:
        delivery.next_check_at = None
        session.add(delivery)
        request = await requests_repo.by_id(session, delivery.request_id)
        if request is None:
            continue
        requests_repo.add_event(session, request.id or 0, "system", None, "delivery_stalled", delivery=delivery.id)
        batch.told.append(DeliveryStalled(delivery, request))
    return batch


@dataclass(frozen=True)
class RosterLine:
    """One volunteer in /volunteers: who, and their deliveries (delivered, in progress, not delivered)."""

    volunteer: Volunteer
    delivered: int
    busy: int
    failed: int
    recent: bool  # took a delivery in the last ACTIVE_DAYS


@dataclass(frozen=True)
class Roster:
    """Every volunteer who is not removed or declined, and the totals."""

    lines: list[RosterLine] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many volunteers have this status."""
        return sum(1 for line in self.lines if line.volunteer.status == status)

    @property
    def active(self) -> int:
        """Approved volunteers who took a delivery in the last ACTIVE_DAYS or have one now."""
        return sum(1 for line in self.lines
                   if line.volunteer.status == VolunteerStatus.APPROVED and (line.recent or line.busy))


#: A volunteer who took a delivery in this many days counts as active.
ACTIVE_DAYS = 7


async def roster(session: AsyncSession) -> Roster:
    """The coordinators' list of volunteers with their delivery counts."""
    every = await repo.counts_by_volunteer(session)
    recent = await repo.counts_by_volunteer(session, clock.now() - timedelta(days=ACTIVE_DAYS))
    lines = []
    for volunteer in await repo.all_volunteers(session):
        mine = every.get(volunteer.id or 0, {})
        lines.append(RosterLine(
            volunteer, mine.get(DeliveryStatus.DELIVERED, 0),
            mine.get(DeliveryStatus.TAKEN, 0) + mine.get(DeliveryStatus.PICKED_UP, 0),
            mine.get(DeliveryStatus.FAILED, 0) + mine.get(DeliveryStatus.RETURNED, 0),
            bool(recent.get(volunteer.id or 0)),
        ))
    return Roster(lines)
