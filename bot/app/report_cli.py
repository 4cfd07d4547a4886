"""`python -m bot report --from DATE --to DATE [--district CODE] [--personal] [--locale zh|ru|uk] --out FILE.xlsx`:
the same workbook as /export, written to a file; recorded like every export (source "cli")."""

from __future__ import annotations

import sys
from pathlib import Path

from db import migrate
from bot.core.config import LOCALES, Settings
from bot.domain.periods import MAX_DAYS, Period, parse_date
from bot.services import exports, reports
from bot.ui import export_book
from bot.ui.i18n import build_i18n
from db.engine import make_engine, make_sessionmaker
from db.repo import districts


def period_of(first: str, last: str) -> Period | str:
    """The period of --from and --to, or what is wrong with them."""
    start, end = parse_date(first), parse_date(last)
    if start is None or end is None:
        return "--from and --to must be dates like 2026-11-01"
    if end < start:
        return "--to is before --from"
    period = Period(start, end)
    if period.days > MAX_DAYS:
        return f"at most {MAX_DAYS} days"
    return period


async def report_command(settings: Settings, first: str, last: str, district: str | None, out: Path,
                         personal: bool = False, locale: str | None = None) -> int:
    """Write the workbook; print one line; return the exit code."""
    period = period_of(first, last)
    if isinstance(period, str):
        print(f"Cannot export: {period}", file=sys.stderr)
        return 2
    locale = locale or settings.staff_locale
    if locale not in LOCALES:
        print(f"Cannot export: --locale must be one of {', '.join(LOCALES)}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        if await migrate.current_revision(engine) != migrate.head_revision():
            print("Database schema is outdated: run `python -m bot db upgrade` first.", file=sys.stderr)
            return 3
        async with make_sessionmaker(engine).begin() as session:
            await districts.sync(session, [(d.code, d.name, d.staff_chat_id, d.topic_id) for d in settings.districts])
            await session.flush()
            every = await districts.all_districts(session)
            chosen = [d for d in every if district is None or d.code == district]
            if not chosen:
                print(f"Cannot export: no district {district!r} (known: {', '.join(d.code for d in every)})", file=sys.stderr)
                return 2
            found = await exports.collect(session, settings, reports.Scope(chosen, district is None), period, personal,
                                          district)
            i18n = build_i18n(settings.default_locale)
            with i18n.context(), i18n.use_locale(locale):
                data = export_book.workbook(found, settings, locale)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            exports.record(session, found, source="cli")
    finally:
        await engine.dispose()
    print(f"{len(found.requests)} requests, {len(found.checkins)} check-ins, {period.first} – {period.last}"
          f"{' with personal data' if personal else ''}: written to {out}")
    return 0

