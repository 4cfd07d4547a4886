"""Someone to talk to: how they feel (typed or spoken), and when to call."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.residents import DETAILS_MAX
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.reading import reject_text
from bot.ui.wizard.request.common import REQUEST, add_voice
from db.models import RequestKind

#: characters of a typed call time
CALL_TIME_MAX = 200


def ask_feeling(data: Mapping[str, Any]) -> str:
    """How do you feel?"""
    return _(
        "How are you feeling? Tell us in your own words; you can also send a voice message.\n"
        "What you write is seen only by the social workers."
    )


async def feeling_text(message: Message, wizard: Wizard) -> None:
    """How they feel, in their words."""
    if await reject_text(message, message.text, DETAILS_MAX):
        return
    assert message.text is not None
    await engine.change(wizard, feeling=message.text.strip())
    await engine.advance(wizard, FEELING)


async def feeling_voice(message: Message, wizard: Wizard) -> None:
    """Said in a voice message: kept for the worker."""
    await add_voice(wizard, message)
    await message.answer(_("🎤 Voice message received."))
    await engine.advance(wizard, FEELING)


FEELING = declare(Step(
    key="fe", state=Intake.feeling, question=ask_feeling, text=feeling_text, voice=feeling_voice, source=True,
    typed=True, limit=DETAILS_MAX, fills=lambda text: {"feeling": text.strip()}, wizard=REQUEST, order=40, applies=never,
))


class CallTime(StrEnum):
    """The call times offered as buttons (texts.CALL_TIMES); any other time is typed."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ANY = "any"


class CallTimeCb(CallbackData, prefix="wct"):
    """A call time pressed."""

    v: CallTime


def ask_call_time(data: Mapping[str, Any]) -> str:
    """When to call?"""
    return _("When is a good time for a social worker to call you? Press a button or write a time.")


def call_time_options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Morning, afternoon, evening, any time."""
    return [(choice, _(texts.CALL_TIMES[choice.value])) for choice in CallTime]


async def call_time_chosen(choice: StrEnum, wizard: Wizard) -> None:
    """A call time chosen by button."""
    await engine.change(wizard, call_time=choice.value)
    await engine.advance(wizard, CALL_TIME)


async def call_time_typed(message: Message, wizard: Wizard) -> None:
    """A call time typed in words."""
    if await reject_text(message, message.text, CALL_TIME_MAX):
        return
    assert message.text is not None
    await engine.change(wizard, call_time=message.text.strip())
    await engine.advance(wizard, CALL_TIME)


CALL_TIME = declare(Step(
    key="ct", state=Intake.call_time, question=ask_call_time, options=call_time_options, cb=CallTimeCb,
    chosen=call_time_chosen, columns=2, text=call_time_typed, source=True, limit=CALL_TIME_MAX,
    fills=lambda text: {"call_time": text.strip()}, wizard=REQUEST, order=45,
    legacy=("call",), applies=lambda draft: draft.kind == RequestKind.PSYCH,
))
