"""Phone number normalisation to E.164 and display formatting (phonenumbers)."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

MAX_RAW_LENGTH = 64


def _parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """Parse raw into a PhoneNumber, or None when it cannot be parsed."""
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException:
        return None


def normalize_phone(raw: str, default_region: str) -> str | None:
    """Return raw as an E.164 string, or None unless it is a valid number."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_RAW_LENGTH:
        return None
    region = (default_region or "").strip().upper() or None
    number = _parse(raw.strip(), region)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Format an E.164 number in international style; unparsable input is returned as is."""
    number = _parse(e164, None)
    if number is None:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def example_phone(region: str) -> str:
    """An example mobile number of the region, in international format, to show in a hint."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "+86 138 0013 8000"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


#: A phone number inside free text: an optional +, then digits with spaces, dashes, dots or brackets
#: between them (counted below: at least 7 digits).
_PHONE_IN_TEXT = re.compile(r"(?<![\d+])\+?\(?\d[\d\s\-().]{5,}\d(?!\d)")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")
MASK = "***"


def mask_contacts(text: str, address: str | None = None) -> str:
    """Free text as a staff group may see it: phone numbers (7 or more digits, however written) and the
    resident's registered `address`, where it appears word for word (case aside), replaced by ***.
    The claimer gets the text unmasked, privately."""
    def phone(found: re.Match[str]) -> str:
        run = found.group()
        if sum(c.isdigit() for c in run) < 7 or _DATE.fullmatch(run.strip()):
            return run
        return MASK

    masked = _PHONE_IN_TEXT.sub(phone, text)
    if address and len(address.strip()) >= 4:
        masked = re.sub(re.escape(address.strip()), MASK, masked, flags=re.IGNORECASE)
    return masked
