"""Check-in time rules: parsing, quiet hours, pauses, DST changes and timezones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import fmt, in_quiet, next_slot, parse_time, parse_times, quiet_end_after, to_utc

SHANGHAI, KYIV, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Kyiv"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9:00", time(9)), ("09:30", time(9, 30)), ("9.30", time(9, 30)), ("9：30", time(9, 30)),
     ("9点30", time(9, 30)), ("23:59", time(23, 59)), ("24:00", None), ("9", None), ("", None), ("abc", None),
     # Issue #11.6: an hour alone, as people write it (and registers do).
     ("9点", time(9)), ("9.00", time(9)), ("18点半", time(18, 30)), ("9时5分", time(9, 5)), ("21點", time(21)),
     ("9h", time(9)), ("9点30分", time(9, 30)), ("9点61", None), ("25点", None), ("9:5", None)],
)
def test_parse_time(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("at", "expected"), [(time(23), True), (time(2), True), (time(7), False), (time(6, 59), True), (time(12), False)]
)
def test_quiet_hours_cross_midnight(at: time, expected: bool) -> None:
    assert in_quiet(at, time(22), time(7)) is expected


def test_next_slot_same_day_and_next_day() -> None:
    """09:00 and 18:00 in Shanghai (UTC+8)."""
    after = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 local
    assert next_slot([time(9), time(18)], SHANGHAI, after) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    after = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 18:00 local exactly: strictly after
    assert next_slot([time(9), time(18)], SHANGHAI, after) == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_two_timezones_same_wall_clock() -> None:
    """09:00 in Kyiv and in Shanghai are different instants."""
    after = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert next_slot([time(9)], KYIV, after) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert next_slot([time(9)], SHANGHAI, after) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_dst_spring_forward_keeps_wall_clock() -> None:
    """Kyiv moves to summer time on 29 March 2026: 09:00 local is 07:00 UTC before, 06:00 UTC after."""
    before = next_slot([time(9)], KYIV, datetime(2026, 3, 28, 0, 0, tzinfo=UTC))
    after = next_slot([time(9)], KYIV, before)
    assert before == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_dst_gap_and_repeated_hour_give_one_check_in() -> None:
    """02:30 does not exist on 8 March 2026 in New York, 01:30 happens twice on 1 November 2026."""
    gap = next_slot([time(2, 30)], NEW_YORK, datetime(2026, 3, 8, 5, 0, tzinfo=UTC))
    assert gap is not None and gap.astimezone(NEW_YORK).date() == date(2026, 3, 8)
    first = next_slot([time(1, 30)], NEW_YORK, datetime(2026, 11, 1, 4, 0, tzinfo=UTC))
    second = next_slot([time(1, 30)], NEW_YORK, first)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)
    assert second.astimezone(NEW_YORK).date() == date(2026, 11, 2)  # not the repeated 01:30 (EST)


def test_pause_until_a_date() -> None:
    """Paused until 1 December: the next check-in is that morning."""
    after = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert next_slot([time(9)], SHANGHAI, after, date(2026, 12, 1)) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_quiet_end() -> None:
    """At 23:00 local the quiet hours end at 07:00 the next morning; at noon nothing waits."""
    night = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 Shanghai
    assert quiet_end_after(night, SHANGHAI, time(22), time(7)) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    noon = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert quiet_end_after(noon, SHANGHAI, time(22), time(7)) == noon


def test_parse_times_keeps_valid_times_once_in_order() -> None:
    """A register's «18:00, 9点, 09:00, later» becomes 09:00 and 18:00."""
    assert parse_times(["18:00", "9点", "09:00", "later", ""]) == [time(9, 0), time(18, 0)]
    assert parse_times([]) == []


def test_fmt_is_hh_mm() -> None:
    """Always two digits each, as the check-in settings show them."""
    assert [fmt(time(9, 5)), fmt(time(21, 30))] == ["09:05", "21:30"]


def test_to_utc_across_a_dst_change() -> None:
    """The same wall clock is a different UTC time in winter and summer; a skipped time moves forward."""
    kyiv = ZoneInfo("Europe/Kyiv")
    assert to_utc(date(2027, 1, 11), time(9, 0), kyiv) == datetime(2027, 1, 11, 7, 0, tzinfo=UTC)
    assert to_utc(date(2027, 7, 12), time(9, 0), kyiv) == datetime(2027, 7, 12, 6, 0, tzinfo=UTC)
    assert to_utc(date(2027, 3, 28), time(3, 30), kyiv) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
