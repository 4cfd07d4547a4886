"""Anything no other handler took: a clear answer, and the current question again."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import flow
from bot.flow import Ctx
from bot.services import residents
from bot.states import TEXT_STEPS, VOICE_STEPS, Intake
from handlers.start import begin_registration, show_menu

router = Router(name="fallback")
log = logging.getLogger(__name__)


@router.callback_query()
async def stale_button(query: CallbackQuery, ctx: Ctx) -> None:
    """An old, forged or out-of-place button press changes nothing."""
    log.info("stale or forged button from user %s ignored", query.from_user.id)
    await query.answer(_("This button is no longer active."), show_alert=True)


def hint_for(step: str) -> str:
    """What this step expects, in words."""
    if step == Intake.photo.state:
        return _("Please send a photo, or press «Skip ▶️».")
    if step in {s.state for s in VOICE_STEPS}:
        return _("Please answer with text or a voice message.")
    if step in {s.state for s in TEXT_STEPS}:
        return _("Please answer with text.")
    return _("Please use the buttons.")


@router.message()
async def unexpected(message: Message, ctx: Ctx) -> None:
    """Stickers, photos, locations, documents or text where something else was expected. An album
    (several messages with one media_group_id) is answered once, at its first part."""
    if message.media_group_id is not None:
        data = await ctx.data()
        if message.media_group_id in (data.get("answered_album"), data.get("photo_album")):
            return  # a video in the album whose photos the photo step took is not asked about again
        await ctx.state.update_data(answered_album=message.media_group_id)
    step = await ctx.state.get_state()
    if step is not None:
        await message.answer(hint_for(step))
        await flow.ask(ctx)
    elif residents.is_registered(ctx.resident):
        await show_menu(ctx, _("Please choose from the menu below."))
    else:
        await begin_registration(ctx)
