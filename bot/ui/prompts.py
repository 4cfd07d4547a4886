"""The question each wizard step asks, with its keyboard."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence

from aiogram.utils.i18n import gettext as _

from bot.ui import keyboards as kb
from bot.ui import texts
from bot.core.config import FlagConfig
from bot.ui.flow import PROMPTS as FLOW_PROMPTS
from bot.ui.flow import Ctx
from bot.domain.items import Item
from bot.services.registry import invited_name
from bot.services.residents import DETAILS_MAX
from bot.ui.states import Intake, Reg
from db.models import RequestKind


async def ask_language(ctx: Ctx) -> None:
    """The language picker, asked in every language the bot speaks."""
    await ctx.bot.send_message(ctx.chat_id, texts.language_question(), reply_markup=kb.languages())


async def ask_consent(ctx: Ctx) -> None:
    """The privacy notice."""
    text = _(
        "👋 Welcome! This bot connects you with the social workers of your community: "
        "food and supplies, medicine, or someone to talk to.\n\n"
        "<b>Privacy.</b> To help you we store your name, phone, address and what you ask for. "
        "Social workers see your request; only the one who takes it sees your phone and address. "
        "You can delete your data at any time with /delete.\n\n"
        "Do you agree?"
    )
    name = invited_name(ctx.resident)
    if name:
        text = _("{name}, hello! The social workers of your community invited you to this bot.").format(
            name=texts.q(name, 100)
        ) + "\n\n" + text
    markup = kb.choices("consent", consent_options(), back=False)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=markup)


def consent_options() -> list[tuple[str, str]]:
    """Agree or not."""
    return [("yes", _("✅ I agree")), ("no", _("I do not agree"))]


async def ask_name(ctx: Ctx) -> None:
    """What is your name?"""
    text = _("What is your name? You can press the button below to use your Telegram name.")
    extra = (ctx.user.full_name[:100],) if ctx.user.full_name.strip() else ()
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard(*extra))


async def ask_phone(ctx: Ctx) -> None:
    """Your phone number."""
    text = _(
        "Your phone number, so that a social worker can call you.\n"
        "Press «📱 Share my phone number» below, or type it."
    )
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard(contact=True))


async def ask_address(ctx: Ctx) -> None:
    """Your home address."""
    text = _("Your home address (street, building, flat), where help should come.")
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard())


def address_check_options() -> list[tuple[str, str]]:
    """The address read back: right, or type it again."""
    return [("ok", _("✅ Correct")), ("change", _("✏️ Change"))]


async def ask_address_check(ctx: Ctx) -> None:
    """The typed address read back before it is stored or used."""
    data = await ctx.data()
    address = texts.q(data.get("address_pending"), 300)
    if data.get("address_late"):
        text = _("Does this belong to the address? Together it reads:\n<b>{address}</b>\n\nIs the address right now?")
    else:
        text = _("Please check the address:\n<b>{address}</b>\n\nIs it right?")
    markup = kb.choices("addr_check", address_check_options(), columns=2, back=False)
    await ctx.bot.send_message(ctx.chat_id, text.format(address=address), reply_markup=markup)


def district_options(ctx: Ctx) -> list[tuple[str, str]]:
    """The configured districts, named in the current language."""
    loc = ctx.i18n.current_locale
    return [(d.code, d.title(loc)) for d in ctx.settings.districts]


async def ask_district(ctx: Ctx) -> None:
    """Which district?"""
    await ctx.bot.send_message(
        ctx.chat_id, _("Which district do you live in?"),
        reply_markup=kb.choices("district", district_options(ctx), columns=2),
    )


def flags_options(chosen: dict[str, bool], configured: Sequence[FlagConfig]) -> list[tuple[str, str]]:
    """A toggle per configured vulnerability flag (VULNERABILITY_FLAGS), then Done."""
    options = [(f.code, ("☑️ " if chosen.get(f.code) else "⬜ ") + seen_label(f.code, configured)) for f in configured]
    return [*options, ("done", _("✅ Done"))]


def flags_markup(chosen: dict[str, bool], configured: Sequence[FlagConfig]):  # type: ignore[no-untyped-def]
    """Toggle buttons for the deployment's vulnerability flags, then Done."""
    return kb.choices("flags", flags_options(chosen, configured))


def seen_label(code: str, configured: Sequence[FlagConfig]) -> str:
    """A flag's name as a button shows it (plain text: buttons do not parse HTML)."""
    return html.unescape(texts.flag_label(code, configured))


async def ask_flags(ctx: Ctx) -> None:
    """Lives alone, over 65, disability, low income... as configured."""
    chosen = (await ctx.data()).get("flags", {})
    text = _("So that we can help you better: tap everything that applies to you, then «Done».")
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=flags_markup(chosen, ctx.settings.vulnerability_flags))


async def ask_items(ctx: Ctx) -> None:
    """What supplies?"""
    text = _(
        "What do you need? Write each item with its amount, separated by commas or on new lines.\n"
        "For example: <i>2 kg rice, milk 1 l, bread</i>\n"
        "You can also send a voice message."
    )
    text += "\n" + _("A list can be up to {limit} characters long.").format(limit=DETAILS_MAX)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard())


async def ask_items_review(ctx: Ctx) -> None:
    """Show the parsed list back for correction."""
    items = [Item(name, qty) for name, qty in (await ctx.data()).get("items", [])]
    text = _("I understood your list like this:\n{items}\n\nIs that right?").format(items=texts.item_lines(items))
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.choices("review", review_options()))


def review_options() -> list[tuple[str, str]]:
    """The parsed list: right, or type it again."""
    return [("ok", _("✅ Yes, that's right")), ("redo", _("✏️ Write it again"))]


async def ask_medicine(ctx: Ctx) -> None:
    """Which medicine and dose?"""
    text = _(
        "Which medicine do you need, and what dose?\n"
        "For example: <i>Metformin 500 mg, 60 tablets</i>\n"
        "You can also send a voice message."
    )
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard())


async def ask_photo(ctx: Ctx) -> None:
    """Optional prescription photo."""
    text = _(
        "If you have a photo of the prescription or of the medicine box, send it now: it helps the social worker.\n"
        "Otherwise press «Skip ▶️»."
    )
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard(_(kb.SKIP)))


async def ask_feeling(ctx: Ctx) -> None:
    """How do you feel?"""
    text = _(
        "How are you feeling? Tell us in your own words; you can also send a voice message.\n"
        "What you write is seen only by the social workers."
    )
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.step_keyboard())


async def ask_call_time(ctx: Ctx) -> None:
    """When to call?"""
    options = [(key, _(label)) for key, label in texts.CALL_TIMES.items()]
    text = _("When is a good time for a social worker to call you? Press a button or write a time.")
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.choices("call", options, columns=2))


def urgency_options() -> list[tuple[str, str]]:
    """Today, or within a day or two."""
    return [("urgent", _("🔴 Urgent: I need it today")), ("normal", _("Within 1–2 days"))]


async def ask_urgency(ctx: Ctx) -> None:
    """How urgent?"""
    await ctx.bot.send_message(ctx.chat_id, _("How urgent is it?"), reply_markup=kb.choices("urgency", urgency_options()))


def address_choice_options(ctx: Ctx) -> list[tuple[str, str]]:
    """The registered address (if any), or another one."""
    registered = ctx.resident.address if ctx.resident else None
    options = [("reg", "📍 " + (registered or "")[:40])] if registered else []
    options.append(("other", _("Another address")))
    return options


async def ask_address_choice(ctx: Ctx) -> None:
    """The registered address or another one?"""
    await ctx.bot.send_message(
        ctx.chat_id, _("Where should the help come?"), reply_markup=kb.choices("addr", address_choice_options(ctx))
    )


async def ask_delivery_address(ctx: Ctx) -> None:
    """Another address."""
    await ctx.bot.send_message(ctx.chat_id, _("Please write the address."), reply_markup=kb.step_keyboard())


async def ask_confirm(ctx: Ctx) -> None:
    """The summary and Confirm."""
    data = await ctx.data()
    await ctx.bot.send_message(ctx.chat_id, texts.summary(data), reply_markup=kb.confirm(data["draft_key"]))


OFFER_KINDS = {
    RequestKind.SUPPLIES: kb.MENU_SUPPLIES,
    RequestKind.MEDICINE: kb.MENU_MEDICINE,
    RequestKind.PSYCH: kb.MENU_PSYCH,
}


def offer_options() -> list[tuple[str, str]]:
    """A button per kind of request, and No."""
    return [*((kind.value, _(label)) for kind, label in OFFER_KINDS.items()), ("no", _("No, do not send it"))]


async def ask_offer(ctx: Ctx) -> None:
    """Something written outside a request, with no open request: send it as a new one?"""
    text = _("Shall I send this to the social workers as a new request? Please choose what it is about.")
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.choices("offer", offer_options(), back=False))


def confirm_options() -> list[tuple[str, str]]:
    """The summary's buttons, as typed answers: send, back, cancel."""
    return [("send", _("✅ Send the request")), ("_back", _(kb.BACK)), ("_cancel", _(kb.CANCEL))]


async def choice_of(ctx: Ctx, step: str | None) -> tuple[list[tuple[str, str]], str | None, str | None] | None:
    """A button question's (value, label) options and the values a typed yes and no stand for; None: not one."""
    if step == Reg.consent.state:
        return consent_options(), "yes", "no"
    if step in (Reg.address_check.state, Intake.address_check.state):
        return address_check_options(), "ok", "change"
    if step == Reg.district.state:
        return district_options(ctx), None, None
    if step == Reg.flags.state:
        return flags_options((await ctx.data()).get("flags", {}), ctx.settings.vulnerability_flags), None, "done"
    if step == Intake.items_review.state:
        return review_options(), "ok", "redo"
    if step == Intake.photo.state:
        return [("skip", _(kb.SKIP))], None, "skip"
    if step == Intake.urgency.state:
        return urgency_options(), None, None
    if step == Intake.address_choice.state:
        return address_choice_options(ctx), None, None
    if step == Intake.confirm.state:
        return confirm_options(), "send", None
    if step == Intake.offer.state:
        return offer_options(), None, "no"
    return None


PROMPTS: dict[str, Callable[[Ctx], Awaitable[None]]] = {
    Reg.language.state: ask_language,
    Reg.consent.state: ask_consent,
    Reg.name.state: ask_name,
    Reg.phone.state: ask_phone,
    Reg.address.state: ask_address,
    Reg.address_check.state: ask_address_check,
    Reg.district.state: ask_district,
    Reg.flags.state: ask_flags,
    Intake.items.state: ask_items,
    Intake.items_review.state: ask_items_review,
    Intake.medicine.state: ask_medicine,
    Intake.photo.state: ask_photo,
    Intake.feeling.state: ask_feeling,
    Intake.call_time.state: ask_call_time,
    Intake.urgency.state: ask_urgency,
    Intake.address_choice.state: ask_address_choice,
    Intake.address.state: ask_delivery_address,
    Intake.address_check.state: ask_address_check,
    Intake.confirm.state: ask_confirm,
    Intake.offer.state: ask_offer,
}
FLOW_PROMPTS.update(PROMPTS)
