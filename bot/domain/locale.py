"""Locale guessing from Telegram's language_code and locale-aware date formatting (Babel)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format

from bot.core.languages import LOCALES

#: The bot's languages (bot/core/languages.py); a guess names one of them or nothing.
SUPPORTED: tuple[str, ...] = LOCALES
FALLBACK_BABEL_LOCALE = "en"
MAX_TAG_LENGTH = 64

# A BCP 47-ish tag: a 2-3 letter primary subtag, then alphanumeric subtags (Telegram adds "raw").
_TAG_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def guess_locale(language_code: str | None) -> str | None:
    """Map Telegram's language_code to a supported locale, or None when unsure."""
    if not isinstance(language_code, str) or len(language_code) > MAX_TAG_LENGTH:
        return None
    tag = language_code.strip().lower().replace("_", "-")
    if not _TAG_RE.fullmatch(tag):
        return None
    primary = tag.split("-", 1)[0]
    return primary if primary in SUPPORTED else None


def _babel_locale(locale: str) -> Locale:
    """Resolve a locale string to a Babel Locale, falling back to English."""
    try:
        return Locale.parse((guess_locale(locale) or locale).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_BABEL_LOCALE)


def _zone(tz: str) -> ZoneInfo:
    """Return the named time zone, or UTC when the name is unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def to_local(dt: datetime, tz: str) -> datetime:
    """Convert an aware or naive-UTC datetime to the given time zone."""
    aware = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
    return aware.astimezone(_zone(tz))


def format_datetime_for(dt: datetime, locale: str, tz: str) -> str:
    """Format dt as medium date plus short time in the locale and time zone."""
    loc = _babel_locale(locale)
    local = to_local(dt, tz)
    pattern = get_datetime_format("medium", locale=loc)
    day = format_date(local, "medium", locale=loc)
    time = format_time(local, "short", locale=loc)
    return pattern.replace("{1}", day).replace("{0}", time)


def format_date_for(dt: datetime | date, locale: str, tz: str) -> str:
    """Format the calendar date (medium) of dt as seen in the time zone."""
    day = to_local(dt, tz).date() if isinstance(dt, datetime) else dt
    return format_date(day, "medium", locale=_babel_locale(locale))
