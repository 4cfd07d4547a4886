"""The staff's /checkin command: parse it and apply it to a resident's plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import checkins
from bot.domain.schedule import parse_times
from db.models import CheckinPlan, Resident
from db.repo import checkins as repo

NUMBER = re.compile(r"^№?\s*(\d+)$")


@dataclass(frozen=True)
class PlanCommand:
    """What the staff asked for."""

    request_id: int
    action: str  # times, pause, resume, off, on
    times: tuple[str, ...] = ()
    until: date | None = None


def parse(args: str) -> PlanCommand | None:
    """'№12 09:00 18:00', '12 pause 2026-12-31', '12 resume', '12 off', '12 on' -> PlanCommand."""
    words = args.split()
    if len(words) < 2 or not (match := NUMBER.match(words[0])):
        return None
    request_id, rest = int(match.group(1)), words[1:]
    keyword = rest[0].lower()
    if keyword in ("resume", "off", "on") and len(rest) == 1:
        return PlanCommand(request_id, keyword)
    if keyword == "pause" and len(rest) == 2:
        try:
            return PlanCommand(request_id, "pause", until=date.fromisoformat(rest[1]))
        except ValueError:
            return None
    times = parse_times(rest)
    if len(times) != len(rest):
        return None
    return PlanCommand(request_id, "times", tuple(t.strftime("%H:%M") for t in times))


async def apply(session: AsyncSession, settings: Settings, resident: Resident, command: PlanCommand) -> CheckinPlan:
    """Change the plan (creating it when needed)."""
    plan = await repo.plan_of(session, resident.id or 0)
    if plan is None or command.action == "on":
        plan = await checkins.enrol(session, settings, resident, list(command.times) or (plan.times if plan else None))
    if command.action == "times":
        return await checkins.change(session, settings, resident, plan, times=list(command.times), active=True)
    if command.action == "pause":
        return await checkins.change(session, settings, resident, plan, paused_until=command.until)
    if command.action == "resume":
        return await checkins.change(session, settings, resident, plan, paused_until=None)
    if command.action == "off":
        return await checkins.change(session, settings, resident, plan, active=False)
    return plan


def describe(plan: CheckinPlan) -> str:
    """A short summary for the staff."""
    if not plan.active:
        return _("stopped")
    text = ", ".join(plan.times)
    if plan.paused_until:
        text += " " + _("(paused until {date})").format(date=plan.paused_until.isoformat())
    return text
