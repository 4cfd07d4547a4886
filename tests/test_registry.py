"""Community register: CSV/XLSX import with line-numbered rejections, invites, and binding by invite link."""

from __future__ import annotations

from db.repo import checkins as checkins_repo

import asyncio
import csv
import json
import re
import subprocess
import sys
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlmodel import col, select

from bot.services import registry
from bot.domain.register_file import read_register
from db.models import Resident
from sandbox.bot_api import FakeTelegram
from tests.conftest import DISTRICTS, STAFF_CHAT, TOKEN, Harness
from tests.helpers import CONSENT, MENU, REGISTERED, new_user, register, resident_of, catalog_text, visible_text

ROOT = Path(__file__).resolve().parent.parent
GREETING = "{name}, hello! The social workers of your community invited you to this bot."
TAKEN = (
    "This invitation has already been used from another Telegram account. "
    "If it is yours, please call your social worker."
)
OTHER_RECORD = (
    "You are already registered in this bot with other details, so this invitation cannot be used "
    "from your account. Nothing was changed. If the invitation is for someone else, please pass it on to them."
)
UNKNOWN = (
    "This invitation link is not valid. Please check it with your social worker, "
    "or send /start to register yourself."
)
LIN = "林婆婆"
LIN_ADDRESS = "抚琴街道 西南街 12号 3单元 201"
MARIA = "Мария Ивановна"

# Case 2 (Chengdu, Fuqin street) is line 2. Line 13-14 is one row whose quoted address spans two lines.
REGISTER_CSV = (
    "Name,Phone,Address,District,Language,Checkin_Time,Lives_Alone,Over_65,Disability,Chronic_Illness,"
    "Contact_Name,Contact_Phone\n"
    f"{LIN},138 0013 8000,{LIN_ADDRESS},抚琴街道,zh,09:00;18:00,是,是,否,否,林晓,13900139000\n"  # 2
    ",13800138001,某街 1号,fuqin,zh,,,,,,,\n"  # 3 missing name
    "王大爷,12345,某街 2号,fuqin,zh,,,,,,,\n"  # 4 invalid phone
    f"{MARIA},+79161234567,\"ул. Красная Пресня, д. 12, кв. 34\",Пресненский,ru,9:30,да,да,нет,да,,\n"  # 5
    "赵阿姨,13800138002,某街 3号,Atlantis,zh,,,,,,,\n"  # 6 unknown district
    "钱大爷,13800138003,某街 4号,fuqin,zh,25:00,,,,,,\n"  # 7 bad time
    "\n"  # 8 blank: skipped, still counted
    "孙阿姨,13800138004,某街 5号,fuqin,en,,,,,,,\n"  # 9 unknown language
    "Олена Петрівна,+380501234567,\"вул. Європейська, 5, кв. 7\",Фуцінь,uk,,так,ні,,,,\n"  # 10
    f"{LIN},13800138000,{LIN_ADDRESS},fuqin,zh,,,,,,,\n"  # 11 same phone as line 2
    "周大爷,13800138005,某街 6号,fuqin,zh,,maybe,,,,,\n"  # 12 bad flag
    "吴阿姨,13800138006,\"某街 7号\n2单元\",xiayangtian,zh,08:00,1,1,0,0,,\n"  # 13-14 good, two lines
    "郑大爷,13800138007,,fuqin,zh,,,,,,,\n"  # 15 missing address
    "冯阿姨,13800138008,某街 8号,fuqin,zh,,,,,,王先生,999\n"  # 16 invalid contact phone
)
EXPECTED_REJECTIONS = [
    (3, "missing name"),
    (4, "invalid phone '12345'"),
    (6, "unknown district 'Atlantis'"),
    (7, "bad check-in time '25:00' (use HH:MM, e.g. 09:00;18:00)"),
    (9, "unknown language 'en' (use zh, ru or uk)"),
    (11, "same phone as line 2"),
    (12, "bad lives_alone value 'maybe' (use yes or no)"),
    (15, "missing address"),
    (16, "invalid contact phone '999'"),
]


async def import_file(harness: Harness, path: Path) -> registry.Imported:
    """Import a register file into the running bot's database (what the CLI does, minus printing)."""
    assert harness.app is not None
    entries, rejected = registry.check_rows(read_register(path), harness.settings)
    async with harness.app.sessions.begin() as session:
        return await registry.store(session, entries, rejected)


async def all_residents(harness: Harness) -> list[Resident]:
    """Every resident record, oldest first."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Resident).order_by(col(Resident.id)))).all())


async def by_phone(harness: Harness, phone: str) -> Resident:
    """The one resident with a normalized phone."""
    found = [r for r in await all_residents(harness) if r.phone == phone]
    assert len(found) == 1, found
    return found[0]


def write_csv(tmp_path: Path, text: str = REGISTER_CSV, name: str = "register.csv", bom: bool = True) -> Path:
    """A register file as a spreadsheet program saves it."""
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


async def district_codes(harness: Harness) -> dict[int, str]:
    """District id -> code."""
    from db.repo import districts

    assert harness.app is not None
    async with harness.app.sessions() as session:
        return {d.id or 0: d.code for d in await districts.all_districts(session)}


# ---------------------------------------------------------------------------------- importing


async def test_csv_import_keeps_good_rows_and_reports_bad_ones_by_line(harness: Harness, tmp_path: Path) -> None:
    """Four good rows stored (case 2 among them); every bad row named by its line and reason."""
    result = await import_file(harness, write_csv(tmp_path))
    assert [(r.line, r.reason) for r in result.rejected] == EXPECTED_REJECTIONS
    assert (result.created, result.updated) == (4, 0)
    assert [p.name for p in result.people] == [LIN, MARIA, "Олена Петрівна", "吴阿姨"]

    codes = await district_codes(harness)
    lin = await by_phone(harness, "+8613800138000")
    assert (lin.name, lin.address, codes[lin.district_id or 0], lin.locale) == (LIN, LIN_ADDRESS, "fuqin", "zh")
    assert (lin.lives_alone, lin.over_65, lin.disability, lin.chronic_illness) == (True, True, False, False)
    assert (lin.contact_name, lin.contact_phone) == ("林晓", "+8613900139000")
    assert lin.imported_checkin_times == ["09:00", "18:00"]
    assert (lin.source, lin.tg_user_id, lin.chat_id, lin.consent_at, lin.registered_at) == (
        "registry", None, None, None, None
    )
    assert lin.invite_code and re.fullmatch(r"[A-Za-z0-9_-]{16}", lin.invite_code)

    maria = await by_phone(harness, "+79161234567")
    assert (maria.locale, codes[maria.district_id or 0], maria.imported_checkin_times) == ("ru", "presnensky", ["09:30"])
    assert (maria.lives_alone, maria.over_65, maria.disability, maria.chronic_illness) == (True, True, False, True)
    olena = await by_phone(harness, "+380501234567")
    assert (olena.locale, codes[olena.district_id or 0], olena.lives_alone, olena.over_65) == ("uk", "fuqin", True, False)
    wu = await by_phone(harness, "+8613800138006")
    assert (wu.address, wu.imported_checkin_times, wu.lives_alone) == ("某街 7号\n2单元", ["08:00"], True)
    assert len(await all_residents(harness)) == 4
    assert len({r.invite_code for r in await all_residents(harness)}) == 4


async def test_russian_headers_semicolons_without_bom(harness: Harness, tmp_path: Path) -> None:
    """A Russian-language register saved with semicolons and no BOM; district names in any language."""
    text = (
        "ИМЯ;Телефон;Адрес;Район;Язык;Время;Живёт один;Старше 65\n"
        f"{MARIA};8 916 123-45-67;ул. Красная Пресня, д. 12;Пресненский;ru;09:00, 19:30;да;да\n"
        "Пётр Сергеевич;+79161234568;ул. Арбат, 1;Мордор;ru;;нет;да\n"
        ";+79161234569;ул. Арбат, 2;presnensky;русский;;;\n"
        "Анна;+79161234570;ул. Арбат, 3;Центральный;Русский;;;\n"
    )
    path = write_csv(tmp_path, text, bom=False)
    harness.settings.phone_region = "RU"  # a Moscow deployment writes local numbers
    try:
        result = await import_file(harness, path)
    finally:
        harness.settings.phone_region = "CN"
    assert [(r.line, r.reason) for r in result.rejected] == [(3, "unknown district 'Мордор'"), (4, "missing name")]
    maria = await by_phone(harness, "+79161234567")
    assert (maria.name, maria.locale, maria.imported_checkin_times) == (MARIA, "ru", ["09:00", "19:30"])
    anna = await by_phone(harness, "+79161234570")
    assert anna.locale == "ru" and anna.district_id is not None


async def test_xlsx_with_chinese_headers(harness: Harness, tmp_path: Path) -> None:
    """The first sheet of a workbook: numeric phone cells, time cells, Chinese yes/no."""
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "电话", "地址", "社区", "语言", "签到时间", "独居", "65岁以上", "联系人", "联系人电话"])
    sheet.append([LIN, 13800138000, LIN_ADDRESS, "抚琴街道", "中文", time(9, 0), "是", "是", "林晓", 13900139000])
    sheet.append(["李大爷", 13800138010, "下洋田社区 5栋", "下洋田社区", None, "7:30；20:00", "否", "是", None, None])
    sheet.append(["钱大爷", "not a phone", "某街", "fuqin", "zh", None, None, None, None, None])
    sheet.append([None] * 10)
    sheet.append(["孙阿姨", 13800138011, "某街", "fuqin", "zh", "明天", None, None, None, None])
    book.create_sheet("notes").append(["ignored", "sheet"])
    path = tmp_path / "老人档案.xlsx"
    book.save(path)

    result = await import_file(harness, path)
    assert [(r.line, r.reason) for r in result.rejected] == [
        (4, "invalid phone 'not a phone'"),
        (6, "bad check-in time '明天' (use HH:MM, e.g. 09:00;18:00)"),
    ]
    assert result.created == 2
    lin = await by_phone(harness, "+8613800138000")
    assert (lin.name, lin.locale, lin.imported_checkin_times, lin.lives_alone, lin.over_65) == (
        LIN, "zh", ["09:00"], True, True
    )
    assert lin.contact_phone == "+8613900139000"
    li = await by_phone(harness, "+8613800138010")
    assert (li.locale, li.imported_checkin_times, li.lives_alone, li.over_65) == ("zh", ["07:30", "20:00"], False, True)


async def test_reimport_updates_instead_of_duplicating(harness: Harness, tmp_path: Path) -> None:
    """The same people again (one moved): nobody twice, fields updated, invite codes kept."""
    first = await import_file(harness, write_csv(tmp_path))
    codes = {p.phone: p.invite_code for p in first.people}
    again = await import_file(harness, write_csv(tmp_path))
    assert (again.created, again.updated, len(again.rejected)) == (0, 4, len(EXPECTED_REJECTIONS))
    moved = REGISTER_CSV.replace(f"{LIN},138 0013 8000,{LIN_ADDRESS}", f"{LIN},+86 138-0013-8000,抚琴街道 新街 1号")
    third = await import_file(harness, write_csv(tmp_path, moved, name="register-2.csv"))
    assert (third.created, third.updated) == (0, 4)
    residents = await all_residents(harness)
    assert len(residents) == 4
    assert {r.phone: r.invite_code for r in residents} == codes
    assert (await by_phone(harness, "+8613800138000")).address == "抚琴街道 新街 1号"


def test_unreadable_files_are_refused_as_a_whole(tmp_path: Path) -> None:
    """No name/phone column, not UTF-8, or an unknown format: one clear error, nothing read."""
    import pytest

    from bot.domain.register_file import RegisterFileError

    with pytest.raises(RegisterFileError, match="missing column"):
        read_register(write_csv(tmp_path, "foo,bar\n1,2\n"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("姓名,电话,地址,社区\n林婆婆,13800138000,某街,fuqin\n".encode("gbk"))
    with pytest.raises(RegisterFileError, match="UTF-8"):
        read_register(gbk)
    with pytest.raises(RegisterFileError, match="unsupported"):
        read_register(write_csv(tmp_path, "x", name="register.xls"))


def test_invite_codes_are_random_url_safe_and_short() -> None:
    """Telegram deep-link payloads: [A-Za-z0-9_-], at most 64 characters; no repeats."""
    codes = {registry.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", c) for c in codes)
    assert registry.invite_link("@doorstep_bot", "abc") == "https://t.me/doorstep_bot?start=abc"


# ---------------------------------------------------------------------------------- the command line


def cli_env(database_url: str, api_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """The environment of `python -m bot` for a deployment like the tests'."""
    return {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": str(STAFF_CHAT),
        "DISTRICTS": json.dumps(DISTRICTS, ensure_ascii=False), "DATABASE_URL": database_url,
        "TELEGRAM_API_URL": api_url, "DEFAULT_LOCALE": "zh", "PHONE_REGION": "CN", "TIMEZONE": "Asia/Shanghai",
        "LOG_LEVEL": "WARNING",
    }


def read_invites(path: Path) -> list[dict[str, str]]:
    """The invite file as staff open it."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_cli_imports_prints_summary_and_writes_invites(tmp_path: Path) -> None:
    """`python -m bot registry import FILE --bot-username NAME` on a new SQLite file, twice."""
    source = write_csv(tmp_path)
    env = cli_env(f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    command = [sys.executable, "-m", "bot", "registry", "import", str(source), "--bot-username", "@doorstep_bot"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    invites = tmp_path / f"invites-{today}.csv"
    assert result.stdout.splitlines() == [
        f"4 imported, 0 updated, {len(EXPECTED_REJECTIONS)} rejected",
        *(f"line {line}: {reason}" for line, reason in EXPECTED_REJECTIONS),
        f"invites written to {invites}",
    ]
    rows = read_invites(invites)
    assert list(rows[0]) == ["name", "phone", "district", "language", "invite_link", "code"]
    assert [(r["name"], r["phone"], r["district"], r["language"]) for r in rows] == [
        (LIN, "+86 138 0013 8000", "抚琴街道", "zh"),
        (MARIA, "+7 916 123-45-67", "Пресненский", "ru"),
        ("Олена Петрівна", "+380 50 123 4567", "Фуцінь", "uk"),
        ("吴阿姨", "+86 138 0013 8006", "下洋田社区", "zh"),
    ]
    for row in rows:
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", row["code"])
        assert row["invite_link"] == f"https://t.me/doorstep_bot?start={row['code']}"

    out = tmp_path / "again.csv"
    again = subprocess.run([*command, "--out", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"0 imported, 4 updated, {len(EXPECTED_REJECTIONS)} rejected"
    assert [r["code"] for r in read_invites(out)] == [r["code"] for r in rows]


def test_cli_refuses_an_unreadable_file(tmp_path: Path) -> None:
    """A file without the required columns: exit code 2 and one line, no traceback."""
    source = write_csv(tmp_path, "foo;bar\n1;2\n")
    env = cli_env(f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    result = subprocess.run([sys.executable, "-m", "bot", "registry", "import", str(source), "--bot-username", "b"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "missing column(s): name, phone, address, district" in result.stderr
    assert "Traceback" not in result.stderr


async def test_cli_asks_telegram_for_the_username(harness: Harness, fake: FakeTelegram, tmp_path: Path) -> None:
    """Without --bot-username the link uses getMe's username; the bot can then bind the invite."""
    out = tmp_path / "invites.csv"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "registry", "import", str(write_csv(tmp_path)), "--out", str(out),
        cwd=tmp_path, env=cli_env(harness.settings.database_url, fake.base_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().startswith("4 imported, 0 updated")
    lin = read_invites(out)[0]
    assert lin["invite_link"] == f"https://t.me/doorstep_test_bot?start={lin['code']}"

    user = new_user(harness, "zh", language_code=None)
    await user.send_command(f"/start {lin['code']}")
    await user.expect(visible_text("zh", GREETING, name=LIN))


# ---------------------------------------------------------------------------------- binding by invite link


async def invite_of(harness: Harness, tmp_path: Path, phone: str) -> str:
    """Import the register and return the invite code of the person with this phone."""
    await import_file(harness, write_csv(tmp_path))
    code = (await by_phone(harness, phone)).invite_code
    assert code
    return code


async def test_lin_popo_opens_her_invite_and_is_registered_without_retyping(harness: Harness, tmp_path: Path) -> None:
    """Case 2: greeted by name in Chinese, one tap to agree, and she is on the main menu."""
    code = await invite_of(harness, tmp_path, "+8613800138000")
    user = new_user(harness, "zh", language_code="en", first_name="Lin")  # her phone is set to English
    await user.send_command(f"/start {code}")
    notice = await user.expect(visible_text("zh", CONSENT))
    assert (notice.text or "").startswith("林婆婆，您好！")
    assert visible_text("zh", GREETING, name=LIN) in (notice.text or "")
    bound = await resident_of(harness, user)
    assert bound is not None and bound.consent_at is None and bound.registered_at is None

    await user.press(catalog_text("zh", "✅ I agree"))
    await user.expect(visible_text("zh", REGISTERED))
    assert catalog_text("zh", MENU["supplies"]) in user.keyboard_labels()
    # The register's check-in times become her daily plan, and she is told so.
    await user.expect(visible_text("zh", "Every day at {times} we will ask whether you are OK. You can change this with /checkin.",
                        times="09:00, 18:00"))
    lin = await by_phone(harness, "+8613800138000")
    assert harness.app is not None
    async with harness.app.sessions() as session:
        plan = await checkins_repo.plan_of(session, lin.id)
    assert plan is not None and plan.active and plan.times == ["09:00", "18:00"] and plan.next_due_at is not None
    assert (lin.tg_user_id, lin.chat_id, lin.locale, lin.name, lin.address) == (
        user.user_id, user.chat_id, "zh", LIN, LIN_ADDRESS
    )
    assert lin.consent_at is not None and lin.registered_at is not None
    assert (lin.lives_alone, lin.over_65, lin.invite_code) == (True, True, code)
    assert len(await all_residents(harness)) == 4  # bound, not added

    await user.send_command(f"/start {code}")  # the link again, from her own account: just the menu
    await user.expect(visible_text("zh", "Hello, {name}! What do you need? Choose below.", name=LIN))


async def test_russian_invite_speaks_russian(harness: Harness, tmp_path: Path) -> None:
    """The record's language wins over the Telegram app's."""
    code = await invite_of(harness, tmp_path, "+79161234567")
    user = new_user(harness, "zh")  # a Chinese-language Telegram app
    await user.send_command(f"/start {code}")
    notice = await user.expect(visible_text("ru", CONSENT))
    assert (notice.text or "").startswith(visible_text("ru", GREETING, name=MARIA))
    await user.press(catalog_text("ru", "✅ I agree"))
    await user.expect(visible_text("ru", REGISTERED))
    maria = await resident_of(harness, user)
    assert maria is not None and maria.phone == "+79161234567" and maria.registered_at is not None
    assert maria.locale == "ru"


async def test_refusing_consent_releases_the_invite(harness: Harness, tmp_path: Path) -> None:
    """«I do not agree»: the account is let go, the register record stays for the staff."""
    code = await invite_of(harness, tmp_path, "+8613800138000")
    user = new_user(harness, "zh")
    await user.send_command(f"/start {code}")
    await user.press(catalog_text("zh", "I do not agree"))
    lin = await by_phone(harness, "+8613800138000")
    assert (lin.tg_user_id, lin.chat_id, lin.consent_at, lin.name, lin.invite_code) == (None, None, None, LIN, code)


async def test_a_used_invite_refused_from_another_account(harness: Harness, tmp_path: Path) -> None:
    """Someone else with Lin's link: a clear answer, she keeps her account, nothing new is stored."""
    code = await invite_of(harness, tmp_path, "+8613800138000")
    lin_user = new_user(harness, "zh")
    await lin_user.send_command(f"/start {code}")
    await lin_user.press(catalog_text("zh", "✅ I agree"))
    other = new_user(harness, "ru")
    await other.send_command(f"/start {code}")
    await other.expect(visible_text("ru", TAKEN))
    assert (await by_phone(harness, "+8613800138000")).tg_user_id == lin_user.user_id
    assert await resident_of(harness, other) is None
    assert len(await all_residents(harness)) == 4


async def test_unknown_or_malformed_code(harness: Harness, tmp_path: Path) -> None:
    """A mistyped code or junk after /start: a clear answer, nothing stored."""
    await import_file(harness, write_csv(tmp_path))
    user = new_user(harness, "uk")
    await user.send_command("/start AAAAAAAAAAAAAAAA")
    await user.expect(visible_text("uk", UNKNOWN))
    await user.send_command("/start <b>x</b>' OR 1=1")
    await user.expect(visible_text("uk", UNKNOWN))
    assert await resident_of(harness, user) is None
    assert len(await all_residents(harness)) == 4


async def test_a_registered_resident_cannot_take_someone_elses_invite(harness: Harness, tmp_path: Path) -> None:
    """An account already registered (another record) is refused; neither person changes."""
    code = await invite_of(harness, tmp_path, "+8613800138000")
    user = await register(harness, "zh", name="王阿姨", phone="+8613800138099")
    before = await resident_of(harness, user)
    await user.send_command(f"/start {code}")
    await user.expect(visible_text("zh", OTHER_RECORD))
    after = await resident_of(harness, user)
    assert after is not None and before is not None
    assert (after.id, after.name, after.phone) == (before.id, "王阿姨", "+8613800138099")
    lin = await by_phone(harness, "+8613800138000")
    assert (lin.tg_user_id, lin.consent_at) == (None, None)


async def test_half_registered_account_moves_to_its_invite(harness: Harness, tmp_path: Path) -> None:
    """Someone who agreed but never finished typing, then opens their invite: the register record wins."""
    code = await invite_of(harness, tmp_path, "+8613800138000")
    user = new_user(harness, "zh")
    await user.send_command("/start")
    await user.press(catalog_text("zh", "✅ I agree"))
    await user.send("半截")  # typed a name, then stopped
    half = await resident_of(harness, user)
    assert half is not None and half.source == "bot"
    await user.send_command(f"/start {code}")
    await user.expect(visible_text("zh", CONSENT))
    await user.press(catalog_text("zh", "✅ I agree"))
    await user.expect(visible_text("zh", REGISTERED))
    bound = await resident_of(harness, user)
    assert bound is not None and bound.phone == "+8613800138000"
    assert [r.name for r in await all_residents(harness) if r.id == half.id] == [None]  # half-typed name dropped
