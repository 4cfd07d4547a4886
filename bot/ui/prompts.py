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
from bot.services.residents import ADDRESS_MAX, NAME_MAX
from bot.ui.states import Reg
from bot.ui.wizard.engine import Step, declare, never
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


#: the name registration's steps share (Step.wizard); their answers are read by handlers/registration.py
REGISTRATION = "registration"


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
    Reg.district.state: ask_district,
    Reg.flags.state: ask_flags,
}
FLOW_PROMPTS.update(PROMPTS)
