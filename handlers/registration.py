"""Registration: consent, name, phone, address, district, situation; each also editable later."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Contact, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui import texts
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
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
from db.models import Resident

router = Router(name="registration")

NEXT = {Reg.name: Reg.phone, Reg.phone: Reg.address, Reg.address: Reg.district, Reg.district: Reg.flags}


async def step_done(
    wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings, i18n: I18n, step: State,
) -> None:
    """After a detail is stored: the next question, or back to the profile when editing."""
    if (await wizard.data()).get("editing"):
        await wizard.state.clear()
        await show_profile(wizard, resident, session, settings, i18n, _("Saved."))
    elif step in NEXT:
        await wizard.go(NEXT[step])


async def back_or_details(
    wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """One question back; a detail changed on its own from «My details» goes back there."""
    if not await wizard.back():
        await wizard.state.clear()
        assert resident is not None
        await show_profile(wizard, resident, session, settings, i18n)


@router.callback_query(Reg.consent, kb.ConsentCb.filter())
async def consent(
    query: CallbackQuery, callback_data: kb.ConsentCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """Agreeing creates the resident; refusing stores nothing."""
    await query.answer()
    await consent_chosen(callback_data.v.value, wizard, resident, session, settings, i18n, query.from_user)


async def consent_chosen(
    value: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
    event_from_user: User,
) -> None:
    """«yes» (pressed or typed) creates the resident; anything else stores nothing."""
    if value != "yes":
        await wizard.state.clear()
        if resident is not None:
            registry.release(session, resident)
        await wizard.say(
            _("We store nothing without your consent. If you change your mind, send /start.\n\n")
            + texts.emergency_numbers(settings.emergency_numbers),
        )
        return
    resident = await residents.give_consent(session, event_from_user.id, wizard.chat_id, i18n.current_locale)
    wizard.serve(resident)
    if registry.ready_from_register(resident):
        await registered(wizard, resident, session, settings)
        return
    await wizard.go(Reg.name)


@router.message(Reg.name, F.text)
async def name(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """Store the name (any script, escaped wherever shown)."""
    if await reject_text(message, message.text, NAME_MAX):
        return
    assert message.text is not None and resident is not None
    residents.update(session, resident, name=message.text.strip())
    await step_done(wizard, resident, session, settings, i18n, Reg.name)


@router.message(Reg.phone, F.contact)
@router.message(Reg.phone, F.text)
async def phone(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """A shared contact or a typed number, validated with libphonenumber."""
    raw = message.contact.phone_number if message.contact else message.text
    normalized = normalize_phone(raw or "", settings.phone_region)
    if normalized is None:
        await message.answer(
            _("This does not look like a phone number. Please type it with the area code, for example {example}.")
            .format(example=example_phone(settings.phone_region))
        )
        return
    assert resident is not None
    if message.contact and not contacts.is_own(message.contact, message.from_user):
        await ask_whose_contact(wizard, message.contact, normalized)
        return
    residents.update(session, resident, phone=normalized)
    await step_done(wizard, resident, session, settings, i18n, Reg.phone)


async def ask_whose_contact(wizard: Wizard, contact: Contact, phone: str) -> None:
    """Someone else's contact card (a daughter's, a neighbour's): never taken silently as the resident's."""
    name = contacts.display_name(contact.first_name, contact.last_name)
    await wizard.state.update_data(other_contact=[name, phone])
    await wizard.say(
        _("This contact is {name}, {phone}. Is it your own number, or a relative's?")
        .format(name=texts.q(name, 100), phone=format_phone(phone)),
        reply_markup=kb.choices(kb.WhoseCb, [(kb.Whose.OWN, _("📱 My own number")),
                                             (kb.Whose.RELATIVE, _("👪 A relative's number"))], back=False),
    )


@router.callback_query(Reg.phone, kb.WhoseCb.filter())
async def whose_contact(
    query: CallbackQuery, callback_data: kb.WhoseCb, wizard: Wizard, resident: Resident | None, session: AsyncSession,
    settings: Settings, i18n: I18n,
) -> None:
    """Own: it is the resident's phone. A relative's: kept as the relative's contact, then their own phone."""
    await query.answer()
    pending = (await wizard.data()).get("other_contact")
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    if not pending:
        await wizard.ask()
        return
    name, phone = pending
    await wizard.state.update_data(other_contact=None)
    assert resident is not None
    if callback_data.v is kb.Whose.OWN:
        residents.update(session, resident, phone=phone)
        await step_done(wizard, resident, session, settings, i18n, Reg.phone)
        return
    residents.update(session, resident, contact_name=name or None, contact_phone=phone)
    await wizard.say(
        _("Saved as your relative's contact: {name}, {phone}. A social worker can call them if they cannot reach you.")
        .format(name=texts.q(name, 100), phone=format_phone(phone)),
    )
    await wizard.ask()


class ForeignContact(Filter):
    """Another person's contact card from a registered resident, outside the phone question."""

    async def __call__(self, message: Message, resident: Resident | None, settings: Settings) -> bool:
        """True when the card is not the sender's own and its number is valid."""
        return (
            message.contact is not None and residents.is_registered(resident)
            and not contacts.is_own(message.contact, message.from_user)
            and normalize_phone(message.contact.phone_number, settings.phone_region) is not None
        )


@router.message(ForeignContact())
async def contact_elsewhere(message: Message, wizard: Wizard, settings: Settings) -> None:
    """A relative's card sent at any other moment: offered as the relative's contact, never ignored."""
    assert message.contact is not None
    phone = normalize_phone(message.contact.phone_number, settings.phone_region)
    name = contacts.display_name(message.contact.first_name, message.contact.last_name)
    await wizard.state.update_data(other_contact=[name, phone])
    await message.answer(
        _("Save {name}, {phone} as your relative's contact? A social worker can call them if they cannot reach you.")
        .format(name=texts.q(name, 100), phone=format_phone(phone or "")),
        reply_markup=kb.choices(kb.RelativeCb, [(YesNo.YES, _("✅ Yes, save it")), (YesNo.NO, _("No, thank you"))],
                                back=False),
    )


@router.callback_query(kb.RelativeCb.filter())
async def save_relative(
    query: CallbackQuery, callback_data: kb.RelativeCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession,
) -> None:
    """Yes: the card becomes the relative's contact. Either way, the question of the moment again."""
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    pending = (await wizard.data()).get("other_contact")
    await wizard.state.update_data(other_contact=None)
    if callback_data.v is YesNo.YES and pending and resident is not None:
        name, phone = pending
        residents.update(session, resident, contact_name=name or None, contact_phone=phone)
        await wizard.say(_("Saved."))
    await wizard.ask()


@router.message(Reg.address, F.text)
async def address(message: Message, wizard: Wizard) -> None:
    """The home address, read back before it is stored."""
    if await reject_text(message, message.text, ADDRESS_MAX):
        return
    assert message.text is not None
    await remember_answer(wizard.state, message)
    await wizard.go(Reg.address_check, address_pending=message.text.strip(), address_late=False)


async def store_address(
    address: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """The home address read back and found right: stored."""
    assert resident is not None
    residents.update(session, resident, address=address)
    await step_done(wizard, resident, session, settings, i18n, Reg.address)


#: ✅ Correct stores the address; ✏️ Change asks for it again (the same read-back as the request wizard's)
ADDRESS_CHECK = address_check(Reg.address_check, store_address)


@router.callback_query(Reg.district, kb.DistrictCb.filter())
async def district(
    query: CallbackQuery, callback_data: kb.DistrictCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """Store the district chosen from the configured list."""
    await query.answer()
    await district_chosen(callback_data.v, wizard, resident, session, settings, i18n)


async def district_chosen(
    value: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """A district code (pressed or typed as its name), or «_back»."""
    if value == "_back":
        await back_or_details(wizard, resident, session, settings, i18n)
        return
    chosen = await residents.district_by_code(session, value)
    if chosen is None:
        await wizard.ask()
        return
    assert resident is not None
    residents.update(session, resident, district_id=chosen.id)
    await step_done(wizard, resident, session, settings, i18n, Reg.district)


@router.callback_query(Reg.flags, kb.FlagCb.filter())
async def flags(
    query: CallbackQuery, callback_data: kb.FlagCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """Toggle a situation flag in place; Done stores them."""
    await query.answer()
    value = callback_data.v
    configured = settings.vulnerability_flags
    if value in {f.code for f in configured}:
        chosen = await toggle_flag(wizard, value)
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=flags_markup(chosen, configured))
        return
    await flags_chosen(value, wizard, resident, session, settings, i18n)


async def toggle_flag(wizard: Wizard, flag: str) -> dict[str, bool]:
    """Flip one situation flag in the draft; returns them all."""
    chosen = dict((await wizard.data()).get("flags", {}))
    chosen[flag] = not chosen.get(flag, False)
    await wizard.state.update_data(flags=chosen)
    return chosen


async def flags_chosen(
    value: str, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """A typed flag toggles it and shows the question again; «done» stores them; «_back» goes back."""
    if value == "_back":
        await back_or_details(wizard, resident, session, settings, i18n)
        return
    offered = [f.code for f in settings.vulnerability_flags]
    if value in offered:
        await toggle_flag(wizard, value)
        await wizard.ask()
        return
    chosen = dict((await wizard.data()).get("flags", {}))
    assert resident is not None
    picked = [code for code in offered if chosen.get(code)]
    residents.update(session, resident, **flag_rules.fields_for(picked, resident, offered))
    if (await wizard.data()).get("editing"):
        await step_done(wizard, resident, session, settings, i18n, Reg.flags)
        return
    await registered(wizard, resident, session, settings)


#: What a typed answer at each of these button questions does (handlers.fallback reads typed answers;
#: each is given the typed value and the injected values it names).
CHOSEN = {
    Reg.consent.state: consent_chosen,
    Reg.district.state: district_chosen,
    Reg.flags.state: flags_chosen,
}


async def registered(wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings) -> None:
    """Registration complete: the menu, and daily check-ins (set from the register, or offered)."""
    residents.finish_registration(session, resident)
    await wizard.state.clear()
    await show_menu(wizard, resident, _("✅ You are registered. Whenever you need help, choose below."))
    if resident.imported_checkin_times:
        plan = await checkins.enrol(session, settings, resident, resident.imported_checkin_times)
        await wizard.say(
            _("Every day at {times} we will ask whether you are OK. You can change this with /checkin.")
            .format(times=", ".join(plan.times)),
        )
    elif checkins.offered(resident):
        await asked(wizard.state, ASKED_CHECKIN)  # a typed «对» answers it (handlers.fallback)
        await offer_checkins(wizard, settings)
