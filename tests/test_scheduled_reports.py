"""The weekly report and the morning summary the bot posts by itself into each staff chat, at local times
of the deployment's timezone: once when due (however many ticks and instances), once after an outage."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import post_scheduled
from bot.core import clock
from bot.core.config import ScheduledReports
from tests.conftest import COORDINATOR_ID, STAFF_CHAT, Harness
from tests.helpers import catalog_plural, catalog_text, staff_messages, visible_text
from tests.test_staff import file_request, join

TZ = ZoneInfo("Asia/Shanghai")
STILL_OPEN = ("☀️ Still open from before today: {n} request", "☀️ Still open from before today: {n} requests")


def hhmm(at: datetime) -> str:
    return at.astimezone(TZ).strftime("%H:%M")


def schedule_from_now(harness: Harness) -> None:
    """Turn the posts on: the morning summary due in 1 h, the weekly report in 2 h (local times)."""
    now = clock.now()
    morning, weekly = now + timedelta(hours=1), now + timedelta(hours=2)
    assert harness.app is not None
    harness.app.settings.reports = ScheduledReports(
        morning_time=hhmm(morning), weekly_day=weekly.astimezone(TZ).isoweekday(), weekly_time=hhmm(weekly))


def posts(harness: Harness, since: int) -> list[str]:
    return [m.text for m in staff_messages(harness, STAFF_CHAT)[since:]]


async def tick(harness: Harness) -> None:
    """The tick, twice (the second must find nothing), then delivery."""
    assert harness.app is not None
    await post_scheduled(harness.app)
    await post_scheduled(harness.app)
    await harness.drain()


async def test_morning_summary_and_weekly_report(harness: Harness) -> None:
    h = harness
    await join(h, COORDINATOR_ID, "主任", private=False)
    _, request = await file_request(h, "zh")
    clock.advance(timedelta(hours=24))
    schedule_from_now(h)
    start = len(staff_messages(h, STAFF_CHAT))
    await tick(h)  # the schedule rows are made; nothing is due yet
    assert posts(h, start) == []

    clock.advance(timedelta(minutes=61))  # the morning time has come: yesterday's request is still open
    await tick(h)
    (summary,) = posts(h, start)
    lines = summary.split("\n")
    assert lines[0] == catalog_plural("zh", *STILL_OPEN, 1)
    assert lines[1].startswith(f"№{request.id} {catalog_text('zh', 'Food and supplies')} · ")

    clock.advance(timedelta(minutes=60))  # the weekly report: the 7 days before today
    start = len(staff_messages(h, STAFF_CHAT))
    await tick(h)
    sent = staff_messages(h, STAFF_CHAT)[start:]
    assert [m.is_photo for m in sent] == [False, True]
    lines = sent[0].text.split("\n")
    assert lines[0] == visible_text("zh", "🗓 Weekly report")
    assert lines[2] == catalog_plural("zh", "{n} request filed", "{n} requests filed", 1)

    # An outage of two weeks: one summary and one weekly report when it is over, not one per day missed.
    clock.advance(timedelta(days=14))
    start = len(staff_messages(h, STAFF_CHAT))
    await tick(h)
    sent = posts(h, start)
    assert sum(text.startswith("☀️") for text in sent) == 1
    assert sum(text.startswith(visible_text("zh", "🗓 Weekly report")) for text in sent) == 1

