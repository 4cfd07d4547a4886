"""Medicine: the name and dose (typed, spoken, or a photo's caption), then an optional photo of the
prescription or the box."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.residents import DETAILS_MAX
from bot.ui.flow import Wizard
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Step, declare, never
from bot.ui.wizard.reading import reject_text, remember_answer
from bot.ui.wizard.request.common import REQUEST, add_voice, take_photo
from db.models import RequestKind


def ask_medicine(data: Mapping[str, Any]) -> str:
    """Which medicine and dose?"""
    return _(
        "Which medicine do you need, and what dose?\n"
        "For example: <i>Metformin 500 mg, 60 tablets</i>\n"
        "You can also send a voice message."
    )


async def medicine_text(message: Message, wizard: Wizard) -> None:
    """Medicine name and dose; then the photo, unless it came first."""
    if await reject_text(message, message.text, DETAILS_MAX):
        return
    assert message.text is not None
    await remember_answer(wizard.state, message)
    await engine.change(wizard, medicine=message.text.strip())
    await engine.advance(wizard, MEDICINE)


async def medicine_voice(message: Message, wizard: Wizard) -> None:
    """The name spoken: kept for the worker."""
    await add_voice(wizard, message)
    await message.answer(_("🎤 Voice message received."))
    await engine.advance(wizard, MEDICINE)


async def photo_before_name(message: Message, wizard: Wizard) -> None:
    """A photo of the box or the prescription instead of the name: kept; its caption, if any, is the name."""
    await take_photo(wizard, message)
    caption = (message.caption or "").strip()
    if caption and not await reject_text(message, caption, DETAILS_MAX):
        await engine.change(wizard, medicine=caption)
        await message.answer(_("📷 Photo received."))
        await engine.advance(wizard, PHOTO)
        return
    await message.answer(_("📷 Photo received. Please also write the name of the medicine and the dose, "
                           "or send a voice message."))


MEDICINE = declare(Step(
    key="md", state=Intake.medicine, question=ask_medicine, text=medicine_text, voice=medicine_voice,
    photo=photo_before_name, source=True, typed=True, limit=DETAILS_MAX, fills=lambda text: {"medicine": text.strip()},
    wizard=REQUEST, order=30, applies=never,
))


def ask_photo(data: Mapping[str, Any]) -> str:
    """Optional prescription photo."""
    return _(
        "If you have a photo of the prescription or of the medicine box, send it now: it helps the social worker.\n"
        "Otherwise press «Skip ▶️»."
    )


async def photo(message: Message, wizard: Wizard) -> None:
    """The prescription or the box (the largest size's file id); an album's further photos join it."""
    await take_photo(wizard, message)
    await message.answer(_("📷 Photos received.") if message.media_group_id else _("📷 Photo received."))
    await engine.advance(wizard, PHOTO)


async def skipped(wizard: Wizard) -> None:
    """No photo."""
    await engine.advance(wizard, PHOTO)


PHOTO = declare(Step(
    key="ph", state=Intake.photo, question=ask_photo, photo=photo, skip=skipped, wizard=REQUEST, order=35,
    applies=lambda draft: draft.kind == RequestKind.MEDICINE and not draft.photos,
))
