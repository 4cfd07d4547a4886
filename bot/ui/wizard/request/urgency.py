"""How urgent: today, or within a day or two (not asked when danger already made it urgent)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import gettext as _

from bot.ui.flow import Wizard
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Step, declare
from bot.ui.wizard.request.common import REQUEST
from db.models import Urgency


class UrgencyChoice(StrEnum):
    """Urgent or not."""

    URGENT = "urgent"
    NORMAL = "normal"


class UrgencyCb(CallbackData, prefix="wur"):
    """A press at «How urgent is it?»."""

    v: UrgencyChoice


def ask_urgency(data: Mapping[str, Any]) -> str:
    """How urgent?"""
    return _("How urgent is it?")


def urgency_options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Today, or within a day or two."""
    return [(UrgencyChoice.URGENT, _("🔴 Urgent: I need it today")), (UrgencyChoice.NORMAL, _("Within 1–2 days"))]


async def urgency_chosen(choice: StrEnum, wizard: Wizard) -> None:
    """Urgent or normal, pressed or typed."""
    await engine.change(wizard, urgency=Urgency.URGENT if choice is UrgencyChoice.URGENT else Urgency.NORMAL)
    await engine.advance(wizard, URGENCY)


URGENCY = declare(Step(
    key="ur", state=Intake.urgency, question=ask_urgency, options=urgency_options, cb=UrgencyCb,
    chosen=urgency_chosen, wizard=REQUEST, order=50, legacy=("urgency",), applies=lambda draft: not draft.danger,
))
