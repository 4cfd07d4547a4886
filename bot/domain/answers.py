"""Typed answers to button questions: «对», «да», «так» or a button's label typed out, read as a choice.

Pure: no Telegram, no database. A question is a list of (value, label) pairs as its buttons show them
(labels in the resident's language, emoji included) and optionally the values that a typed «yes» and
a typed «no» stand for. Matching ignores case, emoji, punctuation and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum


class YesNo(StrEnum):
    """What a typed word means at a yes/no question."""

    YES = "yes"
    NO = "no"


#: Words that mean yes, in the bot's languages (zh, ru, uk) and the English a phone keyboard suggests.
YES_WORDS = frozenset({
    # zh
    "是", "是的", "是啊", "对", "对的", "对啊", "对呀", "好", "好的", "好啊", "好呀", "要", "要的", "需要", "行",
    "可以", "嗯", "嗯嗯", "恩", "同意", "确认", "确定", "没错", "正确", "对了", "愿意", "当然",
    # ru
    "да", "ага", "угу", "конечно", "хорошо", "давай", "давайте", "верно", "правильно", "согласен",
    "согласна", "ок", "окей", "да конечно", "конечно да", "да да", "да, конечно", "хочу", "нужно", "надо",
    # uk
    "так", "звісно", "звичайно", "авжеж", "добре", "гаразд", "згоден", "згодна", "вірно", "правильно",
    "так так", "так звісно", "хочу", "потрібно", "треба",
    # en
    "yes", "y", "ok", "okay", "yep", "sure",
})
#: Words that mean no.
NO_WORDS = frozenset({
    # zh
    "不", "不要", "不用", "不是", "不对", "不行", "不需要", "不用了", "不要了", "没有", "否", "算了", "不了",
    "不同意", "错", "错了",
    # ru
    "не", "нет", "неа", "не надо", "не нужно", "не хочу", "нет спасибо", "нет, спасибо", "не согласен",
    "не согласна", "неверно", "неправильно",
    # uk
    "ні", "не треба", "не потрібно", "не хочу", "ні дякую", "ні, дякую", "не згоден", "не згодна",
    "невірно", "неправильно",
    # en
    "no", "n", "nope",
})

_SPACES = re.compile(r"\s+")
_HEAD = re.compile(r"[:：(（]")  # «🔴 Urgent: I need it today» may be typed as «Urgent»


def normalize(text: str) -> str:
    """Lower case, without emoji, symbols and punctuation, single-spaced: «✅ Да!» → «да»."""
    kept = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        category = unicodedata.category(char)
        if category[0] in "PS" or category in {"Cf", "Mn", "Me", "Cc", "Co"}:
            kept.append(" ")  # punctuation, emoji, variation selectors, joiners
        else:
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


_YES = frozenset(normalize(w) for w in YES_WORDS)
_NO = frozenset(normalize(w) for w in NO_WORDS)


def yes_no(text: str | None) -> YesNo | None:
    """YES or NO when the whole text is a yes or no word («对», «Да!», «ні»), else None."""
    word = normalize(text or "")
    if word in _YES and word not in _NO:
        return YesNo.YES
    if word in _NO:
        return YesNo.NO
    return None


def choose(
    text: str | None,
    options: Iterable[tuple[str, str]],
    yes: str | None = None,
    no: str | None = None,
) -> str | None:
    """The value of the option the typed text means, or None.

    options: (value, label) as the buttons show them; a label matches when the text equals it without
    emoji and punctuation («Lives alone» for «⬜ Lives alone»). yes / no: the value a typed yes or no
    word stands for at this question (None: such a word means nothing here).
    """
    typed = normalize(text or "")
    if not typed:
        return None
    for value, label in options:
        if typed in (normalize(label), normalize(_HEAD.split(label, 1)[0])):
            return value
    answer = yes_no(typed)
    if answer is YesNo.YES:
        return yes
    if answer is YesNo.NO:
        return no
    return None
