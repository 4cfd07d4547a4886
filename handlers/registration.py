"""Registration's typed answers: name, phone (typed or a shared contact card, someone else's card asked
about), home address; and a relative's card sent at any moment. The questions, and the button questions
(consent, district, situation), are engine steps: bot/ui/wizard/registration/."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Contact, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui import texts
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui import prompts  # noqa: F401  (the language picker, asked before consent)
from bot.ui.wizard import registration as steps  # noqa: F401  (declares registration's steps)
from bot.ui.wizard.registration.common import step_done
from bot.ui.wizard.registration.details import ADDRESS, NAME
from bot.services import residents
from bot.domain import contacts
from bot.domain.answers import YesNo
from bot.domain.phones import example_phone, format_phone, normalize_phone
from bot.ui.states import Reg
from handlers.common import remember_answer, reject_text
from db.models import Resident

router = Router(name="registration")


@router.message(Reg.name, F.text)
async def name(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings, i18n: I18n,
) -> None:
    """Store the name (any script, escaped wherever shown)."""
    if await reject_text(message, message.text, NAME.limit or 0):
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
    if await reject_text(message, message.text, ADDRESS.limit or 0):
        return
    assert message.text is not None
    await remember_answer(wizard.state, message)
    await wizard.go(Reg.address_check, address_pending=message.text.strip(), address_late=False)
