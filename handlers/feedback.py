"""The resident's answer when a request is done: received or not, and a rating."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import medicines, staff
from bot.ui import keyboards as kb
from bot.ui.notify import Notifier
from db.models import Resident

router = Router(name="feedback")


@router.callback_query(kb.FeedbackCb.filter())
async def feedback(query: CallbackQuery, callback_data: kb.FeedbackCb, session: AsyncSession, settings: Settings,
                   notifier: Notifier, resident: Resident | None = None) -> None:
    """Only the resident who filed the request can answer for it."""
    if resident is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    resident_id, request_id = resident.id or 0, callback_data.r
    if callback_data.a is kb.FeedbackAction.RATE:
        ok = await staff.rate(session, resident_id, request_id, callback_data.v)
        await query.answer(_("Thank you for your rating!") if ok else _("This button is no longer active."), show_alert=not ok)
        return
    received = callback_data.a is kb.FeedbackAction.RECEIVED
    done = await staff.resident_feedback(session, settings, resident_id, request_id, received)
    if done is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await notifier.tell(done.told)
    if received:  # a refill ordered from a medicine reminder: the run-out day moves on
        await medicines.refill_received(session, settings, done.request)
    if received:
        await query.answer(_("Thank you! We are glad we could help."), show_alert=True)
    else:
        await query.answer(_("We are sorry. The social workers have been told and will contact you."), show_alert=True)
