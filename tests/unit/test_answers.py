"""Typed answers at button questions: the words of each language, button labels typed without emoji."""

from __future__ import annotations

import pytest

from bot.domain.answers import YesNo, choose, normalize, yes_no

YES_NO = [
    # the words
    ("是", YesNo.YES), ("对", YesNo.YES), ("好", YesNo.YES), ("好的", YesNo.YES), ("要", YesNo.YES), ("行", YesNo.YES),
    ("不", YesNo.NO), ("不要", YesNo.NO), ("не", YesNo.NO),
    ("да", YesNo.YES), ("ага", YesNo.YES), ("конечно", YesNo.YES), ("нет", YesNo.NO),
    ("так", YesNo.YES), ("звісно", YesNo.YES), ("ні", YesNo.NO),
    # case, punctuation, emoji and spaces do not matter
    ("Да!", YesNo.YES), ("  ДА  ", YesNo.YES), ("对。", YesNo.YES), ("好的！", YesNo.YES), ("👍 так", YesNo.YES),
    ("Нет.", YesNo.NO), ("ні…", YesNo.NO), ("不要了", YesNo.NO), ("нет, спасибо", YesNo.NO), ("Yes", YesNo.YES),
    # not a yes or a no
    ("对不起", None), ("да нет", None), ("好多了", None), ("мне плохо", None), ("", None), ("🙂", None),
]


@pytest.mark.parametrize(("text", "expected"), YES_NO)
def test_yes_and_no_words(text: str, expected: YesNo | None) -> None:
    assert yes_no(text) is expected


URGENCY = [("urgent", "🔴 紧急：今天就需要"), ("normal", "1–2天内")]
FLAGS = [("lives_alone", "⬜ 独居"), ("over_65", "☑️ 65岁以上"), ("done", "✅ 完成")]
REVIEW = [("ok", "✅ Да, всё верно"), ("redo", "✏️ Написать заново")]

CHOICES = [
    # a button's label typed without its emoji, or only up to its colon
    ("独居", FLAGS, None, "done", "lives_alone"),
    ("65岁以上", FLAGS, None, "done", "over_65"),
    ("完成", FLAGS, None, "done", "done"),
    ("✅ 完成", FLAGS, None, "done", "done"),
    ("紧急", URGENCY, None, None, "urgent"),
    ("紧急：今天就需要", URGENCY, None, None, "urgent"),
    ("1-2天内", URGENCY, None, None, "normal"),  # a hyphen typed for the label's dash
    ("1–2天内", URGENCY, None, None, "normal"),
    ("да, всё верно", REVIEW, "ok", "redo", "ok"),
    ("написать заново", REVIEW, "ok", "redo", "redo"),
    # yes and no stand for what the question says they do
    ("对", REVIEW, "ok", "redo", "ok"),
    ("ні", REVIEW, "ok", "redo", "redo"),
    ("不", FLAGS, None, "done", "done"),
    ("是", URGENCY, None, None, None),  # «How urgent is it?» has no yes
    # anything else is not an answer
    ("下洋田社区 5栋", REVIEW, "ok", "redo", None),
    ("", REVIEW, "ok", "redo", None),
]


@pytest.mark.parametrize(("text", "options", "yes", "no", "expected"), CHOICES)
def test_choices(text: str, options: list[tuple[str, str]], yes: str | None, no: str | None, expected: str | None) -> None:
    assert choose(text, options, yes, no) == expected


def test_normalize() -> None:
    assert normalize("  ✅ Так,   ЗВІСНО! ") == "так звісно"
    assert normalize("❤️‍🩹 好的") == "好的"
