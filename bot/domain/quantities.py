"""Amounts of the items residents asked for, read from the quantity text the item parser kept
(bot/domain/items.py): "2斤", "1,5 кг", "полтора кило", "两盒", "десяток", "3". Used to add up a packing
and purchase list. A quantity that is not one number and one unit ("一包5公斤重", "2-3 л", "несколько")
is not read: the list shows it as typed, with its request."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

#: Canonical units, and how each is written (Cyrillic stems match their inflected forms).
UNITS: dict[str, tuple[str, ...]] = {
    "jin": ("斤",),
    "liang": ("两",),
    "kg": ("公斤", "千克", "кг", "kg", "кило", "кіло", "килограмм", "кілограм"),
    "g": ("克", "г", "гр", "g", "грамм", "грам"),
    "mg": ("毫克", "мг", "mg"),
    "l": ("升", "л", "l", "литр", "літр"),
    "ml": ("毫升", "мл", "ml", "миллилитр", "мілілітр"),
    "pcs": ("个", "只", "颗", "枚", "шт", "штук", "штуки", "штука", "pcs", "pc"),
    "pack": ("包", "пачк", "пачок", "упаковк", "упаковок", "уп"),
    "bag": ("袋", "пакет", "мешок", "мешк", "мішок", "мішк"),
    "bottle": ("瓶", "бутылк", "бутылок", "пляшк", "пляшок"),
    "box": ("盒", "коробк", "коробок"),
    "can": ("罐", "банк", "банок"),
    "loaf": ("батон", "буханк", "буханок", "буханець", "буханц"),
}
#: Units of measure (a container or a piece alone means one; a measure alone means nothing).
MEASURES = frozenset({"jin", "liang", "kg", "g", "mg", "l", "ml"})
#: Mass units converted to kilograms when the coordinator asks for it.
TO_KG = {"jin": Fraction(1, 2), "liang": Fraction(1, 20), "g": Fraction(1, 1000), "kg": Fraction(1)}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_POWERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_WORDS = {
    "один": 1, "одна": 1, "одну": 1, "одно": 1, "одного": 1, "два": 2, "две": 2, "дві": 2, "двох": 2, "двух": 2,
    "пару": 2, "пара": 2, "три": 3, "трёх": 3, "трех": 3, "четыре": 4, "чотири": 4, "пять": 5, "пʼять": 5,
    "шесть": 6, "шість": 6, "семь": 7, "сім": 7, "восемь": 8, "вісім": 8, "девять": 9, "девʼять": 9, "десять": 10,
}
_HALVES = {"полтора": Fraction(3, 2), "полторы": Fraction(3, 2), "півтора": Fraction(3, 2), "пол": Fraction(1, 2),
           "пів": Fraction(1, 2), "半": Fraction(1, 2)}
_DOZEN = re.compile(r"^(?:десят(?:ок|ка|ки|ков|ків))$")
_SHAPE = re.compile(
    r"^(?P<num>\d+(?:[.,]\d+)?|\d+/\d+|[零〇一二两三四五六七八九十百千万]+|半|[^\W\d_]+)?\s*-?\s*(?:多|来)?\s*"
    r"(?P<unit>[^\W\d_]+?)\.?(?P<half>半)?(?:重|装)?$"
)
_BARE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Amount:
    """A number of a canonical unit (or, for a measure word not in UNITS, the word itself)."""

    value: Fraction
    unit: str


def _apostrophes(text: str) -> str:
    return re.sub("['’ʼ]", "ʼ", text)


def chinese_number(text: str) -> int | None:
    """一 … 九千九百九十九万: the value of a Chinese numeral, None if it is not one."""
    if not text:
        return None
    total, section, digit = 0, 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_POWERS:
            power = _CN_POWERS[char]
            if power == 10000:
                total += (section + (digit or 0)) * power
                section, digit = 0, None
            else:
                section += (1 if digit is None else digit) * power
                digit = None
        else:
            return None
    return total + section + (digit or 0)


def number(text: str) -> Fraction | None:
    """Digits (1, 1.5, 1,5, 1/2), a Chinese numeral, a ru/uk number word or a half; None otherwise."""
    text = _apostrophes(text.lower())
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return Fraction(text.replace(",", "."))
    if re.fullmatch(r"\d+/\d+", text):
        top, bottom = text.split("/")
        return Fraction(int(top), int(bottom)) if int(bottom) else None
    if text in _HALVES:
        return _HALVES[text]
    if text in _WORDS:
        return Fraction(_WORDS[text])
    value = chinese_number(text)
    return Fraction(value) if value is not None else None


#: UNITS in order, each as (unit, its spellings, its Cyrillic stems of four letters or more): unit_of runs for
#: every item of a city's /needs, so the stems are found once here, not by a regex per spelling per call.
_SPELLINGS = tuple(
    (unit, frozenset(spellings), tuple(s for s in spellings if len(s) >= 4 and re.match("[а-яіїєґё]", s)))
    for unit, spellings in UNITS.items()
)


def unit_of(word: str) -> str | None:
    """The canonical unit of a unit word (a Cyrillic stem matches its inflections), None if unknown."""
    word = word.lower().rstrip(".")
    for unit, spellings, stems in _SPELLINGS:
        if word in spellings or word.startswith(stems):
            return unit
    return None


@lru_cache(maxsize=4096)
def parse_quantity(text: str) -> Amount | None:
    """One number and one unit (a container alone is one of it, a bare number is pieces); None when it
    cannot be read as one amount. Remembered for the last 4,096 texts (a city's list repeats "2斤", "1瓶")."""
    text = _apostrophes(re.sub(r"\s+", " ", text.strip().lower()))  # "п'ять" as typed on a Ukrainian keyboard
    if not text:
        return None
    if _BARE.match(text):
        return Amount(Fraction(int(text)), "pcs") if int(text) > 0 else None  # "0" is no amount (nor is "0 шт")
    if _DOZEN.match(text):
        return Amount(Fraction(10), "pcs")
    alone = unit_of(text)
    if alone is not None:  # "пачка молока": one of the container; "кг" alone says nothing
        return Amount(Fraction(1), alone) if alone not in MEASURES else None
    for half, value in _HALVES.items():  # "полкило", "пів-літра"
        glued = unit_of(text[len(half):].lstrip("-")) if text.startswith(half) and len(text) > len(half) else None
        if glued is not None:
            return Amount(value, glued)
    match = _SHAPE.match(text)
    if match is None:
        return None
    raw_num, word = match["num"], match["unit"]
    if raw_num and number(raw_num) is None:
        return None
    value = number(raw_num) if raw_num else Fraction(1)
    if value is None or value <= 0:
        return None
    if match["half"]:
        value += Fraction(1, 2)
    unit = unit_of(word)
    if unit is None:
        if len(word) == 1 and re.match(r"[\u3400-\u9fff]", word):
            unit = word  # another Chinese measure word (条, 根, 把…): summed as itself
        else:
            return None
    if not raw_num and unit in MEASURES:
        return None
    return Amount(value, unit)


def in_kg(amount: Amount) -> Amount:
    """A mass in kilograms (斤 = 0.5 kg, 两 = 50 g); anything else unchanged."""
    factor = TO_KG.get(amount.unit)
    return Amount(amount.value * factor, "kg") if factor is not None else amount


@dataclass
class Line:
    """One line of the purchase list: a name, its summed amounts by unit, the requests without an amount."""

    name: str
    amounts: dict[str, Fraction]
    requests: set[int]
    without_amount: int = 0


@dataclass
class Unread:
    """An item whose quantity could not be read, with its request."""

    request_id: int
    name: str
    quantity: str


def key(name: str) -> str:
    """Items of the same name group together regardless of case and spacing."""
    return re.sub(r"\s+", " ", name.strip().casefold())


def add_up(items: Iterable[tuple[int, str, str]], to_kg: bool = False) -> tuple[list[Line], list[Unread]]:
    """(request id, name, quantity) → the lines of the list (by name, the most requested first) and the
    items whose quantity could not be read (by request)."""
    lines: dict[str, Line] = {}
    unread: list[Unread] = []
    for request_id, name, quantity in items:
        amount = parse_quantity(quantity) if quantity.strip() else None
        if quantity.strip() and amount is None:
            unread.append(Unread(request_id, name, quantity))
            continue
        line = lines.setdefault(key(name), Line(name, {}, set()))
        line.requests.add(request_id)
        if amount is None:
            line.without_amount += 1
            continue
        if to_kg:
            amount = in_kg(amount)
        line.amounts[amount.unit] = line.amounts.get(amount.unit, Fraction(0)) + amount.value
    ordered = sorted(lines.values(), key=lambda line: (-len(line.requests), key(line.name)))
    return ordered, sorted(unread, key=lambda u: u.request_id)


_DOSE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(mg|мг|毫克|mcg|мкг|µg|g|г|克|ml|мл|毫升|iu|ме|од|%)(?![^\W\d_])", re.IGNORECASE)
_DOSE_UNITS = {"мг": "mg", "毫克": "mg", "мкг": "mcg", "µg": "mcg", "г": "g", "克": "g", "мл": "ml", "毫升": "ml",
               "ме": "IU", "од": "IU", "iu": "IU"}


def dose_of(text: str) -> tuple[str, str]:
    """(the text without its dose, the dose as "200 mg") — the dose "" when none is written."""
    match = _DOSE.search(text)
    if match is None:
        return text.strip(), ""
    unit = _DOSE_UNITS.get(match[2].lower(), match[2].lower())
    rest = (text[: match.start()] + " " + text[match.end():]).strip(" ,;:-—")
    return re.sub(r"\s+", " ", rest), f"{match[1].replace(',', '.')} {unit}"
