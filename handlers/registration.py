"""Registration: consent, name, phone, address, district, situation; each also editable later."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Contact, Message
from aiogram.utils.i18n import gettext as _

from bot.ui import flow, texts
from bot.ui import keyboards as kb
from bot.ui.flow import Ctx
from bot.ui.prompts import flags_markup
from bot.services import checkins, registry, residents
from bot.domain import contacts
from bot.domain.answers import YesNo
from bot.domain import flags as flag_rules
from bot.domain.phones import example_phone, format_phone, normalize_phone
from bot.services.residents import ADDRESS_MAX, NAME_MAX
from bot.ui.states import Reg
from bot.ui.wizard.address_check import address_check
from handlers.common import remember_answer, reject_text
from handlers.checkins import offer_checkins
from handlers.profile import show_profile
from handlers.start import ASKED_CHECKIN, asked, show_menu

router = Router(name="registration")

NEXT = {Reg.name: Reg.phone, Reg.phone: Reg.address, Reg.address: Reg.district, Reg.district: Reg.flags}


async def step_done(ctx: Ctx, step) -> None:  # type: ignore[no-untyped-def]
    """After a detail is stored: the next question, or back to the profile when editing."""
    if (await ctx.data()).get("editing"):
        await ctx.state.clear()
        await show_profile(ctx, _("Saved."))
    elif step in NEXT:
        await flow.go(ctx, NEXT[step])


async def back_or_details(ctx: Ctx) -> None:
    """One question back; a detail changed on its own from «My details» goes back there."""
    if not await flow.back(ctx):
        await ctx.state.clear()
        await show_profile(ctx)


@router.callback_query(Reg.consent, kb.ConsentCb.filter())
async def consent(query: CallbackQuery, callback_data: kb.ConsentCb, ctx: Ctx) -> None:
    """Agreeing creates the resident; refusing stores nothing."""
    await query.answer()
    await consent_chosen(ctx, callback_data.v.value)


async def consent_chosen(ctx: Ctx, value: str) -> None:
    """«yes» (pressed or typed) creates the resident; anything else stores nothing."""
    if value != "yes":
        await ctx.state.clear()
        if ctx.resident is not None:
            registry.release(ctx.session, ctx.resident)
        await ctx.bot.send_message(
            ctx.chat_id,
            _("We store nothing without your consent. If you change your mind, send /start.\n\n")
            + texts.emergency_numbers(ctx.settings.emergency_numbers),
        )
        return
    locale = ctx.i18n.current_locale
    ctx.resident = await residents.give_consent(ctx.session, ctx.user.id, ctx.chat_id, locale)
    if registry.ready_from_register(ctx.resident):
        await registered(ctx)
        return
    await flow.go(ctx, Reg.name)


@router.message(Reg.name, F.text)
async def name(message: Message, ctx: Ctx) -> None:
    """Store the name (any script, escaped wherever shown)."""
    if await reject_text(ctx, message.text, NAME_MAX):
        return
    assert ctx.resident is not None
    residents.update(ctx.session, ctx.resident, name=message.text.strip())
    await step_done(ctx, Reg.name)


@router.message(Reg.phone, F.contact)
@router.message(Reg.phone, F.text)
async def phone(message: Message, ctx: Ctx) -> None:
    """A shared contact or a typed number, validated with libphonenumber."""
    raw = message.contact.phone_number if message.contact else message.text
    normalized = normalize_phone(raw or "", ctx.settings.phone_region)
    if normalized is None:
        await message.answer(
            _("This does not look like a phone number. Please type it with the area code, for example {example}.")
            .format(example=example_phone(ctx.settings.phone_region))
        )
        return
    assert ctx.resident is not None
    if message.contact and not contacts.is_own(message.contact, ctx.user):
        await ask_whose_contact(ctx, message.contact, normalized)
        return
    residents.update(ctx.session, ctx.resident, phone=normalized)
    await step_done(ctx, Reg.phone)


async def ask_whose_contact(ctx: Ctx, contact: Contact, phone: str) -> None:
    """Someone else's contact card (a daughter's, a neighbour's): never taken silently as the resident's."""
    name = contacts.display_name(contact.first_name, contact.last_name)
    await ctx.state.update_data(other_contact=[name, phone])
    await ctx.bot.send_message(
        ctx.chat_id,
        _("This contact is {name}, {phone}. Is it your own number, or a relative's?")
        .format(name=texts.q(name, 100), phone=format_phone(phone)),
        reply_markup=kb.choices(kb.WhoseCb, [(kb.Whose.OWN, _("📱 My own number")),
                                             (kb.Whose.RELATIVE, _("👪 A relative's number"))], back=False),
    )


@router.callback_query(Reg.phone, kb.WhoseCb.filter())
async def whose_contact(query: CallbackQuery, callback_data: kb.WhoseCb, ctx: Ctx) -> None:
    """Own: it is the resident's phone. A relative's: kept as the relative's contact, then their own phone."""
    await query.answer()
    pending = (await ctx.data()).get("other_contact")
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    if not pending:
        await flow.ask(ctx)
        return
    name, phone = pending
    await ctx.state.update_data(other_contact=None)
    assert ctx.resident is not None
    if callback_data.v is kb.Whose.OWN:
        residents.update(ctx.session, ctx.resident, phone=phone)
        await step_done(ctx, Reg.phone)
        return
    residents.update(ctx.session, ctx.resident, contact_name=name or None, contact_phone=phone)
    await ctx.bot.send_message(
        ctx.chat_id,
        _("Saved as your relative's contact: {name}, {phone}. A social worker can call them if they cannot reach you.")
        .format(name=texts.q(name, 100), phone=format_phone(phone)),
    )
    await flow.ask(ctx)


class ForeignContact(Filter):
    """Another person's contact card from a registered resident, outside the phone question."""

    async def __call__(self, message: Message, ctx: Ctx) -> bool:
        """True when the card is not the sender's own and its number is valid."""
        return (
            message.contact is not None and residents.is_registered(ctx.resident)
            and not contacts.is_own(message.contact, ctx.user)
            and normalize_phone(message.contact.phone_number, ctx.settings.phone_region) is not None
        )


@router.message(ForeignContact())
async def contact_elsewhere(message: Message, ctx: Ctx) -> None:
    """A relative's card sent at any other moment: offered as the relative's contact, never ignored."""
    assert message.contact is not None
    phone = normalize_phone(message.contact.phone_number, ctx.settings.phone_region)
    name = contacts.display_name(message.contact.first_name, message.contact.last_name)
    await ctx.state.update_data(other_contact=[name, phone])
    await ctx.bot.send_message(
        ctx.chat_id,
        _("Save {name}, {phone} as your relative's contact? A social worker can call them if they cannot reach you.")
        .format(name=texts.q(name, 100), phone=format_phone(phone or "")),
        reply_markup=kb.choices(kb.RelativeCb, [(YesNo.YES, _("✅ Yes, save it")), (YesNo.NO, _("No, thank you"))],
                                back=False),
    )


@router.callback_query(kb.RelativeCb.filter())
async def save_relative(query: CallbackQuery, callback_data: kb.RelativeCb, ctx: Ctx) -> None:
    """Yes: the card becomes the relative's contact. Either way, the question of the moment again."""
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    pending = (await ctx.data()).get("other_contact")
    await ctx.state.update_data(other_contact=None)
    if callback_data.v is YesNo.YES and pending and ctx.resident is not None:
        name, phone = pending
        residents.update(ctx.session, ctx.resident, contact_name=name or None, contact_phone=phone)
        await ctx.bot.send_message(ctx.chat_id, _("Saved."))
    await flow.ask(ctx)


@router.message(Reg.address, F.text)
async def address(message: Message, ctx: Ctx) -> None:
    """The home address, read back before it is stored."""
    if await reject_text(ctx, message.text, ADDRESS_MAX):
        return
    await remember_answer(ctx, message)
    await flow.go(ctx, Reg.address_check, address_pending=message.text.strip(), address_late=False)


async def store_address(ctx: Ctx, address: str) -> None:
    """The home address read back and found right: stored."""
    assert ctx.resident is not None
    residents.update(ctx.session, ctx.resident, address=address)
    await step_done(ctx, Reg.address)


#: ✅ Correct stores the address; ✏️ Change asks for it again (the same read-back as the request wizard's)
ADDRESS_CHECK = address_check(Reg.address_check, store_address)


@router.callback_query(Reg.district, kb.DistrictCb.filter())
async def district(query: CallbackQuery, callback_data: kb.DistrictCb, ctx: Ctx) -> None:
    """Store the district chosen from the configured list."""
    await query.answer()
    await district_chosen(ctx, callback_data.v)


async def district_chosen(ctx: Ctx, value: str) -> None:
    """A district code (pressed or typed as its name), or «_back»."""
    if value == "_back":
        await back_or_details(ctx)
        return
    chosen = await residents.district_by_code(ctx.session, value)
    if chosen is None:
        await flow.ask(ctx)
        return
    assert ctx.resident is not None
    residents.update(ctx.session, ctx.resident, district_id=chosen.id)
    await step_done(ctx, Reg.district)


@router.callback_query(Reg.flags, kb.FlagCb.filter())
async def flags(query: CallbackQuery, callback_data: kb.FlagCb, ctx: Ctx) -> None:
    """Toggle a situation flag in place; Done stores them."""
    await query.answer()
    value = callback_data.v
    configured = ctx.settings.vulnerability_flags
    if value in {f.code for f in configured}:
        chosen = await toggle_flag(ctx, value)
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=flags_markup(chosen, configured))
        return
    await flags_chosen(ctx, value)


async def toggle_flag(ctx: Ctx, flag: str) -> dict[str, bool]:
    """Flip one situation flag in the draft; returns them all."""
    chosen = dict((await ctx.data()).get("flags", {}))
    chosen[flag] = not chosen.get(flag, False)
    await ctx.state.update_data(flags=chosen)
    return chosen


async def flags_chosen(ctx: Ctx, value: str) -> None:
    """A typed flag toggles it and shows the question again; «done» stores them; «_back» goes back."""
    if value == "_back":
        await back_or_details(ctx)
        return
    offered = [f.code for f in ctx.settings.vulnerability_flags]
    if value in offered:
        await toggle_flag(ctx, value)
        await flow.ask(ctx)
        return
    chosen = dict((await ctx.data()).get("flags", {}))
    assert ctx.resident is not None
    picked = [code for code in offered if chosen.get(code)]
    residents.update(ctx.session, ctx.resident, **flag_rules.fields_for(picked, ctx.resident, offered))
    if (await ctx.data()).get("editing"):
        await step_done(ctx, Reg.flags)
        return
    await registered(ctx)


#: What a typed answer at each of these button questions does (handlers.fallback reads typed answers).
CHOSEN = {
    Reg.consent.state: consent_chosen,
    Reg.district.state: district_chosen,
    Reg.flags.state: flags_chosen,
}


async def registered(ctx: Ctx) -> None:
    """Registration complete: the menu, and daily check-ins (set from the register, or offered)."""
    assert ctx.resident is not None
    residents.finish_registration(ctx.session, ctx.resident)
    await ctx.state.clear()
    await show_menu(ctx, _("✅ You are registered. Whenever you need help, choose below."))
    if ctx.resident.imported_checkin_times:
        plan = await checkins.enrol(ctx.session, ctx.settings, ctx.resident, ctx.resident.imported_checkin_times)
        await ctx.bot.send_message(
            ctx.chat_id,
            _("Every day at {times} we will ask whether you are OK. You can change this with /checkin.")
            .format(times=", ".join(plan.times)),
        )
    elif checkins.offered(ctx.resident):
        await asked(ctx, ASKED_CHECKIN)  # a typed «对» answers it (handlers.fallback)
        await offer_checkins(ctx)
