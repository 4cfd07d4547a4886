"""Tests for bot.domain.locale: language_code guessing and date formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.core.languages import LOCALES
from bot.domain.locale import SUPPORTED, format_date_for, format_datetime_for, guess_locale, to_local


def test_supported() -> None:
    """The bot speaks Chinese, Russian and Ukrainian."""
    assert SUPPORTED == ("zh", "ru", "uk")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh", "zh"),
        ("zh-hans", "zh"),
        ("zh-hant-tw", "zh"),
        ("zh-hans-raw", "zh"),
        ("zh_CN", "zh"),
        ("ZH-hk", "zh"),
        (" zh-TW ", "zh"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("RU", "ru"),
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("be", None),
        ("kk", None),
        ("en", None),
        ("en-US", None),
        ("", None),
        (None, None),
        ("  ", None),
        ("x-123", None),
        ("zh--", None),
        ("-zh", None),
        ("z", None),
        ("zhongwen", None),
        ("ru;q=0.9", None),
        ("uk" + "-a" * 40, None),
    ],
)
def test_guess_locale(code: str | None, expected: str | None) -> None:
    """Telegram's language_code maps to zh/ru/uk, or None when unsure."""
    assert guess_locale(code) == expected


def test_guess_locale_non_string() -> None:
    """Non-string input is treated as unknown rather than crashing."""
    assert guess_locale(123) is None  # type: ignore[arg-type]


# Babel (CLDR) puts a narrow no-break space between the year and "г."/"р.".
NNBSP = "\u202f"
MOMENT = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "tz", "expected"),
    [
        ("zh", "Asia/Shanghai", "2026年11月23日 17:05"),
        ("ru", "Europe/Moscow", f"23 нояб. 2026{NNBSP}г., 12:05"),
        ("uk", "Europe/Kyiv", f"23 лист. 2026{NNBSP}р., 11:05"),
        ("zh-hans", "Asia/Shanghai", "2026年11月23日 17:05"),
        ("ru", "UTC", f"23 нояб. 2026{NNBSP}г., 09:05"),
        ("ru", "No/Such_Zone", f"23 нояб. 2026{NNBSP}г., 09:05"),
    ],
)
def test_format_datetime_for(locale: str, tz: str, expected: str) -> None:
    """Medium date and short time, in the person's language and time zone."""
    assert format_datetime_for(MOMENT, locale, tz) == expected


def test_format_datetime_for_naive_is_utc() -> None:
    """A naive datetime is taken as UTC."""
    naive = datetime(2026, 11, 23, 9, 5)
    assert format_datetime_for(naive, "zh", "Asia/Shanghai") == "2026年11月23日 17:05"


def test_format_datetime_for_other_offset() -> None:
    """An aware datetime in another offset is converted correctly."""
    moment = datetime(2026, 11, 23, 12, 5, tzinfo=timezone(timedelta(hours=3)))
    assert format_datetime_for(moment, "zh", "Asia/Shanghai") == "2026年11月23日 17:05"


@pytest.mark.parametrize(
    ("value", "locale", "tz", "expected"),
    [
        (MOMENT, "zh", "Asia/Shanghai", "2026年11月23日"),
        (MOMENT, "ru", "Europe/Moscow", f"23 нояб. 2026{NNBSP}г."),
        (MOMENT, "uk", "Europe/Kyiv", f"23 лист. 2026{NNBSP}р."),
        # 20:00 UTC is already the next day in Shanghai.
        (datetime(2026, 11, 23, 20, 0), "zh", "Asia/Shanghai", "2026年11月24日"),
        (datetime(2026, 11, 23, 20, 0, tzinfo=UTC), "ru", "UTC", f"23 нояб. 2026{NNBSP}г."),
        (date(2026, 5, 1), "ru", "Europe/Moscow", f"1 мая 2026{NNBSP}г."),
    ],
)
def test_format_date_for(value: datetime | date, locale: str, tz: str, expected: str) -> None:
    """The calendar date as seen in the person's time zone."""
    assert format_date_for(value, locale, tz) == expected


def test_unknown_locale_falls_back_to_english() -> None:
    """An unsupported locale still formats (in English) rather than failing."""
    assert format_date_for(MOMENT, "xx-garbage", "UTC") == "Nov 23, 2026"


def test_the_guess_names_only_the_bots_languages() -> None:
    """SUPPORTED is the one line of bot/core/languages.py, not a copy of it."""
    assert SUPPORTED is LOCALES


def test_to_local_takes_naive_as_utc_and_unknown_zones_as_utc() -> None:
    """Stored times are naive UTC; a zone name that does not exist leaves the time in UTC."""
    naive = datetime(2027, 1, 11, 1, 0)
    shanghai = to_local(naive, "Asia/Shanghai")
    assert shanghai == datetime(2027, 1, 11, 1, 0, tzinfo=UTC)  # the same moment ...
    assert (shanghai.hour, shanghai.utcoffset()) == (9, timedelta(hours=8))  # ... on Shanghai's clock
    aware = datetime(2027, 1, 11, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    assert to_local(aware, "Europe/Kyiv").hour == 3  # an aware time is converted, not taken as UTC
    assert to_local(naive, "Mars/Olympus").utcoffset() == timedelta(0)
