"""Official notices (/notice): who they go to, which text each recipient reads, how they enter the outbox
(a bounded look-ahead at the lowest priority, like the check-in wave), their counts, Cancel, and a
resident's /notices switch. The SQL is in db/repo/notices.py; bot/ui/notice_texts.py renders.

A notice is one row (db.models.Notice) with a cursor: the tick writes the next recipients in id order, as
many as the send budget reaches in NOTICES__LOOKAHEAD_SECONDS (all notices together), moves the cursor
on, and sees the notice finished once every recipient was written and none of its rows is left in the
outbox. The sender's hooks count what was delivered and what Telegram refused (403).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import LOCALES, Settings
from bot.services.decisions import Batch, Decision, NoticeDue, NoticeProgress
from db.models import Notice, NoticeAudience, NoticeStatus, Outbox, Resident, Staff, StaffRole
from db.repo import notices as repo
from db.repo import outbox as outbox_repo

log = logging.getLogger(__name__)

#: The key of the one version for everyone in Notice.texts.
ONE = "*"
#: Telegram's limits, in UTF-16 code units after entity parsing: a message's text, a photo's or file's caption.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
#: For this many seconds after Cancel the progress message still follows the notice's figures: a row a
#: sender had in hand when Cancel was pressed may still be delivered and counted.
CANCELLED_FOLLOWED = 120


class Refusal(StrEnum):
    """Why a notice action is refused."""

    NOT_COORDINATOR = "not_coordinator"
    NOT_HERE = "not_here"  # the pressed message is not that notice's progress message (forged, or another chat)
    FINISHED = "finished"  # already sent or cancelled (a double press)
    NOBODY = "nobody"  # the audience is empty
    NO_TEXT = "no_text"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def text_for(texts: dict[str, str], locale: str) -> str:
    """The text a recipient reading `locale` gets: their language's version, else the one version for
    everyone, else the first language's (zh), else any; "" when there is none."""
    for key in (locale, ONE, LOCALES[0]):
        if texts.get(key):
            return texts[key]
    return next((t for t in texts.values() if t), "")


def languages_to_ask(texts: dict[str, str]) -> list[str]:
    """The languages whose version the wizard still asks for, in LOCALES order (none once the one version
    for everyone is given)."""
    if ONE in texts:
        return []
    return [code for code in LOCALES if code not in texts]


def notice_room(settings: Settings, queued: int) -> int:
    """How many more notice rows the outbox may take now: the bot's send budget over the look-ahead
    (NOTICES__LOOKAHEAD_SECONDS × LIMITS__GLOBAL_PER_SECOND rows) less the `queued` rows still pending in
    the outbox, of every class; never negative. Notices thus take only the budget nothing else needs: while
    a check-in wave fills the look-ahead none is written, so none waits long enough to be served as if
    urgent (LIMITS__STARVE_AFTER_SECONDS)."""
    ahead = int(settings.limits.global_per_second * settings.notices.lookahead_seconds)
    return max(0, ahead - queued)


def remaining(notice: Notice) -> int:
    """Recipients not reached yet: neither sent, unreachable nor skipped (0 once it is finished)."""
    if notice.status != NoticeStatus.SENDING:
        return 0
    return max(0, notice.total - notice.sent - notice.unreachable - notice.skipped)


def not_sent(notice: Notice) -> int:
    """For a cancelled notice: the recipients it never reached (neither sent, unreachable nor skipped)."""
    return max(0, notice.total - notice.sent - notice.unreachable - notice.skipped)


@dataclass(frozen=True)
class Audience:
    """Who a notice would go to now: everyone in it, and how many of them turned notices off."""

    kind: NoticeAudience
    district_ids: tuple[int, ...]
    total: int
    muted: int


async def audience(session: AsyncSession, kind: NoticeAudience, district_ids: Sequence[int] = ()) -> Audience:
    """Count an audience (residents of districts, residents with check-ins, or staff)."""
    ids = tuple(sorted(set(district_ids))) if kind == NoticeAudience.DISTRICTS else ()
    total, muted = await repo.count_audience(session, kind, ids)
    return Audience(kind, ids, total, muted)


@dataclass(frozen=True)
class Created:
    """A notice made by «Send» (or the one a double tap made already: `again`), and what to tell."""

    notice: Notice | None
    refusal: Refusal | None = None
    again: bool = False
    told: tuple[Decision, ...] = ()


async def create(
    session: AsyncSession, member: Staff, *, key: str, chat_id: int, thread_id: int | None, message_id: int | None,
    kind: NoticeAudience, district_ids: Sequence[int], texts: dict[str, str], attachment: str | None,
    file_id: str | None,
) -> Created:
    """«Send»: the notice is stored with its audience counted now (those who join it later are not
    included) and the message pressed becomes its progress message. Coordinators only; one notice per
    wizard `key`."""
    if member.role != StaffRole.COORDINATOR:
        return Created(None, Refusal.NOT_COORDINATOR)
    existing = await repo.by_key(session, key)
    if existing is not None:
        return Created(existing, again=True)
    if not any(texts.values()):
        return Created(None, Refusal.NO_TEXT)
    counted = await audience(session, kind, district_ids)
    if counted.total == 0:
        return Created(None, Refusal.NOBODY)
    notice = Notice(
        key=key, staff_id=member.id, chat_id=chat_id, thread_id=thread_id, progress_message_id=message_id,
        audience=kind, district_ids=list(counted.district_ids), texts=dict(texts), attachment=attachment,
        file_id=file_id, total=counted.total, last_id=await repo.last_id(session, kind, counted.district_ids),
    )
    session.add(notice)
    await session.flush()
    log.info("notice %s by staff %s: audience %s, %s recipients, %s languages, attachment %s", notice.id, member.id,
             kind.value, counted.total, len(texts), attachment)
    return Created(notice, told=(NoticeProgress(notice),))


async def write_due(session: AsyncSession, settings: Settings, now: datetime) -> Batch:
    """One pass of the tick over the notices being sent, oldest first: the next recipients of each written
    (one NoticeDue each; residents who turned notices off are skipped and counted), as far as the
    look-ahead leaves room; a finished notice marked done; the progress message edited when its figures
    changed and it was last edited NOTICES__PROGRESS_SECONDS ago (the final figures always). Returns how
    many recipients it took and what to tell."""
    room = notice_room(settings, (await outbox_repo.depth(session))[0])
    taken, told = 0, []
    for notice in await repo.sending(session, now - timedelta(seconds=CANCELLED_FOLLOWED)):
        queued = notice.queued
        if notice.status == NoticeStatus.SENDING and not notice.written_all and room > 0 and taken < settings.notices.batch:
            limit = min(room, settings.notices.batch - taken)
            people = await _next(session, notice, limit)
            for person in people:
                if isinstance(person, Resident) and person.notices_off:
                    notice.skipped += 1
                else:
                    told.append(NoticeDue(notice, person))
                    notice.queued += 1
                    room -= 1
                notice.cursor = person.id or 0
            taken += len(people)
            if len(people) < limit:
                notice.written_all = True
            session.add(notice)
        told += await _progress(session, settings, notice, now, wrote=notice.queued > queued)
    return Batch(taken, told)


async def _next(session: AsyncSession, notice: Notice, limit: int) -> list[Resident] | list[Staff]:
    """The notice's next recipients after its cursor."""
    if notice.audience == NoticeAudience.STAFF:
        return await repo.staff_after(session, notice.cursor, notice.last_id, limit)
    return await repo.residents_after(session, notice.audience, notice.district_ids, notice.cursor, notice.last_id, limit)


async def _progress(session: AsyncSession, settings: Settings, notice: Notice, now: datetime, wrote: bool) -> list[Decision]:
    """Finish the notice when nothing of it is left to send (`wrote`: this pass decided rows the caller is
    yet to write, so it is not finished); the progress edit when it is due."""
    await session.flush()
    await session.refresh(notice, ["sent", "unreachable"])  # the sender's hooks count in their own transactions
    final = (notice.status == NoticeStatus.SENDING and notice.written_all and not wrote
             and await repo.pending_rows(session, notice.id or 0) == 0)
    if final:
        # Recipients not reached otherwise: rows Telegram refused for good other than with 403, residents who
        # erased their data (their rows dropped, or no longer in the audience when their turn came)
        notice.unreachable = max(notice.unreachable, notice.total - notice.sent - notice.skipped)
        notice.status, notice.finished_at = NoticeStatus.DONE, now
        log.info("notice %s done: %s sent, %s unreachable, %s skipped", notice.id, notice.sent, notice.unreachable,
                 notice.skipped)
    shown = figures(notice)
    due = notice.progress_at is None or (now - notice.progress_at).total_seconds() >= settings.notices.progress_seconds
    if not final and (shown == notice.progress_shown or not due or await repo.progress_pending(session, notice.id or 0)):
        session.add(notice)
        return []
    notice.progress_at, notice.progress_shown = now, shown
    session.add(notice)
    return [NoticeProgress(notice)]


def figures(notice: Notice) -> str:
    """What the progress message shows, as a short key (an unchanged message is not edited again)."""
    return f"{notice.status.value}:{notice.sent}:{notice.unreachable}:{notice.skipped}:{remaining(notice)}"


@dataclass(frozen=True)
class Stopped:
    """Cancel pressed on a progress message: the notice stopped (or why not), and what to tell."""

    notice: Notice | None
    refusal: Refusal | None = None
    told: tuple[Decision, ...] = ()


async def cancel(
    session: AsyncSession, member: Staff, notice_id: int, chat_id: int, message_id: int, now: datetime,
) -> Stopped:
    """Stop a notice: its rows not sent yet are dropped and nobody further is written. Only a coordinator,
    only on the notice's own progress message (callback data can be forged), only while it is being sent."""
    if member.role != StaffRole.COORDINATOR:
        return Stopped(None, Refusal.NOT_COORDINATOR)
    notice = await repo.by_id(session, notice_id)
    if notice is None or notice.chat_id != chat_id or notice.progress_message_id != message_id:
        return Stopped(None, Refusal.NOT_HERE)
    if notice.status != NoticeStatus.SENDING:
        return Stopped(notice, Refusal.FINISHED)
    # Its rows are dropped before the notice is locked (the sender's hook updates the notice while holding
    # rows it just recorded: the other order could deadlock), and again after, for what a tick wrote meanwhile.
    dropped = await repo.drop_pending(session, notice_id, now)
    await session.refresh(notice, with_for_update=True)
    if notice.status != NoticeStatus.SENDING:
        return Stopped(notice, Refusal.FINISHED)
    dropped += await repo.drop_pending(session, notice_id, now)
    await session.refresh(notice, ["sent", "unreachable"])
    notice.queued -= dropped
    notice.status, notice.finished_at, notice.cancelled_by = NoticeStatus.CANCELLED, now, member.id
    notice.progress_at, notice.progress_shown = now, figures(notice)
    session.add(notice)
    log.info("notice %s cancelled by staff %s: %s rows dropped, %s not sent", notice_id, member.id, dropped,
             not_sent(notice))
    return Stopped(notice, told=(NoticeProgress(notice),))


async def delivered(session: AsyncSession, rows: Sequence[Outbox]) -> None:
    """The sender's hook (in its recording transaction): notice messages that reached their recipient."""
    for notice_id, n in Counter(row.ref_id for row in rows if row.purpose == "notice" and row.ref_id).items():
        await repo.add_counts(session, notice_id, sent=n)


async def undeliverable(session: AsyncSession, row: Outbox) -> None:
    """The sender's hook: Telegram refused a notice message (403: the recipient blocked the bot or is gone)."""
    if row.purpose == "notice" and row.ref_id:
        await repo.add_counts(session, row.ref_id, unreachable=1)


def set_notices(session: AsyncSession, resident: Resident, on: bool | None = None) -> bool:
    """/notices: turn official notices on or off for the resident (`on` None: the other way round). Returns
    whether they are on now."""
    resident.notices_off = (not on) if on is not None else not resident.notices_off
    session.add(resident)
    log.info("resident %s turned notices %s", resident.id, "off" if resident.notices_off else "on")
    return not resident.notices_off
