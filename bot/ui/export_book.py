"""The export as an XLSX workbook (openpyxl, write-only so that a city's month fits in memory): sheets
for the requests, their items, the check-ins and the report's figures, headings in the exporter's language,
times in the deployment's timezone. With personal data, each sheet starts with a warning line."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.core.config import Settings
from bot.services.exports import Export
from bot.services.reports import Counts
from bot.ui import staff_texts, texts
from bot.ui.i18n import N_

CHECKIN_ANSWERS = {"pending": N_("not answered yet"), "fine": N_("fine"), "not_well": N_("not so well"),
                   "help": N_("need help"), "missed": N_("missed")}
#: Excel's limit on a sheet title, and the characters it refuses there.
SHEET_TITLE_MAX = 31
_BAD_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


def warning() -> str:
    """The line every sheet with personal data starts with."""
    return _("⚠️ This file contains personal data (names, phone numbers, addresses). Keep it safe, do not forward "
             "it, and delete it when it is no longer needed.")


def district_title(settings: Settings, code: str, name: str, locale: str) -> str:
    """A district's name in the locale (a cell is plain text: nothing to escape)."""
    conf = settings.district(code)
    return conf.title(locale) if conf else name


def filename(export: Export) -> str:
    """doorstep-2026-11-01_2026-11-30[-district][-personal].xlsx"""
    period = export.report.period
    parts = ["doorstep", f"{period.first.isoformat()}_{period.last.isoformat()}"]
    if export.district:
        parts.append(export.district)
    if export.personal:
        parts.append("personal")
    return "-".join(parts) + ".xlsx"


class Book:
    """A write-only workbook whose times are written in the deployment's timezone."""

    def __init__(self, settings: Settings) -> None:
        self.workbook = Workbook(write_only=True)
        self.tz = settings.tz
        self.bold = Font(bold=True)

    def sheet(self, title: str, headings: list[str], personal: bool) -> Any:
        """A new sheet: the warning line (with personal data), then bold headings."""
        sheet = self.workbook.create_sheet(title.translate(_BAD_TITLE)[:SHEET_TITLE_MAX])
        if personal:
            sheet.append([self.cell(sheet, warning(), bold=True)])
        sheet.append([self.cell(sheet, heading, bold=True) for heading in headings])
        return sheet

    def cell(self, sheet: Any, value: Any, bold: bool = False) -> WriteOnlyCell:
        """A cell; an aware time becomes the local wall time Excel shows."""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # what a person typed is text, never a formula
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        if bold:
            cell.font = self.bold
        return cell

    def row(self, sheet: Any, values: list[Any]) -> None:
        """Append a row."""
        sheet.append([self.cell(sheet, value) for value in values])

    def bytes(self) -> bytes:
        """The .xlsx file."""
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def counts_row(name: str, counts: Counts) -> list[Any]:
    """One row of the by-kind and by-district tables."""
    rate = round(counts.rate, 4) if counts.rate is not None else None
    return [name, counts.filed, counts.claimed, counts.done, counts.failed, counts.cancelled, counts.open, rate]


def minutes(seconds: float | None) -> float | None:
    """Seconds as minutes with one decimal."""
    return round(seconds / 60, 1) if seconds is not None else None


def workbook(export: Export, settings: Settings, locale: str) -> bytes:
    """The export as .xlsx bytes."""
    book = Book(settings)
    personal = export.personal
    headings = [_("Number"), _("Kind"), _("Urgency"), _("District"), _("Status"), _("Filed at"), _("Claimed at"),
                _("Finished at"), _("Worker"), _("Reason it could not be fulfilled"), _("Rating")]
    if personal:
        headings += [_("Name"), _("Phone"), _("Address")]
    sheet = book.sheet(_("Requests"), headings, personal)
    urgent, normal = _("urgent"), _("normal")
    for row in export.requests:
        number, kind, urgency, district, status, filed, claimed, finished, worker, reason, rating = row[:11]
        book.row(sheet, [
            number, texts.kind_label(kind), urgent if str(urgency) == "urgent" else normal, district,
            texts.status_label(status), filed, claimed, finished, worker,
            _(staff_texts.FAIL_REASONS[reason]) if reason in staff_texts.FAIL_REASONS else reason, rating,
            *row[11:],
        ])
    sheet = book.sheet(_("Items"), [_("Request"), _("Line"), _("Item"), _("Quantity")], False)
    for row in export.items:
        book.row(sheet, list(row))
    headings = [_("Check-in"), _("District"), _("Due"), _("Delivered"), _("Answer"), _("Answered"), _("Escalated"),
                _("Request")]
    if personal:
        headings += [_("Name"), _("Phone")]
    sheet = book.sheet(_("Check-ins"), headings, personal)
    for row in export.checkins:
        checkin, district, due, sent, answer, answered, escalated, request = row[:8]
        book.row(sheet, [checkin, district, due, sent, _(CHECKIN_ANSWERS.get(str(answer), str(answer))), answered,
                         escalated, request, *row[8:]])
    figures(book, export, settings, locale)
    return book.bytes()


def figures(book: Book, export: Export, settings: Settings, locale: str) -> None:
    """The report's figures: the totals, by kind, by district, the busiest workers."""
    report = export.report
    t, c = report.totals, report.checkins
    sheet = book.sheet(_("Figures"), [_("Figure"), _("Value")], export.personal)
    where = ", ".join(district_title(settings, d.code, d.name, locale) for d in report.scope.districts)
    rows: list[tuple[str, Any]] = [
        (_("Period"), f"{report.period.first.isoformat()} – {report.period.last.isoformat()}"),
        (_("Districts"), where),
        (_("Requests filed"), t.filed), (_("Claimed"), t.claimed), (_("Done"), t.done), (_("Can't fulfil"), t.failed),
        (_("Cancelled"), t.cancelled), (_("Still open"), t.open),
        (_("Fulfilment rate (done among those filed and not cancelled)"), round(t.rate, 4) if t.rate is not None else None),
        (_("Time to claim, median (minutes)"), minutes(report.claim_median)),
        (_("Time to claim, 90% within (minutes)"), minutes(report.claim_p90)),
        (_("Time to done, median (minutes)"), minutes(report.done_median)),
        (_("Time to done, 90% within (minutes)"), minutes(report.done_p90)),
        (_("Claimed late or still waiting past the escalation time"), t.breached),
        (_("Mean rating"), round(report.rating_mean, 2) if report.rating_mean is not None else None),
        (_("Ratings"), report.rating_count), (_("«Not received» answers"), report.not_received),
        (_("Check-ins asked"), c.asked), (_("Fine"), c.fine), (_("Not so well"), c.not_well), (_("Need help"), c.help),
        (_("Missed"), c.missed), (_("Escalated"), c.escalated), (_("Unreachable"), c.unreachable),
        (_("Not answered yet"), c.pending),
    ]
    for label, value in rows:
        book.row(sheet, [label, value])
    table = [_("Filed"), _("Claimed"), _("Done"), _("Can't fulfil"), _("Cancelled"), _("Still open"), _("Fulfilment rate")]
    book.row(sheet, [])
    sheet.append([book.cell(sheet, h, bold=True) for h in [_("Kind"), *table]])
    for kind, counts in report.by_kind.items():
        if counts.filed:
            book.row(sheet, counts_row(texts.kind_label(kind), counts))
    book.row(sheet, [])
    sheet.append([book.cell(sheet, h, bold=True) for h in [_("District"), *table]])
    for district in report.scope.districts:
        book.row(sheet, counts_row(district_title(settings, district.code, district.name, locale),
                                   report.by_district.get(district.id or 0, Counts())))
    book.row(sheet, [])
    sheet.append([book.cell(sheet, h, bold=True) for h in [_("Worker"), _("Claimed"), _("Done")]])
    for name, claimed, done in report.busiest:
        book.row(sheet, [name, claimed, done])
