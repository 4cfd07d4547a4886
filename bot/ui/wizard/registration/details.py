"""The typed questions: name, phone and the home address, read back before it is stored. Their typed
answers are read by handlers/registration.py (a shared contact card, someone else's card and a
relative's number need routes of their own); each step declares its question, keyboard and limit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.types import User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import residents
from bot.services.residents import ADDRESS_MAX, NAME_MAX
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.states import Reg
from bot.ui.wizard.address_check import address_check
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.registration.common import REGISTRATION, step_done
from db.models import Resident


def name_question(data: Mapping[str, Any]) -> str:
    """What is your name?"""
    return _("What is your name? You can press the button below to use your Telegram name.")


def telegram_name(event_from_user: User) -> tuple[str, ...]:
    """The Telegram name as a button (none when it is blank)."""
    full_name = event_from_user.full_name
    return (full_name[:100],) if full_name.strip() else ()


NAME = declare(Step(
    key="rn", state=Reg.name, question=name_question, reply=telegram_name, typed=True, limit=NAME_MAX,
    wizard=REGISTRATION, order=30, applies=never,
))


def phone_question(data: Mapping[str, Any]) -> str:
    """Your phone number."""
    return _(
        "Your phone number, so that a social worker can call you.\n"
        "Press «📱 Share my phone number» below, or type it."
    )


async def ask_phone(wizard: Wizard) -> None:
    """Your phone number, with the button that shares the contact."""
    await wizard.say(phone_question(await wizard.data()), reply_markup=kb.step_keyboard(contact=True))


PHONE = declare(Step(
    key="rp", state=Reg.phone, question=phone_question, ask=ask_phone, typed=True,
    wizard=REGISTRATION, order=40, applies=never,
))


def address_question(data: Mapping[str, Any]) -> str:
    """Your home address."""
    return _("Your home address (street, building, flat), where help should come.")


ADDRESS = declare(Step(
    key="ra", state=Reg.address, question=address_question, typed=True, limit=ADDRESS_MAX,
    wizard=REGISTRATION, order=50, applies=never,
))


async def store_address(
    address: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """The home address read back and found right: stored."""
    assert resident is not None
    residents.update(session, resident, address=address)
    await step_done(wizard, resident, session, settings, i18n, Reg.address)


#: ✅ Correct stores the address; ✏️ Change asks for it again (the same read-back as the request wizard's)
ADDRESS_CHECK = address_check(Reg.address_check, store_address)
