"""Report periods and the arguments of /report, /needs and /export: pure parsing, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: The longest period a report covers (a chart of a year is still readable day by day).
MAX_DAYS = 366
#: Words accepted for the named periods (the commands are typed in any of the bot's languages).
TODAY = {"today", "сегодня", "сьогодні", "今天", "今日"}
WEEK = {"week", "неделя", "тиждень", "本周", "周", "一周", "7d"}
MONTH = {"month", "месяц", "місяць", "本月", "月", "一月", "30d"}
PERSONAL = {"personal", "pd", "персональные", "персональні", "个人信息"}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """A run of whole local days, first and last included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days it covers."""
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day, and of the day after the last."""
        start = datetime.combine(self.first, time(0), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz)
        return start, end

    def day_starts(self, tz: ZoneInfo) -> list[datetime]:
        """Local midnight of every day, then of the day after the last (days + 1 boundaries; DST-exact)."""
        return [datetime.combine(self.first + timedelta(days=i), time(0), tzinfo=tz) for i in range(self.days + 1)]


def named(word: str, today: date) -> Period | None:
    """today / week (the 7 days through today) / month (the 30 days through today)."""
    word = word.lower()
    if word in TODAY:
        return Period(today, today)
    if word in WEEK:
        return Period(today - timedelta(days=6), today)
    if word in MONTH:
        return Period(today - timedelta(days=29), today)
    return None


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD, or None."""
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@dataclass
class Args:
    """What a command's arguments asked for; `error` names the first word that made no sense."""

    period: Period | None = None
    district: str | None = None
    personal: bool = False
    flags: set[str] = field(default_factory=set)
    error: str | None = None


def parse_args(text: str, today: date, district_codes: set[str], flags: frozenset[str] = frozenset(),
               default: str = "today") -> Args:
    """Period words or two dates, a district code, "personal" and the command's own flags, in any order.
    Without a period: `default` (a named period). Two dates in any order; at most MAX_DAYS days."""
    result = Args()
    dates: list[date] = []
    for word in text.split():
        lower = word.lower()
        if (period := named(lower, today)) is not None and result.period is None and not dates:
            result.period = period
        elif (day := parse_date(lower)) is not None and result.period is None and len(dates) < 2:
            dates.append(day)
        elif lower in district_codes and result.district is None:
            result.district = lower
        elif lower in PERSONAL:
            result.personal = True
        elif lower in flags:
            result.flags.add(lower)
        else:
            result.error = word
            return result
    if dates:
        first, last = min(dates), max(dates)
        result.period = Period(first, last)
    if result.period is None:
        result.period = named(default, today)
    if result.period is not None and result.period.days > MAX_DAYS:
        result.error = f"{result.period.first.isoformat()}…{result.period.last.isoformat()}"
    return result
