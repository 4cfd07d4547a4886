"""The question each registration step asks, with its keyboard (the engine's steps declare their own,
bot/ui/wizard/). Each is called with the update's Wizard and the injected values it names."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiogram.types import User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.ui import keyboards as kb
from bot.ui import texts
from bot.core.config import FlagConfig, Settings
from bot.ui.flow import PROMPTS as FLOW_PROMPTS
from bot.ui.flow import Wizard
from bot.services.registry import invited_name
from bot.ui.states import Reg
from db.models import Resident


async def ask_language(wizard: Wizard) -> None:
    """The language picker, asked in every language the bot speaks."""
    await wizard.say(texts.language_question(), reply_markup=kb.languages())


async def ask_consent(wizard: Wizard, resident: Resident | None) -> None:
    """The privacy notice."""
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
    markup = kb.choices(kb.ConsentCb, consent_options(), back=False)
    await wizard.say(text, reply_markup=markup)


def consent_options() -> list[tuple[str, str]]:
    """Agree or not."""
    return [("yes", _("✅ I agree")), ("no", _("I do not agree"))]


async def ask_name(wizard: Wizard, event_from_user: User) -> None:
    """What is your name? (the Telegram name offered as a button)"""
    text = _("What is your name? You can press the button below to use your Telegram name.")
    full_name = event_from_user.full_name
    extra = (full_name[:100],) if full_name.strip() else ()
    await wizard.say(text, reply_markup=kb.step_keyboard(*extra))


async def ask_phone(wizard: Wizard) -> None:
    """Your phone number."""
    text = _(
        "Your phone number, so that a social worker can call you.\n"
        "Press «📱 Share my phone number» below, or type it."
    )
    await wizard.say(text, reply_markup=kb.step_keyboard(contact=True))


async def ask_address(wizard: Wizard) -> None:
    """Your home address."""
    text = _("Your home address (street, building, flat), where help should come.")
    await wizard.say(text, reply_markup=kb.step_keyboard())


def district_options(settings: Settings, i18n: I18n) -> list[tuple[str, str]]:
    """The configured districts, named in the current language."""
    loc = i18n.current_locale
    return [(d.code, d.title(loc)) for d in settings.districts]


async def ask_district(wizard: Wizard, settings: Settings, i18n: I18n) -> None:
    """Which district?"""
    await wizard.say(
        _("Which district do you live in?"),
        reply_markup=kb.choices(kb.DistrictCb, district_options(settings, i18n), columns=2),
    )


def flags_options(chosen: dict[str, bool], configured: Sequence[FlagConfig]) -> list[tuple[str, str]]:
    """A toggle per configured vulnerability flag (VULNERABILITY_FLAGS), then Done."""
    options = [(f.code, ("☑️ " if chosen.get(f.code) else "⬜ ") + seen_label(f.code, configured)) for f in configured]
    return [*options, ("done", _("✅ Done"))]


def flags_markup(chosen: dict[str, bool], configured: Sequence[FlagConfig]):  # type: ignore[no-untyped-def]
    """Toggle buttons for the deployment's vulnerability flags, then Done."""
    return kb.choices(kb.FlagCb, flags_options(chosen, configured))


def seen_label(code: str, configured: Sequence[FlagConfig]) -> str:
    """A flag's name as a button shows it (plain text: buttons do not parse HTML)."""
    return html.unescape(texts.flag_label(code, configured))


async def ask_flags(wizard: Wizard, settings: Settings) -> None:
    """Lives alone, over 65, disability, low income... as configured."""
    chosen = (await wizard.data()).get("flags", {})
    text = _("So that we can help you better: tap everything that applies to you, then «Done».")
    await wizard.say(text, reply_markup=flags_markup(chosen, settings.vulnerability_flags))


def choice_of(
    step: str | None, data: Mapping[str, Any], settings: Settings, i18n: I18n,
) -> tuple[list[tuple[str, str]], str | None, str | None] | None:
    """A registration button question's (value, label) options and the values a typed yes and no stand for;
    None: not one (the wizard engine's steps answer this themselves, bot/ui/wizard/engine.py)."""
    if step == Reg.consent.state:
        return consent_options(), "yes", "no"
    if step == Reg.district.state:
        return district_options(settings, i18n), None, None
    if step == Reg.flags.state:
        return flags_options(data.get("flags", {}), settings.vulnerability_flags), None, "done"
    return None


PROMPTS: dict[str, Callable[..., Awaitable[None]]] = {
    Reg.language.state: ask_language,
    Reg.consent.state: ask_consent,
    Reg.name.state: ask_name,
    Reg.phone.state: ask_phone,
    Reg.address.state: ask_address,
    Reg.district.state: ask_district,
    Reg.flags.state: ask_flags,
}
FLOW_PROMPTS.update(PROMPTS)
