"""The request wizard: what is needed, urgency, address, summary, confirm."""

from __future__ import annotations

import secrets
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import Filter
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.ui import flow, texts
from bot.ui import keyboards as kb
from bot.ui.flow import Ctx
from bot.ui.i18n import Label
from bot.services import requests, residents
from bot.domain.items import parse_items
from bot.services.residents import ADDRESS_MAX, DETAILS_MAX
from bot.ui.states import Intake
from db.models import RequestKind, Urgency
from handlers.common import reject_text, remember_answer
from handlers.start import begin_registration, show_menu

router = Router(name="intake")

#: photos kept with one request (a Telegram album has up to 10)
PHOTOS_MAX = 20

FIRST_STEP = {
    RequestKind.SUPPLIES: Intake.items,
    RequestKind.MEDICINE: Intake.medicine,
    RequestKind.PSYCH: Intake.feeling,
}


async def start_wizard(ctx: Ctx, kind: RequestKind, first: State | None = None, **prefill: object) -> None:
    """A fresh draft of this kind (only for registered residents), optionally already partly filled."""
    if not residents.is_registered(ctx.resident):
        await ctx.bot.send_message(ctx.chat_id, _("First, a few questions about you: it takes a minute."))
        await begin_registration(ctx)
        return
    await ctx.state.clear()
    await ctx.state.update_data(kind=kind.value, draft_key=secrets.token_urlsafe(9), **prefill)
    await flow.go(ctx, first or FIRST_STEP[kind])


@router.message(Label(kb.MENU_SUPPLIES))
async def supplies(message: Message, ctx: Ctx) -> None:
    """Start a supplies request."""
    await start_wizard(ctx, RequestKind.SUPPLIES)


@router.message(Label(kb.MENU_MEDICINE))
async def medicine(message: Message, ctx: Ctx) -> None:
    """Start a medicine request."""
    await start_wizard(ctx, RequestKind.MEDICINE)


@router.message(Label(kb.MENU_PSYCH))
async def psych(message: Message, ctx: Ctx) -> None:
    """Start a request for someone to talk to."""
    await start_wizard(ctx, RequestKind.PSYCH)


async def add_voice(ctx: Ctx, message: Message) -> None:
    """Keep a voice message's file id with the draft."""
    assert message.voice is not None
    voices = list((await ctx.data()).get("voice", []))
    await ctx.state.update_data(voice=[*voices, message.voice.file_id])


async def after_details(ctx: Ctx) -> None:
    """Urgency (unless danger already made it urgent), then the address or the summary."""
    data = await ctx.data()
    if data.get("danger"):
        await after_urgency(ctx)
    else:
        await flow.go(ctx, Intake.urgency)


async def after_urgency(ctx: Ctx) -> None:
    """Supplies and medicine need a delivery address; talking does not."""
    if (await ctx.data())["kind"] == RequestKind.PSYCH:
        await to_confirm(ctx, ctx.resident.address if ctx.resident else None)
    else:
        await flow.go(ctx, Intake.address_choice)


async def to_confirm(ctx: Ctx, address: str | None) -> None:
    """Show the summary with Confirm."""
    await flow.go(ctx, Intake.confirm, address=address)


@router.message(Intake.items, F.text)
async def items_text(message: Message, ctx: Ctx) -> None:
    """Parse a typed list into items and show it back."""
    if await reject_text(ctx, message.text, DETAILS_MAX):
        return
    await remember_answer(ctx, message)
    await flow.go(ctx, Intake.items_review, **items_draft(message.text))


def items_draft(text: str) -> dict[str, object]:
    """A typed list as draft data: parsed items and the text as written."""
    items = parse_items(text)
    return {"items": [[i.name, i.quantity] for i in items], "raw_items": text.strip()}


@router.message(Intake.items, F.voice)
@router.message(Intake.medicine, F.voice)
@router.message(Intake.feeling, F.voice)
async def details_voice(message: Message, ctx: Ctx) -> None:
    """A voice message instead of typing: stored as Telegram's file id for the worker."""
    await add_voice(ctx, message)
    await message.answer(_("🎤 Voice message received."))
    step = await ctx.state.get_state()
    if step == Intake.medicine.state:
        await flow.go(ctx, Intake.photo)
    elif step == Intake.feeling.state:
        await flow.go(ctx, Intake.call_time)
    else:
        await after_details(ctx)


@router.callback_query(Intake.items_review, kb.StepCb.filter(F.step == "review"))
async def items_review(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """Accept the list, or type it again."""
    await query.answer()
    await review_chosen(ctx, callback_data.value)


async def review_chosen(ctx: Ctx, value: str) -> None:
    """«ok» (pressed or typed) accepts the list; anything else asks for it again."""
    if value == "ok":
        await after_details(ctx)
    else:
        await flow.back(ctx)


@router.message(Intake.medicine, F.text)
async def medicine_text(message: Message, ctx: Ctx) -> None:
    """Medicine name and dose."""
    if await reject_text(ctx, message.text, DETAILS_MAX):
        return
    await remember_answer(ctx, message)
    await ctx.state.update_data(medicine=message.text.strip())
    if texts.photos_of(await ctx.data()):  # the photos came first (photo_before_name)
        await after_details(ctx)
    else:
        await flow.go(ctx, Intake.photo)


def image_of(message: Message) -> str | None:
    """The file id of a photo (its largest size) or of an image sent as a file."""
    if message.photo:
        return message.photo[-1].file_id
    if message.document and (message.document.mime_type or "").startswith("image/"):
        return message.document.file_id
    return None


async def add_photo(ctx: Ctx, file_id: str) -> None:
    """Keep one more photo with the draft (at most PHOTOS_MAX)."""
    photos = texts.photos_of(await ctx.data())
    if len(photos) < PHOTOS_MAX:
        await ctx.state.update_data(photos=[*photos, file_id], photo=None)


async def take_photo(message: Message, ctx: Ctx) -> None:
    """Keep a photo with the draft; the first of an album marks the album, whose further photos then
    join silently (LaterAlbumPhoto)."""
    file_id = image_of(message)
    assert file_id is not None
    await add_photo(ctx, file_id)
    if message.media_group_id:
        await ctx.state.update_data(photo_album=message.media_group_id)


class LaterAlbumPhoto(Filter):
    """A further photo of an album whose first photo the photo step took (Telegram sends each photo of
    an album as a message of its own, with a shared media_group_id, one right after the other)."""

    async def __call__(self, message: Message, ctx: Ctx) -> bool:
        """True for a photo of the album this draft already took."""
        group = message.media_group_id
        return group is not None and image_of(message) is not None and (await ctx.data()).get("photo_album") == group


@router.message(LaterAlbumPhoto())
async def album_photo(message: Message, ctx: Ctx) -> None:
    """Kept with the others, silently: the album was answered once, at its first photo."""
    file_id = image_of(message)
    assert file_id is not None
    await add_photo(ctx, file_id)


@router.message(Intake.photo, F.photo)
@router.message(Intake.photo, F.document.mime_type.startswith("image/"))
async def photo(message: Message, ctx: Ctx) -> None:
    """The prescription or the box (the largest size's file id); an album's further photos join it."""
    await take_photo(message, ctx)
    if message.media_group_id:
        await message.answer(_("📷 Photos received."))
    else:
        await message.answer(_("📷 Photo received."))
    await after_details(ctx)


@router.message(Intake.medicine, F.photo)
@router.message(Intake.medicine, F.document.mime_type.startswith("image/"))
async def photo_before_name(message: Message, ctx: Ctx) -> None:
    """A photo of the box or the prescription instead of the name: kept; its caption, if any, is the name."""
    await take_photo(message, ctx)
    caption = (message.caption or "").strip()
    if caption and not await reject_text(ctx, caption, DETAILS_MAX):
        await ctx.state.update_data(medicine=caption)
        await message.answer(_("📷 Photo received."))
        await after_details(ctx)
        return
    await message.answer(_("📷 Photo received. Please also write the name of the medicine and the dose, "
                           "or send a voice message."))


@router.message(Intake.photo, Label(kb.SKIP))
async def photo_skipped(message: Message, ctx: Ctx) -> None:
    """No photo."""
    await after_details(ctx)


async def photo_chosen(ctx: Ctx, value: str) -> None:
    """«Skip» typed in words («跳过», «нет»): no photo."""
    await after_details(ctx)


@router.message(Intake.feeling, F.text)
async def feeling(message: Message, ctx: Ctx) -> None:
    """How they feel, in their words."""
    if await reject_text(ctx, message.text, DETAILS_MAX):
        return
    await ctx.state.update_data(feeling=message.text.strip())
    await flow.go(ctx, Intake.call_time)


@router.callback_query(Intake.call_time, kb.StepCb.filter(F.step == "call"))
async def call_time(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """A call time chosen by button."""
    await query.answer()
    if callback_data.value == "_back":
        await flow.back(ctx)
        return
    await ctx.state.update_data(call_time=callback_data.value)
    await after_details(ctx)


@router.message(Intake.call_time, F.text)
async def call_time_typed(message: Message, ctx: Ctx) -> None:
    """A call time typed in words."""
    if await reject_text(ctx, message.text, 200):
        return
    await ctx.state.update_data(call_time=message.text.strip())
    await after_details(ctx)


@router.callback_query(Intake.urgency, kb.StepCb.filter(F.step == "urgency"))
async def urgency(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """Urgent or not."""
    await query.answer()
    await urgency_chosen(ctx, callback_data.value)


async def urgency_chosen(ctx: Ctx, chosen: str) -> None:
    """«urgent» or «normal» (pressed or typed), or «_back»."""
    if chosen == "_back":
        await flow.back(ctx)
        return
    value = Urgency.URGENT if chosen == "urgent" else Urgency.NORMAL
    await ctx.state.update_data(urgency=value.value)
    await after_urgency(ctx)


@router.callback_query(Intake.address_choice, kb.StepCb.filter(F.step == "addr"))
async def address_choice(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """The registered address, or another one."""
    await query.answer()
    await address_choice_chosen(ctx, callback_data.value)


async def address_choice_chosen(ctx: Ctx, value: str) -> None:
    """«reg» (the registered address), «other» or «_back», pressed or typed."""
    if value == "_back":
        await flow.back(ctx)
    elif value == "reg" and ctx.resident and ctx.resident.address:
        await to_confirm(ctx, ctx.resident.address)
    else:
        await flow.go(ctx, Intake.address)


@router.message(Intake.address, F.text)
async def address_typed(message: Message, ctx: Ctx) -> None:
    """Another delivery address, read back before it is used."""
    if await reject_text(ctx, message.text, ADDRESS_MAX):
        return
    await remember_answer(ctx, message)
    await flow.go(ctx, Intake.address_check, address_pending=message.text.strip(), address_late=False)


@router.callback_query(Intake.address_check, kb.StepCb.filter(F.step == "addr_check"))
async def address_check(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """✅ Correct uses the address; ✏️ Change asks for it again."""
    await query.answer()
    await address_checked(ctx, callback_data.value)


async def address_checked(ctx: Ctx, value: str) -> None:
    """«ok» (pressed or typed) takes the address read back to the summary; anything else asks again."""
    pending = (await ctx.data()).get("address_pending")
    if value == "ok" and pending:
        await to_confirm(ctx, pending[:ADDRESS_MAX])
    else:
        await flow.back(ctx)


@router.callback_query(Intake.confirm, kb.StepCb.filter(F.step == "confirm"))
async def confirm_nav(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """Back or cancel from the summary."""
    await query.answer()
    await confirm_chosen(ctx, callback_data.value)


async def confirm_chosen(ctx: Ctx, value: str) -> None:
    """At the summary: «send» (typed «yes» or the button's words), «_back» or «_cancel»."""
    if value == "send":
        assert ctx.resident is not None
        result = await requests.submit(ctx.session, ctx.i18n, ctx.settings, ctx.resident, await ctx.data())
        await ctx.notifier().tell(result.told)
        await ctx.state.clear()
    elif value == "_back":
        await flow.back(ctx)
    else:
        await ctx.state.clear()
        await show_menu(ctx, _("Cancelled. Nothing was sent."))


@router.callback_query(kb.ConfirmCb.filter())
async def confirm(query: CallbackQuery, callback_data: kb.ConfirmCb, ctx: Ctx) -> None:
    """Store the request once, however often Confirm is pressed."""
    data = await ctx.data()
    if await ctx.state.get_state() != Intake.confirm.state or data.get("draft_key") != callback_data.draft:
        await query.answer(_("This request has already been sent."), show_alert=True)
        return
    assert ctx.resident is not None
    result = await requests.submit(ctx.session, ctx.i18n, ctx.settings, ctx.resident, data)
    await ctx.notifier().tell(result.told)
    await ctx.state.clear()
    await query.answer(_("Sent"))
    if isinstance(query.message, Message) and result.created:
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


@router.callback_query(Intake.offer, kb.StepCb.filter(F.step == "offer"))
async def offer(query: CallbackQuery, callback_data: kb.StepCb, ctx: Ctx) -> None:
    """A kind for the text written outside a request, or No."""
    await query.answer()
    await offer_chosen(ctx, callback_data.value)


async def offer_chosen(ctx: Ctx, value: str) -> None:
    """Start the chosen kind's wizard with what was written already filled in; «no» sends nothing."""
    data = await ctx.data()
    if value not in {k.value for k in FIRST_STEP}:
        await ctx.state.clear()
        await show_menu(ctx, _("All right, nothing was sent. I am here whenever you need help."))
        return
    kind = RequestKind(value)
    text, voice, photo = data.get("offer_text"), data.get("offer_voice"), data.get("offer_photo")
    prefill: dict[str, object] = {"voice": [voice] if voice else []}
    if photo:
        prefill["photo"] = photo
    if data.get("danger"):
        prefill.update(danger=data["danger"], urgency=Urgency.URGENT.value)
    first = prefilled_step(kind, text, voice, photo, bool(data.get("danger")), prefill)
    await start_wizard(ctx, kind, first, **prefill)


def prefilled_step(
    kind: RequestKind, text: str | None, voice: str | None, photo: str | None, danger: bool, prefill: dict[str, object]
) -> State:
    """Fill the draft from what was written (prefill, in place) and return the first step still to ask."""
    if kind == RequestKind.SUPPLIES and text:
        prefill.update(items_draft(text))
        return Intake.items_review
    if kind == RequestKind.MEDICINE and text:
        prefill["medicine"] = text.strip()
        return Intake.photo if not photo else after_details_step(kind, danger)
    if kind == RequestKind.PSYCH and (text or voice):
        if text:
            prefill["feeling"] = text.strip()
        return Intake.call_time
    if voice and kind != RequestKind.MEDICINE:
        return after_details_step(kind, danger)
    if voice:
        return Intake.photo if not photo else after_details_step(kind, danger)
    return FIRST_STEP[kind]


def after_details_step(kind: RequestKind, danger: bool) -> State:
    """Where after_details leads for a kind that needs an address (danger skips the urgency question)."""
    return Intake.address_choice if danger else Intake.urgency


#: What a typed answer at each of these button questions does (handlers.fallback reads typed answers).
CHOSEN = {
    Intake.photo.state: photo_chosen,
    Intake.items_review.state: review_chosen,
    Intake.urgency.state: urgency_chosen,
    Intake.address_choice.state: address_choice_chosen,
    Intake.address_check.state: address_checked,
    Intake.confirm.state: confirm_chosen,
    Intake.offer.state: offer_chosen,
}


#: the handlers whose text fills a draft field, by step: an edit of such a message updates the field
TEXT_HANDLERS = {
    items_text: Intake.items, medicine_text: Intake.medicine, feeling: Intake.feeling,
    call_time_typed: Intake.call_time, address_typed: Intake.address,
}


class SourceMessages(BaseMiddleware):
    """Remembers which of the resident's messages filled which step of the draft (message_id → step),
    so that Telegram's edited_message of one of them can update the draft, or the sent request."""

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        """Record the message after a text-step handler took it."""
        result = await handler(event, data)
        callback = getattr(data.get("handler"), "callback", None)
        if callback in TEXT_HANDLERS and isinstance(event, Message):
            ctx: Ctx = data["ctx"]
            sources = dict((await ctx.data()).get("sources", {}))
            sources[str(event.message_id)] = TEXT_HANDLERS[callback].state
            await ctx.state.update_data(sources=sources)
        return result


router.message.middleware(SourceMessages())
