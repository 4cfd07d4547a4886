"""The summary: Send, Back or Cancel. The «Send» button carries the draft key (ConfirmCb) and is taken
by handlers/intake.confirm, once however often it is pressed; a typed «yes» sends it as well."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings

from bot.services import requests
from bot.ui import texts
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Nav, NavCb, Step, declare
from bot.ui.wizard.request.common import REQUEST
from db.models import Resident


class Send(StrEnum):
    """Send the request (typed; the button is ConfirmCb)."""

    SEND = "send"


class SendCb(CallbackData, prefix="wsd"):
    """Not shown as a button: the «Send» button is ConfirmCb, with the draft key."""

    v: Send


def summary(data: Mapping[str, Any]) -> str:
    """The draft as it will be sent."""
    draft = engine.draft_of(data)
    assert draft is not None
    return texts.summary(draft)


def confirm_options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Send (Back and Cancel are added by the engine)."""
    return [(Send.SEND, _("✅ Send the request"))]


async def ask_confirm(wizard: Wizard) -> None:
    """The summary with Send (once, by draft key), Back and Cancel."""
    draft = await engine.draft(wizard)
    markup = kb.InlineKeyboardBuilder()
    markup.button(text=_("✅ Send the request"), callback_data=kb.ConfirmCb(draft=draft.draft_key))
    markup.button(text=_(kb.BACK), callback_data=NavCb(at=CONFIRM.key, go=Nav.BACK))
    markup.button(text=_(kb.CANCEL), callback_data=NavCb(at=CONFIRM.key, go=Nav.CANCEL))
    markup.adjust(1, 2)
    await wizard.say(texts.summary(draft), reply_markup=markup.as_markup())


async def confirm_chosen(
    choice: StrEnum, wizard: Wizard, session: AsyncSession, i18n: I18n, settings: Settings,
    resident: Resident | None, notifier: Notifier,
) -> None:
    """«send» (typed «yes» or the button's words) or Cancel."""
    if choice is Send.SEND:
        assert resident is not None
        result = await requests.submit(session, i18n, settings, resident, await engine.draft(wizard))
        await notifier.tell(result.told)
        await wizard.state.clear()
    elif choice is Nav.CANCEL:
        await wizard.state.clear()
        await wizard.say(_("Cancelled. Nothing was sent."), reply_markup=kb.main_menu())
    else:
        await wizard.ask()


CONFIRM = declare(Step(
    key="cf", state=Intake.confirm, question=summary, options=confirm_options, cb=SendCb, chosen=confirm_chosen,
    yes=Send.SEND, cancel=True, ask=ask_confirm, wizard=REQUEST, order=100, legacy=("confirm",),
))
