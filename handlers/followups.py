"""The resident's side of a follow-up after support: the answer to «how are you now?» (a press, or typed).

A danger message while a follow-up is recent is handled in handlers/danger.py (bot.services.followups
.danger_answer); the worker's choice of a follow-up is a card button in handlers/staff.py.
"""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain import answers
from bot.services import followups
from bot.ui import followup_texts, texts
from bot.ui import keyboards as kb
from bot.ui.keyboards import CheckinAction
from bot.ui.notify import Notifier
from db.models import CheckinAnswer, RequestStatus, Resident

router = Router(name="followups")

ANSWERS = {CheckinAction.FINE: CheckinAnswer.FINE, CheckinAction.NOT_WELL: CheckinAnswer.NOT_WELL,
           CheckinAction.HELP: CheckinAnswer.HELP}


def reply(result: followups.Answered, settings: Settings) -> str:
    """What the resident is told after their answer."""
    assert result.followup is not None
    value = result.followup.answer
    if value == CheckinAnswer.FINE:
        return _("Thank you! We are glad. Have a good day. 🌷")
    if value == CheckinAnswer.NOT_WELL:
        mine = result.request is not None and result.worker is not None and result.request.claimed_by == result.worker.id \
            and result.request.status == RequestStatus.CLAIMED
        return followup_texts.not_well_reply(result.worker, mine)
    return (_("A social worker has been told and will contact you as soon as possible.") + "\n\n"
            + texts.emergency_numbers(settings.emergency_numbers))


@router.callback_query(kb.FollowUpCb.filter())
async def answered(query: CallbackQuery, callback_data: kb.FollowUpCb, session: AsyncSession, settings: Settings,
                   notifier: Notifier, bot: Bot, resident: Resident | None = None) -> None:
    """I'm fine / not so well / I need help, to the resident's own follow-up only; a double tap only
    repeats the reply as a toast."""
    result = None
    if resident is not None and callback_data.a in ANSWERS:
        result = await followups.answer(session, settings, resident, callback_data.f, ANSWERS[callback_data.a])
    if result is None or result.followup is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await notifier.tell(result.told)
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    if result.repeat:
        await query.answer(reply(result, settings)[:200])
        return
    await query.answer()
    assert resident is not None and resident.chat_id is not None
    await bot.send_message(resident.chat_id, reply(result, settings))


def typed_options() -> list[tuple[str, str]]:
    """The follow-up's buttons as (action, label)."""
    return [(CheckinAction.FINE.value, _("😊 I'm fine")), (CheckinAction.NOT_WELL.value, _("😐 Not so well")),
            (CheckinAction.HELP.value, _("🆘 I need help"))]


async def typed_answer(session: AsyncSession, settings: Settings, notifier: Notifier, bot: Bot, resident: Resident,
                       text: str) -> bool:
    """A typed answer («好», «нормально», «Not so well») to a follow-up delivered in the last day and not
    answered yet; False when there is none or the text is no answer."""
    followup = await followups.awaiting(session, resident)
    if followup is None or followup.answer != CheckinAnswer.PENDING:
        return False
    action = answers.choose(text, typed_options(), yes=CheckinAction.FINE.value)
    if action is None:
        return False
    result = await followups.answer(session, settings, resident, followup.id or 0, ANSWERS[CheckinAction(action)])
    if result.followup is None:
        return False
    await notifier.tell(result.told)
    assert resident.chat_id is not None
    await bot.send_message(resident.chat_id, reply(result, settings))
    return True
