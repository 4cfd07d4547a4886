"""Pure time rules of the check-ins: wall-clock times in a timezone, quiet hours, pauses, DST."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TIME = re.compile(
    r"^\s*([01]?\d|2[0-3])\s*(?:[:.：]\s*([0-5]\d)|[时點点h]\s*(?:([0-5]\d|\d)\s*分?|(半))?)\s*$",
    re.IGNORECASE,
)


def parse_time(text: str) -> time | None:
    """'9:00', '09:00', '9.30', '9：30', '9点', '9点30', '9点半', '9时5分', '9h' -> time; anything else -> None."""
    match = TIME.match(text or "")
    if match is None:
        return None
    minutes = 30 if match.group(4) else int(match.group(2) or match.group(3) or 0)
    return time(int(match.group(1)), minutes)


def parse_times(values: Iterable[str]) -> list[time]:
    """Valid, de-duplicated, sorted times."""
    return sorted({t for t in (parse_time(v) for v in values) if t is not None})


def fmt(value: time) -> str:
    """HH:MM."""
    return value.strftime("%H:%M")


def in_quiet(value: time, start: time, end: time) -> bool:
    """Whether a wall-clock time falls in quiet hours (the window may cross midnight)."""
    if start == end:
        return False
    if start < end:
        return start <= value < end
    return value >= start or value < end


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a day in UTC. A time skipped by a DST change moves forward by the gap;
    a repeated one is its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def next_slot(times: Iterable[time], tz: ZoneInfo, after: datetime, paused_until: date | None = None) -> datetime | None:
    """The first check-in time strictly after `after` (aware), not before the pause ends."""
    slots = sorted(set(times))
    if not slots:
        return None
    day = after.astimezone(tz).date() - timedelta(days=1)
    if paused_until is not None and paused_until > day:
        day = paused_until  # no check-in on the days of the pause
    for offset in range(0, 8):
        current = day + timedelta(days=offset)
        for at in slots:
            utc = to_utc(current, at, tz)
            if utc > after:
                return utc
    return None


def quiet_end_after(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """If now is in quiet hours, when they end; otherwise now."""
    local = now.astimezone(tz)
    if not in_quiet(local.time(), start, end):
        return now
    candidate = to_utc(local.date(), end, tz)
    return candidate if candidate > now else to_utc(local.date() + timedelta(days=1), end, tz)
