"""A resident edits a message they sent (Telegram's edited_message, private chats only)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.services import edits
from bot.ui.states import Intake
from bot.ui.wizard import engine
from db.models import Resident
from handlers.common import reject_text

router = Router(name="edits")
log = logging.getLogger(__name__)



@router.edited_message(F.text)
async def edited(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, notifier: Notifier,
) -> None:
    """Into the draft while it is not sent yet; to the sent request (and its worker) afterwards."""
    text = message.text or ""
    draft = engine.draft_of(await wizard.data())
    step = draft.sources.get(str(message.message_id)) if draft else None
    current = await wizard.at()
    if step is not None and current is not None and current.startswith(Intake.__name__ + ":"):
        declared = engine.step_at(step)
        assert declared is not None and declared.limit is not None and declared.fills is not None, step
        if current == step and declared.text is not None:
            await wizard.call(declared.text, message)  # still the question this message answered: the edit is the answer
            return
        if await reject_text(message, text, declared.limit):
            return
        await engine.change(wizard, **declared.fills(text))
        await wizard.say(_("✏️ Corrected: your request now uses the edited message."))
        if current in (Intake.items_review.state, Intake.confirm.state):
            await wizard.ask()  # the list or the summary again, as it is now
        return
    if resident is None:
        return
    correction = await edits.to_request(session, resident, message.message_id, text)
    if correction is None:
        log.info("edit of message %s by user %s changes nothing", message.message_id,
                 message.from_user.id if message.from_user else None)
        return
    await notifier.tell(correction.told)
    number = texts.number(correction.request.id or 0)
    if correction.passed:
        await wizard.say(
            _("✏️ Thank you. Your correction was added to request {number}; the social worker sees it.")
            .format(number=number))
    else:
        await wizard.say(
            _("Request {number} is already closed, so the correction was not passed on. "
                           "If you need something more, please make a new request.").format(number=number))
