"""Whose number a shared contact card is: the sender's own, or someone else's (a relative's)."""

from __future__ import annotations

from typing import Protocol


class Person(Protocol):
    """What the rule reads of Telegram's User (the sender): id and name."""

    id: int
    first_name: str
    last_name: str | None


class Contact(Protocol):
    """What the rule reads of Telegram's update.message.contact: the account id and the name."""

    user_id: int | None
    first_name: str
    last_name: str | None


def display_name(first_name: str, last_name: str | None = None) -> str:
    """A contact's name as the person's phone book shows it ("女儿 小芳"), at most 100 characters."""
    return " ".join(part.strip() for part in (first_name, last_name or "") if part and part.strip())[:100]


def is_own(contact: Contact, sender: Person) -> bool:
    """True when a contact card from Telegram's message.contact is the sender's own number.

    Telegram sets contact.user_id when the number belongs to a Telegram account: the sender's own
    («Share my phone number») carries the sender's id, anyone else's another id. A card without a
    user_id (a phone-book entry without Telegram) is taken as the sender's own only when its name is the
    sender's name.
    """
    if contact.user_id is not None:
        return contact.user_id == sender.id
    theirs = display_name(contact.first_name, contact.last_name).casefold()
    mine = display_name(sender.first_name, sender.last_name).casefold()
    return bool(theirs) and theirs == mine
