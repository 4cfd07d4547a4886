"""Unit tests of bot/domain/register_file.py: a community register (CSV or XLSX) read into rows."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.domain.register_file import (
    RegisterFileError,
    cell_text,
    map_header,
    normalize_header,
    read_csv,
    read_register,
)


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """A register as a spreadsheet program saves it."""
    return text.encode(encoding)


def test_english_header_and_rows_with_their_line_numbers() -> None:
    """Cells by our column names; the line of each row as the file shows it (for error messages)."""
    rows = read_csv(csv_bytes("Name,Phone,Address,District\n王芳,13800138000,下洋田 3栋,xiayangtian\n"))
    assert [(r.line, r.cells) for r in rows] == [
        (2, {"name": "王芳", "phone": "13800138000", "address": "下洋田 3栋", "district": "xiayangtian"}),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "姓名,电话,地址,社区",
        "ФИО;Телефон;Адрес;Район",
        "ПІБ;телефон;адреса;громада",
        "\ufeffFull Name,Mobile,ADDRESS,community",  # a BOM and other spellings
    ],
)
def test_headers_in_each_language(header: str) -> None:
    """Column names in Chinese, Russian, Ukrainian or English; comma or semicolon, as the header has it."""
    separator = ";" if ";" in header else ","
    row = separator.join(["Анна", "+79161234567", "ул. Ленина, 1" if separator == ";" else "addr", "d1"])
    rows = read_csv(csv_bytes(header + "\n" + row + "\n"))
    assert rows[0].cells["name"] == "Анна" and rows[0].cells["district"] == "d1"


def test_blank_rows_are_skipped_and_short_rows_padded() -> None:
    """Empty lines and rows of empty cells are not residents; missing trailing cells are empty."""
    data = "\n,,,\nname,phone,address,district,language\nA,1,x,d\n\n,,,,\nB,2,y\n"
    rows = read_csv(csv_bytes(data))
    assert [r.line for r in rows] == [4, 7]
    assert rows[1].cells == {"name": "B", "phone": "2", "address": "y", "district": "", "language": ""}


def test_a_quoted_cell_over_two_lines_keeps_the_following_line_numbers_right() -> None:
    """A line break inside quotes belongs to the cell; the next row's line is the file's line."""
    rows = read_csv(csv_bytes('name,phone,address,district\nA,1,"house 3\nflat 7",d\nB,2,z,d\n'))
    assert rows[0].cells["address"] == "house 3\nflat 7"
    assert [r.line for r in rows] == [2, 4]


def test_unknown_and_repeated_columns_are_ignored() -> None:
    """A column we do not know is left out; a second column of the same meaning does not replace the first."""
    rows = read_csv(csv_bytes("name,phone,notes,address,district,телефон\nA,1,private,x,d,2\n"))
    assert rows[0].cells == {"name": "A", "phone": "1", "address": "x", "district": "d"}


def test_missing_required_columns_are_named() -> None:
    """Without name, phone, address and district the file cannot be read; the message says which."""
    with pytest.raises(RegisterFileError, match=r"missing column\(s\): phone, district"):
        read_csv(csv_bytes("name,address\nA,x\n"))


@pytest.mark.parametrize("data", [b"", b"\n\n", b",,,\n"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    """No header at all."""
    with pytest.raises(RegisterFileError, match="empty"):
        read_csv(data)


def test_a_file_that_is_not_utf8_is_refused_with_the_fix() -> None:
    """A GBK or Windows-1251 export: the message says how to save it."""
    with pytest.raises(RegisterFileError, match="CSV UTF-8"):
        read_csv(csv_bytes("姓名,电话,地址,社区\n王芳,1,地址,d\n", encoding="gbk"))


def test_extra_columns_of_the_deployment() -> None:
    """A deployment's own flag column by its names; built-in names win over a clashing extra name."""
    header = ["name", "phone", "address", "district", "Диабет", "language"]
    mapping = map_header(header, {"diabetes": ["диабет"], "other": ["language"]})
    assert mapping == {0: "name", 1: "phone", 2: "address", 3: "district", 4: "diabetes", 5: "language"}


@pytest.mark.parametrize(
    ("text", "normalized"),
    [("Full Name", "full_name"), ("  ім’я ", "ім'я"), ("check-in time", "check_in_time"), ("\ufeffФИО", "фио")],
)
def test_normalize_header(text: str, normalized: str) -> None:
    """Case, spaces, dashes, underscores and apostrophes do not matter."""
    assert normalize_header(text) == normalized


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "1"),
        (False, "0"),
        (13800138000.0, "13800138000"),  # a phone typed into a number cell
        (2.5, "2.5"),
        (42, "42"),
        (time(9, 30), "09:30"),
        (datetime(1899, 12, 30, 8, 5), "08:05"),  # Excel's time-only cell
        (datetime(2027, 1, 11, 8, 5), "2027-01-11T08:05:00"),
        ("  text  ", "text"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    """Spreadsheet cells as the text a person typed."""
    assert cell_text(value) == text


def test_read_register_reads_csv_and_xlsx_by_extension(tmp_path: Path) -> None:
    """The same register as .csv and as .xlsx gives the same rows (numbers and times as typed)."""
    csv_path = tmp_path / "register.CSV"
    csv_path.write_bytes(csv_bytes("姓名,电话,地址,社区,签到时间\n王芳,13800138000,下洋田 3栋,xiayangtian,09:00\n"))
    xlsx_path = tmp_path / "register.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "电话", "地址", "社区", "签到时间"])
    sheet.append([None, None, None, None, None])
    sheet.append(["王芳", 13800138000, "下洋田 3栋", "xiayangtian", time(9, 0)])
    book.save(xlsx_path)
    from_csv, from_xlsx = read_register(csv_path), read_register(xlsx_path)
    assert [r.cells for r in from_csv] == [r.cells for r in from_xlsx]
    assert from_xlsx[0].line == 3 and from_xlsx[0].cells["checkin_time"] == "09:00"


def test_read_register_refuses_other_files(tmp_path: Path) -> None:
    """Another extension, or a damaged workbook, is a clear error, not a crash."""
    other = tmp_path / "register.xls"
    other.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RegisterFileError, match="unsupported file type .xls"):
        read_register(other)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(RegisterFileError, match="cannot read the workbook"):
        read_register(broken)
