"""The privacy notice: agreeing creates the resident (or takes the invited one's record); refusing
stores nothing and leaves the emergency numbers."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.types import User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.answers import YesNo
from bot.services import registry, residents
from bot.services.registry import invited_name
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.states import Reg
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.registration.common import REGISTRATION, registered
from db.models import Resident


def question(data: Mapping[str, Any], resident: Resident | None) -> str:
    """The privacy notice, greeting an invited resident by name."""
    text = _(
        "👋 Welcome! This bot connects you with the social workers of your community: "
        "food and supplies, medicine, or someone to talk to.\n\n"
        "<b>Privacy.</b> To help you we store your name, phone, address and what you ask for. "
        "Social workers see your request; only the one who takes it sees your phone and address. "
        "You can delete your data at any time with /delete.\n\n"
        "Do you agree?"
    )
    name = invited_name(resident)
    if name:
        text = _("{name}, hello! The social workers of your community invited you to this bot.").format(
            name=texts.q(name, 100)
        ) + "\n\n" + text
    return text


def options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Agree or not."""
    return [(YesNo.YES, _("✅ I agree")), (YesNo.NO, _("I do not agree"))]


async def chosen(
    choice: StrEnum, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings,
    i18n: I18n, event_from_user: User,
) -> None:
    """«yes» (pressed or typed) creates the resident; anything else stores nothing."""
    if choice is not YesNo.YES:
        await wizard.state.clear()
        if resident is not None:
            registry.release(session, resident)
        await wizard.say(
            _("We store nothing without your consent. If you change your mind, send /start.\n\n")
            + texts.emergency_numbers(settings.emergency_numbers),
        )
        return
    resident = await residents.give_consent(session, event_from_user.id, wizard.chat_id, i18n.current_locale)
    wizard.serve(resident)
    if registry.ready_from_register(resident):
        await registered(wizard, resident, session, settings)
        return
    await wizard.go(Reg.name)


CONSENT = declare(Step(
    key="rc", state=Reg.consent, question=question, options=options, cb=kb.ConsentCb, chosen=chosen,
    yes=YesNo.YES, no=YesNo.NO, back=False, wizard=REGISTRATION, order=20, applies=never,
))
