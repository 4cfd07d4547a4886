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
from sandbox.world import GROUPS

#: (key, {language: task}) in the order of the tour
STEPS: list[tuple[str, dict[str, str]]] = [
    ("request", {
        "zh": "以林婆婆的身份，申请买 2斤青菜（🛒 生活物资）。",
        "ru": "Как Николай Петрович (🔗 его приглашение) или 林婆婆 (Линь), попросите купить продукты (🛒).",
        "uk": "Як Оксана (🔗 її запрошення) або 林婆婆 (Лінь), попросіть купити продукти (🛒).",
    }),
    ("claim", {
        "zh": "以王芳的身份，在社工站群里接单。看看林婆婆收到了什么。",
        "ru": ("Возьмите заявку (✋) в группе станции жителя: Николай Петрович — 抚琴街道 (пишет 李强), "
               "林婆婆 — 下洋田社区 (王芳). Что увидел житель?"),
        "uk": "Як 王芳 (Ван Фан) візьміть заявку (✋) у групі станції 下洋田社区. Що побачила мешканка?",
    }),
    ("done", {
        "zh": "把需求标为完成，看看林婆婆看到的消息。",
        "ru": "Отметьте заявку выполненной и посмотрите, что видит житель.",
        "uk": "Позначте заявку виконаною і подивіться, що бачить мешканка.",
    }),
    ("escalation", {
        "zh": "让每日签到没人回答：用时钟跳到早上9点，再+1小时两次，处理社工站群里的提醒卡片。",
        "ru": ("Ежедневная отметка (09:00) есть у 林婆婆: откройте её приглашение 🔗 и согласитесь. Не отвечайте: часы на "
               "09:00, затем дважды +1 ч; займитесь карточкой в группе 下洋田社区."),
        "uk": ("Щоденна відмітка (09:00) є в 林婆婆: відкрийте її запрошення 🔗 і погодьтеся. Не відповідайте: годинник "
               "на 09:00, потім двічі +1 год; займіться карткою в групі 下洋田社区."),
    }),
    ("referral", {
        "zh": "把一个需求转介给另一个社工站（抚琴街道）。",
        "ru": "Передайте заявку другой станции (➡️ в карточке заявки).",
        "uk": "Передайте заявку іншій станції (➡️ у картці заявки).",
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


LOCALES = ("zh", "ru", "uk")


def _private(fake: FakeTelegram) -> list[int]:
    """The private chats (a resident's texts come in their own language, so any resident counts)."""
    return [chat for chat in fake.messages if chat > 0]


def _said(fake: FakeTelegram, chats: list[int], msgid: str) -> bool:
    """Whether the catalogue message, in any of the tour's languages, is in one of the chats."""
    return any(_any(fake, chats, pieces(msgid, locale)) for locale in LOCALES)


#: What shows a step done. Any resident's chat and either station count: a trainee may follow the tour
#: as 林婆婆 or as their own language's persona (Николай Петрович's district is 抚琴街道).
CHECKS: dict[str, Callable[[FakeTelegram], bool]] = {
    "request": lambda fake: _said(fake, _private(fake), (
        "✅ Your request {number} ({kind}) has been registered.\n"
        "A social worker will take it soon and we will tell you at every step.\n"
        "You can follow it under «📋 My requests».")),
    "claim": lambda fake: _said(fake, _private(fake),
                                "✅ Your request {number} has been accepted. Social worker {name} is handling it."),
    "done": lambda fake: _said(fake, _private(fake), (
        "✅ Request {number} is done. Did you receive everything? Please press a button; you can also rate the "
        "help from 1 to 5 stars.")),
    "escalation": lambda fake: _any(fake, list(GROUPS), pieces(
        "No answer to the daily check-in, not even after a reminder.")),
    "referral": lambda fake: _any(fake, list(GROUPS), pieces("↪️ Referred from {district} by {name}, {when}")),
}


def steps() -> list[dict[str, Any]]:
    """The tour for the page."""
    return [{"key": key, "text": text} for key, text in STEPS]


def progress(fake: FakeTelegram, world: Any) -> list[str]:
    """The tasks done so far."""
    return [key for key, _ in STEPS if CHECKS[key](fake)]
