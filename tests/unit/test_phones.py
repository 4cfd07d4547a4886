"""Tests for bot.domain.phones: E.164 normalisation and display."""

from __future__ import annotations

import pytest

from bot.domain.phones import example_phone, format_phone, mask_contacts, normalize_phone


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("138-0013-8000", "CN", "+8613800138000"),
        ("１３８００１３８０００", "CN", "+8613800138000"),  # full-width digits
        ("(010) 6552 9988", "CN", "+861065529988"),
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        ("+7 (495) 123-45-67", "RU", "+74951234567"),
        ("+380 67 123 4567", "UA", "+380671234567"),
        ("067 123 45 67", "UA", "+380671234567"),
        ("  +380671234567  ", "UA", "+380671234567"),
        ("+8613800138000", "RU", "+8613800138000"),  # explicit country code wins
        ("+7 916 123 45 67", "", "+79161234567"),
        ("13800138000", "cn", "+8613800138000"),  # region is case-insensitive
    ],
)
def test_normalize_phone_valid(raw: str, region: str, expected: str) -> None:
    """Valid numbers come back in E.164."""
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("+86 123", "CN"),
        ("12345", "CN"),
        ("abc", "CN"),
        ("", "CN"),
        ("   ", "RU"),
        ("1" * 40, "CN"),
        ("+" + "7" * 40, "RU"),
        ("13800138000", ""),  # national number without a region
        ("+7 000 000 00 00", "RU"),
        ("8" * 100, "RU"),
    ],
)
def test_normalize_phone_invalid(raw: str, region: str) -> None:
    """Invalid, impossible or unparsable input gives None."""
    assert normalize_phone(raw, region) is None


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+8613800138000", "+86 138 0013 8000"),
        ("+79161234567", "+7 916 123-45-67"),
        ("+380671234567", "+380 67 123 4567"),
        ("not a phone", "not a phone"),
    ],
)
def test_format_phone(e164: str, expected: str) -> None:
    """E.164 numbers are shown in international format; garbage is returned as is."""
    assert format_phone(e164) == expected


def test_round_trip() -> None:
    """Formatting then normalising gives back the same E.164 number."""
    e164 = normalize_phone("8 (916) 123-45-67", "RU")
    assert e164 is not None
    assert normalize_phone(format_phone(e164), "CN") == e164


@pytest.mark.parametrize(("text", "shown"), [
    ("Мой телефон +79161234567, приходите", "Мой телефон ***, приходите"),
    ("Позвоните на +7 916 123-45-67 вечером", "Позвоните на *** вечером"),
    ("电话13800138000，下午打", "电话***，下午打"),
    ("Мій номер (044) 123 45 67", "Мій номер ***"),
    ("2斤青菜、2斤肉、一包5公斤重的大米", "2斤青菜、2斤肉、一包5公斤重的大米"),
    ("Аспирин 500 мг, 2 упаковки", "Аспирин 500 мг, 2 упаковки"),
    ("позвоните 2027-01-11 с 10:30-12:00", "позвоните 2027-01-11 с 10:30-12:00"),
])
def test_mask_contacts_hides_phone_numbers_not_amounts_or_dates(text: str, shown: str) -> None:
    """Seven or more digits however written are a phone number; amounts, doses, dates and times are not."""
    assert mask_contacts(text) == shown


def test_mask_contacts_hides_the_registered_address_word_for_word() -> None:
    """The resident's own address inside their text is hidden too (case aside)."""
    assert mask_contacts("Приходите на ул. красная пресня, 12 скорее", "ул. Красная Пресня, 12") == "Приходите на *** скорее"


@pytest.mark.parametrize("region", ["CN", "RU", "UA", "KZ"])
def test_example_phone_is_a_valid_mobile_of_the_region(region: str) -> None:
    """The hint after a mistyped number shows a number the bot itself would accept for that region."""
    example = example_phone(region)
    assert example.startswith("+")
    assert normalize_phone(example, region) is not None


def test_example_phone_of_an_unknown_region_is_still_a_number() -> None:
    """A region phonenumbers does not know: a Chinese mobile as the example, never None."""
    assert example_phone("ZZ") == "+86 138 0013 8000"
