"""bot.domain.meds: a medicine line in any of the three languages, days or dates, and the reminder day."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.meds import MedLine, parse_amount, parse_line, remind_on

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("Metformin; 500 mg twice a day; 10", MedLine("Metformin", "500 mg twice a day", 10, None)),
    ("奥氮平；5毫克 每晚一次；30天；不可中断", MedLine("奥氮平", "5毫克 每晚一次", 30, None, True)),
    ("Кветиапин; 25 мг на ночь; 14 дней; !", MedLine("Кветиапин", "25 мг на ночь", 14, None, True)),
    ("Метформін; 500 мг; 2026-12-20", MedLine("Метформін", "500 мг", None, date(2026, 12, 20))),
    ("Aspirin; 7", MedLine("Aspirin", "", 7, None)),
])
def test_lines_are_read(text: str, expected: MedLine) -> None:
    assert parse_line(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "Metformin", "Metformin; 500 mg", "Metformin; 500 mg; 0", "; 500 mg; 10",
                                  "Metformin; 500 mg; 400", "Metformin; 500 mg; 2026-11-30", "Metformin; 500 mg; 2026-02-30",
                                  "!; 10"])
def test_lines_without_a_name_or_a_valid_amount_are_refused(text: str) -> None:
    assert parse_line(text, TODAY) is None


def test_amounts_and_supplies() -> None:
    assert parse_amount("10天", TODAY) == (10, None)
    assert parse_amount("2026年12月11日", TODAY) == (None, date(2026, 12, 11))
    line = parse_line("X; 1; 2026-12-11", TODAY)
    assert line is not None and line.run_out(TODAY) == date(2026, 12, 11) and line.supply_days(TODAY) == 10
    line = parse_line("X; 1; 10", TODAY)
    assert line is not None and line.run_out(TODAY) == date(2026, 12, 11) and line.supply_days(TODAY) == 10


def test_the_reminder_day_is_never_in_the_past() -> None:
    assert remind_on(date(2026, 12, 11), 3, TODAY) == date(2026, 12, 8)
    assert remind_on(date(2026, 12, 2), 3, TODAY) == TODAY
