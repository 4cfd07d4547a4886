"""The question each wizard step asks, with its keyboard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.flow import Ctx
from bot.services.items import Item
from bot.services.registry import invited_name
from bot.services.residents import DETAILS_MAX, FLAGS
from bot.states import Intake, Reg

LANGUAGE_QUESTION = "请选择语言 · Выберите язык · Оберіть мову"


async def ask_language(ctx: Ctx) -> None:
    """The language picker, asked in all three languages."""
    await ctx.bot.send_message(ctx.chat_id, LANGUAGE_QUESTION, reply_markup=kb.languages())


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
    markup = kb.choices("consent", [("yes", _("✅ I agree")), ("no", _("I do not agree"))], back=False)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=markup)


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


async def ask_district(ctx: Ctx) -> None:
    """Which district?"""
    loc = ctx.i18n.current_locale
    options = [(d.code, d.title(loc)) for d in ctx.settings.districts]
    await ctx.bot.send_message(
        ctx.chat_id, _("Which district do you live in?"), reply_markup=kb.choices("district", options, columns=2)
    )


def flags_markup(chosen: dict[str, bool]):  # type: ignore[no-untyped-def]
    """Toggle buttons for the vulnerability questions."""
    options = [(key, ("☑️ " if chosen.get(key) else "⬜ ") + _(texts.FLAG_LABELS[key])) for key in FLAGS]
    return kb.choices("flags", [*options, ("done", _("✅ Done"))])


async def ask_flags(ctx: Ctx) -> None:
    """Lives alone, over 65, disability, chronic illness."""
    chosen = (await ctx.data()).get("flags", {})
    text = _("So that we can help you better: tap everything that applies to you, then «Done».")
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=flags_markup(chosen))


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
    options = [("ok", _("✅ Yes, that's right")), ("redo", _("✏️ Write it again"))]
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=kb.choices("review", options))


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


async def ask_urgency(ctx: Ctx) -> None:
    """How urgent?"""
    options = [("urgent", _("🔴 Urgent: I need it today")), ("normal", _("Within 1–2 days"))]
    await ctx.bot.send_message(ctx.chat_id, _("How urgent is it?"), reply_markup=kb.choices("urgency", options))


async def ask_address_choice(ctx: Ctx) -> None:
    """The registered address or another one?"""
    registered = ctx.resident.address if ctx.resident else None
    options = [("reg", "📍 " + (registered or "")[:40])] if registered else []
    options.append(("other", _("Another address")))
    await ctx.bot.send_message(ctx.chat_id, _("Where should the help come?"), reply_markup=kb.choices("addr", options))


async def ask_delivery_address(ctx: Ctx) -> None:
    """Another address."""
    await ctx.bot.send_message(ctx.chat_id, _("Please write the address."), reply_markup=kb.step_keyboard())


async def ask_confirm(ctx: Ctx) -> None:
    """The summary and Confirm."""
    data = await ctx.data()
    await ctx.bot.send_message(ctx.chat_id, texts.summary(data), reply_markup=kb.confirm(data["draft_key"]))


PROMPTS: dict[str, Callable[[Ctx], Awaitable[None]]] = {
    Reg.language.state: ask_language,
    Reg.consent.state: ask_consent,
    Reg.name.state: ask_name,
    Reg.phone.state: ask_phone,
    Reg.address.state: ask_address,
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
    Intake.confirm.state: ask_confirm,
}
