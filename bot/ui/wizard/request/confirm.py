"""The summary: Send, Back or Cancel. The «Send» button carries the draft key (ConfirmCb) and is taken
by handlers/intake.confirm, once however often it is pressed; a typed «yes» sends it as well."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import gettext as _

from bot.services import requests
from bot.ui import flow, texts
from bot.ui import keyboards as kb
from bot.ui.flow import Ctx
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Nav, NavCb, Step, declare
from bot.ui.wizard.request.common import REQUEST


class Send(StrEnum):
    """Send the request (typed; the button is ConfirmCb)."""

    SEND = "send"


class SendCb(CallbackData, prefix="wsd"):
    """Not shown as a button: the «Send» button is ConfirmCb, with the draft key."""

    v: Send


def summary(ctx: Ctx, data: Mapping[str, Any]) -> str:
    """The draft as it will be sent."""
    draft = engine.draft_of(data)
    assert draft is not None
    return texts.summary(draft)


def confirm_options(ctx: Ctx, data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Send (Back and Cancel are added by the engine)."""
    return [(Send.SEND, _("✅ Send the request"))]


async def ask_confirm(ctx: Ctx) -> None:
    """The summary with Send (once, by draft key), Back and Cancel."""
    draft = await engine.draft(ctx)
    markup = kb.InlineKeyboardBuilder()
    markup.button(text=_("✅ Send the request"), callback_data=kb.ConfirmCb(draft=draft.draft_key))
    markup.button(text=_(kb.BACK), callback_data=NavCb(at=CONFIRM.key, go=Nav.BACK))
    markup.button(text=_(kb.CANCEL), callback_data=NavCb(at=CONFIRM.key, go=Nav.CANCEL))
    markup.adjust(1, 2)
    await ctx.bot.send_message(ctx.chat_id, texts.summary(draft), reply_markup=markup.as_markup())


async def confirm_chosen(ctx: Ctx, choice: StrEnum) -> None:
    """«send» (typed «yes» or the button's words) or Cancel."""
    if choice is Send.SEND:
        assert ctx.resident is not None
        result = await requests.submit(ctx.session, ctx.i18n, ctx.settings, ctx.resident, await engine.draft(ctx))
        await ctx.notifier().tell(result.told)
        await ctx.state.clear()
    elif choice is Nav.CANCEL:
        await ctx.state.clear()
        await ctx.bot.send_message(ctx.chat_id, _("Cancelled. Nothing was sent."), reply_markup=kb.main_menu())
    else:
        await flow.ask(ctx)


CONFIRM = declare(Step(
    key="cf", state=Intake.confirm, question=summary, options=confirm_options, cb=SendCb, chosen=confirm_chosen,
    yes=Send.SEND, cancel=True, ask=ask_confirm, wizard=REQUEST, order=100, legacy=("confirm",),
))
