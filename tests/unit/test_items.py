"""Tests for bot.domain.items: free-text shopping lists into items."""

from __future__ import annotations

import dataclasses

import pytest

from bot.domain.items import MAX_ITEMS, Item, format_items, parse_items


def pairs(text: str) -> list[tuple[str, str]]:
    """Parse text and return (name, quantity) tuples."""
    return [(item.name, item.quantity) for item in parse_items(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Case 1 in cases.md (Sanya): three items, the rice's quantity kept whole.
        ("2斤青菜、2斤肉、一包5公斤重的大米", [("青菜", "2斤"), ("肉", "2斤"), ("大米", "一包5公斤重")]),
        ("两瓶酱油", [("酱油", "两瓶")]),
        ("一箱牛奶", [("牛奶", "一箱")]),
        ("10个鸡蛋", [("鸡蛋", "10个")]),
        ("鸡蛋10个", [("鸡蛋", "10个")]),
        ("酱油两瓶", [("酱油", "两瓶")]),
        ("二两茶叶", [("茶叶", "二两")]),
        ("半斤猪肉", [("猪肉", "半斤")]),
        ("一斤半五花肉", [("五花肉", "一斤半")]),
        ("大米5kg", [("大米", "5kg")]),
        ("牛奶 2 盒", [("牛奶", "2 盒")]),
        ("鸡蛋10", [("鸡蛋", "10")]),
        ("十三香两包", [("十三香", "两包")]),
        ("84消毒液两瓶", [("84消毒液", "两瓶")]),
        ("一次性手套两盒", [("一次性手套", "两盒")]),
        ("N95口罩10个", [("N95口罩", "10个")]),
        ("2斤的青菜", [("青菜", "2斤")]),
        ("5公斤装大米", [("大米", "5公斤装")]),
        ("两瓶酱油和一箱牛奶", [("酱油", "两瓶"), ("牛奶", "一箱")]),
        ("青菜，猪肉；豆腐。", [("青菜", ""), ("猪肉", ""), ("豆腐", "")]),
        ("我要2斤青菜，还要一箱牛奶", [("青菜", "2斤"), ("牛奶", "一箱")]),
        ("帮我买两瓶酱油", [("酱油", "两瓶")]),
        ("1、青菜\n2、猪肉 半斤", [("青菜", ""), ("猪肉", "半斤")]),
        ("一、大米\n二、食用油", [("大米", ""), ("食用油", "")]),
    ],
)
def test_parse_items_chinese(text: str, expected: list[tuple[str, str]]) -> None:
    """Chinese lists with numerals and measure words before or after the goods."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "和" inside a word is not a separator.
        ("日式和风酱", [("日式和风酱", "")]),
        ("和田枣", [("和田枣", "")]),
        ("暖和的围巾", [("暖和的围巾", "")]),
        # A numeral followed by a non-measure character is part of the name.
        ("五花肉", [("五花肉", "")]),
        ("千张", [("千张", "")]),
        ("三明治", [("三明治", "")]),
    ],
)
def test_parse_items_does_not_split_words(text: str, expected: list[tuple[str, str]]) -> None:
    """Words that merely look like quantities or separators stay whole."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("хлеб, молоко 2 л, гречка", [("хлеб", ""), ("молоко", "2 л"), ("гречка", "")]),
        (
            "Хліб - 2 шт\nмолоко 1л; яйця 10 шт.",
            [("Хліб", "2 шт"), ("молоко", "1л"), ("яйця", "10 шт")],
        ),
        ("2 кг картоплі", [("картоплі", "2 кг")]),
        ("картопля 2кг", [("картопля", "2кг")]),
        ("3 x молоко", [("молоко", "3")]),
        ("молоко x3", [("молоко", "3")]),
        ("молоко х3", [("молоко", "3")]),  # Cyrillic "х"
        ("молоко ×2", [("молоко", "2")]),
        ("молоко — 2 л", [("молоко", "2 л")]),
        ("сахар: 1 кг", [("сахар", "1 кг")]),
        ("молоко (2 л)", [("молоко", "2 л")]),
        ("МОЛОКО 2 Л", [("МОЛОКО", "2 Л")]),
        ("помидоры 1.5кг", [("помидоры", "1.5кг")]),
        ("1.5 кг помидоров", [("помидоров", "1.5 кг")]),
        ("хлеб,молоко, 2,5 кг муки", [("хлеб", ""), ("молоко", ""), ("муки", "2,5 кг")]),
        ("две пачки масла", [("масла", "две пачки")]),
        ("пачка соли", [("соли", "пачка")]),
        ("десяток яиц", [("яиц", "десяток")]),
        ("яйця десяток", [("яйця", "десяток")]),
        ("полкило сыра", [("сыра", "полкило")]),
        ("пол-литра молока", [("молока", "пол-литра")]),
        ("півбуханця хліба", [("хліба", "півбуханця")]),
        ("п’ять пляшок води", [("води", "п’ять пляшок")]),
        ("кефир 1 литр", [("кефир", "1 литр")]),
        ("творог 2 упаковки", [("творог", "2 упаковки")]),
        ("буханка хлеба", [("хлеба", "буханка")]),
        ("2 батона хлеба", [("хлеба", "2 батона")]),
        ("батон нарезной 2 шт", [("батон нарезной", "2 шт")]),
        ("10шт яиц", [("яиц", "10шт")]),
        ("2 хлеба и 3 молока", [("хлеба", "2"), ("молока", "3")]),
        ("хліб і 2 л молока", [("хліб", ""), ("молока", "2 л")]),
        ("нужно 2 кг картошки", [("картошки", "2 кг")]),
        ("потрібно 2 кг цукру", [("цукру", "2 кг")]),
        ("Аспирин 500 мг", [("Аспирин", "500 мг")]),
        ("B12 2 уп", [("B12", "2 уп")]),
        ("хлеб 2-3 шт", [("хлеб", "2-3 шт")]),
    ],
)
def test_parse_items_russian_ukrainian(text: str, expected: list[tuple[str, str]]) -> None:
    """Russian and Ukrainian lists with units before or after the goods."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Words that contain a container word or a number-like part are not split.
        ("Кубанка", [("Кубанка", "")]),
        ("банан", [("банан", "")]),
        ("Витамин B12", [("Витамин B12", "")]),
        ("Мать-и-мачеха", [("Мать-и-мачеха", "")]),
        ("3 хлеба", [("хлеба", "3")]),
        # A bare quantity with no goods keeps the whole piece as the name.
        ("10 шт", [("10 шт", "")]),
        ("2 батона", [("2 батона", "")]),
        ("пачка", [("пачка", "")]),
    ],
)
def test_parse_items_false_friends(text: str, expected: list[tuple[str, str]]) -> None:
    """Pieces that only look like quantities are kept as names."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "1. хлеб\n2. молоко 1,5 л\n3) сахар 1 кг",
            [("хлеб", ""), ("молоко", "1,5 л"), ("сахар", "1 кг")],
        ),
        ("- хлеб\n• молоко\n* сыр 200 г", [("хлеб", ""), ("молоко", ""), ("сыр", "200 г")]),
        ("— гречка\n– рис\n· соль", [("гречка", ""), ("рис", ""), ("соль", "")]),
        ("(1) хлеб\n(2) молоко", [("хлеб", ""), ("молоко", "")]),
        ("1. 2 кг картоплі", [("картоплі", "2 кг")]),
        ("1.хлеб; 2.молоко", [("хлеб", ""), ("молоко", "")]),
        ("①青菜\n②豆腐", [("青菜", ""), ("豆腐", "")]),
        ("• 两瓶酱油", [("酱油", "两瓶")]),
    ],
)
def test_parse_items_numbered_and_bulleted(text: str, expected: list[tuple[str, str]]) -> None:
    """List markers are removed; decimal points and commas are not markers or separators."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\n ", []),
        ("，，、;;\n- \n•", []),
        ("  хлеб  \n\n  молоко  ", [("хлеб", ""), ("молоко", "")]),
        ("хлеб\r\nмолоко", [("хлеб", ""), ("молоко", "")]),
        ("хлеб;молоко；сыр", [("хлеб", ""), ("молоко", ""), ("сыр", "")]),
        ("хлеб   белый  1 шт", [("хлеб белый", "1 шт")]),
    ],
)
def test_parse_items_empty_pieces_and_whitespace(
    text: str, expected: list[tuple[str, str]]
) -> None:
    """Empty pieces disappear and whitespace is collapsed."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Issue #10.5: connectors join items, so a quantity never moves to the next item.
        ("купите 1 кг и сметану", [("1 кг", ""), ("сметану", "")]),
        ("хлеб и молоко", [("хлеб", ""), ("молоко", "")]),
        ("酱油和醋", [("酱油", ""), ("醋", "")]),
        ("сметана 1 кг и хлеб", [("сметана", "1 кг"), ("хлеб", "")]),
        ("хліб та 2 кг цукру", [("хліб", ""), ("цукру", "2 кг")]),
        ("2斤青菜和豆腐", [("青菜", "2斤"), ("豆腐", "")]),
        ("Купите, пожалуйста, хлеб", [("хлеб", "")]),
        ("Купіть, будь ласка, хліб", [("хліб", "")]),
        ("请帮我买鸡蛋", [("鸡蛋", "")]),
        ("купите", []),
    ],
)
def test_parse_items_connectors_and_polite_verbs(text: str, expected: list[tuple[str, str]]) -> None:
    """Connectors split items; polite verbs are not items."""
    assert pairs(text) == expected


def test_parse_items_caps_at_max_items() -> None:
    """At most MAX_ITEMS (50) items are returned, in order."""
    items = parse_items("\n".join(f"товар{i}" for i in range(120)))
    assert MAX_ITEMS == 50
    assert len(items) == 50
    assert items[0] == Item("товар0", "")
    assert items[-1] == Item("товар49", "")


def test_parse_items_long_piece_is_kept_whole() -> None:
    """A very long piece is kept as a name rather than parsed (bounded work)."""
    piece = "а" * 300 + " 2 кг"
    assert parse_items(piece) == [Item(piece, "")]


def test_item_is_frozen() -> None:
    """Item is an immutable value."""
    item = Item("хлеб", "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "молоко"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([Item("青菜", "2斤"), Item("хлеб", "")], ["青菜 — 2斤", "хлеб"]),
        ([Item("<b>", "1 & 2")], ["<b> — 1 & 2"]),
        ([], []),
    ],
)
def test_format_items(items: list[Item], expected: list[str]) -> None:
    """Lines are "name — quantity", or just the name; no HTML escaping."""
    assert format_items(items) == expected


def test_format_items_sanya_case() -> None:
    """The Sanya order (cases.md 1) renders as three readable lines."""
    assert format_items(parse_items("2斤青菜、2斤肉、一包5公斤重的大米")) == [
        "青菜 — 2斤",
        "肉 — 2斤",
        "大米 — 一包5公斤重",
    ]


def test_invisible_pieces_are_not_items() -> None:
    """A zero-width space, word joiner or BOM (what some keyboards and copied text leave, and what the
    sandbox let through as a message) is no item: the review used to list an empty «2.» line and staff
    would shop for nothing. Emoji with joiners stay items."""
    assert parse_items("\u200b") == []
    assert pairs("хлеб\n\u200b\n\u2060 \ufeff") == [("хлеб", "")]
    assert pairs("хлеб, \u200b, молоко") == [("хлеб", ""), ("молоко", "")]
    assert pairs("👨\u200d👩\u200d👧 пюре") == [("👨\u200d👩\u200d👧 пюре", "")]
