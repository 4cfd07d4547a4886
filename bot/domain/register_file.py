"""Reading a community register (CSV or XLSX) into rows of cells keyed by our column names."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

REQUIRED = ("name", "phone", "address", "district")

#: Column names a register may use, in English, Chinese, Russian and Ukrainian (compared normalized).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "姓名", "名字", "имя", "фио", "ім'я", "імя", "піб"),
    "phone": ("phone", "telephone", "tel", "mobile", "电话", "手机", "手机号", "联系电话", "телефон"),
    "address": ("address", "地址", "住址", "家庭住址", "адрес", "адреса"),
    "district": ("district", "community", "社区", "街道", "所属社区", "район", "округ", "громада"),
    "language": ("language", "lang", "locale", "语言", "язык", "мова"),
    "checkin_time": ("checkin_time", "check-in time", "checkin", "签到时间", "время", "час"),
    # One yes/no column per flag (the built-in codes; a configured code or name works too), or one
    # "flags" column listing them by code or name: "低保、独居", "low_income; over_65".
    "flags": ("flags", "situation", "categories", "category", "vulnerability", "类别", "人员类别", "特殊情况",
              "困难类别", "情况", "категории", "категория", "ситуация", "категорії", "категорія", "ситуація"),
    "lives_alone": ("lives_alone", "lives alone", "独居", "独居老人", "живет один", "живёт один", "живёт в одиночку",
                    "живе сам", "живе на самоті"),
    "over_65": ("over_65", "over 65", "65岁以上", "старше 65", "старше_65", "старше 65 лет", "понад 65",
                "понад 65 років"),
    "disability": ("disability", "has a disability", "残疾", "有残疾", "残疾人", "инвалидность", "есть инвалидность",
                   "інвалідність", "має інвалідність"),
    "chronic_illness": ("chronic_illness", "chronic illness", "慢性病", "хронические заболевания",
                        "хроническое заболевание", "хронічні захворювання", "хронічна хвороба"),
    "low_income": ("low_income", "low income", "subsistence allowance", "低保", "低保户", "低收", "低收入",
                   "低收入户", "特困", "特困户", "特困人员", "低保/低收入/特困", "малоимущие", "малоимущий",
                   "низкий доход", "низкий доход, пособие", "малозабезпечені", "малозабезпечений",
                   "низький дохід", "низький дохід, допомога"),
    "children": ("children", "family with children", "有子女", "有未成年子女", "有孩子的家庭", "有孩子",
                 "семья с детьми", "есть дети", "сім'я з дітьми", "є діти"),
    "veteran": ("veteran", "退役军人", "老兵", "军属", "ветеран", "ветеран війни"),
    "pregnancy": ("pregnancy", "pregnant", "孕妇", "怀孕", "беременность", "беременная", "вагітність", "вагітна"),
    "contact_name": ("contact_name", "contact", "联系人", "紧急联系人", "контактное лицо", "контактна особа"),
    "contact_phone": ("contact_phone", "contact phone", "联系人电话", "紧急联系人电话", "телефон контакта",
                      "телефон контактної особи"),
}


class RegisterFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, header)."""


@dataclass
class RawRow:
    """One data row: its line in the file and its cells by column name (stripped strings)."""

    line: int
    cells: dict[str, str]


def normalize_header(text: str) -> str:
    """A header cell compared case-, space- and apostrophe-insensitively."""
    cleaned = text.replace("\ufeff", "").strip().casefold()
    cleaned = re.sub(r"[’ʼ`´]", "'", cleaned)
    return re.sub(r"[\s_\-]+", "_", cleaned)


_LOOKUP = {normalize_header(alias): column for column, names in ALIASES.items() for alias in names}


def map_header(header: list[str], extra: Mapping[str, Iterable[str]] | None = None) -> dict[int, str]:
    """Which of our columns each header cell is (unknown columns are ignored); extra: more columns and
    their names (the deployment's own flags), after the built-in ones."""
    lookup = dict(_LOOKUP)
    for column, names in (extra or {}).items():
        for alias in names:
            lookup.setdefault(normalize_header(alias), column)
    mapping: dict[int, str] = {}
    for index, cell in enumerate(header):
        column = lookup.get(normalize_header(cell))
        if column is not None and column not in mapping.values():
            mapping[index] = column
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise RegisterFileError(f"missing column(s): {', '.join(missing)} (header: {', '.join(header)})")
    return mapping


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: numbers without '.0', times as HH:MM."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%H:%M") if value.date() == datetime(1899, 12, 30).date() else value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _rows(lines: list[tuple[int, list[Any]]], extra: Mapping[str, Iterable[str]] | None = None) -> list[RawRow]:
    """Header (the first non-empty row) and data rows, blank rows skipped."""
    cleaned = [(n, [cell_text(v) for v in row]) for n, row in lines]
    filled = [(n, row) for n, row in cleaned if any(row)]
    if not filled:
        raise RegisterFileError("the file is empty")
    mapping = map_header(filled[0][1], extra)
    return [
        RawRow(n, {column: (row[i] if i < len(row) else "") for i, column in mapping.items()})
        for n, row in filled[1:]
    ]


def read_csv(data: bytes, extra: Mapping[str, Iterable[str]] | None = None) -> list[RawRow]:
    """CSV in UTF-8 (BOM or not), comma- or semicolon-separated."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterFileError("the file is not UTF-8: save it as «CSV UTF-8»") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[Any]]] = []
    start = 1
    for row in reader:
        lines.append((start, row))
        start = reader.line_num + 1
    return _rows(lines, extra)


def read_xlsx(path: Path, extra: Mapping[str, Iterable[str]] | None = None) -> list[RawRow]:
    """The first sheet of an XLSX workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise RegisterFileError(f"cannot read the workbook: {type(exc).__name__}") from None
    try:
        sheet = book.worksheets[0]
        return _rows([(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)], extra)
    finally:
        book.close()


def read_register(path: Path, extra: Mapping[str, Iterable[str]] | None = None) -> list[RawRow]:
    """The rows of a register file, by its extension (extra: see map_header)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path.read_bytes(), extra)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, extra)
    raise RegisterFileError(f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
