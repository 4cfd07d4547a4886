"""My requests: the list with statuses, and cancelling an open one."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.flow import Ctx
from bot.i18n import Label
from bot.services import requests, residents
from handlers.start import begin_registration

router = Router(name="my_requests")


@router.message(Command("requests"))
@router.message(Label(kb.MENU_MY))
async def my_requests(message: Message, ctx: Ctx) -> None:
    """List the resident's requests, open ones with a cancel button."""
    if not residents.is_registered(ctx.resident):
        await begin_registration(ctx)
        return
    assert ctx.resident is not None
    mine = await requests.of_resident(ctx.session, ctx.resident)
    tz = ctx.resident.timezone or ctx.settings.timezone
    text = texts.my_requests(mine, ctx.resident.locale, tz)
    await message.answer(text, reply_markup=kb.my_request_actions(requests.open_ids(mine)))


@router.callback_query(kb.MyReqCb.filter())
async def my_request_action(query: CallbackQuery, callback_data: kb.MyReqCb, ctx: Ctx) -> None:
    """Ask before cancelling; cancel only the presser's own open request."""
    if ctx.resident is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    if callback_data.action is kb.MyAction.CANCEL:
        await query.answer()
        await ctx.bot.send_message(
            ctx.chat_id,
            _("Cancel request {number}?").format(number=texts.number(callback_data.id)),
            reply_markup=kb.cancel_confirm(callback_data.id),
        )
    elif callback_data.action is kb.MyAction.CANCEL_NO:
        await query.answer(_("The request stays open."))
    elif await requests.cancel(ctx.session, ctx.notifier(), ctx.resident, callback_data.id) is None:
        await query.answer(_("This request can no longer be cancelled."), show_alert=True)
    else:
        await query.answer()
        await ctx.bot.send_message(
            ctx.chat_id, _("Request {number} is cancelled.").format(number=texts.number(callback_data.id))
        )
