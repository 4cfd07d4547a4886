"""Read-side of the staff chat: /open, /mine, /stats, /checkins as rows and numbers (bot.ui.staff_reports
renders them), pickers and permission pre-checks."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, time

from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.services.staff import Outcome, Refusal, in_chat
from db.models import District, Request, RequestStatus, Staff, StaffRole
from db.repo import checkins as checkins_repo
from db.repo import districts, residents
from db.repo import requests as requests_repo
from db.repo import staff as repo


async def district_ids(session: AsyncSession, settings: Settings, chat_id: int) -> list[int]:
    """The districts served by a chat."""
    return [d.id for d in await districts.served_by(session, chat_id, settings.staff_chat_id) if d.id]


#: Requests per page of /open (a page stays well within Telegram's 4096 characters).
OPEN_PAGE = 30


@dataclass(frozen=True)
class OpenPage:
    """One page of /open: its requests (urgent first, then oldest), the true total, its 0-based number
    and how many pages there are."""

    rows: list[Request]
    total: int
    page: int
    pages: int


async def open_list(session: AsyncSession, settings: Settings, chat_id: int, page: int = 0) -> OpenPage:
    """/open: urgent first, then oldest; the true total, and one page of OPEN_PAGE requests."""
    ids = await district_ids(session, settings, chat_id)
    total = await repo.count_open(session, ids)
    if not total:
        return OpenPage([], 0, 0, 1)
    pages = -(-total // OPEN_PAGE)
    page = min(max(page, 0), pages - 1)
    rows = await repo.open_in_chat(session, ids, limit=OPEN_PAGE, offset=page * OPEN_PAGE)
    return OpenPage(rows, total, page, pages)


async def mine(session: AsyncSession, member: Staff) -> list[Request]:
    """/mine: what the worker has in hand."""
    return await repo.claimed_by(session, member.id or 0)


def start_of_today(settings: Settings) -> datetime:
    """Midnight today in the deployment's timezone."""
    local = clock.now().astimezone(settings.tz)
    return datetime.combine(local.date(), time(0), tzinfo=settings.tz)


@dataclass(frozen=True)
class DayStats:
    """/stats: today's requests of a chat, by what became of them, and the median minutes to claim
    (None when none was claimed)."""

    new: int
    claimed: int
    done: int
    cancelled: int
    median_claim_minutes: int | None


async def stats(session: AsyncSession, settings: Settings, chat_id: int) -> DayStats:
    """/stats: today's new, claimed, done, cancelled, and the median time to claim."""
    ids = await district_ids(session, settings, chat_id)
    since = start_of_today(settings)
    counts = await repo.day_counts(session, ids, since)
    delays = await repo.claim_delays(session, ids, since)
    claimed = sum(counts.get(s, 0) for s in ("claimed", "on_the_way", "done", "received", "failed"))
    done = counts.get(RequestStatus.DONE, 0) + counts.get(RequestStatus.RECEIVED, 0)
    median = round(statistics.median(delays) / 60) if delays else None
    return DayStats(sum(counts.values()), claimed, done, counts.get(RequestStatus.CANCELLED, 0), median)


async def set_chat_locale(session: AsyncSession, chat_id: int, locale: str) -> None:
    """Set a staff chat's language."""
    await repo.set_chat_locale(session, chat_id, locale)


async def may_change(session: AsyncSession, settings: Settings, member: Staff, request_id: int, chat_id: int) -> Outcome | None:
    """None when the member may act on this request now; otherwise why not."""
    request = await requests_repo.by_id(session, request_id)
    if request is None:
        return Outcome(refusal=Refusal.GONE)
    if not await in_chat(session, settings, request, chat_id):
        return Outcome(refusal=Refusal.WRONG_CHAT)
    if request.status not in (RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY):
        return Outcome(refusal=Refusal.WRONG_STATE)
    if request.claimed_by != member.id and member.role != StaffRole.COORDINATOR:
        holder = await repo.by_id(session, request.claimed_by)
        return Outcome(refusal=Refusal.NOT_YOURS, holder=holder.name if holder else None)
    return None


async def other_districts(session: AsyncSession, settings: Settings, i18n: I18n, request_id: int) -> list[tuple[str, str]]:
    """(code, title) of every district except the request's own."""
    request = await requests_repo.by_id(session, request_id)
    current = request.district_id if request else None
    locale = i18n.current_locale
    result = []
    for d in await districts.all_districts(session):
        if d.id != current:
            conf = settings.district(d.code)
            result.append((d.code, conf.title(locale) if conf else d.name))
    return result


@dataclass(frozen=True)
class DistrictRoll:
    """/checkins of one district today: answers by kind (fine, not_well, help, pending, escalated),
    plans paused, and how many of the residents who were not well, needed help or were escalated have
    each vulnerability flag (flag code -> count, in the configured order)."""

    district: District
    counts: dict[str, int]
    paused: int
    flags: dict[str, int]


async def checkin_roll(session: AsyncSession, settings: Settings, chat_id: int) -> list[DistrictRoll]:
    """/checkins: today's roll per district of this chat."""
    served = await districts.served_by(session, chat_id, settings.staff_chat_id)
    since = start_of_today(settings)
    ids = [d.id for d in served if d.id]
    rows = await checkins_repo.roll(session, since, ids)
    paused = await checkins_repo.paused_counts(session, since, ids)
    attention = await checkins_repo.attention_flags(session, since, ids)
    roll = []
    for district in served:
        counts = {"fine": 0, "not_well": 0, "help": 0, "pending": 0, "escalated": 0}
        for district_id, answer, escalated, n in rows:
            if district_id != district.id:
                continue
            if escalated:
                counts["escalated"] += n
            if answer in counts and not (escalated and answer == "missed"):
                counts[answer] += n
        flags = flag_counts([row for row in attention if row[0] == district.id], settings)
        roll.append(DistrictRoll(district, counts, paused.get(district.id, 0), flags))
    return roll


def flag_counts(rows: list[tuple[int | None, list[str], list[str], int]], settings: Settings) -> dict[str, int]:
    """How many of these check-ins' residents have each flag, in the configured order (unknown codes
    last): {"alone": 2, "low_income": 1}."""
    counts: dict[str, int] = {}
    for _district, columns, others, n in rows:
        for code in dict.fromkeys([*columns, *others]):
            counts[code] = counts.get(code, 0) + n
    order = {f.code: i for i, f in enumerate(settings.vulnerability_flags)}
    return {code: counts[code] for code in sorted(counts, key=lambda code: order.get(code, len(order)))}


async def resident_of_request(session: AsyncSession, settings: Settings, request_id: int, chat_id: int):  # type: ignore[no-untyped-def]
    """The resident behind a request of this chat (None if it is not this chat's)."""
    request = await requests_repo.by_id(session, request_id)
    if request is None or not await in_chat(session, settings, request, chat_id):
        return None
    return await residents.by_id(session, request.resident_id)
