"""What a resident is shown between questions: the main menu, their stored details, the offer of daily
check-ins; and the yes/no questions asked outside any step, remembered in the conversation's `asked`
(a typed answer to one is read by handlers/fallback.py)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.domain.phones import format_phone
from bot.services import residents
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui.flow import Wizard
from db.models import Resident

#: Questions asked outside any step, kept in the conversation's `asked` as [kind, Unix seconds, args...].
ASKED_CHECKIN = "checkin"
ASKED_DELETE = "delete"
ASKED_CANCEL = "cancel"


async def asked(state: FSMContext, kind: str | None, *args: object) -> None:
    """Remember (or forget, kind None) a question asked outside any step, with when (Unix seconds)."""
    await state.update_data(asked=[kind, int(clock.now().timestamp()), *args] if kind else None)


async def show_menu(wizard: Wizard, resident: Resident | None, text: str | None = None) -> None:
    """The main menu, with a greeting."""
    name = texts.q(resident.name if resident else "", 100)
    await wizard.say(
        text or _("Hello, {name}! What do you need? Choose below.").format(name=name), reply_markup=kb.main_menu(),
    )


async def show_profile(
    wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings, i18n: I18n,
    heading: str | None = None,
) -> None:
    """The resident's stored details with change buttons."""
    district = await residents.district_of(session, resident)
    locale = i18n.current_locale
    conf = settings.district(district.code) if district else None
    lines = [
        heading or _("<b>Your details</b>"),
        _("Name: {value}").format(value=texts.q(resident.name, 100)),
        _("Phone: {value}").format(value=format_phone(resident.phone) if resident.phone else "—"),
        _("Address: {address}").format(address=texts.q(resident.address, 300)),
        _("District: {district}").format(district=texts.q(conf.title(locale) if conf else "—", 100)),
        _("Situation: {flags}").format(flags=texts.flags_line(resident, settings.vulnerability_flags)),
        _("Language: {name}").format(name=kb.LANGUAGE_NAMES.get(resident.locale, resident.locale)),
    ]
    await wizard.say("\n".join(lines), reply_markup=kb.profile())
    await wizard.say(_("The menu is below."), reply_markup=kb.main_menu())


async def offer_checkins(wizard: Wizard, settings: Settings) -> None:
    """The question offered at the end of registration: ask us to check on you daily?"""
    await wizard.say(
        _("Would you like us to ask you every day whether you are OK? If you do not answer, a social worker is told."),
        reply_markup=kb.enrol_offer(settings.checkins.default_time),
    )
