"""The address read back (✅ Correct / ✏️ Change), one definition used by registration (the home
address) and the request wizard (another delivery address). The typed address waits in the
conversation data («address_pending»; handlers/fallback joins a second part to it, «address_late»:
it came later and the question asks whether it belongs)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State
from aiogram.utils.i18n import gettext as _

from bot.services.residents import ADDRESS_MAX
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.wizard.engine import Step, declare


class Check(StrEnum):
    """Right, or type it again."""

    OK = "ok"
    CHANGE = "change"


class AddressCheckCb(CallbackData, prefix="wac"):
    """A press at an address read-back."""

    v: Check


def question(data: Mapping[str, Any]) -> str:
    """The typed address, read back."""
    address = texts.q(data.get("address_pending"), 300)
    if data.get("address_late"):
        text = _("Does this belong to the address? Together it reads:\n<b>{address}</b>\n\nIs the address right now?")
    else:
        text = _("Please check the address:\n<b>{address}</b>\n\nIs it right?")
    return text.format(address=address)


def options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Right, or change."""
    return [(Check.OK, _("✅ Correct")), (Check.CHANGE, _("✏️ Change"))]


def address_check(
    state: State, use: Callable[..., Awaitable[None]], of_wizard: str = "", order: int = 0,
    applies: Callable[[Any], bool] | None = None,
) -> Step:
    """Declare the read-back at `state`; ✅ Correct hands the address (at most ADDRESS_MAX) to
    `use(address)`, which is also given the injected values it names (as a step's reader is)."""

    async def chosen(choice: StrEnum, wizard: Wizard) -> None:
        pending = (await wizard.data()).get("address_pending")
        if choice is Check.OK and pending:
            await wizard.call(use, str(pending)[:ADDRESS_MAX])
        else:
            await wizard.back()

    extra = {"applies": applies} if applies else {}
    return declare(Step(
        key="ac", state=state, question=question, options=options, cb=AddressCheckCb, chosen=chosen,
        yes=Check.OK, no=Check.CHANGE, columns=2, back=False, wizard=of_wizard, order=order,
        legacy=("addr_check",), **extra,
    ))
