"""When a post the bot makes by itself is next due: local wall times of a timezone (DST-safe: a time that
does not exist that day is taken as the zone resolves it), returned as aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _at(day: datetime, hhmm: str, tz: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day.date(), time(hours, minutes), tzinfo=tz)


def _later(candidate: datetime, after: datetime) -> bool:
    """Compared as instants: two datetimes of the same zone compare by wall time, which in the repeated
    hour of a DST change puts the first 03:30 after the second 03:10."""
    return candidate.astimezone(UTC) > after.astimezone(UTC)


def next_daily(after: datetime, hhmm: str, tz: ZoneInfo) -> datetime:
    """The first HH:MM local time strictly after `after`."""
    local = after.astimezone(tz)
    for days in range(0, 3):
        candidate = _at(local + timedelta(days=days), hhmm, tz)
        if _later(candidate, after):
            return candidate
    raise AssertionError("unreachable")


def next_weekly(after: datetime, weekday: int, hhmm: str, tz: ZoneInfo) -> datetime:
    """The first HH:MM local time on ISO weekday `weekday` (1 = Monday) strictly after `after`."""
    local = after.astimezone(tz)
    for days in range(0, 9):
        day = local + timedelta(days=days)
        if day.isoweekday() == weekday:
            candidate = _at(day, hhmm, tz)
            if _later(candidate, after):
                return candidate
    raise AssertionError("unreachable")
