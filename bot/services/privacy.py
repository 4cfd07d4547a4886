"""Erasure and retention: a resident's personal data leaves every place it was copied to.

Where it lies: the resident row; their requests (address, texts, photo and voice file ids, items) and
audit trail; outbox payloads (the claimer's details message with name, phone and address, status
messages, check-ins); messages already delivered to a claimer's private chat; failed updates (Telegram's
raw JSON of what they typed and of the messages they pressed buttons on); conversation state (cleared by
the /delete handler through the FSM storage, SQL or Redis). Staff cards never show phone or address;
those of the resident's requests are re-rendered from the anonymised rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Retention
from bot.domain.phones import format_phone
from bot.services.decisions import Batch, CardChanged, Decision, DetailsRemoved
from db.models import OPEN_STATUSES, Outbox, OutboxStatus, Resident
from db.repo.outbox import SYNC_CARD
from db.repo import checkins as checkins_repo
from db.repo import followups as followups_repo
from db.repo import medicines as medicines_repo
from db.repo import privacy as repo
from db.repo import requests as requests_repo

log = logging.getLogger(__name__)

SCAN_BATCH = 200


async def erase_resident(session: AsyncSession, resident: Resident, at: datetime) -> list[Decision]:
    """Erase a resident's personal data everywhere in the database, in the caller's transaction: their
    open requests are cancelled (cards say so), check-ins stop, requests keep only kind, status,
    district, urgency and times; a claimer's delivered details message is to be edited (photo and voice
    deleted). The resident row stays as an anonymous shell, without Telegram ids. Returns what to tell
    (the details messages replaced, then the cards), for the caller's Notifier in this transaction."""
    resident_id, chat_id, tg_user_id = resident.id or 0, resident.chat_id, resident.tg_user_id
    needles = personal_strings(resident)
    request_ids = await repo.request_ids_of_resident(session, resident_id)
    open_ids = {r.id for r in await requests_repo.of_resident(session, resident_id, limit=len(request_ids) or 1)
                if r.status in OPEN_STATUSES}
    await requests_repo.anonymize_of_resident(session, resident_id, at)  # cancels the open ones
    await repo.anonymize_requests(session, request_ids, at)
    plan = await checkins_repo.plan_of(session, resident_id)
    if plan is not None:
        plan.active, plan.next_due_at = False, None
        session.add(plan)
    await followups_repo.stop_for_resident(session, resident_id)
    await medicines_repo.delete_of_resident(session, resident_id)
    told = await scrub_outbox(session, request_ids, None, resident_id=resident_id, chat_id=chat_id)
    for request_id in sorted(open_ids | set(await repo.with_card_views(session, request_ids))):
        request = await requests_repo.by_id(session, request_id)
        if request is not None:
            await session.refresh(request)
            told.append(CardChanged(request))
    await forget_failed_updates(session, {i for i in (tg_user_id, chat_id) if i}, needles)
    for name, value in {
        "name": None, "phone": None, "address": None, "consent_at": None, "registered_at": None,
        "lives_alone": False, "over_65": False, "disability": False, "chronic_illness": False, "other_flags": [],
        "contact_name": None, "contact_phone": None, "invite_code": None, "imported_checkin_times": [],
        "tg_user_id": None, "chat_id": None, "timezone": None, "unreachable": False,
    }.items():
        setattr(resident, name, value)
    session.add(resident)
    log.info("resident %s erased their data (%s requests anonymised)", resident_id, len(request_ids))
    return told


async def details_delivered(session: AsyncSession, rows: list[Outbox]) -> list[Decision]:
    """The sender's hook for delivered details rows (in its recording transaction): a row it had leased
    before the resident erased their data went out all the same, so its message is to be replaced at once."""
    anonymised = await repo.anonymised_among(session, {row.request_id for row in rows if row.request_id})
    return [DetailsRemoved(row.chat_id, row.message_id, row.request_id or 0, row.method, None)
            for row in rows if row.request_id in anonymised and row.message_id]


def personal_strings(resident: Resident) -> list[str]:
    """The resident's name, phones (stored and displayed) and address, to find copies by."""
    values = [resident.name, resident.address, resident.contact_name]
    for phone in (resident.phone, resident.contact_phone):
        if phone:
            values += [phone, format_phone(phone)]
    return [v for v in values if v and len(v) >= 3]


#: Outbox purposes of messages that carried a resident's phone and address to one person: a claimer's
#: details, a volunteer's private copy of a delivery (bot.ui.notify.DELIVERY_COPY).
PRIVATE_COPIES = ("details", "delivery_copy")


async def scrub_outbox(
    session: AsyncSession, request_ids: list[int], retention_days: int | None,
    *, resident_id: int | None = None, chat_id: int | None = None,
) -> list[Decision]:
    """Blank the payloads of outbox rows about these requests (and to this resident): pending ones are
    dropped, delivered ones keep only their outcome. A claimer's delivered details message is to be
    replaced (returned): text edited to say why, photo and voice deleted. Card rows stay (they carry ids
    and are rendered from the request when sent)."""
    told: list[Decision] = []
    for row in await repo.outbox_rows_of(session, request_ids, resident_id, chat_id):
        if row.method == SYNC_CARD or not row.payload:
            continue
        if row.purpose in PRIVATE_COPIES and row.status == OutboxStatus.SENT and row.message_id:
            told.append(DetailsRemoved(row.chat_id, row.message_id, row.request_id or 0, row.method, retention_days))
        if row.status == OutboxStatus.PENDING:
            row.status, row.error, row.lease_until = OutboxStatus.FAILED, "erased", None
        row.payload = {}
        if chat_id is not None and row.chat_id == chat_id:
            row.chat_id = 0  # the resident's Telegram id goes too
        session.add(row)
    return told


async def forget_failed_updates(session: AsyncSession, user_ids: set[int], needles: list[str]) -> int:
    """Delete kept failed updates from these Telegram users or chats, or quoting any of the needles
    (a worker's button press on the details message carries that message). Returns how many."""
    after, forgotten = 0, 0
    while True:
        batch = await repo.failed_updates_after(session, after, SCAN_BATCH)
        if not batch:
            return forgotten
        after = batch[-1].id or 0
        doomed = [row.id or 0 for row in batch if mentions(row.payload, user_ids, needles)]
        await repo.delete_failed_updates(session, doomed)
        forgotten += len(doomed)


def mentions(payload: dict[str, Any], user_ids: set[int], needles: list[str]) -> bool:
    """Whether Telegram's update JSON comes from one of the users or chats, or contains a needle."""
    for event in payload.values():
        if not isinstance(event, dict):
            continue
        message = event.get("message") if isinstance(event.get("message"), dict) else event
        ids = {(event.get("from") or {}).get("id"), (message.get("from") or {}).get("id"),
               (message.get("chat") or {}).get("id"), (event.get("chat") or {}).get("id")}
        if ids & user_ids:
            return True
    text = json.dumps(payload, ensure_ascii=False)
    return any(needle in text for needle in needles)


# --------------------------------------------------------------------------------------- retention


async def anonymize_closed(session: AsyncSession, policy: Retention, now: datetime) -> Batch:
    """One batch: requests closed more than RETENTION__CLOSED_REQUEST_DAYS ago lose their personal details
    (and their claimers' details messages are to say so). Returns how many, and what to tell."""
    ids = await repo.closed_requests_before(session, now - timedelta(days=policy.closed_request_days), policy.batch)
    await repo.anonymize_requests(session, ids, now)
    return Batch(len(ids), await scrub_outbox(session, ids, policy.closed_request_days))


async def prune_outbox(session: AsyncSession, policy: Retention, now: datetime) -> Batch:
    """One batch: delivered or failed outbox rows older than RETENTION__OUTBOX_DAYS."""
    return Batch(await repo.prune_outbox(session, now - timedelta(days=policy.outbox_days), policy.batch))


async def prune_updates(session: AsyncSession, policy: Retention, now: datetime) -> Batch:
    """One batch: processed update ids older than RETENTION__UPDATE_DAYS."""
    return Batch(await repo.prune_processed_updates(session, now - timedelta(days=policy.update_days), policy.batch))


async def prune_failed_updates(session: AsyncSession, policy: Retention, now: datetime) -> Batch:
    """One batch: failed updates given up on more than RETENTION__FAILED_UPDATE_DAYS ago."""
    return Batch(await repo.prune_given_up_updates(session, now - timedelta(days=policy.failed_update_days), policy.batch))


Step = Callable[[AsyncSession, Retention, datetime], Awaitable[Batch]]
RETENTION_STEPS: tuple[Step, ...] = (anonymize_closed, prune_outbox, prune_updates, prune_failed_updates)
#: Hands a batch's decisions to the Notifier in that batch's transaction (bot.app gives it).
Tell = Callable[[AsyncSession, list[Decision]], Awaitable[None]]


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession], tell: Tell, policy: Retention, now: datetime,
) -> dict[str, int]:
    """The whole retention policy, each step batch after batch, each batch its own short transaction
    (idempotent: a second run finds nothing), what it decided told in that transaction. Returns rows
    handled per step."""
    done: dict[str, int] = {}
    for step in RETENTION_STEPS:
        total = 0
        while True:
            async with sessions.begin() as session:
                batch = await step(session, policy, now)
                await tell(session, batch.told)
            count = batch.count
            total += count
            if count < policy.batch:
                break
        done[step.__name__] = total
        if total:
            log.info("retention: %s handled %s rows", step.__name__, total)
    return done
