"""Where the help comes: the registered address or another one, typed and read back."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.residents import ADDRESS_MAX
from bot.ui.flow import Wizard
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.address_check import address_check
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.reading import reject_text, remember_answer
from bot.ui.wizard.request.common import REQUEST
from db.models import RequestKind, Resident


class Where(StrEnum):
    """The registered address, or another one."""

    REGISTERED = "reg"
    OTHER = "other"


class WhereCb(CallbackData, prefix="wad"):
    """A press at «Where should the help come?»."""

    v: Where


def ask_where(data: Mapping[str, Any]) -> str:
    """The registered address or another one?"""
    return _("Where should the help come?")


def where_options(data: Mapping[str, Any], resident: Resident | None) -> list[tuple[StrEnum, str]]:
    """The registered address (if any), or another one."""
    registered = resident.address if resident else None
    options: list[tuple[StrEnum, str]] = [(Where.REGISTERED, "📍 " + registered[:40])] if registered else []
    options.append((Where.OTHER, _("Another address")))
    return options


async def where_chosen(choice: StrEnum, wizard: Wizard, resident: Resident | None) -> None:
    """The registered address goes on; another one is asked for."""
    if choice is Where.REGISTERED and resident and resident.address:
        await engine.change(wizard, address=resident.address)
        await engine.advance(wizard, ADDRESS_CHOICE)
    else:
        await engine.go(wizard, ADDRESS)


ADDRESS_CHOICE = declare(Step(
    key="aw", state=Intake.address_choice, question=ask_where, options=where_options, cb=WhereCb,
    chosen=where_chosen, wizard=REQUEST, order=60, legacy=("addr",),
    applies=lambda draft: draft.kind != RequestKind.PSYCH,
))


def ask_address(data: Mapping[str, Any]) -> str:
    """Another address."""
    return _("Please write the address.")


async def address_typed(message: Message, wizard: Wizard) -> None:
    """Another delivery address, read back before it is used."""
    if await reject_text(message, message.text, ADDRESS_MAX):
        return
    assert message.text is not None
    await remember_answer(wizard.state, message)
    await engine.go(wizard, ADDRESS_CHECK, address_pending=message.text.strip(), address_late=False)


ADDRESS = declare(Step(
    key="ad", state=Intake.address, question=ask_address, text=address_typed, source=True,
    typed=True, limit=ADDRESS_MAX, fills=lambda text: {"address": text.strip()}, wizard=REQUEST, order=65, applies=never,
))


async def use_address(address: str, wizard: Wizard) -> None:
    """The address read back is the delivery address."""
    await engine.change(wizard, address=address)
    await engine.advance(wizard, ADDRESS_CHECK)


ADDRESS_CHECK = address_check(Intake.address_check, use_address, of_wizard=REQUEST, order=67, applies=never)
