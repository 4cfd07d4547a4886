"""How a check-in escalation card names the person (CHECKINS__CARD_NAME), as a pure rule."""

from __future__ import annotations

import re

from bot.core.config import CardName

_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Two-character family names (复姓) that a short form keeps whole.
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 "
    "万俟 闻人 澹台 公冶 宗政 濮阳 太叔 申屠 赫连 第五".split()
)


def card_name(name: str | None, form: CardName) -> str | None:
    """The person's name as a card shows it, or None for no name line.

    full: as registered. short: a Chinese name (mostly Han characters) keeps its family name and
    puts one * for each other character (王小明 -> 王**, 欧阳娜娜 -> 欧阳**); any other name keeps its
    first word and the initial of the second (Иванова Анна Петровна -> Иванова А., Anna -> Anna).
    none: None.
    """
    cleaned = " ".join((name or "").split())
    if not cleaned or form == CardName.NONE:
        return None
    if form == CardName.FULL:
        return cleaned
    compact = cleaned.replace(" ", "").replace("·", "")
    if len(_HAN_RE.findall(compact)) * 2 > len(compact):
        family = compact[:2] if compact[:2] in _COMPOUND_SURNAMES and len(compact) > 2 else compact[:1]
        return family + "*" * max(len(compact) - len(family), 1)
    words = cleaned.split(" ")
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[1][0].upper()}."
