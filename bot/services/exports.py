"""/export and `python -m bot report`: the report's figures and the rows of a period (requests, their items,
check-ins), personal data only when asked for; every export is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.periods import Period
from bot.services.reports import Report, Scope, build
from db.repo import exports as repo


@dataclass
class Export:
    """What goes into the workbook."""

    report: Report
    requests: list[tuple[Any, ...]]
    items: list[tuple[Any, ...]]
    checkins: list[tuple[Any, ...]]
    personal: bool
    district: str | None  # the code asked for, None for all the exporter may see


async def collect(session: AsyncSession, settings: Settings, chosen: Scope, period: Period, personal: bool,
                  district: str | None) -> Export:
    """The figures and rows of a period for the chosen districts."""
    start, end = period.bounds(settings.tz)
    ids = chosen.ids
    return Export(
        report=await build(session, settings, chosen, period),
        requests=await repo.requests(session, ids, start, end, personal),
        items=await repo.items(session, ids, start, end),
        checkins=await repo.checkins(session, ids, start, end, personal),
        personal=personal, district=district,
    )


def record(session: AsyncSession, export: Export, *, source: str, staff_id: int | None = None,
           tg_user_id: int | None = None) -> None:
    """Record the export (who, when, which period and districts, with or without personal data)."""
    period = export.report.period
    repo.record(session, source=source, staff_id=staff_id, tg_user_id=tg_user_id, first=period.first,
                last=period.last, district=export.district, personal=export.personal, requests=len(export.requests))
