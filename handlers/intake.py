"""The request wizard's routes: the menu starts a draft; every press, text, voice message or photo at
one of the wizard's steps goes to that step's own reader (the steps: bot/ui/wizard/request/)."""

from __future__ import annotations

import secrets
from contextlib import suppress
from enum import StrEnum
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.draft import Draft
from bot.services import requests, residents
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.ui.screens import show_menu
from bot.ui.i18n import Label
from bot.ui.states import Intake
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Step, declare
from bot.ui.wizard.request import items as items_steps
from bot.ui.wizard.request import medicine as medicine_steps
from bot.ui.wizard.request import talk as talk_steps
from bot.ui.wizard.request.common import add_photo, image_of, items_draft
from db.models import RequestKind, Resident, Urgency
from handlers.start import begin_registration

router = Router(name="intake")

FIRST_STEP = {
    RequestKind.SUPPLIES: items_steps.ITEMS,
    RequestKind.MEDICINE: medicine_steps.MEDICINE,
    RequestKind.PSYCH: talk_steps.FEELING,
}


async def start_wizard(
    wizard: Wizard, resident: Resident | None, user: User | None, kind: RequestKind, first: Step | None = None,
    **prefill: Any,
) -> None:
    """A fresh draft of this kind (only for registered residents; `user` is asked to register first),
    optionally already partly filled (a `draft_key` given makes every run from the same source one
    request: a one-tap order)."""
    if not residents.is_registered(resident):
        await wizard.say(_("First, a few questions about you: it takes a minute."))
        await begin_registration(wizard, user)
        return
    assert resident is not None
    if kind == RequestKind.PSYCH:  # a call, not a delivery: the registered address goes with it
        prefill.setdefault("address", resident.address)
    draft = Draft(kind=kind, draft_key=prefill.pop("draft_key", None) or secrets.token_urlsafe(9), **prefill)
    await wizard.state.clear()
    await engine.save(wizard, draft)
    await engine.go(wizard, first or FIRST_STEP[kind])


@router.message(Label(kb.MENU_SUPPLIES))
async def supplies(message: Message, wizard: Wizard, resident: Resident | None) -> None:
    """Start a supplies request."""
    await start_wizard(wizard, resident, message.from_user, RequestKind.SUPPLIES)


@router.message(Label(kb.MENU_MEDICINE))
async def medicine(message: Message, wizard: Wizard, resident: Resident | None) -> None:
    """Start a medicine request."""
    await start_wizard(wizard, resident, message.from_user, RequestKind.MEDICINE)


@router.message(Label(kb.MENU_PSYCH))
async def psych(message: Message, wizard: Wizard, resident: Resident | None) -> None:
    """Start a request for someone to talk to."""
    await start_wizard(wizard, resident, message.from_user, RequestKind.PSYCH)


class AtStep(Filter):
    """The conversation is at a wizard step that reads this kind of answer (Step.text, .voice, .photo,
    .skip); passes the step as `step`."""

    def __init__(self, reads: str) -> None:
        self.reads = reads

    async def __call__(self, event: Any, wizard: Wizard) -> bool | dict[str, Any]:
        """The current step, when it has such a reader."""
        step = await engine.current(wizard)
        return {"step": step} if step is not None and getattr(step, self.reads) is not None else False


class LaterAlbumPhoto(Filter):
    """A further photo of an album whose first photo the photo step took (Telegram sends each photo of
    an album as a message of its own, with a shared media_group_id, one right after the other)."""

    async def __call__(self, message: Message, wizard: Wizard) -> bool:
        """True for a photo of the album this draft already took."""
        group = message.media_group_id
        return group is not None and image_of(message) is not None and (await wizard.data()).get("photo_album") == group


@router.message(LaterAlbumPhoto())
async def album_photo(message: Message, wizard: Wizard) -> None:
    """Kept with the others, silently: the album was answered once, at its first photo."""
    file_id = image_of(message)
    assert file_id is not None
    await add_photo(wizard, file_id)


@router.message(AtStep("skip"), Label(kb.SKIP))
async def step_skipped(message: Message, wizard: Wizard, step: Step) -> None:
    """«Skip ▶️» at a question that may be skipped."""
    assert step.skip is not None
    await wizard.call(step.skip)


@router.message(AtStep("text"), F.text)
async def step_text(message: Message, wizard: Wizard, step: Step) -> None:
    """A typed answer."""
    assert step.text is not None
    await wizard.call(step.text, message)


@router.message(AtStep("voice"), F.voice)
async def step_voice(message: Message, wizard: Wizard, step: Step) -> None:
    """A voice message instead of typing: stored as Telegram's file id for the worker."""
    assert step.voice is not None
    await wizard.call(step.voice, message)


@router.message(AtStep("photo"), F.photo | F.document.mime_type.startswith("image/"))
async def step_photo(message: Message, wizard: Wizard, step: Step) -> None:
    """A photo, or an image sent as a file."""
    assert step.photo is not None
    await wizard.call(step.photo, message)


@router.callback_query(engine.Pressed())
async def step_pressed(query: CallbackQuery, wizard: Wizard, step: Step, choice: StrEnum) -> None:
    """A button of the current step (Back included)."""
    await query.answer()
    await engine.choose(wizard, step, choice)


@router.callback_query(kb.ConfirmCb.filter())
async def confirm(
    query: CallbackQuery, callback_data: kb.ConfirmCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, i18n: I18n, settings: Settings, notifier: Notifier,
) -> None:
    """Store the request once, however often Confirm is pressed."""
    draft = engine.draft_of(await wizard.data())
    if await wizard.at() != Intake.confirm.state or draft is None or draft.draft_key != callback_data.draft:
        await query.answer(_("This request has already been sent."), show_alert=True)
        return
    assert resident is not None
    result = await requests.submit(session, i18n, settings, resident, draft)
    await notifier.tell(result.told)
    await wizard.state.clear()
    await query.answer(_("Sent"))
    if isinstance(query.message, Message) and result.created:
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


# --- «Shall I send this as a new request?» (text written outside a request) -------------------------


class OfferChoice(StrEnum):
    """A kind of request, or no."""

    SUPPLIES = RequestKind.SUPPLIES.value
    MEDICINE = RequestKind.MEDICINE.value
    PSYCH = RequestKind.PSYCH.value
    NO = "no"


class OfferCb(CallbackData, prefix="wof"):
    """A press at the offer."""

    v: OfferChoice


OFFER_KINDS = {
    OfferChoice.SUPPLIES: kb.MENU_SUPPLIES,
    OfferChoice.MEDICINE: kb.MENU_MEDICINE,
    OfferChoice.PSYCH: kb.MENU_PSYCH,
}


def offer_question(data: Any) -> str:
    """Something written outside a request, with no open request: send it as a new one?"""
    return _("Shall I send this to the social workers as a new request? Please choose what it is about.")


def offer_options(data: Any) -> list[tuple[StrEnum, str]]:
    """A button per kind of request, and No."""
    return [*((kind, _(label)) for kind, label in OFFER_KINDS.items()), (OfferChoice.NO, _("No, do not send it"))]


async def offer_chosen(choice: StrEnum, wizard: Wizard, resident: Resident | None, event_from_user: User) -> None:
    """Start the chosen kind's wizard with what was written already filled in; «no» sends nothing."""
    data = await wizard.data()
    if choice not in OFFER_KINDS:
        await wizard.state.clear()
        await show_menu(wizard, resident, _("All right, nothing was sent. I am here whenever you need help."))
        return
    kind = RequestKind(choice.value)
    text, voice, photo = data.get("offer_text"), data.get("offer_voice"), data.get("offer_photo")
    prefill: dict[str, Any] = {"voices": [voice] if voice else []}
    if photo:
        prefill["photos"] = [photo]
    if data.get("danger"):
        prefill.update(danger=data["danger"], urgency=Urgency.URGENT)
    first = prefilled_step(kind, text, voice, photo, prefill)
    await start_wizard(wizard, resident, event_from_user, kind, first, **prefill)


OFFER = declare(Step(
    key="of", state=Intake.offer, question=offer_question, options=offer_options, cb=OfferCb, chosen=offer_chosen,
    no=OfferChoice.NO, back=False, legacy=("offer",),
))


def prefilled_step(kind: RequestKind, text: str | None, voice: str | None, photo: str | None, prefill: dict[str, Any]) -> Step:
    """Fill the draft from what was written (prefill, in place) and return the first step still to ask."""
    if kind == RequestKind.SUPPLIES and text:
        prefill.update(items_draft(text))
        return items_steps.ITEMS_REVIEW
    if kind == RequestKind.MEDICINE and text:
        prefill["medicine"] = text.strip()
        return after(medicine_steps.MEDICINE, kind, prefill)
    if kind == RequestKind.PSYCH and (text or voice):
        if text:
            prefill["feeling"] = text.strip()
        return talk_steps.CALL_TIME
    if voice and kind == RequestKind.MEDICINE:
        return after(medicine_steps.MEDICINE, kind, prefill)
    if voice:
        return after(items_steps.ITEMS_REVIEW, kind, prefill)
    return FIRST_STEP[kind]


def after(step: Step, kind: RequestKind, prefill: dict[str, Any]) -> Step:
    """The step that follows `step` for a draft filled like this."""
    following = engine.next_step(step, Draft(kind=kind, draft_key="-", **prefill))
    assert following is not None
    return following


class SourceMessages(BaseMiddleware):
    """Remembers which of the resident's messages filled which step of the draft (message_id → step),
    so that Telegram's edited_message of one of them can update the draft, or the sent request."""

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        """Record the message after a text step took it."""
        result = await handler(event, data)
        callback = getattr(data.get("handler"), "callback", None)
        step = data.get("step")
        if callback is step_text and isinstance(step, Step) and step.source and isinstance(event, Message):
            wizard: Wizard = data["wizard"]
            draft = engine.draft_of(await wizard.data())
            if draft is not None:
                await engine.save(wizard, draft.changed(sources={**draft.sources, str(event.message_id): step.state.state}))
        return result


router.message.middleware(SourceMessages())
