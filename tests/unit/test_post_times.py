"""Tests for bot.domain.post_times: when the morning summary and the weekly report are next due. Results are
compared in UTC (two datetimes of the same zone compare by wall time, which would hide a wrong offset)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.post_times import next_daily, next_weekly

TZ = ZoneInfo("Asia/Shanghai")
SHANGHAI, KYIV = TZ, ZoneInfo("Europe/Kyiv")  # Kyiv 2026: summer time from 29 March to 25 October


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("after", "hhmm", "expected"),
    [
        (utc(2026, 11, 30, 0, 0), "08:00", utc(2026, 12, 1, 0, 0)),  # exactly 08:00 in Shanghai: the next one
        (utc(2026, 11, 29, 23, 59), "08:00", utc(2026, 11, 30, 0, 0)),  # a minute before
        (utc(2026, 11, 30, 0, 0), "08:01", utc(2026, 11, 30, 0, 1)),
        (utc(2026, 11, 30, 20, 0), "08:00", utc(2026, 12, 1, 0, 0)),  # 04:00 on 1 December locally, 30 Nov in UTC
        (utc(2026, 11, 30, 15, 59), "00:00", utc(2026, 11, 30, 16, 0)),  # local midnight
        (utc(2026, 12, 31, 1, 0), "7:30", utc(2026, 12, 31, 23, 30)),  # into the new year
    ],
)
def test_next_daily_in_shanghai(after: datetime, hhmm: str, expected: datetime) -> None:
    found = next_daily(after, hhmm, SHANGHAI)
    assert found.astimezone(UTC) == expected and found > after


@pytest.mark.parametrize(
    ("after", "hhmm", "expected"),
    [
        # The day summer time ends: 09:00 is still 09:00 local, now UTC+2 (25 hours after the day before).
        (utc(2026, 10, 24, 6, 0), "09:00", utc(2026, 10, 25, 7, 0)),
        (utc(2026, 10, 25, 7, 0), "09:00", utc(2026, 10, 26, 7, 0)),
        # The day it starts: 09:00 local is UTC+3 (23 hours after the day before).
        (utc(2026, 3, 28, 7, 0), "09:00", utc(2026, 3, 29, 6, 0)),
        # 03:30 does not exist on 29 March (03:00 → 04:00): taken with the offset before the change.
        (utc(2026, 3, 28, 22, 0), "03:30", utc(2026, 3, 29, 1, 30)),
        # 03:30 happens twice on 25 October: the first one, and not again that day.
        (utc(2026, 10, 24, 23, 0), "03:30", utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 25, 0, 30), "03:30", utc(2026, 10, 26, 1, 30)),
        (utc(2026, 10, 25, 1, 10), "03:30", utc(2026, 10, 26, 1, 30)),  # 03:10 the second time
    ],
)
def test_next_daily_across_dst_in_kyiv(after: datetime, hhmm: str, expected: datetime) -> None:
    found = next_daily(after, hhmm, KYIV)
    assert found.astimezone(UTC) == expected and found > after


def test_after_given_in_the_zone_itself() -> None:
    """`after` as a local time of the same zone, in the repeated hour: 03:10 the second time (01:10 UTC) is
    after the first 03:30 (00:30 UTC), so the next 03:30 is the next day's."""
    second = datetime(2026, 10, 25, 3, 10, fold=1, tzinfo=KYIV)
    assert second.astimezone(UTC) == utc(2026, 10, 25, 1, 10)
    assert next_daily(second, "03:30", KYIV).astimezone(UTC) == utc(2026, 10, 26, 1, 30)
    assert next_weekly(second, 7, "03:30", KYIV).astimezone(UTC) == utc(2026, 11, 1, 1, 30)


def test_next_times() -> None:
    """Local wall times: the first one strictly after; a week on the right weekday."""
    at = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # a Monday, 08:00 in Shanghai
    assert next_daily(at, "08:00", TZ) == datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
    assert next_daily(at, "08:01", TZ) == datetime(2026, 11, 30, 8, 1, tzinfo=TZ)
    assert next_weekly(at, 1, "08:00", TZ) == datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
    assert next_weekly(at, 3, "07:00", TZ) == datetime(2026, 12, 2, 7, 0, tzinfo=TZ)
    kyiv = ZoneInfo("Europe/Kyiv")  # summer time ends on 25 October 2026: 09:00 is still 09:00 local
    assert next_daily(datetime(2026, 10, 24, 10, 0, tzinfo=kyiv), "09:00", kyiv) == datetime(2026, 10, 25, 9, 0, tzinfo=kyiv)


@pytest.mark.parametrize(
    ("after", "weekday", "hhmm", "expected"),
    [
        (utc(2026, 11, 30, 0, 0), 1, "08:00", utc(2026, 12, 7, 0, 0)),  # Monday 08:00 exactly: a week later
        (utc(2026, 11, 29, 23, 59), 1, "08:00", utc(2026, 11, 30, 0, 0)),  # a minute before
        (utc(2026, 11, 30, 0, 0), 2, "08:00", utc(2026, 12, 1, 0, 0)),
        (utc(2026, 11, 30, 0, 0), 7, "20:00", utc(2026, 12, 6, 12, 0)),  # Sunday
        (utc(2026, 11, 29, 17, 0), 1, "00:30", utc(2026, 12, 6, 16, 30)),  # Monday 01:00 local: next Monday
        (utc(2026, 11, 29, 15, 0), 1, "00:30", utc(2026, 11, 29, 16, 30)),  # Sunday 23:00 local → Monday 00:30
    ],
)
def test_next_weekly_in_shanghai(after: datetime, weekday: int, hhmm: str, expected: datetime) -> None:
    found = next_weekly(after, weekday, hhmm, SHANGHAI)
    assert found.astimezone(UTC) == expected and found.astimezone(SHANGHAI).isoweekday() == weekday


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2026, 10, 19, 6, 0), utc(2026, 10, 26, 7, 0)),  # Monday 09:00 summer → Monday 09:00 winter
        (utc(2026, 3, 23, 7, 0), utc(2026, 3, 30, 6, 0)),  # Monday 09:00 winter → Monday 09:00 summer
    ],
)
def test_next_weekly_across_dst_in_kyiv(after: datetime, expected: datetime) -> None:
    found = next_weekly(after, 1, "09:00", KYIV)
    assert found.astimezone(UTC) == expected
    assert (found.astimezone(KYIV).hour, found.astimezone(KYIV).isoweekday()) == (9, 1)
