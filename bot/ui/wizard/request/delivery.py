"""How supplies and medicine are handed over: left at the door with a knock, handed over in person, or
given to a neighbour. Asked once the address is known; the answer is shown in the resident's summary,
on the staff card and in the claimer's details (Request.answers["dl"])."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State
from aiogram.utils.i18n import gettext as _

from bot.ui.flow import Wizard
from bot.ui.i18n import N_
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Step, declare
from bot.ui.wizard.request.common import REQUEST
from db.models import RequestKind


class Handover(StrEnum):
    """How the worker hands the delivery over."""

    DOOR = "door"
    IN_PERSON = "hand"
    NEIGHBOUR = "neighbour"


class HandoverCb(CallbackData, prefix="wdl"):
    """A press at «How should we hand it over?»."""

    v: Handover


LABELS = {
    Handover.DOOR: N_("🚪 Leave it at the door and knock"),
    Handover.IN_PERSON: N_("🤝 Hand it to me in person"),
    Handover.NEIGHBOUR: N_("🏘 Give it to a neighbour"),
}


def question(data: Mapping[str, Any]) -> str:
    """How to hand it over?"""
    return _("How should the social worker hand it over?")


def options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """The three ways, one a row."""
    return [(choice, _(label)) for choice, label in LABELS.items()]


async def chosen(choice: StrEnum, wizard: Wizard) -> None:
    """Kept with the draft; on to the summary."""
    await engine.answer(wizard, DELIVERY, choice.value)
    await engine.advance(wizard, DELIVERY)


def line(value: str) -> str | None:
    """The summary's, the card's and the claimer's line."""
    if value not in {choice.value for choice in Handover}:
        return None
    return _("<b>Handover:</b> {how}").format(how=_(LABELS[Handover(value)]))


DELIVERY = declare(Step(
    key="dl", state=State("delivery", group_name="Intake"), question=question, options=options, cb=HandoverCb,
    chosen=chosen, line=line, wizard=REQUEST, order=70,
    applies=lambda draft: draft.kind in (RequestKind.SUPPLIES, RequestKind.MEDICINE),
))
