"""Tests for the danger check (bot.domain.danger, with bot.domain.safety for medical emergencies) in zh/ru/uk."""

from __future__ import annotations

import pytest

from bot.domain.danger import DangerKind, detect_danger
from bot.domain.safety import detect_medical, normalize_for_matching, to_simplified

SELF_HARM = [
    # zh (Simplified)
    "我不想活了",
    "想自杀",
    "活着没意思",
    "活着还有什么意思",
    "我真想死",
    "想死",
    "结束生命",
    "我想结束自己的生命",
    "死了算了",
    "活不下去了",
    "生无可恋",
    "我想跳楼",
    # zh (Traditional)
    "我不想活了，活著沒意思",
    "想自殺",
    "結束生命",
    # ru
    "хочу умереть",
    "Я очень хочу умереть",
    "мне хочется умереть",
    "хотела бы умереть",
    "ХОЧУ   УМЕРЕТЬ",
    "покончить с собой",
    "я покончу с собой",
    "не хочу жить",
    "больше не хочу жить",
    "жить не хочется",
    "не хочу больше жить",
    "суицид",
    "думаю о суициде",
    "наложить на себя руки",
    "наложу на себя руки",
    "убью себя",
    "свести счёты с жизнью",
    "нет смысла жить",
    "лучше бы я умерла",
    # uk
    "хочу померти",
    "хочеться вмерти",
    "покінчити з собою",
    "не хочу жити",
    "вбити себе",
    "вб'ю себе",
    "вб’ю себе",
    "вбʼю себе",
    "накласти на себе руки",
    "думаю про самогубство",
    "набридло жити",
    "не хочу жити",  # Latin "i" typed on a Russian keyboard
]

MEDICAL = [
    # zh
    "喘不上气",
    "我喘不过气来",
    "呼吸困难",
    "胸口疼",
    "胸痛",
    "胸口很痛",
    "老伴晕倒了",
    "中风",
    "他好像中风了",
    "大出血",
    "昏迷",
    "失去知觉",
    "脑梗",
    "心梗",
    "摔倒了起不来",
    "救命",
    # zh (Traditional)
    "喘不上氣",
    "呼吸困難",
    "暈倒了",
    "中風了",
    # zh with stray spaces between characters
    "呼 吸 困 难",
    # ru
    "не могу дышать",
    "Не  могу  дышать",
    "задыхаюсь",
    "боль в груди",
    "сильные боли в груди",
    "инсульт",
    "у мужа инфаркт",
    "потерял сознание",
    "она потеряла сознание",
    "без сознания",
    "кровотечение",
    "мама упала и не может встать",
    "вызовите скорую",
    # uk
    "не можу дихати",
    "важко дихати",
    "біль у грудях",
    "біль в грудях",
    "інсульт",
    "інфаркт",
    "знепритомнів",
    "вона знепритомніла",
    "втратив свідомість",
    "кровотеча",
    "викличте швидку",
]

SAFE = [
    "",
    "   ",
    "2斤青菜、2斤肉、一包5公斤重的大米",
    "хлеб, молоко 2 л, гречка",
    # Negated wishes are not a wish to die.
    "не хочу умирать",
    "я не хочу умирать от голода",
    "Я НЕ ХОЧУ УМЕРЕТЬ",
    "я не хочу умереть в одиночестве",
    "не хочу помирати",
    "我不想死",
    # Idioms and homographs.
    "死面饺子",
    "想死你了",
    "想死我了",
    "我想你想死了",
    "想孩子想死了",
    "我们小区是中风险地区",
    "不想活动",
    "我不要活鱼，不想活鸡",
    "跳楼价大甩卖",
    "отключили свет",
    "сегодня я хочу жить спокойно",
    "药盒子空了不知道怎么办",
    "нужны лекарства от давления",
    "потрібні ліки",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_detects_self_harm(text: str) -> None:
    """Suicide and self-harm phrasings are detected."""
    assert detect_danger(text) is DangerKind.SELF_HARM


@pytest.mark.parametrize("text", MEDICAL)
def test_detects_medical_emergency(text: str) -> None:
    """Acute medical emergencies are detected."""
    assert detect_danger(text) is DangerKind.MEDICAL


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_text_is_not_danger(text: str) -> None:
    """Ordinary requests, negations and idioms do not raise an alarm."""
    assert detect_danger(text) is None


@pytest.mark.parametrize(
    "text",
    ["我不想活了，胸口疼", "не могу дышать, хочу умереть", "інсульт у чоловіка, не хочу жити"],
)
def test_self_harm_wins_over_medical(text: str) -> None:
    """When both kinds match, self-harm is reported."""
    assert detect_danger(text) is DangerKind.SELF_HARM


def test_danger_kind_values() -> None:
    """DangerKind values are stable strings for storage."""
    assert [kind.value for kind in DangerKind] == ["self_harm", "medical"]
    assert DangerKind.SELF_HARM == "self_harm"


# ------------------------------------------------------------------- bot.domain.safety on its own


@pytest.mark.parametrize("text", MEDICAL)
def test_detect_medical_alone_finds_the_medical_list(text: str) -> None:
    """The phrase list itself, without the self-harm rules."""
    assert detect_medical(text)


@pytest.mark.parametrize("text", ["", "我不想活了", "хочу умереть", "请帮我买米", "中风险地区", "Упала цена на хлеб"])
def test_detect_medical_ignores_what_is_not_acute_illness(text: str) -> None:
    """Self-harm is not medical; a COVID "medium-risk area" (中风险) is not a stroke (中风)."""
    assert not detect_medical(text)


def test_to_simplified_maps_traditional_characters_and_keeps_the_rest() -> None:
    """Traditional forms of the rules' words become Simplified; other text is left alone."""
    assert to_simplified("頭暈，喘不過氣") == "头晕，喘不过气"
    assert to_simplified("хлеб 2 kg 米") == "хлеб 2 kg 米"


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("  Вызовите   СКОРУЮ ", "вызовите скорую"),
        ("Ёлка", "елка"),
        ("вип’ю", "вип'ю"),  # one apostrophe
        ("в\u0069п'ю", "віп'ю"),  # a Latin i typed for the Ukrainian і
        ("胸口 很 疼", "胸口很疼"),  # no spaces between Chinese characters
        ("頭 暈", "头晕"),
    ],
)
def test_normalize_for_matching(text: str, normalized: str) -> None:
    """Lower case, ё as е, one apostrophe, collapsed spaces, none inside Chinese, Simplified."""
    assert normalize_for_matching(text) == normalized
