"""Food and supplies: the list, typed or spoken, and the list read back."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain.draft import draft_of
from bot.domain.items import Item
from bot.services.residents import DETAILS_MAX
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.reading import reject_text, remember_answer
from bot.ui.wizard.request.common import REQUEST, add_voice, items_draft
from db.models import RequestKind


def ask_items(data: Mapping[str, Any]) -> str:
    """What supplies?"""
    text = _(
        "What do you need? Write each item with its amount, separated by commas or on new lines.\n"
        "For example: <i>2 kg rice, milk 1 l, bread</i>\n"
        "You can also send a voice message."
    )
    return text + "\n" + _("A list can be up to {limit} characters long.").format(limit=DETAILS_MAX)


async def items_text(message: Message, wizard: Wizard) -> None:
    """Parse a typed list into items and show it back."""
    if await reject_text(message, message.text, DETAILS_MAX):
        return
    assert message.text is not None
    await remember_answer(wizard.state, message)
    await engine.change(wizard, **items_draft(message.text))
    await engine.go(wizard, ITEMS_REVIEW)


async def items_voice(message: Message, wizard: Wizard) -> None:
    """A voice message instead of a list: kept for the worker; no list to read back."""
    await add_voice(wizard, message)
    await message.answer(_("🎤 Voice message received."))
    await engine.advance(wizard, ITEMS_REVIEW)


ITEMS = declare(Step(
    key="it", state=Intake.items, question=ask_items, text=items_text, voice=items_voice, source=True,
    typed=True, limit=DETAILS_MAX, fills=lambda text: items_draft(text.strip()),
    wizard=REQUEST, order=10, applies=never,
))


class Review(StrEnum):
    """The list as understood: right, or write it again."""

    OK = "ok"
    REDO = "redo"


class ReviewCb(CallbackData, prefix="wir"):
    """A press at the list read back."""

    v: Review


def ask_review(data: Mapping[str, Any]) -> str:
    """The parsed list, shown back for correction."""
    draft = draft_of(data)
    items = [Item(name, qty) for name, qty in (draft.items if draft else [])]
    return _("I understood your list like this:\n{items}\n\nIs that right?").format(items=texts.item_lines(items))


def review_options(data: Mapping[str, Any]) -> list[tuple[StrEnum, str]]:
    """Right, or type it again."""
    return [(Review.OK, _("✅ Yes, that's right")), (Review.REDO, _("✏️ Write it again"))]


async def reviewed(choice: StrEnum, wizard: Wizard) -> None:
    """«ok» (pressed or typed) accepts the list; anything else asks for it again."""
    if choice is Review.OK:
        await engine.advance(wizard, ITEMS_REVIEW)
    else:
        await wizard.back()


ITEMS_REVIEW = declare(Step(
    key="ir", state=Intake.items_review, question=ask_review, options=review_options, cb=ReviewCb, chosen=reviewed,
    yes=Review.OK, no=Review.REDO, wizard=REQUEST, order=15, legacy=("review",),
    applies=lambda draft: draft.kind == RequestKind.SUPPLIES and bool(draft.items or draft.raw_items),
))
