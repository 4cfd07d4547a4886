"""Volunteers: the /volunteer sign-up (private chat), the coordinators' decision on the application card
and /volunteers (staff group), the delivery cards' one-tap take (a volunteers' chat or a private chat) and
the taker's steps on their private copy. Rules in bot/services/volunteers.py; every press is checked
against the message it was pressed on."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import LOCALES, Settings
from bot.domain import contacts
from bot.domain.phones import normalize_phone
from bot.services import volunteers
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui import volunteer_texts as vt
from bot.ui.keyboards import DeliveryAction, DeliveryCb, VolDecideCb, VolSignAction, VolSignCb
from bot.ui.notify import DELIVERY_CARD, DELIVERY_COPY, VOLUNTEER_CARD, Notifier
from bot.ui.states import VolunteerSignup
from db.models import DeliveryStatus, Staff, VolunteerStatus
from db.repo import districts as districts_repo
from db.repo import staff as staff_repo
from db.repo import volunteers as volunteers_repo
from handlers.filters import Coordinator, MemberHere, StaffChat

log = logging.getLogger(__name__)

#: The sign-up, in private chats.
private = Router(name="volunteer_signup")
private.message.filter(F.chat.type == "private")
private.callback_query.filter(F.message.chat.type == "private")
#: Presses on delivery cards and private copies, in any chat.
deliveries = Router(name="volunteer_deliveries")
#: The staff group: the application card's buttons and /volunteers (coordinators only).
staff_router = Router(name="volunteer_staff")
#: /volunteerchat in any group (a group becomes a district's volunteers' chat).
setup = Router(name="volunteer_setup")
setup.message.filter(F.chat.type.in_({"group", "supergroup"}))
staff_router.message.filter(StaffChat())
staff_router.callback_query.filter(StaffChat())


# ------------------------------------------------------------------------------ the sign-up

#: Why /volunteer (or its last step) does not sign someone up.
SIGN_UP_REFUSALS = {volunteers.Refusal.PENDING: vt.PENDING, volunteers.Refusal.ALREADY: vt.ALREADY,
                    volunteers.Refusal.BARRED: vt.BARRED}


@private.message(Command("volunteer"))
async def volunteer(message: Message, session: AsyncSession, state: FSMContext) -> None:
    """/volunteer: the sign-up starts with the name (unless they are signed up already)."""
    assert message.from_user is not None
    why = await volunteers.may_sign_up(session, message.from_user.id)
    if why is not None:
        await message.answer(_(SIGN_UP_REFUSALS[why]))
        return
    await state.set_state(VolunteerSignup.name)
    await state.update_data(volunteer={"districts": [], "skills": []})
    await message.answer(_(vt.NAME_PROMPT), reply_markup=_own_name(message))


def _own_name(message: Message) -> ReplyKeyboardMarkup:
    """One reply button with the sender's Telegram name."""
    assert message.from_user is not None
    name = contacts.display_name(message.from_user.first_name, message.from_user.last_name)
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=name)]], resize_keyboard=True, one_time_keyboard=True)


async def _draft(state: FSMContext) -> dict:
    return dict((await state.get_data()).get("volunteer") or {"districts": [], "skills": []})


@private.message(VolunteerSignup.name, F.text, ~F.text.startswith("/"))  # /cancel goes to handlers/start.py
async def name(message: Message, state: FSMContext) -> None:
    """The name (at most 100 characters are kept); then the phone, as a shared contact."""
    text = " ".join((message.text or "").split())
    if not text:
        await message.answer(_(vt.NAME_PROMPT))
        return
    draft = await _draft(state)
    draft["name"] = text[:100]
    await state.update_data(volunteer=draft)
    await state.set_state(VolunteerSignup.phone)
    await message.answer(_(vt.PHONE_PROMPT), reply_markup=ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_(kb.SHARE_PHONE), request_contact=True)]], resize_keyboard=True))


@private.message(VolunteerSignup.name, ~F.text)
async def name_not_text(message: Message) -> None:
    """A sticker, photo or voice where the name was asked: the name is text; asked again."""
    await message.answer(_("Please answer with text."))
    await message.answer(_(vt.NAME_PROMPT), reply_markup=_own_name(message))


@private.message(VolunteerSignup.phone, F.contact)
async def phone(message: Message, state: FSMContext, settings: Settings, i18n: I18n) -> None:
    """Telegram's message.contact, the sender's own only; then the districts."""
    assert message.contact is not None and message.from_user is not None
    normalized = normalize_phone(message.contact.phone_number, settings.phone_region)
    if normalized is None or not contacts.is_own(message.contact, message.from_user):
        await message.answer(_(vt.PHONE_NOT_OWN))
        return
    draft = await _draft(state)
    draft["phone"] = normalized
    await state.update_data(volunteer=draft)
    await state.set_state(VolunteerSignup.districts)
    await message.answer("📱 ✅", reply_markup=ReplyKeyboardRemove())
    await message.answer(_(vt.DISTRICTS_PROMPT), reply_markup=_district_toggles(settings, i18n, []))


@private.message(VolunteerSignup.phone, ~F.text.startswith("/"))
async def phone_typed(message: Message) -> None:
    """Anything but the shared contact: the button is the way."""
    await message.answer(_(vt.PHONE_NOT_OWN))


def _district_toggles(settings: Settings, i18n: I18n, chosen: list[str]):  # type: ignore[no-untyped-def]
    options = [(d.code, d.title(i18n.current_locale)) for d in settings.districts]
    return kb.toggles(VolSignAction.DISTRICT, options, chosen)


def _skill_toggles(chosen: list[str]):  # type: ignore[no-untyped-def]
    return kb.toggles(VolSignAction.SKILL, [(s, _(vt.SKILL_LABELS[s])) for s in volunteers.SKILLS], chosen)


async def _edit(query: CallbackQuery, text: str | None, markup) -> None:  # type: ignore[no-untyped-def]
    """Show the next question (or the new ticks) in place of the pressed message."""
    assert isinstance(query.message, Message)
    with suppress(TelegramBadRequest):  # a double tap: the same content
        if text is None:
            await query.message.edit_reply_markup(reply_markup=markup)
        else:
            await query.message.edit_text(text, reply_markup=markup)


@private.callback_query(VolunteerSignup.districts, VolSignCb.filter(F.a == VolSignAction.DISTRICT))
async def toggle_district(query: CallbackQuery, callback_data: VolSignCb, state: FSMContext, settings: Settings,
                          i18n: I18n) -> None:
    """Tick or untick a district (only configured ones)."""
    draft = await _draft(state)
    if settings.district(callback_data.v) is not None:
        chosen = draft["districts"]
        draft["districts"] = [c for c in chosen if c != callback_data.v] if callback_data.v in chosen else [*chosen, callback_data.v]
        await state.update_data(volunteer=draft)
    await query.answer()
    await _edit(query, None, _district_toggles(settings, i18n, draft["districts"]))


@private.callback_query(VolunteerSignup.skills, VolSignCb.filter(F.a == VolSignAction.SKILL))
async def toggle_skill(query: CallbackQuery, callback_data: VolSignCb, state: FSMContext) -> None:
    """Tick or untick what they can do."""
    draft = await _draft(state)
    if callback_data.v in volunteers.SKILLS:
        chosen = draft["skills"]
        draft["skills"] = [c for c in chosen if c != callback_data.v] if callback_data.v in chosen else [*chosen, callback_data.v]
        await state.update_data(volunteer=draft)
    await query.answer()
    await _edit(query, None, _skill_toggles(draft["skills"]))


@private.callback_query(VolunteerSignup.districts, VolSignCb.filter(F.a == VolSignAction.NEXT))
async def districts_chosen(query: CallbackQuery, state: FSMContext) -> None:
    """At least one district: then what they can do."""
    draft = await _draft(state)
    if not draft["districts"]:
        await query.answer(_(vt.PICK_ONE), show_alert=True)
        return
    await state.set_state(VolunteerSignup.skills)
    await query.answer()
    await _edit(query, _(vt.SKILLS_PROMPT), _skill_toggles(draft["skills"]))


@private.callback_query(VolunteerSignup.skills, VolSignCb.filter(F.a == VolSignAction.NEXT))
async def skills_chosen(query: CallbackQuery, state: FSMContext) -> None:
    """At least one skill: then when they are available."""
    draft = await _draft(state)
    if not draft["skills"]:
        await query.answer(_(vt.PICK_ONE), show_alert=True)
        return
    await state.set_state(VolunteerSignup.availability)
    await query.answer()
    await _edit(query, _(vt.AVAILABILITY_PROMPT), kb.availability([(k, _(v)) for k, v in vt.AVAILABILITY.items()]))


@private.callback_query(VolunteerSignup.availability, VolSignCb.filter(F.a == VolSignAction.WHEN))
async def availability_chosen(query: CallbackQuery, callback_data: VolSignCb, state: FSMContext) -> None:
    """A choice of availability: then the rules."""
    if callback_data.v not in vt.AVAILABILITY:
        await query.answer()
        return
    await query.answer()
    await _rules(state, callback_data.v)
    await _edit(query, _(vt.RULES), kb.volunteer_rules())


@private.message(VolunteerSignup.availability, F.text, ~F.text.startswith("/"))
async def availability_typed(message: Message, state: FSMContext) -> None:
    """Availability in their own words: then the rules."""
    text = " ".join((message.text or "").split())
    if not text:
        await message.answer(_(vt.AVAILABILITY_PROMPT))
        return
    await _rules(state, text[:volunteers.AVAILABILITY_MAX])
    await message.answer(_(vt.RULES), reply_markup=kb.volunteer_rules())


async def _rules(state: FSMContext, when: str) -> None:
    draft = await _draft(state)
    draft["availability"] = when
    await state.update_data(volunteer=draft)
    await state.set_state(VolunteerSignup.rules)


@private.callback_query(VolunteerSignup.rules, VolSignCb.filter(F.a.in_({VolSignAction.AGREE, VolSignAction.DISAGREE})))
async def rules_answered(query: CallbackQuery, callback_data: VolSignCb, session: AsyncSession, state: FSMContext,
                         i18n: I18n, notifier: Notifier) -> None:
    """Agreed: the application goes to the coordinators. Not agreed: nothing is kept."""
    draft = await _draft(state)
    await state.clear()
    await query.answer()
    if callback_data.a == VolSignAction.DISAGREE:
        await _edit(query, _(vt.NO_CONSENT), None)
        return
    result = await volunteers.apply(session, volunteers.Application(
        tg_user_id=query.from_user.id, name=str(draft.get("name", "")), phone=str(draft.get("phone", "")),
        districts=list(draft.get("districts", [])), skills=list(draft.get("skills", [])),
        availability=str(draft.get("availability", "")), locale=i18n.current_locale,
    ))
    await notifier.tell(result.told)
    if result.refusal is not None:  # signed up meanwhile (another device), or the draft was incomplete
        await _edit(query, _(SIGN_UP_REFUSALS.get(result.refusal, vt.NO_CONSENT)), None)
        return
    await _edit(query, _(vt.SIGNED_UP), None)


@private.callback_query(VolSignCb.filter())
async def stale_signup(query: CallbackQuery) -> None:
    """A sign-up button of a conversation that has moved on."""
    await query.answer(_("This button is no longer active."), show_alert=True)


@private.message(VolunteerSignup.photo, F.photo)
async def photo(message: Message, session: AsyncSession, state: FSMContext, notifier: Notifier) -> None:
    """The optional photo of the delivered order: to the worker."""
    assert message.photo and message.from_user is not None
    delivery_id = int((await state.get_data()).get("delivery", 0))
    await state.clear()
    result = await volunteers.add_photo(session, message.from_user.id, delivery_id, message.photo[-1].file_id)
    await notifier.tell(result.told)
    await message.answer(_("Thank you, the photo went to the social worker.") if result.refusal is None
                         else vt.refusal(result.refusal))


@private.message(VolunteerSignup.photo)
async def no_photo(message: Message, state: FSMContext) -> None:
    """Anything else instead of the photo: no photo; the message goes where it would have gone."""
    await state.clear()
    raise SkipHandler


# ------------------------------------------------------------------------------ delivery presses

async def _refuse(query: CallbackQuery, reason: str) -> None:
    log.warning("volunteer action refused (%s) for user %s", reason, query.from_user.id)
    await query.answer(vt.refusal(reason), show_alert=True)


@deliveries.callback_query(DeliveryCb.filter(F.a == DeliveryAction.TAKE))
async def take(query: CallbackQuery, callback_data: DeliveryCb, session: AsyncSession, settings: Settings,
               notifier: Notifier) -> None:
    """🙋 I'll take it, on a delivery card: one winner."""
    assert isinstance(query.message, Message)
    if not await volunteers_repo.shows(session, query.message.chat.id, query.message.message_id, DELIVERY_CARD, callback_data.d):
        await _refuse(query, volunteers.Refusal.NOT_THIS_MESSAGE)
        return
    result = await volunteers.take(session, settings, query.from_user.id, callback_data.d)
    await notifier.tell(result.told)
    if result.refusal is not None:
        await _refuse(query, result.refusal)
        return
    await query.answer(_("It's yours: the address and phone are in your private chat with the bot."), show_alert=True)


async def _own_copy(query: CallbackQuery, session: AsyncSession, delivery_id: int) -> bool:
    """The press is on the presser's own private copy of this delivery."""
    assert isinstance(query.message, Message)
    return query.message.chat.id == query.from_user.id and await volunteers_repo.shows(
        session, query.message.chat.id, query.message.message_id, DELIVERY_COPY, delivery_id)


STEPS = {DeliveryAction.PICKED_UP: DeliveryStatus.PICKED_UP, DeliveryAction.DELIVERED: DeliveryStatus.DELIVERED}


@deliveries.callback_query(DeliveryCb.filter(F.a.in_(set(STEPS)) | (F.a == DeliveryAction.FAIL_REASON)))
async def delivery_step(query: CallbackQuery, callback_data: DeliveryCb, session: AsyncSession, settings: Settings,
                        state: FSMContext, notifier: Notifier) -> None:
    """Picked up, Delivered (then an optional photo), or Can't deliver for the reason picked."""
    if not await _own_copy(query, session, callback_data.d):
        await _refuse(query, volunteers.Refusal.NOT_THIS_MESSAGE)
        return
    new = STEPS.get(callback_data.a, DeliveryStatus.FAILED)
    result = await volunteers.step(session, settings, query.from_user.id, callback_data.d, new,
                                   callback_data.v if new == DeliveryStatus.FAILED else None)
    await notifier.tell(result.told)
    if result.refusal is not None:
        await _refuse(query, result.refusal)
        return
    await query.answer(_("Done."))
    if new == DeliveryStatus.DELIVERED:
        await state.set_state(VolunteerSignup.photo)
        await state.update_data(delivery=callback_data.d)


@deliveries.callback_query(DeliveryCb.filter(F.a.in_({DeliveryAction.FAIL, DeliveryAction.BACK})))
async def fail_picker(query: CallbackQuery, callback_data: DeliveryCb, session: AsyncSession) -> None:
    """❌ Can't deliver: the private copy asks why (or, with Back, shows the steps again)."""
    if not await _own_copy(query, session, callback_data.d):
        await _refuse(query, volunteers.Refusal.NOT_THIS_MESSAGE)
        return
    delivery = await volunteers_repo.delivery_by_id(session, callback_data.d)
    volunteer = await volunteers_repo.by_tg_user(session, query.from_user.id)
    if delivery is None or volunteer is None or delivery.volunteer_id != volunteer.id or delivery.status not in (
            DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP):
        await _refuse(query, volunteers.Refusal.WRONG_STATE)
        return
    await query.answer()
    if callback_data.a == DeliveryAction.FAIL:
        markup = kb.delivery_fail_reasons(callback_data.d, [(c, _(vt.FAIL_REASONS[c])) for c in volunteers.FAIL_REASONS])
    else:
        markup = kb.delivery_steps(callback_data.d, delivery.status == DeliveryStatus.PICKED_UP)
    await _edit(query, None, markup)


# ------------------------------------------------------------------------------ the staff group

coordinators = Router(name="volunteer_coordinators")
coordinators.message.filter(MemberHere(), Coordinator())
coordinators.callback_query.filter(MemberHere(), Coordinator())
others = Router(name="volunteer_others")
staff_router.include_routers(coordinators, others)


@coordinators.callback_query(VolDecideCb.filter())
async def decide(query: CallbackQuery, callback_data: VolDecideCb, session: AsyncSession, notifier: Notifier,
                 member: Staff) -> None:
    """✅ Approve or ✖️ Decline on an application card: one winner on a double press."""
    assert isinstance(query.message, Message)
    if not await volunteers_repo.shows(session, query.message.chat.id, query.message.message_id, VOLUNTEER_CARD,
                                       callback_data.v):
        await _refuse(query, volunteers.Refusal.NOT_THIS_MESSAGE)
        return
    result = await volunteers.decide(session, member, callback_data.v, callback_data.ok)
    await notifier.tell(result.told)
    if result.refusal is not None:
        await _refuse(query, result.refusal)
        return
    await query.answer(_("Done."))


@others.callback_query(VolDecideCb.filter())
async def not_a_coordinator(query: CallbackQuery) -> None:
    """Only a coordinator of this chat decides about volunteers."""
    log.warning("volunteer decision refused for user %s", query.from_user.id)
    await query.answer(_("Only a coordinator can do this."), show_alert=True)


COMMANDS = {"suspend": VolunteerStatus.SUSPENDED, "remove": VolunteerStatus.REMOVED, "restore": VolunteerStatus.APPROVED}


@coordinators.message(Command("volunteers"))
async def roster(message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n,
                 notifier: Notifier, member: Staff) -> None:
    """/volunteers: who is approved, active, and their deliveries; /volunteers suspend|remove|restore N."""
    words = (command.args or "").split()
    if not words:
        names = {d.code: d.title(i18n.current_locale) for d in settings.districts}
        await message.reply(vt.roster(await volunteers.roster(session), names))
        return
    if len(words) != 2 or words[0].lower() not in COMMANDS or not words[1].lstrip("#").isdigit():
        await message.reply(_("Coordinators: /volunteers suspend N, /volunteers remove N, /volunteers restore N."))
        return
    result = await volunteers.change(session, settings, member, int(words[1].lstrip("#")), COMMANDS[words[0].lower()])
    await notifier.tell(result.told)
    if result.refusal is not None or result.volunteer is None:
        await message.reply(vt.refusal(result.refusal or volunteers.Refusal.GONE))
        return
    await message.reply(vt.changed(result.volunteer))


@setup.message(Command("volunteerchat"))
async def volunteer_chat(message: Message, command: CommandObject, session: AsyncSession, settings: Settings,
                         i18n: I18n) -> None:
    """/volunteerchat CODE [zh|ru|uk] by a coordinator (of any staff chat) or an admin: this group (and this
    forum topic) gets the district's delivery cards, in that language. Strangers get no answer."""
    assert message.from_user is not None
    member = await staff_repo.by_tg_user(session, message.from_user.id)
    coordinating = member is not None and member.left_at is None and volunteers.is_coordinator(member)
    if not coordinating and message.from_user.id not in settings.admins:
        return
    words = (command.args or "").split()
    district = await districts_repo.by_code(session, words[0]) if words else None
    locale = words[1].lower() if len(words) > 1 else None
    if district is None or len(words) > 2 or (locale is not None and locale not in LOCALES):
        codes = ", ".join(d.code for d in await districts_repo.all_districts(session))
        await message.reply(_("Use /volunteerchat followed by a district code ({codes}) and optionally the chat's "
                              "language ({languages}).").format(codes=codes, languages=", ".join(LOCALES)))
        return
    topic = message.message_thread_id if message.is_topic_message else None
    await districts_repo.bind_volunteer_chat(session, district, message.chat.id, topic)
    if locale is not None:
        await staff_repo.set_chat_locale(session, message.chat.id, locale)
    conf = settings.district(district.code)
    with i18n.use_locale(locale or await staff_repo.chat_locale(session, message.chat.id) or settings.staff_locale):
        await message.reply(_("Deliveries of {district} that workers hand to volunteers now come to this chat.").format(
            district=texts.q(conf.title(i18n.current_locale) if conf else district.name, 100)))
