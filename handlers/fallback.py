"""Anything no other handler took: a clear answer, and the current question again."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import flow
from bot.flow import Ctx
from bot.services import residents
from bot.services.danger import Level
from bot.states import TEXT_STEPS, VOICE_STEPS, Intake
from handlers.intake import after_urgency
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
async def unexpected(message: Message, ctx: Ctx, danger_handled: Level = Level.NONE) -> None:
    """Stickers, photos, locations, documents or text where something else was expected. A message the
    danger check already answered (handlers/danger.py) gets no "please use the buttons": after a danger
    at the urgency question the request goes on as urgent, elsewhere the question is asked again; after
    «Are you safe right now?» nothing more is said until the person answers it."""
    step = await ctx.state.get_state()
    if danger_handled is Level.UNSURE:
        return
    if danger_handled is Level.DANGER:
        if step == Intake.urgency.state:
            await after_urgency(ctx)
        elif step is not None:
            await flow.ask(ctx)
        return
    if step is not None:
        await message.answer(hint_for(step))
        await flow.ask(ctx)
    elif residents.is_registered(ctx.resident):
        await show_menu(ctx, _("Please choose from the menu below."))
    else:
        await begin_registration(ctx)
