"""Unit tests of bot/domain/split.py: recognising the parts of a text a Telegram client split."""

from __future__ import annotations

import pytest

from bot.domain.split import (
    PART_WINDOW_SECONDS,
    SPLIT_HEAD_MIN,
    TELEGRAM_TEXT_MAX,
    continues,
    may_be_split,
    utf16_len,
)


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("abc", 3), ("хлеб", 4), ("请帮我买米", 5), ("👍", 2), ("👨‍👩‍👧", 8), ("a👍b", 4)],
)
def test_utf16_len_counts_as_telegram_does(text: str, units: int) -> None:
    """Characters outside the Basic Multilingual Plane (emoji) count twice."""
    assert utf16_len(text) == units


@pytest.mark.parametrize(
    ("length", "split"),
    [
        (100, False),
        (SPLIT_HEAD_MIN - 1, False),
        (SPLIT_HEAD_MIN, True),
        (TELEGRAM_TEXT_MAX, True),
        (TELEGRAM_TEXT_MAX + 1, False),  # Telegram delivers nothing longer: not a part of a split
    ],
)
def test_may_be_split_only_near_telegrams_limit(length: int, split: bool) -> None:
    """Only a text close to 4,096 units can be the head of a split."""
    assert may_be_split("а" * length) is split


def test_may_be_split_measures_utf16_not_characters() -> None:
    """2,000 emoji are 4,000 units: near the limit, though only 2,000 characters."""
    assert may_be_split("👍" * 2000)
    assert not may_be_split("й" * 2000)
    assert not may_be_split("👍" * 2049)  # 4,098 units


@pytest.mark.parametrize(
    ("gap", "more"),
    [(0, True), (1, True), (PART_WINDOW_SECONDS, True), (PART_WINDOW_SECONDS + 1, False), (-1, False)],
)
def test_continues_within_the_window_only(gap: int, more: bool) -> None:
    """A part follows within a few seconds of the previous one; an earlier date never continues it."""
    assert continues(1_700_000_000, 1_700_000_000 + gap) is more
