"""Telegram clients split a pasted text longer than 4,096 characters into several messages sent at once.

Every text limit of the bot (bot.services.residents: names 100, addresses 300, details 3,000) is below
Telegram's 4,096, so a text that arrived split is over its step's limit whatever its parts add up to.
What must not happen is that the first part is refused and a later part taken as the whole answer; the
parts are recognised and counted together instead.
"""

from __future__ import annotations

#: Telegram's limit of one text message, in UTF-16 code units
TELEGRAM_TEXT_MAX = 4096
#: A part this long may be the head of a split: clients cut at a line or word break before 4,096
SPLIT_HEAD_MIN = TELEGRAM_TEXT_MAX - 512
#: The parts of one paste are sent together; Telegram's message dates are whole seconds
PART_WINDOW_SECONDS = 3


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def may_be_split(text: str) -> bool:
    """True when a text message is long enough to be a part of a client's split that more parts follow
    (Telegram delivers no text message longer than TELEGRAM_TEXT_MAX)."""
    return SPLIT_HEAD_MIN <= utf16_len(text) <= TELEGRAM_TEXT_MAX


def continues(previous_date: int, date: int) -> bool:
    """True when a text sent at `date` (Unix seconds, from message.date) is a further part of the split
    whose previous part was sent at `previous_date`."""
    return 0 <= date - previous_date <= PART_WINDOW_SECONDS
