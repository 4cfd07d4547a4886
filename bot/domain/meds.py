"""Regular medicines as written by a resident or a worker: «name; dose; days or run-out date[; !]».

Pure rules (no database, no aiogram): reading the line, the run-out day from a number of days, the day
of the reminder. Used by bot/services/medicines.py and the /meds command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

#: the longest supply a line may give, in days (a year)
MAX_DAYS = 366
#: words that mark «psychiatric treatment, do not interrupt» as the line's last part (any language)
DO_NOT_INTERRUPT = ("!", "psych", "do not interrupt", "不可中断", "不能中断", "精神", "не прерывать",
                    "не переривати", "психиатр", "психіатр")
_SEPARATORS = re.compile(r"[;；|\n]")
_DAYS = re.compile(r"^(\d{1,3})\s*(?:d|days?|天|日|дн\w*|день|днів|дня)?\.?$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$")


@dataclass(frozen=True)
class MedLine:
    """A medicine as read from one line: its name, dose, and either days left or the run-out date."""

    name: str
    dose: str
    days: int | None
    runs_out_on: date | None
    do_not_interrupt: bool = False

    def run_out(self, today: date) -> date:
        """The day the supply runs out, seen from the resident's `today`."""
        if self.runs_out_on is not None:
            return self.runs_out_on
        return today + timedelta(days=self.days or 0)

    def supply_days(self, today: date) -> int:
        """How many days one supply lasts: the days given, or the days until the date given (at least 1)."""
        if self.days is not None:
            return max(1, self.days)
        return max(1, (self.run_out(today) - today).days)


def parse_amount(text: str, today: date) -> tuple[int | None, date | None] | None:
    """«10», «10 days», «10天», «10 дней», or a date «2026-12-10», «2026年12月10日» (not before today);
    None when it is neither."""
    text = text.strip()
    found = _DAYS.match(text)
    if found:
        days = int(found.group(1))
        return (days, None) if 1 <= days <= MAX_DAYS else None
    found = _DATE.match(text)
    if found:
        try:
            day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            return None
        return (None, day) if today <= day <= today + timedelta(days=MAX_DAYS) else None
    return None


def parse_line(text: str, today: date) -> MedLine | None:
    """«Metformin; 500 mg twice a day; 10» (name; dose; days or date), optionally «; !» (or «; psych»,
    «; 不可中断», «; не прерывать») for treatment that must not be interrupted. The dose may be left out
    («Metformin; 10»). None when the line has no name or no valid days or date."""
    parts = [p.strip() for p in _SEPARATORS.split((text or "").strip().rstrip(";；|"))]
    if len(parts) < 2 or not parts[0]:
        return None
    flagged = parts[-1].lower() in DO_NOT_INTERRUPT
    if flagged:
        parts = parts[:-1]
    if len(parts) < 2:
        return None
    amount = parse_amount(parts[-1], today)
    if amount is None:
        return None
    name, dose = parts[0], "; ".join(p for p in parts[1:-1] if p)
    if not any(ch.isalnum() for ch in name) or len(name) > 200 or len(dose) > 200:
        return None
    return MedLine(name, dose, amount[0], amount[1], flagged)


def remind_on(runs_out_on: date, days_before: int, today: date) -> date:
    """The local day of the reminder: `days_before` days before the run-out day, never before today."""
    return max(today, runs_out_on - timedelta(days=days_before))
