"""The guided tour for training: short tasks beside the chats, each ticked when the sandbox sees it done.

A task is seen in what the bot sent (the catalogue's own texts, so a translator's change never breaks
the tour): the card in the staff group, the resident's notices, the escalation card, the referral.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from bot.ui.i18n import build_i18n
from sandbox.bot_api import FakeTelegram
from sandbox.world import EAST_GROUP, GROUPS, WEST_GROUP

LIN = 1001  # 林婆婆

#: (key, {language: task}) in the order of the tour
STEPS: list[tuple[str, dict[str, str]]] = [
    ("request", {
        "zh": "以林婆婆的身份，申请买 2斤青菜（🛒 生活物资）。",
        "ru": "Как 林婆婆 (Линь), попросите купить 2斤青菜 — 1 кг зелени (🛒).",
        "uk": "Як 林婆婆 (Лінь), попросіть купити 2斤青菜 — 1 кг зелені (🛒).",
    }),
    ("claim", {
        "zh": "以王芳的身份，在社工站群里接单。看看林婆婆收到了什么。",
        "ru": "Как 王芳 (Ван Фан) возьмите заявку в группе станции. Что увидела 林婆婆?",
        "uk": "Як 王芳 (Ван Фан) візьміть заявку в групі станції. Що побачила 林婆婆?",
    }),
    ("done", {
        "zh": "把需求标为完成，看看林婆婆看到的消息。",
        "ru": "Отметьте заявку выполненной и посмотрите, что видит 林婆婆.",
        "uk": "Позначте заявку виконаною і подивіться, що бачить 林婆婆.",
    }),
    ("escalation", {
        "zh": "让每日签到没人回答：用时钟跳到早上9点，再+1小时两次，处理社工站群里的提醒卡片。",
        "ru": "Оставьте ежедневную отметку без ответа: часы на 09:00, затем дважды +1 ч; займитесь карточкой в группе.",
        "uk": "Залиште щоденну відмітку без відповіді: годинник на 09:00, потім двічі +1 год; займіться карткою в групі.",
    }),
    ("referral", {
        "zh": "把一个需求转介给另一个社工站（抚琴街道）。",
        "ru": "Передайте заявку другой станции (抚琴街道).",
        "uk": "Передайте заявку іншій станції (抚琴街道).",
    }),
]

TAG = re.compile(r"<[^>]+>")


PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@lru_cache(maxsize=None)
def pieces(msgid: str, locale: str = "zh") -> tuple[str, ...]:
    """The visible pieces of a catalogue message between its placeholders."""
    text = build_i18n("zh").gettext(msgid, locale=locale)
    parts = (html.unescape(TAG.sub("", part)).strip() for part in PLACEHOLDER.split(text))
    return tuple(part for part in parts if part)


def shows(text: str, parts: tuple[str, ...]) -> bool:
    """Whether a message text is the catalogue message: its pieces, in order."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def _texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake.messages.get(chat_id, []) if not m.deleted]


def _any(fake: FakeTelegram, chats: list[int], needle: str | tuple[str, ...]) -> bool:
    parts = (needle,) if isinstance(needle, str) else needle
    return any(shows(text, parts) for chat in chats for text in _texts(fake, chat))


CHECKS: dict[str, Callable[[FakeTelegram], bool]] = {
    "request": lambda fake: _any(fake, [EAST_GROUP], "青菜"),
    "claim": lambda fake: _any(fake, [LIN], pieces(
        "✅ Your request {number} has been accepted. Social worker {name} is handling it.")),
    "done": lambda fake: _any(fake, [LIN], pieces(
        "✅ Request {number} is done. Did you receive everything? Please press a button; you can also rate the "
        "help from 1 to 5 stars.")),
    "escalation": lambda fake: _any(fake, list(GROUPS), pieces(
        "No answer to the daily check-in, not even after a reminder.")),
    "referral": lambda fake: _any(fake, [WEST_GROUP], pieces("↪️ Referred from {district} by {name}, {when}")),
}


def steps() -> list[dict[str, Any]]:
    """The tour for the page."""
    return [{"key": key, "text": text} for key, text in STEPS]


def progress(fake: FakeTelegram, world: Any) -> list[str]:
    """The tasks done so far."""
    return [key for key, _ in STEPS if CHECKS[key](fake)]
