"""The resident's situation: a toggle per configured vulnerability flag (VULNERABILITY_FLAGS), then
Done. A press toggles in place (the buttons are edited); a typed flag toggles and asks again."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from aiogram.types import Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import FlagConfig, Settings
from bot.domain import flags as flag_rules
from bot.services import residents
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.states import Reg
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.registration.common import REGISTRATION, back_to_details, registered, step_done
from db.models import Resident

DONE = "done"


def question(data: Mapping[str, Any]) -> str:
    """Lives alone, over 65, disability, low income... as configured."""
    return _("So that we can help you better: tap everything that applies to you, then «Done».")


def seen_label(code: str, configured: Sequence[FlagConfig]) -> str:
    """A flag's name as a button shows it (plain text: buttons do not parse HTML)."""
    return html.unescape(texts.flag_label(code, configured))


def options(data: Mapping[str, Any], settings: Settings) -> list[tuple[str, str]]:
    """A toggle per configured flag, ticked as chosen so far (the conversation's `flags`), then Done."""
    chosen = data.get("flags", {})
    configured = settings.vulnerability_flags
    toggles = [(f.code, ("☑️ " if chosen.get(f.code) else "⬜ ") + seen_label(f.code, configured)) for f in configured]
    return [*toggles, (DONE, _("✅ Done"))]


async def toggle(wizard: Wizard, flag: str) -> None:
    """Flip one situation flag in the conversation data."""
    chosen = dict((await wizard.data()).get("flags", {}))
    chosen[flag] = not chosen.get(flag, False)
    await wizard.state.update_data(flags=chosen)


async def chosen(
    choice: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
    event_update: Update,
) -> None:
    """A flag toggles (a press edits the buttons in place, a typed one asks again); Done (or anything
    else) stores them and ends registration, or goes back to «My details» when editing."""
    offered = [f.code for f in settings.vulnerability_flags]
    if choice in offered:
        await toggle(wizard, choice)
        query = event_update.callback_query
        if query is not None and isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=FLAGS.markup(wizard, await wizard.data()))
        else:
            await wizard.ask()
        return
    picked = [code for code in offered if (await wizard.data()).get("flags", {}).get(code)]
    assert resident is not None
    residents.update(session, resident, **flag_rules.fields_for(picked, resident, offered))
    if (await wizard.data()).get("editing"):
        await step_done(wizard, resident, session, settings, i18n, Reg.flags)
        return
    await registered(wizard, resident, session, settings)


FLAGS = declare(Step(
    key="rf", state=Reg.flags, question=question, options=options, cb=kb.FlagCb, chosen=chosen, no=DONE,
    no_way_back=back_to_details, wizard=REGISTRATION, order=80, applies=never,
))
