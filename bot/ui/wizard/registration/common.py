"""What registration's steps share: the wizard's name, the order of the questions, and what happens
after an answer is stored (the next question, «My details» again when a detail was changed alone, or
the end of registration)."""

from __future__ import annotations

from aiogram.fsm.state import State
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import checkins, residents
from bot.ui.flow import Wizard
from bot.ui.screens import ASKED_CHECKIN, asked, offer_checkins, show_menu, show_profile
from bot.ui.states import Reg
from db.models import Resident

#: the name registration's steps share (Step.wizard)
REGISTRATION = "registration"
#: the question after each one (flags end registration)
NEXT = {Reg.name: Reg.phone, Reg.phone: Reg.address, Reg.address: Reg.district, Reg.district: Reg.flags}


async def step_done(
    wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings, i18n: I18n, step: State,
) -> None:
    """After a detail is stored: the next question, or back to the profile when editing."""
    if (await wizard.data()).get("editing"):
        await wizard.state.clear()
        await show_profile(wizard, resident, session, settings, i18n, _("Saved."))
    elif step in NEXT:
        await wizard.go(NEXT[step])


async def back_to_details(
    wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """Back from a detail changed on its own from «My details» (no earlier question): the details again."""
    await wizard.state.clear()
    assert resident is not None
    await show_profile(wizard, resident, session, settings, i18n)


async def registered(wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings) -> None:
    """Registration complete: the menu, and daily check-ins (set from the register, or offered)."""
    residents.finish_registration(session, resident)
    await wizard.state.clear()
    await show_menu(wizard, resident, _("✅ You are registered. Whenever you need help, choose below."))
    if resident.imported_checkin_times:
        plan = await checkins.enrol(session, settings, resident, resident.imported_checkin_times)
        await wizard.say(
            _("Every day at {times} we will ask whether you are OK. You can change this with /checkin.")
            .format(times=", ".join(plan.times)),
        )
    elif checkins.offered(resident):
        await asked(wizard.state, ASKED_CHECKIN)  # a typed «对» answers it (handlers.fallback)
        await offer_checkins(wizard, settings)
