"""Unit tests for bot.domain.names: the person's name on a check-in escalation card."""

from __future__ import annotations

import pytest

from bot.core.config import CardName
from bot.domain.names import card_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("王小明", "王**"),
        ("林婆婆", "林**"),
        ("李娜", "李*"),
        ("欧阳娜娜", "欧阳**"),
        ("王", "王*"),
        ("Иванова Анна Петровна", "Иванова А."),
        ("Олена  Петренко", "Олена П."),
        ("Мария", "Мария"),
        ("anna smith", "anna S."),
    ],
)
def test_short_form(name: str, expected: str) -> None:
    """Chinese: family name and * for the rest; others: first word and the second word's initial."""
    assert card_name(name, CardName.SHORT) == expected


def test_full_and_none() -> None:
    """full keeps the name (spaces collapsed); none and a missing name give no name line."""
    assert card_name(" Иванова  Анна ", CardName.FULL) == "Иванова Анна"
    assert card_name("王小明", CardName.NONE) is None
    assert card_name(None, CardName.SHORT) is None
    assert card_name("  ", CardName.FULL) is None
