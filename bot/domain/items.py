"""Split free-text shopping lists (zh/ru/uk) into items with a name and a quantity.

The parser is a set of regular expressions, not a grammar: it recognises a quantity (a number,
Chinese numeral or ru/uk number word followed by a unit or measure word, a container word such as
"пачка", or "x3") at the start or the end of each piece and keeps the rest as the name. Pieces are
split on lines, commas, 、 and ；, and on connectors (и, і, та, й, а также, 和, 还有, 以及…), so a
quantity always stays with its own item ("купите 1 кг и сметану" is "1 кг" and "сметану", never
"сметану — 1 кг"); polite verbs ("купите", "будь ласка", "请帮我买") are not items. Names are
kept as typed (no lemmatising: "2 кг картоплі" gives "картоплі"). A piece without a recognisable
quantity is kept whole as the name, so nothing a resident typed is ever dropped (except beyond
MAX_ITEMS).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_ITEMS = 50
MAX_TEXT_LENGTH = 4096
MAX_PARSED_PIECE_LENGTH = 200

_CYR_LAT = "A-Za-zА-Яа-яЁёІіЇїЄєҐґ"
_NOT_AFTER_LETTER = rf"(?<![{_CYR_LAT}'’ʼ])"
_NOT_BEFORE_LETTER = rf"(?![{_CYR_LAT}'’ʼ])"
_APOS = "['’ʼ]"

_DIGITS = r"\d+(?:[.,/]\d+)?(?:\s*[-–~～]\s*\d+(?:[.,]\d+)?)?"
_CN_NUM = r"(?:[零〇一二两三四五六七八九十百千万几]+|半)"
_WORD_NUM = (
    _NOT_AFTER_LETTER
    + rf"(?:(?:один|одна|одну|одно|одного|два|две|дві|двох|двух|три|трёх|трех|четыре|чотири"
    rf"|пять|п{_APOS}?ять|шесть|шість|семь|сім|восемь|вісім|девять|дев{_APOS}?ять|десять"
    rf"|полтора|полторы|півтора|пару|пара|несколько|кілька)\s+|(?:пол|пів)\s*-?\s*)"
)
_CN_UNIT = (
    r"(?:毫升|毫克|公斤|千克|克|斤|两|升|个|瓶|包|袋|箱|盒|桶|把|颗|只|条|支|片|粒|罐|份|块|根"
    r"|听|捆|扎|板|卷|提|打|棵|头|串|束|套|双|件|枚|筒|碗|杯|排)"
)
# Containers may stand without a number ("пачка молока", "яйця десяток").
_CONTAINER = (
    r"(?:пачк\w*|пачок|упаковк\w*|упаковок|бутылк\w*|бутылок|пляшк\w*|пляшок|банк[аиуе]|банок"
    r"|буханк\w*|буханок|буханець|буханц\w*|десят(?:ок|ка|ки|ков|ків)|дюжин\w*"
    r"|коробк\w*|коробок|ящик\w*|мешок|мешк\w*|мішок|мішк\w*|пакет\w*|рулон\w*|кус(?:ок|ка|ков)"
    r"|шмат(?:ок|ка|ки|ків)|флакон\w*|тюбик\w*|блистер\w*|блістер\w*|пузыр[её]к|пузырьк\w*)"
)
_WORD_UNIT = (
    r"(?:килограмм\w*|кілограм\w*|кило|кіло|грамм\w*|грам\w*|литр\w*|літр\w*|миллилитр\w*"
    r"|мілілітр\w*|штук\w*|батон\w*|таблет\w*|ампул\w*|кг|гр|мг|мл|шт|уп|табл|г|л"
    r"|kg|mg|ml|pcs|pc|g|l|L)"
)
_ANY_UNIT = rf"(?:{_CN_UNIT}|(?:{_CONTAINER}|{_WORD_UNIT}){_NOT_BEFORE_LETTER}\.?)"
_NUM = rf"(?:{_DIGITS}|{_CN_NUM}|{_WORD_NUM})"
_ONE_QTY = (
    rf"(?:{_NUM}\s*(?:多|来)?\s*{_ANY_UNIT}(?:半|多)?(?:重|装)?"
    rf"|{_NOT_AFTER_LETTER}{_CONTAINER}{_NOT_BEFORE_LETTER})"
)
_QTY = rf"(?:{_ONE_QTY}(?:\s*{_ONE_QTY})*)"
# Name and quantity are split by a dash, spaces, or nothing unless that would split a number.
_SEP = r"(?:\s*[-–—:=]\s*|\s+|(?<!\d))"
_TIMES = r"[xх×*]"

_LEADING_RE = re.compile(rf"(?P<q>{_QTY})\s*(?:的\s*)?(?P<n>.+)", re.IGNORECASE)
_TRAILING_RE = re.compile(rf"(?P<n>.*?\S){_SEP}(?P<q>{_QTY})", re.IGNORECASE)
_PAREN_RE = re.compile(rf"(?P<n>.*?\S)\s*[(（]\s*(?P<q>{_QTY}|{_DIGITS})\s*[)）]", re.IGNORECASE)
_TIMES_LEADING_RE = re.compile(rf"(?P<q>\d+)\s*{_TIMES}(?![{_CYR_LAT}])\s*(?P<n>.+)")
_TIMES_TRAILING_RE = re.compile(
    rf"(?P<n>.*?\S)\s*(?:(?<![{_CYR_LAT}]){_TIMES}\s*(?P<q>\d+)|\s(?P<q2>\d+)\s*{_TIMES})"
)
_BARE_LEADING_RE = re.compile(rf"(?P<q>{_DIGITS})\s+(?P<n>[{_CYR_LAT}].*)")
_BARE_TRAILING_RE = re.compile(
    rf"(?P<n>.*?[^\s\d])(?:\s*[-–—:=]\s*|\s+|(?<=[\u3400-\u9fff]))(?P<q>{_DIGITS})"
)
_UNIT_ONLY_RE = re.compile(_ANY_UNIT, re.IGNORECASE)
_PARSERS: tuple[re.Pattern[str], ...] = (
    _TIMES_LEADING_RE,
    _TIMES_TRAILING_RE,
    _LEADING_RE,
    _TRAILING_RE,
    _PAREN_RE,
    _BARE_LEADING_RE,
    _BARE_TRAILING_RE,
)

_LINE_SPLIT_RE = re.compile(r"[\r\n\u2028\u2029]+")
_MARKER_RE = re.compile(
    r"^\s*(?:[-–—•·●▪◦‣*+>]+|[(（]?\d{1,3}(?:[.)）、](?!\d)|\s*[)）])"
    r"|[(（]?[一二三四五六七八九十]{1,3}[、)）]|[①-⑳])\s*"
)
# A comma between two digits is a decimal comma ("1,5 кг"), not a separator.
_PIECE_SPLIT_RE = re.compile(r"(?<!\d),|,(?!\d)|[，、;；。]")
# "和" ("and") joins items, but it is also part of words: 日式和风酱, 和田枣, 暖和. It splits only
# between two characters, and not where a neighbour makes it part of a word.
_ZH_AND_NOT_AFTER = "暖柔温饱调中总缓平祥谐随附应唱搀掺混拌"
_ZH_AND_NOT_BEFORE = "风田牛服果平式菓"
_CONJ_SPLIT_RE = re.compile(
    rf"\s*(?:以及|还有|另外|再加上|加上|再来|再要|再买)\s*"
    rf"|(?<=\S)(?<![{_ZH_AND_NOT_AFTER}])\s*(?:和|与)\s*(?=\S)(?![{_ZH_AND_NOT_BEFORE}])"
    rf"|\s*(?:跟|加)\s*(?={_QTY})"
    rf"|\s+(?:(?:и|і|та|й|а\s+также|а\s+також)(?:\s+(?:ещё|еще|ще|также|також))?|а\s+(?:ещё|еще|ще)|плюс)\s+",
    re.IGNORECASE,
)
# A connector left at the start of a piece ("хлеб, и молоко", "，还有豆腐").
_LEADING_CONJ_RE = re.compile(
    r"^(?:(?:и|і|та|й|а|плюс)(?:\s+(?:ещё|еще|ще|также|також))?|ещё|еще|ще|также|також)\s+"
    rf"|^(?:以及|还有|另外|和(?![{_ZH_AND_NOT_BEFORE}]))\s*",
    re.IGNORECASE,
)
# Polite requests before the list: "купите", "будь ласка, купіть", "请帮我买", "我需要".
_POLITE_PREFIX_RE = re.compile(
    r"^(?:(?:пожалуйста|будь\s+ласка|прошу|please)[,!]?\s+"
    r"|(?:мне|нам|мені|нам)?\s*(?:нужно|нужен|нужна|нужны|надо|треба|потрібно|потрібен|потрібна|потрібні)"
    r"(?:\s+(?:купить|купити|принести))?[,:]?\s+"
    r"|(?:купите|купи|купить|купіть|купити|принесите|принеси|принесіть|возьмите|візьміть|закажите|замовте"
    r"|хочу\s+купить|хочу\s+купити)(?:\s+(?:пожалуйста|будь\s+ласка|мне|мені|нам))?[,:]?\s+"
    r"|(?:请|麻烦)?(?:你|您)?(?:帮我|给我|帮忙|替我|帮我们)(?:买|带|购买|捎)(?:点|些|一些)?"
    r"|(?:请|麻烦)(?:买|购买|带)(?:点|些|一些)?"
    r"|我?(?:想|还)?(?:要|需要)(?:买|购买)(?:点|些|一些)?|我?还?(?:需要|想要)|我要|购买|买(?:点|些|一些)?)",
    re.IGNORECASE,
)
_REQUEST_PREFIX_RE = re.compile(
    rf"^(?:(?:请|麻烦)?(?:你|您)?(?:帮我|给我|帮忙)?我?(?:想|还)?(?:要|需要|买|购买|来)"
    rf"|(?:нужно|нужен|нужна|нужны|надо|купить|купите|треба|потрібно|потрібен|потрібна"
    rf"|потрібні|купіть|купити)[,:]?\s+)(?=(?:{_QTY}|{_DIGITS}))",
    re.IGNORECASE,
)
_EDGE_JUNK = " \t-–—:=·,.;!?！？。…\"'«»“”「」"
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Item:
    """One line of a shopping list: goods and their amount ("" if none given)."""

    name: str
    quantity: str


def _clean(text: str) -> str:
    """Collapse whitespace and trim punctuation at both ends."""
    return _SPACES_RE.sub(" ", text).strip(_EDGE_JUNK)


def _strip_marker(text: str) -> str:
    """Remove a list bullet or number ("1.", "-", "•", "一、") from the start."""
    return _MARKER_RE.sub("", text, count=1)


def _strip_request(piece: str) -> str:
    """Remove polite verbs and leading connectors ("купите", "будь ласка", "请帮我买", "и ещё"); a piece
    that is nothing else ("Купите, пожалуйста, хлеб" gives the pieces "Купите" and "пожалуйста") is ""."""
    if not _clean(_POLITE_PREFIX_RE.sub("", piece + " ", count=1)):
        return ""
    for _ in range(3):
        shorter = _LEADING_CONJ_RE.sub("", piece, count=1)
        shorter = _POLITE_PREFIX_RE.sub("", shorter, count=1)
        shorter = _REQUEST_PREFIX_RE.sub("", shorter, count=1)
        shorter = _clean(shorter)
        if shorter == piece or not shorter:
            break
        piece = shorter
    return piece


def _split_pieces(text: str) -> Iterable[str]:
    """Yield raw item pieces split on lines, list separators and conjunctions."""
    for line in _LINE_SPLIT_RE.split(text):
        for chunk in _PIECE_SPLIT_RE.split(_strip_marker(line)):
            for piece in _CONJ_SPLIT_RE.split(_strip_marker(chunk)):
                yield _strip_request(_clean(piece))


def _parse_piece(piece: str) -> Item:
    """Parse one piece into an Item, keeping it whole when no quantity is found."""
    if len(piece) > MAX_PARSED_PIECE_LENGTH:
        return Item(name=piece, quantity="")
    for parser in _PARSERS:
        match = parser.fullmatch(piece)
        if match is None:
            continue
        name = _clean(match["n"])
        quantity = _clean(match.group("q") or match.groupdict().get("q2") or "")
        if name and quantity and not _UNIT_ONLY_RE.fullmatch(name):
            return Item(name=name, quantity=quantity)
    return Item(name=piece, quantity="")


def visible(piece: str) -> bool:
    """Whether a piece shows anything: not only spaces and invisible format characters (zero-width
    space, word joiner, BOM), which keyboards and copied text leave behind."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in piece)


def parse_items(text: str) -> list[Item]:
    """Turn a free-text shopping list into at most MAX_ITEMS items."""
    items: list[Item] = []
    for piece in _split_pieces((text or "")[:MAX_TEXT_LENGTH]):
        piece = _clean(piece)
        if visible(piece):
            items.append(_parse_piece(piece))
        if len(items) >= MAX_ITEMS:
            break
    return items


def format_items(items: Iterable[Item]) -> list[str]:
    """Render items as "name — quantity" lines (no HTML escaping)."""
    return [f"{item.name} — {item.quantity}" if item.quantity else item.name for item in items]
