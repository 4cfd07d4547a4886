"""Which district: the configured ones (DISTRICTS), named in the resident's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import residents
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.states import Reg
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.registration.common import REGISTRATION, back_to_details, step_done
from db.models import Resident


def question(data: Mapping[str, Any]) -> str:
    """Which district?"""
    return _("Which district do you live in?")


def options(data: Mapping[str, Any], settings: Settings, i18n: I18n) -> list[tuple[str, str]]:
    """The configured districts, named in the current language (the code is the button's value)."""
    locale = i18n.current_locale
    return [(d.code, d.title(locale)) for d in settings.districts]


async def chosen(
    choice: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """A district code, pressed or typed as its name; a code no longer configured asks again."""
    district = await residents.district_by_code(session, choice)
    if district is None:
        await wizard.ask()
        return
    assert resident is not None
    residents.update(session, resident, district_id=district.id)
    await step_done(wizard, resident, session, settings, i18n, Reg.district)


DISTRICT = declare(Step(
    key="rd", state=Reg.district, question=question, options=options, cb=kb.DistrictCb, chosen=chosen,
    columns=2, no_way_back=back_to_details, wizard=REGISTRATION, order=70, applies=never,
))
