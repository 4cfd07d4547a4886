"""Posts the bot makes by itself to every staff chat: the weekly report (the 7 days before) and the morning
summary of what is still open from before today. Each chat's next due time is a row (db.models.ScheduledPost)
that the tick locks and moves on in the transaction that queues the post: posted once by one instance,
and after an outage once, not once per missed occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.periods import Period
from bot.domain.post_times import next_daily, next_weekly
from bot.services.reports import Scope
from db.models import Request
from db.repo import districts
from db.repo import schedules as repo

WEEKLY, MORNING = "weekly", "morning"
#: Posts handled per tick.
BATCH = 50
#: Requests the morning summary lists (the count is always the true one).
MORNING_LIST = 30


def next_due(kind: str, settings: Settings, after: datetime) -> datetime:
    """When a post of this kind is next due after a time."""
    conf = settings.reports
    if kind == WEEKLY:
        return next_weekly(after, conf.weekly_day, conf.weekly_time, settings.tz)
    return next_daily(after, conf.morning_time, settings.tz)


def enabled(kind: str, settings: Settings) -> bool:
    """Whether the deployment wants this post."""
    return settings.reports.weekly if kind == WEEKLY else settings.reports.morning


async def sync(session: AsyncSession, settings: Settings, now: datetime) -> None:
    """A schedule row for every enabled post in every staff chat (a new chat gets its first due time)."""
    for chat_id in await districts.staff_chat_ids(session, settings.staff_chat_id):
        if chat_id == 0:
            continue  # STAFF_CHAT_ID not set yet
        for kind in (WEEKLY, MORNING):
            if enabled(kind, settings):
                await repo.ensure(session, kind, chat_id, next_due(kind, settings, now))


@dataclass
class Post:
    """A post to make now: its kind, its chat and the districts that chat serves."""

    kind: str
    chat_id: int
    scope: Scope


async def take_due(session: AsyncSession, settings: Settings, now: datetime) -> list[Post]:
    """The posts due now; their rows are moved on to the next occurrence (the caller queues the posts in
    the same transaction). A chat that no longer serves any district, or a post turned off, is skipped."""
    posts = []
    for row in await repo.due(session, now, BATCH):
        row.next_due_at = next_due(row.kind, settings, now)
        session.add(row)
        if not enabled(row.kind, settings):
            continue
        served = await districts.served_by(session, row.chat_id, settings.staff_chat_id)
        if not served:
            continue
        row.last_sent_at = now
        posts.append(Post(row.kind, row.chat_id, Scope(served, True)))
    return posts


def last_week(settings: Settings, now: datetime) -> Period:
    """The 7 whole days before today."""
    today = now.astimezone(settings.tz).date()
    return Period(today - timedelta(days=7), today - timedelta(days=1))


async def still_open(session: AsyncSession, settings: Settings, scope: Scope, now: datetime) -> tuple[int, list[Request]]:
    """Requests filed before today (local midnight) and still open: how many, and the first of them."""
    midnight = datetime.combine(now.astimezone(settings.tz).date(), time(0), tzinfo=settings.tz)
    return await repo.open_before(session, scope.ids, midnight, MORNING_LIST)

