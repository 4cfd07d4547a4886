"""My details: see what is stored and change any of it."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.i18n import Label
from bot.ui.screens import show_profile
from bot.domain import flags as flag_rules
from bot.services import residents
from bot.ui.states import Reg
from db.models import Resident
from handlers.start import begin_registration

router = Router(name="profile")

FIELD_STEPS = {
    "name": Reg.name,
    "phone": Reg.phone,
    "address": Reg.address,
    "district": Reg.district,
    "flags": Reg.flags,
}


@router.message(Label(kb.MENU_PROFILE))
async def profile(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings,
    i18n: I18n,
) -> None:
    """Show the details."""
    if not residents.is_registered(resident):
        await begin_registration(wizard, message.from_user)
        return
    assert resident is not None
    await wizard.state.clear()
    await show_profile(wizard, resident, session, settings, i18n)


@router.callback_query(kb.ProfileCb.filter())
async def change(query: CallbackQuery, callback_data: kb.ProfileCb, wizard: Wizard, resident: Resident | None) -> None:
    """Ask just that one question again."""
    await query.answer()
    if not residents.is_registered(resident):
        return
    assert resident is not None
    if callback_data.field == "language":
        await wizard.ask(Reg.language.state)
        return
    step = FIELD_STEPS.get(callback_data.field)
    if step is None:
        return
    flags = {code: True for code in flag_rules.codes_of(resident)}
    await wizard.state.clear()
    await wizard.state.update_data(editing=True, flags=flags)
    await wizard.go(step)
