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
#: Last of all, in every chat: a button press no handler took (random bytes, an unknown action, a
#: missing or mistyped field, a staff button outside a staff chat) is still answered, or the
#: presser's spinner turns until Telegram gives up.
unanswered = Router(name="unanswered_buttons")
log = logging.getLogger(__name__)


@router.callback_query()
async def stale_button(query: CallbackQuery, ctx: Ctx) -> None:
    """An old, forged or out-of-place button press changes nothing."""
    log.info("stale or forged button from user %s ignored", query.from_user.id)
    await query.answer(_("This button is no longer active."), show_alert=True)


@unanswered.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    """Any other chat (a staff group, a stranger's group, an inline message): answered, nothing changes."""
    log.info("unknown button data from user %s ignored", query.from_user.id)
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
    """Stickers, photos, locations, documents or text where something else was expected."""
    step = await ctx.state.get_state()
    if step is not None:
        await message.answer(hint_for(step))
        await flow.ask(ctx)
    elif residents.is_registered(ctx.resident):
        await show_menu(ctx, _("Please choose from the menu below."))
    else:
        await begin_registration(ctx)
