"""Tests for bot.domain.periods: the named periods, dates and the arguments of /report, /needs and /export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.periods import MAX_DAYS, Period, named, parse_args, parse_date

SHANGHAI, KYIV = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Kyiv")
TODAY = date(2026, 11, 30)
CODES = {"north", "south"}
FLAGS = frozenset({"kg", "公斤", "all", "全部"})


@pytest.mark.parametrize(
    ("word", "first"),
    [("today", TODAY), ("сегодня", TODAY), ("сьогодні", TODAY), ("今天", TODAY), ("TODAY", TODAY),
     ("week", date(2026, 11, 24)), ("Неделя", date(2026, 11, 24)), ("тиждень", date(2026, 11, 24)),
     ("本周", date(2026, 11, 24)), ("7d", date(2026, 11, 24)),
     ("month", date(2026, 11, 1)), ("месяц", date(2026, 11, 1)), ("місяць", date(2026, 11, 1)),
     ("本月", date(2026, 11, 1)), ("30d", date(2026, 11, 1))],
)
def test_named_periods_end_today(word: str, first: date) -> None:
    """today is one day; week the 7 days and month the 30 days through today, today included."""
    period = named(word, TODAY)
    assert period == Period(first, TODAY)
    assert period is not None and period.days == {TODAY: 1, date(2026, 11, 24): 7, date(2026, 11, 1): 30}[first]


@pytest.mark.parametrize("word", ["yesterday", "", "weeks", "2026-11-30", "north"])
def test_other_words_are_not_named_periods(word: str) -> None:
    assert named(word, TODAY) is None


def test_a_month_across_new_year_and_a_leap_day() -> None:
    assert named("month", date(2027, 1, 10)) == Period(date(2026, 12, 12), date(2027, 1, 10))
    assert named("week", date(2028, 3, 2)) == Period(date(2028, 2, 25), date(2028, 3, 2))  # 29 Feb counted


def test_a_day_is_local_midnight_to_local_midnight() -> None:
    """The deployment's day, not UTC's: Shanghai's 30 November starts at 16:00 UTC on the 29th."""
    start, end = Period(TODAY, TODAY).bounds(SHANGHAI)
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 11, 29, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC))


def test_days_across_a_dst_change_are_23_and_25_hours_long() -> None:
    """Kyiv: summer time starts on 29 March 2026 and ends on 25 October 2026."""
    spring = Period(date(2026, 3, 28), date(2026, 3, 30)).day_starts(KYIV)
    autumn = Period(date(2026, 10, 24), date(2026, 10, 26)).day_starts(KYIV)
    lengths = lambda starts: [b.astimezone(UTC) - a.astimezone(UTC) for a, b in zip(starts, starts[1:])]  # noqa: E731
    assert lengths(spring) == [timedelta(hours=24), timedelta(hours=23), timedelta(hours=24)]
    assert lengths(autumn) == [timedelta(hours=24), timedelta(hours=25), timedelta(hours=24)]
    start, end = Period(date(2026, 10, 25), date(2026, 10, 25)).bounds(KYIV)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)
    assert [d.astimezone(KYIV).hour for d in autumn] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11-01", date(2026, 11, 1)), ("2026-1-5", date(2026, 1, 5)), ("2028-02-29", date(2028, 2, 29)),
     ("2026-02-29", None), ("2026-02-30", None), ("2026-13-01", None), ("2026-00-10", None), ("2026-11-31", None),
     ("2026/11/01", None), ("01.11.2026", None), ("26-11-01", None), ("2026-11", None), ("2026-11-01x", None),
     (" 2026-11-01", None), ("2026-111-01", None), ("", None), ("today", None)],
)
def test_parse_date(text: str, expected: date | None) -> None:
    """YYYY-MM-DD only, and a day that exists."""
    assert parse_date(text) == expected


def test_without_arguments_the_default_period() -> None:
    args = parse_args("", TODAY, CODES)
    assert (args.period, args.district, args.personal, args.flags, args.error) == (
        Period(TODAY, TODAY), None, False, set(), None)
    assert parse_args("", TODAY, CODES, default="week").period == Period(date(2026, 11, 24), TODAY)
    assert parse_args("north", TODAY, CODES, default="month").period == Period(date(2026, 11, 1), TODAY)


@pytest.mark.parametrize(
    "text", ["2026-11-07 2026-11-01", "2026-11-01 2026-11-07", "north 2026-11-07 2026-11-01", "2026-11-01 north 2026-11-07"]
)
def test_two_dates_in_either_order_with_a_district_anywhere(text: str) -> None:
    args = parse_args(text, TODAY, CODES)
    assert (args.period, args.error) == (Period(date(2026, 11, 1), date(2026, 11, 7)), None)
    assert args.district == ("north" if "north" in text else None)


def test_one_date_is_one_day() -> None:
    assert parse_args("2026-11-07", TODAY, CODES).period == Period(date(2026, 11, 7), date(2026, 11, 7))


def test_district_personal_and_flags_in_any_order() -> None:
    args = parse_args("KG south week personal 全部", TODAY, CODES, FLAGS)
    assert (args.period, args.district, args.personal, args.flags, args.error) == (
        Period(date(2026, 11, 24), TODAY), "south", True, {"kg", "全部"}, None)
    assert parse_args("个人信息", TODAY, CODES).personal is True


@pytest.mark.parametrize(
    ("text", "error"),
    [("week nowhere", "nowhere"),
     ("kg", "kg"),  # a flag of another command
     ("week month", "month"),  # two periods
     ("week 2026-11-01", "2026-11-01"),  # a period and a date
     ("2026-11-01 week", "week"),
     ("2026-11-01 2026-11-02 2026-11-03", "2026-11-03"),  # three dates
     ("north south", "south"),  # two districts
     ("2026-02-30", "2026-02-30"),
     ("Nowhere", "Nowhere")],  # the word as typed
)
def test_the_first_word_that_makes_no_sense(text: str, error: str) -> None:
    assert parse_args(text, TODAY, CODES).error == error


def test_at_most_366_days() -> None:
    assert MAX_DAYS == 366
    longest = parse_args("2025-01-01 2026-01-01", TODAY, CODES)  # 365 + 1 days
    assert (longest.period, longest.error) == (Period(date(2025, 1, 1), date(2026, 1, 1)), None)
    assert longest.period is not None and longest.period.days == 366
    too_long = parse_args("2026-01-02 2025-01-01", TODAY, CODES)
    assert too_long.error == "2025-01-01…2026-01-02"


def test_periods() -> None:
    """today / week / month / two dates in any order / a district / a word that is neither."""
    today = date(2026, 11, 30)
    assert parse_args("", today, {"a"}).period == Period(today, today)
    assert parse_args("week", today, {"a"}).period == Period(date(2026, 11, 24), today)
    assert parse_args("месяц a", today, {"a"}).period == Period(date(2026, 11, 1), today)
    args = parse_args("2026-11-07 2026-11-01 a", today, {"a"})
    assert (args.period, args.district, args.error) == (Period(date(2026, 11, 1), date(2026, 11, 7)), "a", None)
    assert parse_args("week nowhere", today, {"a"}).error == "nowhere"
    assert parse_args("2025-01-01 2026-11-30", today, {"a"}).error is not None  # more than 366 days
    assert parse_args("2026-02-30", today, {"a"}).error == "2026-02-30"
