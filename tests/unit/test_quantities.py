"""Tests for bot.domain.quantities: the amounts of the purchase list (/needs), read from the quantity text the
item parser kept, added up by name and unit; the dose of a medicine."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bot.domain.quantities import (
    Amount,
    Unread,
    add_up,
    chinese_number,
    dose_of,
    in_kg,
    key,
    number,
    parse_quantity,
    unit_of,
)


@pytest.mark.parametrize(("text", "amount"), [
    ("2斤", Amount(Fraction(2), "jin")), ("半斤", Amount(Fraction(1, 2), "jin")), ("一斤半", Amount(Fraction(3, 2), "jin")),
    ("5公斤", Amount(Fraction(5), "kg")), ("1,5 кг", Amount(Fraction(3, 2), "kg")), ("полтора кило", Amount(Fraction(3, 2), "kg")),
    ("500克", Amount(Fraction(500), "g")), ("200 г", Amount(Fraction(200), "g")), ("2 升", Amount(Fraction(2), "l")),
    ("пол-литра", Amount(Fraction(1, 2), "l")), ("十二个", Amount(Fraction(12), "pcs")), ("3 шт.", Amount(Fraction(3), "pcs")),
    ("десяток", Amount(Fraction(10), "pcs")), ("2 пачки", Amount(Fraction(2), "pack")), ("пачка", Amount(Fraction(1), "pack")),
    ("两包", Amount(Fraction(2), "pack")), ("3 упаковки", Amount(Fraction(3), "pack")), ("两瓶", Amount(Fraction(2), "bottle")),
    ("дві пляшки", Amount(Fraction(2), "bottle")), ("两条", Amount(Fraction(2), "条")), ("7", Amount(Fraction(7), "pcs")),
    ("一包5公斤重", None), ("2-3 л", None), ("несколько", None), ("кг", None), ("много", None),
])
def test_quantities(text: str, amount: Amount | None) -> None:
    assert parse_quantity(text) == amount


@pytest.mark.parametrize(("text", "amount"), [
    # Chinese numerals and measure words.
    ("两斤", Amount(Fraction(2), "jin")), ("两斤半", Amount(Fraction(5, 2), "jin")), ("五公斤", Amount(Fraction(5), "kg")),
    ("二十个", Amount(Fraction(20), "pcs")), ("两个", Amount(Fraction(2), "pcs")), ("一百零五克", Amount(Fraction(105), "g")),
    ("二两", Amount(Fraction(2), "liang")), ("500毫升", Amount(Fraction(500), "ml")), ("三盒", Amount(Fraction(3), "box")),
    ("5公斤装", Amount(Fraction(5), "kg")), ("  2   斤 ", Amount(Fraction(2), "jin")),
    # Russian and Ukrainian: decimals with a comma or a point, number words, units glued or abbreviated.
    ("1,5кг", Amount(Fraction(3, 2), "kg")), ("1.5 кг", Amount(Fraction(3, 2), "kg")), ("0,5 л", Amount(Fraction(1, 2), "l")),
    ("2,5 л", Amount(Fraction(5, 2), "l")), ("1 л", Amount(Fraction(1), "l")), ("2 литра", Amount(Fraction(2), "l")),
    ("3шт", Amount(Fraction(3), "pcs")), ("5 штук", Amount(Fraction(5), "pcs")), ("упаковка", Amount(Fraction(1), "pack")),
    ("1 упаковка", Amount(Fraction(1), "pack")), ("2 уп.", Amount(Fraction(2), "pack")), ("дві пачки", Amount(Fraction(2), "pack")),
    ("пʼять пачок", Amount(Fraction(5), "pack")), ("п'ять пачок", Amount(Fraction(5), "pack")),
    ("півтора кіло", Amount(Fraction(3, 2), "kg")), ("пів-літра", Amount(Fraction(1, 2), "l")),
    ("полкило", Amount(Fraction(1, 2), "kg")), ("2 мешка", Amount(Fraction(2), "bag")), ("две бутылки", Amount(Fraction(2), "bottle")),
    ("2 буханки", Amount(Fraction(2), "loaf")), ("батон", Amount(Fraction(1), "loaf")), ("1/2 кг", Amount(Fraction(1, 2), "kg")),
    ("2 KG", Amount(Fraction(2), "kg")), ("1 L", Amount(Fraction(1), "l")),
    # Not one number and one unit, or no amount at all.
    ("", None), ("л", None), ("3 рулона", None), ("5 кг 2", None), ("1/0 кг", None), ("0 шт", None), ("0,0 кг", None),
    ("0", None), ("00", None),
])
def test_more_quantities(text: str, amount: Amount | None) -> None:
    assert parse_quantity(text) == amount


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105), ("两千零一", 2001), ("一万二千", 12000),
    ("", None), ("abc", None), ("十斤", None),
])
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("3", Fraction(3)), ("1,5", Fraction(3, 2)), ("1.25", Fraction(5, 4)), ("1/2", Fraction(1, 2)), ("1/0", None),
    ("полтора", Fraction(3, 2)), ("півтора", Fraction(3, 2)), ("ДВЕ", Fraction(2)), ("пʼять", Fraction(5)), ("半", Fraction(1, 2)),
    ("两", Fraction(2)), ("x", None), ("1,5,5", None),
])
def test_number(text: str, value: Fraction | None) -> None:
    assert number(text) == value


@pytest.mark.parametrize(("word", "unit"), [
    ("斤", "jin"), ("公斤", "kg"), ("千克", "kg"), ("КГ", "kg"), ("кілограми", "kg"), ("шт.", "pcs"), ("упаковок", "pack"),
    ("пачок", "pack"), ("уп", "pack"), ("упс", None), ("литров", "l"), ("мл", "ml"), ("миллилитра", "ml"),
    ("мілілітри", "ml"), ("斤斤", None), ("", None),
])
def test_unit_of(word: str, unit: str | None) -> None:
    assert unit_of(word) == unit


@pytest.mark.parametrize(("amount", "kg"), [
    (Amount(Fraction(2), "jin"), Amount(Fraction(1), "kg")),  # 斤 = 500 g
    (Amount(Fraction(3), "liang"), Amount(Fraction(3, 20), "kg")),  # 两 = 50 g
    (Amount(Fraction(500), "g"), Amount(Fraction(1, 2), "kg")),  # 克
    (Amount(Fraction(3), "kg"), Amount(Fraction(3), "kg")),
    (Amount(Fraction(2), "l"), Amount(Fraction(2), "l")),  # not a mass: unchanged
    (Amount(Fraction(4), "pack"), Amount(Fraction(4), "pack")),
])
def test_in_kg(amount: Amount, kg: Amount) -> None:
    assert in_kg(amount) == kg


def test_jin_add_up_and_stay_apart_from_kg() -> None:
    """2斤 + 1斤 = 3斤; 斤 and 公斤 are different units (a 斤 is half a 公斤) and stay on their own."""
    lines, unread = add_up([(1, "青菜", "2斤"), (2, "青菜", "1斤"), (3, "青菜", "1公斤"), (3, "猪肉", "半斤")])
    assert [(line.name, line.amounts, line.requests) for line in lines] == [
        ("青菜", {"jin": Fraction(3), "kg": Fraction(1)}, {1, 2, 3}), ("猪肉", {"jin": Fraction(1, 2)}, {3})]
    assert unread == []
    lines, _ = add_up([(1, "青菜", "2斤"), (2, "青菜", "1斤"), (3, "青菜", "1公斤"), (4, "青菜", "二两")], to_kg=True)
    assert lines[0].amounts == {"kg": Fraction(5, 2) + Fraction(1, 10)}  # 1.5 + 1 + 0.1


def test_add_up_keeps_jin_and_kg_apart_or_converts() -> None:
    items = [(1, "大米", "2斤"), (2, "大米", "5公斤"), (3, "大米", "500克"), (4, "Хлеб", ""), (5, "хлеб", "1 батон"),
             (6, "大米", "一包5公斤重")]
    lines, unread = add_up(items)
    rice, bread = sorted(lines, key=lambda line: line.name)[::-1] if lines[0].name == "Хлеб" else lines
    assert rice.amounts == {"jin": 2, "kg": 5, "g": 500} and rice.requests == {1, 2, 3}
    assert bread.amounts == {"loaf": 1} and bread.without_amount == 1 and bread.requests == {4, 5}
    assert [(u.request_id, u.quantity) for u in unread] == [(6, "一包5公斤重")]
    lines, _ = add_up(items, to_kg=True)
    assert next(line for line in lines if line.name == "大米").amounts == {"kg": Fraction(13, 2)}  # 1 + 5 + 0.5


def test_russian_and_ukrainian_units_add_up() -> None:
    lines, unread = add_up([(1, "Молоко", "1,5 л"), (2, "молоко ", "2 л"), (3, "Молоко", "пачка"), (4, "Гречка", "2 пачки"),
                            (5, "гречка", "3 упаковки"), (6, "Яйця", "10 шт"), (7, "яйця", "десяток"), (8, "Цукор", "1,5 кг")])
    assert unread == []
    assert {line.name: line.amounts for line in lines} == {
        "Молоко": {"l": Fraction(7, 2), "pack": Fraction(1)}, "Гречка": {"pack": Fraction(5)},
        "Яйця": {"pcs": Fraction(20)}, "Цукор": {"kg": Fraction(3, 2)}}
    assert [line.name for line in lines] == ["Молоко", "Гречка", "Яйця", "Цукор"]  # most requested first, then by name


def test_unreadable_quantities_are_listed_with_their_request() -> None:
    """Shown as typed, by request; they make no line and add nothing."""
    lines, unread = add_up([(9, "大米", "一包5公斤重"), (4, "Вода", "2-3 л"), (5, "Вода", "6 л"), (7, "Хлеб", "несколько"),
                            (8, "鸡蛋", "0")])
    assert unread == [Unread(4, "Вода", "2-3 л"), Unread(7, "Хлеб", "несколько"), Unread(8, "鸡蛋", "0"),
                      Unread(9, "大米", "一包5公斤重")]
    assert [(line.name, line.amounts, line.requests) for line in lines] == [("Вода", {"l": Fraction(6)}, {5})]


def test_an_item_without_a_quantity_counts_without_an_amount() -> None:
    lines, unread = add_up([(1, "Хлеб", ""), (1, "хлеб", "  "), (2, "Хлеб", "2 батона")])
    assert unread == [] and len(lines) == 1
    assert (lines[0].amounts, lines[0].without_amount, lines[0].requests) == ({"loaf": Fraction(2)}, 2, {1, 2})


@pytest.mark.parametrize(("a", "b"), [("Хлеб", "хлеб"), ("Рис  басмати", " рис басмати "), ("MILK", "milk")])
def test_names_group_regardless_of_case_and_spacing(a: str, b: str) -> None:
    assert key(a) == key(b)
    assert len(add_up([(1, a, "1"), (2, b, "2")])[0]) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("阿司匹林 100mg", ("阿司匹林", "100 mg")),
    ("Эналаприл 10 мг", ("Эналаприл", "10 mg")),
    ("阿司匹林100毫克", ("阿司匹林", "100 mg")),
    ("Аспирин кардио 100 МГ", ("Аспирин кардио", "100 mg")),
    ("Парацетамол 0,5 г", ("Парацетамол", "0.5 g")),
    ("Мазь 10 г туба", ("Мазь туба", "10 g")),
    ("Амоксициллин 500 mg x 20", ("Амоксициллин x 20", "500 mg")),
    ("Вітамін D3 1000 МЕ", ("Вітамін D3", "1000 IU")),
    ("Глюкоза 5%", ("Глюкоза", "5 %")),
    ("Бинт", ("Бинт", "")),
    ("  Омега 3 ", ("Омега 3", "")),  # a number without a unit is no dose
    ("Эналаприл 10 мгх", ("Эналаприл 10 мгх", "")),  # the unit must end there
    ("N95口罩", ("N95口罩", "")),
])
def test_dose_of(text: str, expected: tuple[str, str]) -> None:
    assert dose_of(text) == expected
