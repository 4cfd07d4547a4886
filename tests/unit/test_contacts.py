"""Unit tests of bot/domain/contacts.py: whose number a shared contact card is."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.contacts import display_name, is_own


@dataclass
class Sender:
    """The shape of Telegram's User that the rule reads."""

    id: int
    first_name: str
    last_name: str | None = None


@dataclass
class Card:
    """The shape of Telegram's Contact that the rule reads."""

    first_name: str
    last_name: str | None = None
    user_id: int | None = None


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("女儿", "小芳", "女儿 小芳"),
        ("  Анна ", None, "Анна"),
        ("Анна", "   ", "Анна"),
        ("", "Петренко", "Петренко"),
        ("", None, ""),
    ],
)
def test_display_name_joins_the_parts_the_phone_book_has(first: str, last: str | None, expected: str) -> None:
    """First and last name, trimmed, blanks left out."""
    assert display_name(first, last) == expected


def test_display_name_is_cut_at_100_characters() -> None:
    """A name longer than a stored name may be is cut, not refused."""
    assert display_name("名" * 80, "字" * 80) == "名" * 80 + " " + "字" * 19


def test_a_card_with_the_senders_own_account_is_theirs() -> None:
    """«Share my phone number»: Telegram puts the sender's id on the card, whatever the name says."""
    assert is_own(Card("Someone else", user_id=7), Sender(7, "林"))


def test_a_card_of_another_account_is_not_theirs_even_with_the_same_name() -> None:
    """A relative's Telegram account: another id, so someone else's number."""
    assert not is_own(Card("林", user_id=8), Sender(7, "林"))


@pytest.mark.parametrize(
    ("card", "sender", "own"),
    [
        (Card("Ivan", "Petrov"), Sender(7, "ivan", "PETROV"), True),  # same name, case aside
        (Card("王", "芳"), Sender(7, "王", "芳"), True),
        (Card("Мама"), Sender(7, "Оксана"), False),  # a phone-book entry of someone else
        (Card(""), Sender(7, ""), False),  # no names at all: never taken as the sender's own
    ],
)
def test_a_card_without_an_account_is_theirs_only_by_name(card: Card, sender: Sender, own: bool) -> None:
    """No user_id (the number has no Telegram account): the sender's own only when the names agree."""
    assert is_own(card, sender) is own
