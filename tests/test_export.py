"""/export through the real bot, and `python -m bot report`: the workbook opened with openpyxl and checked
cell by cell; sent privately to the coordinator, never into the group; personal data only when asked for,
with its warning line; refused to a worker; every export recorded."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlmodel import col, select

from bot.app.report_cli import report_command
from bot.core import clock
from bot.domain.periods import Period
from bot.services import exports, reports
from bot.ui import export_book
from db import migrate
from db.engine import make_engine
from db.models import ExportRecord, Request, Resident
from tests.conftest import COORDINATOR_ID, STAFF_CHAT, Harness
from tests.helpers import _catalogue, catalog_text, staff_messages, visible_text
from tests.test_staff import card_of, file_request, join

ROOT = Path(__file__).resolve().parents[1]
WARNING = ("⚠️ This file contains personal data (names, phone numbers, addresses). Keep it safe, do not forward it, "
           "and delete it when it is no longer needed.")
HEADINGS = ["Number", "Kind", "Urgency", "District", "Status", "Filed at", "Claimed at", "Finished at", "Worker",
            "Reason it could not be fulfilled", "Rating"]


def cells(sheet: Any) -> list[list[Any]]:
    """Every row's values."""
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def local(at: datetime) -> datetime:
    """A stored time as the workbook shows it: Shanghai wall time, whole seconds kept."""
    return at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def same_minute(a: datetime | None, b: datetime) -> bool:
    """Excel keeps times to the millisecond at best: compare to the second."""
    return a is not None and abs((a - b).total_seconds()) < 1


async def stored(harness: Harness, request: Request) -> tuple[Request, Resident]:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        fresh = await session.get(Request, request.id)
        assert fresh is not None
        resident = await session.get(Resident, fresh.resident_id)
        assert resident is not None
        return fresh, resident


async def records(harness: Harness) -> list[ExportRecord]:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(ExportRecord).order_by(col(ExportRecord.id)))).all())


def document_of(harness: Harness, chat_id: int) -> tuple[Any, Any]:
    """The last document the bot sent to a chat, and the workbook in it."""
    (message,) = [m for m in harness.fake.messages.get(chat_id, []) if m.kind == "document"][-1:]
    info = harness.fake.files[message.media["document"]["file_id"]]
    return message, load_workbook(io.BytesIO(harness.fake.file_contents[info["file_path"]]))


async def test_export_privately_cell_by_cell(harness: Harness) -> None:
    coordinator = await join(harness, COORDINATOR_ID, "主任")
    worker = await join(harness, 5001, "王社工", private=False)
    _, request = await file_request(harness, "zh")
    clock.advance(timedelta(minutes=7))
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain()
    fresh, resident = await stored(harness, request)

    await worker.send_command("/export week")  # a worker, not a coordinator
    assert worker.last().text == visible_text("zh", "Only a coordinator can do this.")  # type: ignore[union-attr]

    await coordinator.send_command("/export week")
    await harness.drain()
    assert coordinator.last().text == visible_text("zh", "The export was sent to you privately.")  # type: ignore[union-attr]
    assert not [m for m in staff_messages(harness, STAFF_CHAT) if m.kind == "document"]  # never into the group
    message, book = document_of(harness, COORDINATOR_ID)
    today = clock.now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date()
    first = today - timedelta(days=6)
    assert message.media["document"]["file_name"] == f"doorstep-{first}_{today}.xlsx"
    assert WARNING not in (message.text or "")
    assert book.sheetnames == [catalog_text("zh", name) for name in ("Requests", "Items", "Check-ins", "Figures")]

    rows = cells(book.worksheets[0])
    assert rows[0] == [catalog_text("zh", h) for h in HEADINGS]
    (row,) = rows[1:]
    assert row[:5] == [request.id, catalog_text("zh", "Food and supplies"), catalog_text("zh", "normal"), "xiayangtian",
                       catalog_text("zh", "done")]
    assert same_minute(row[5], local(fresh.created_at)) and same_minute(row[6], local(fresh.claimed_at))  # type: ignore[arg-type]
    assert same_minute(row[7], local(fresh.finished_at))  # type: ignore[arg-type]
    assert row[8:] == ["王社工", None, None]
    assert cells(book.worksheets[1]) == [
        [catalog_text("zh", h) for h in ("Request", "Line", "Item", "Quantity")],
        [request.id, 1, "青菜", "2斤"], [request.id, 2, "肉", "2斤"], [request.id, 3, "大米", "一包5公斤重"],
    ]
    figures = {r[0]: r[1] for r in cells(book.worksheets[3]) if r and r[0]}
    assert figures[catalog_text("zh", "Requests filed")] == 1 and figures[catalog_text("zh", "Done")] == 1
    assert figures[catalog_text("zh", "Time to claim, median (minutes)")] == 7.0
    everything = repr([cells(sheet) for sheet in book.worksheets])
    assert resident.phone not in everything and (resident.address or "-") not in everything and resident.name not in everything

    await coordinator.send_command("/export week personal")
    await harness.drain()
    message, book = document_of(harness, COORDINATOR_ID)
    assert message.media["document"]["file_name"] == f"doorstep-{first}_{today}-personal.xlsx"
    assert (message.text or "").endswith(visible_text("zh", WARNING))
    rows = cells(book.worksheets[0])
    assert rows[0][0] == catalog_text("zh", WARNING)
    assert rows[1] == [catalog_text("zh", h) for h in [*HEADINGS, "Name", "Phone", "Address"]]
    assert rows[2][11:] == [resident.name, resident.phone, fresh.address or resident.address]
    assert cells(book.worksheets[2])[0][0] == catalog_text("zh", WARNING)
    assert cells(book.worksheets[3])[0][0] == catalog_text("zh", WARNING)
    assert cells(book.worksheets[1])[0][0] == catalog_text("zh", "Request")  # items hold no personal data

    done = await records(harness)
    assert [(r.source, r.staff_id is not None, r.tg_user_id, r.first_day, r.last_day, r.personal, r.requests)
            for r in done] == [("bot", True, COORDINATOR_ID, first, today, False, 1), ("bot", True, COORDINATOR_ID, first, today, True, 1)]

    # From the command line: the same workbook into a file, recorded too.
    target = Path(__import__("tempfile").mkdtemp()) / "november.xlsx"
    assert await report_command(harness.settings, first.isoformat(), today.isoformat(), "xiayangtian", target) == 0
    book = load_workbook(target)
    assert cells(book.worksheets[0])[1][0] == request.id
    assert (await records(harness))[-1].source == "cli" and (await records(harness))[-1].district == "xiayangtian"
    assert await report_command(harness.settings, today.isoformat(), first.isoformat(), None, target) == 2  # --to before --from
    assert await report_command(harness.settings, first.isoformat(), today.isoformat(), "nowhere", target) == 2


async def test_export_needs_a_private_chat(harness: Harness) -> None:
    coordinator = await join(harness, COORDINATOR_ID, "主任", private=False)
    await coordinator.send_command("/export month")
    assert coordinator.last().text == visible_text(  # type: ignore[union-attr]
        "zh", "The file is sent privately: open a private chat with me, press Start, then send /export here again.")
    assert await records(harness) == []


def test_typed_text_is_never_a_formula() -> None:
    """An item or a name that starts with "=" is written as text: Excel must not run it."""
    report = reports.Report(
        period=Period(date(2026, 11, 1), date(2026, 11, 1)), scope=reports.Scope([], True), totals=reports.Counts(),
        by_kind={}, by_district={}, claim_median=None, claim_p90=None, done_median=None, done_p90=None, rating_sum=0,
        rating_count=0, not_received=0, checkins=reports.CheckinFigures(), busiest=[("=cmd|' /C calc'!A0", 1, 0)])
    found = exports.Export(report, [], [(1, 1, '=HYPERLINK("http://x","y")', "1")], [], False, None)
    from bot.core.config import Settings
    settings = Settings(bot_token="123456:TEST-TOKEN", telegram_api_url="http://127.0.0.1:1", staff_chat_id=-100,
                        districts=[{"code": "a", "name": "A"}], _env_file=None)
    with _catalogue().context(), _catalogue().use_locale("ru"):
        data = export_book.workbook(found, settings, "ru")
    book = load_workbook(io.BytesIO(data))
    item = book.worksheets[1]["C2"]
    assert (item.value, item.data_type) == ('=HYPERLINK("http://x","y")', "s")
    worker = [c for row in book.worksheets[3].iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert worker and worker[0].data_type == "s"


async def test_command_line_arguments(tmp_path: Path) -> None:
    """`python -m bot report` refuses bad dates with one line and exit code 2, and writes a file otherwise
    (districts come from the settings even before the bot has ever run)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/d.db")
    await migrate.upgrade(engine)
    await engine.dispose()
    env = {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": "7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ",
        "STAFF_CHAT_ID": "-100", "DISTRICTS": '[{"code": "a", "name": "A"}]',
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db",
    }
    run = lambda *args: subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    bad = run("report", "--from", "2026-11-31", "--to", "2026-12-01", "--out", "x.xlsx")
    assert (bad.returncode, bad.stderr.strip()) == (2, "Cannot export: --from and --to must be dates like 2026-11-01")
    good = run("report", "--from", "2026-11-01", "--to", "2026-11-30", "--out", "x.xlsx")
    assert good.returncode == 0, good.stderr
    assert load_workbook(tmp_path / "x.xlsx").sheetnames[0] == "请求"  # STAFF_LOCALE defaults to zh
