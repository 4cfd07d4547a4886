"""Danger in anything a resident writes, at every step: the emergency numbers at once, an urgent request
so that a worker calls, and «Are you safe right now?» when the signs are weaker than certain.

`DangerCheck` is an outer middleware of the residents' message observer: it sees every text, caption
(photos, documents, voice notes) of a private chat before any step handler, at the main menu, at a
button question, in the middle of a request or of registration. The message then goes on to its step
as usual (at a details step it is still the details); the handlers that would only have said "please use
the buttons" read `danger_handled` and keep quiet instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui import texts
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.ui.screens import show_menu
from bot.core.logs import ids
from bot.domain import danger
from bot.services import followups, requests, residents
from bot.domain.danger import DangerKind, Level
from bot.ui.wizard import engine
from bot.ui.states import Intake, Reg
from db.models import Resident, Urgency

router = Router(name="danger")
log = logging.getLogger(__name__)

#: the conversation data key holding the message that made us ask «Are you safe right now?»
UNSURE_TEXT = "unsure_text"


def in_request(step: str | None) -> bool:
    """Whether the conversation is inside the request wizard."""
    return step is not None and step.startswith(f"{Intake.__full_group_name__}:")


def in_registration(step: str | None) -> bool:
    """Whether the conversation is at a registration (or profile edit) question."""
    return step in {state.state for state in Reg.__all_states__}


async def on_danger(
    kind: DangerKind, text: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, i18n: I18n,
    settings: Settings, notifier: Notifier,
) -> None:
    """Emergency numbers at once. In a request: the draft becomes urgent and marked. Otherwise a
    registered resident gets an urgent «someone to talk to» request with the message as its details."""
    step = await wizard.at()
    if in_request(step):
        if engine.draft_of(await wizard.data()) is not None:
            await engine.change(wizard, danger=str(kind), urgency=Urgency.URGENT)
        else:  # «send this as a new request?»: the draft it starts will be urgent
            await wizard.state.update_data(danger=str(kind))
        await wizard.say(texts.emergency(settings.emergency_numbers))
        return
    if not residents.is_registered(resident):
        await wizard.say(texts.emergency(settings.emergency_numbers, marked=False))
        return
    assert resident is not None
    numbers = settings.emergency_numbers
    # An acute illness is not self-harm: the ambulance first, and a worker will call (as the check-in's
    # «I feel ill»), not «if you might hurt yourself».
    shown = texts.illness(numbers) if kind is DangerKind.MEDICAL else texts.emergency(numbers)
    await wizard.say(shown)
    answered = await followups.danger_answer(session, settings, resident, kind, text)
    if answered is not None and answered.request is not None:  # the answer to a recent follow-up: its worker first
        await notifier.tell(answered.told)
        log.info("urgent follow-up request %s for a danger message", answered.request.id,
                 extra=ids(request_id=answered.request.id, resident_id=resident.id))
        return
    result = await requests.open_urgent_talk(session, i18n, settings, resident, str(kind), text)
    await notifier.tell(result.told)
    log.info("urgent request %s %s for a danger message", result.request.id, "opened" if result.created else "already open",
             extra=ids(request_id=result.request.id, resident_id=resident.id))


async def ask_if_safe(wizard: Wizard, text: str) -> None:
    """«Are you safe right now?» with two big buttons; the message is kept for the «not safe» answer."""
    await wizard.state.update_data(**{UNSURE_TEXT: text})
    await wizard.say(texts.safety_question(), reply_markup=kb.safety_question())


class DangerCheck(BaseMiddleware):
    """Assesses every text and caption a resident sends in a private chat before the step handlers, and
    answers a danger at once; puts the level into the handler data as `danger_handled`."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Assess, answer, then let the message go on to its step (not at a registration question)."""
        wizard: Wizard | None = data.get("wizard")
        if not isinstance(event, Message) or event.chat.type != "private" or wizard is None:
            return await handler(event, data)
        text = event.text or event.caption
        found = danger.assess(text)
        if found.level is Level.NONE:
            return await handler(event, data)
        assert text is not None and found.kind is not None
        log.info("danger check: %s, %s, signals %s", found.level.name, found.kind.value, ",".join(found.signals),
                 extra=ids(chat_id=wizard.chat_id))
        step = await wizard.at()
        if found.level is Level.DANGER:
            await on_danger(found.kind, text, wizard, data["resident"], data["session"], data["i18n"],
                            data["settings"], data["notifier"])
        else:
            await ask_if_safe(wizard, text)
        if in_registration(step):  # not a name or an address: the question is asked again
            if found.level is Level.DANGER:
                await wizard.ask()
            return None
        data["danger_handled"] = found.level
        return await handler(event, data)


async def back_to_step(wizard: Wizard, resident: Resident | None) -> None:
    """The question the person was at, or the main menu."""
    if await wizard.at() is not None:
        await wizard.ask()
    elif residents.is_registered(resident):
        await show_menu(wizard, resident, _("What do you need? Choose below."))


@router.callback_query(kb.SafetyCb.filter())
async def safety_answer(
    query: CallbackQuery, callback_data: kb.SafetyCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, i18n: I18n, settings: Settings, notifier: Notifier,
) -> None:
    """«I am safe»: back where they were (a second tap only says the question was answered). «I am not
    safe»: the danger path, with the kept message, whenever it is pressed."""
    text = (await wizard.data()).get(UNSURE_TEXT)
    if callback_data.safe and text is None:  # answered already: a double tap, or an old question
        await query.answer(_("This button is no longer active."))
        return
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await wizard.state.update_data(**{UNSURE_TEXT: None})
    if callback_data.safe:
        await wizard.say(_("Thank you for telling us. We are here whenever you need us."))
        await back_to_step(wizard, resident)
        return
    said = text or _("«I am not safe» (the answer to «Are you safe right now?»)")
    await on_danger(DangerKind.SELF_HARM, said, wizard, resident, session, i18n, settings, notifier)
    if await wizard.at() is not None:
        await wizard.ask()
