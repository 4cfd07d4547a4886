"""The staff group: /join, /duty, /open, /mine, /stats, routing, and the buttons on request cards.

Inside a staff chat (the filters are in handlers/filters.py) three routers are tried in turn: `router` takes what anyone may do (/join, leaving,
a migration); `members` only registered staff of this chat (its filter, MemberHere, gives each handler
the `member` and the chat's current id, `staff_chat`); `strangers` gives everybody else the short
refusal for the same commands and buttons. Services return decisions; `notifier` (injected for every
update) tells them in the update's transaction.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import LEAVE_TRANSITION, ChatMemberUpdatedFilter, Command, CommandObject, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, ForceReply, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ui import keyboards as kb
from bot.ui import staff_reports, staff_texts, texts
from bot.core.config import LOCALES, Settings
from bot.ui.i18n import N_
from bot.ui.keyboards import StaffAction
from bot.ui.notify import Notifier
from bot.services import checkin_command, followups, staff, staff_chats, staff_queries, volunteers
from bot.ui import volunteer_texts
from bot.ui.states import Referral
from db.models import RequestStatus, Staff, StaffRole
from db.repo import districts
from handlers.filters import Coordinator, MemberHere, StaffChat, anonymous

log = logging.getLogger(__name__)

PROGRESS = {
    StaffAction.ON_THE_WAY: RequestStatus.ON_THE_WAY,
    StaffAction.DONE: RequestStatus.DONE,
    StaffAction.RELEASE: RequestStatus.NEW,
}


router = Router(name="staff")
router.message.filter(StaffChat())
router.callback_query.filter(StaffChat())
members = Router(name="staff_members")
members.message.filter(MemberHere())
members.callback_query.filter(MemberHere())
strangers = Router(name="staff_strangers")
router.include_routers(members, strangers)

#: Commands that also work in a group that is not a staff chat yet (a coordinator setting up a station).
setup_router = Router(name="staff_setup")
setup_router.message.filter(F.chat.type.in_({"group", "supergroup"}))


@setup_router.message(Command("route"))
async def route(message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    """/route CODE by a coordinator: this group (and this forum topic) takes the district's requests."""
    assert message.from_user is not None
    member = await staff.authorize(session, message.from_user.id, message.chat.id)
    is_coordinator = isinstance(member, Staff) and member.role == StaffRole.COORDINATOR
    if not is_coordinator and message.from_user.id not in settings.admins:
        if await districts.is_staff_chat(session, message.chat.id, settings.staff_chat_id):
            await message.reply(_("Only a coordinator can do this."))
        return  # in any other group, strangers get no answer at all
    district = await districts.by_code(session, (command.args or "").strip())
    if district is None:
        codes = ", ".join(d.code for d in await districts.all_districts(session))
        await message.reply(_("Use /route followed by a district code: {codes}").format(codes=codes))
        return
    topic = message.message_thread_id if message.is_topic_message else None
    await districts.route(session, district, message.chat.id, topic)
    conf = settings.district(district.code)
    title = texts.q(conf.title(i18n.current_locale) if conf else district.name, 100)
    await message.reply(_("Requests from {district} now come to this chat. Staff: send /join here.").format(district=title))


@setup_router.my_chat_member()
async def bot_added(event: ChatMemberUpdated, session: AsyncSession, settings: Settings, notifier: Notifier) -> None:
    """The bot is back in a group it was removed from: if it is a staff chat, post the cards it missed.
    Any other group goes on to handlers/groups.py, which tells it its chat id."""
    if event.old_chat_member.status not in ("left", "kicked") or event.new_chat_member.status not in ("member", "administrator"):
        raise SkipHandler
    chat_id = await districts.resolve_chat(session, event.chat.id)
    if not await districts.is_staff_chat(session, chat_id, settings.staff_chat_id):
        raise SkipHandler
    missing = await staff_chats.post_missing_cards(session, settings, chat_id)
    await notifier.tell(missing.told)
    log.info("bot added back to staff chat %s: %s cards to post", chat_id, missing.count)


@router.message(F.migrate_to_chat_id)
async def migrated(message: Message, session: AsyncSession) -> None:
    """The group became a supergroup: follow it."""
    assert message.migrate_to_chat_id is not None
    await districts.migrate_chat(session, message.chat.id, message.migrate_to_chat_id)


@router.message(F.left_chat_member)
async def member_left_message(message: Message, session: AsyncSession, settings: Settings, notifier: Notifier) -> None:
    """The service message of someone leaving (small groups): as the chat_member update below."""
    assert message.left_chat_member is not None
    await notifier.tell(await staff.left_chat(session, settings, message.left_chat_member.id, message.chat.id) or ())


@router.chat_member(ChatMemberUpdatedFilter(member_status_changed=LEAVE_TRANSITION))
async def member_left(event: ChatMemberUpdated, session: AsyncSession, settings: Settings, notifier: Notifier) -> None:
    """Someone left a staff chat or was removed: their rights there end, their requests go back to the queue."""
    user_id = event.new_chat_member.user.id
    await notifier.tell(await staff.left_chat(session, settings, user_id, event.chat.id) or ())


ANONYMOUS = N_("Please send the command as yourself, not on behalf of the group: in the group's admin settings "
               "turn off «Remain anonymous» for yourself, then send it again.")


@router.message(Command("join"))
async def join(message: Message, session: AsyncSession, settings: Settings) -> None:
    """Register the sender as staff of this chat (never an anonymous admin: nobody could tell who it is)."""
    assert message.from_user is not None
    if anonymous(message):
        await message.reply(_(ANONYMOUS))
        return
    member = await staff.join(session, settings, message.from_user.id, message.from_user.full_name, message.chat.id)
    role = _("coordinator") if member.role == StaffRole.COORDINATOR else _("social worker")
    text = _("Welcome, {name}: you are registered as {role}. Open a private chat with me and press Start, "
             "so that I can send you the phone and address of the residents whose requests you take.")
    if member.role == StaffRole.COORDINATOR and member.tg_user_id not in settings.admins:
        text += "\n" + _("You coordinate this chat because you joined it first (nobody from ADMINS has joined it).")
    await message.reply(text.format(name=staff_texts.mention(member), role=role))


# ------------------------------------------------------------------------------ members of this chat


@members.message(Command("duty"))
async def duty(message: Message, command: CommandObject, session: AsyncSession, member: Staff) -> None:
    """/duty on or /duty off."""
    arg = (command.args or "").strip().lower()
    if arg not in ("on", "off"):
        await message.reply(_("Use /duty on or /duty off."))
        return
    await staff.set_duty(session, member, arg == "on")
    text = _("{name} is on duty.") if arg == "on" else _("{name} is off duty.")
    await message.reply(text.format(name=staff_texts.mention(member)))


@members.message(Command("open"))
async def open_requests(message: Message, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    """This chat's open requests, urgent and oldest first."""
    listing = await staff_queries.open_list(session, settings, message.chat.id)
    text = staff_reports.open_page(listing, i18n.current_locale, settings.timezone)
    await message.reply(text, reply_markup=kb.open_pages(listing.page, listing.pages))


@members.callback_query(kb.OpenPageCb.filter())
async def open_page(
    query: CallbackQuery, callback_data: kb.OpenPageCb, session: AsyncSession, settings: Settings, i18n: I18n,
    staff_chat: int,
) -> None:
    """Another page of /open, in place of the one shown."""
    assert isinstance(query.message, Message)
    listing = await staff_queries.open_list(session, settings, staff_chat, callback_data.p)
    text = staff_reports.open_page(listing, i18n.current_locale, settings.timezone)
    await query.answer()
    with suppress(TelegramBadRequest):  # the same page again: "message is not modified"
        await query.message.edit_text(text, reply_markup=kb.open_pages(listing.page, listing.pages))


@members.message(Command("mine"))
async def mine(message: Message, session: AsyncSession, settings: Settings, i18n: I18n, member: Staff) -> None:
    """The sender's requests in progress."""
    rows = await staff_queries.mine(session, member)
    await message.reply(staff_reports.mine(rows, i18n.current_locale, settings.timezone))


@members.message(Command("stats"))
async def stats(message: Message, session: AsyncSession, settings: Settings) -> None:
    """Today's numbers for this chat."""
    await message.reply(staff_reports.day_stats(await staff_queries.stats(session, settings, message.chat.id)))


@members.message(Command("chatlang"), Coordinator())
async def chat_language(message: Message, command: CommandObject, session: AsyncSession, i18n: I18n) -> None:
    """/chatlang zh|ru|uk: the language of this staff chat."""
    code = (command.args or "").strip().lower()
    if code not in LOCALES:
        await message.reply(_("Use /chatlang followed by one of: {codes}").format(codes=", ".join(LOCALES)))
        return
    await staff_queries.set_chat_locale(session, message.chat.id, code)
    with i18n.use_locale(code):  # confirmed in the language just chosen
        await message.reply(_("This chat's language is now {language}.").format(language=kb.LANGUAGE_NAMES[code]))


async def refuse(query: CallbackQuery, reason: str, holder: str | None = None) -> None:
    """A short alert; the forged or stale press is logged with ids only."""
    log.warning("staff action refused (%s) for user %s", reason, query.from_user.id)
    await query.answer(staff_texts.refusal(reason, holder), show_alert=True)


class ShownHere(Filter):
    """The pressed message shows the request (its card, its digest line, a picker asked for it): the
    callback data names the request and can be forged (bot.services.staff.pressed_on)."""

    async def __call__(self, query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession) -> bool:
        """Whether the press may act on the request."""
        assert isinstance(query.message, Message)
        replied = query.message.reply_to_message
        return await staff.pressed_on(  # the message's own chat: an old card is known in the old group
            session, query.message.chat.id, query.message.message_id, callback_data.r,
            replied.message_id if replied else None,
        ) is None


#: The buttons on cards and pickers, pressed by a member on a message that shows the request.
cards = Router(name="staff_cards")
cards.callback_query.filter(kb.StaffCb.filter(), ShownHere())
#: Any other card press: why not.
not_shown = Router(name="staff_not_shown")
members.include_routers(cards, not_shown)


async def answer(query: CallbackQuery, notifier: Notifier, outcome: staff.Outcome, *, picker: bool = False) -> None:
    """Tell what the action decided (a settle refused after its claim still tells the claim), then answer
    the press: «Done.» (and the picker goes) or why not."""
    await notifier.tell(outcome.told)
    if outcome.refusal is not None:
        await refuse(query, outcome.refusal, outcome.holder)
        return
    await query.answer(_("Done."))
    if picker:
        await delete_picker(query)


@cards.callback_query(kb.StaffCb.filter(F.a == StaffAction.CLAIM))
async def claim(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """✋ Claim: one winner; the others learn who has it."""
    await answer(query, notifier, await staff.claim(session, settings, member, callback_data.r, staff_chat))


@cards.callback_query(kb.StaffCb.filter(F.a == StaffAction.HANDOVER))
async def hand_over(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                    notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """🙋 Hand to volunteers: the delivery card goes to the district's volunteers (the claimer stays the owner)."""
    result = await volunteers.hand_over(session, settings, member, callback_data.r, staff_chat)
    await notifier.tell(result.told)
    if result.refusal is not None:
        log.warning("hand-over refused (%s) for user %s", result.refusal, query.from_user.id)
        await query.answer(volunteer_texts.refusal(result.refusal), show_alert=True)
        return
    await query.answer(_("Done."))


@cards.callback_query(kb.StaffCb.filter(F.a.in_({StaffAction.REACHED, StaffAction.VISIT})))
async def settle(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                 notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """A check-in escalation settled in one tap (reached by phone, or going to visit)."""
    new = RequestStatus.DONE if callback_data.a is StaffAction.REACHED else RequestStatus.ON_THE_WAY
    await answer(query, notifier, await staff.settle(session, settings, member, callback_data.r, staff_chat, new))


@cards.callback_query(kb.StaffCb.filter(F.a == StaffAction.FOLLOW_UP))
async def follow_up(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                    notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """🔔 A follow-up after a done «someone to talk to» request: tomorrow, in 3 days, in a week, or none."""
    days = int(callback_data.v) if callback_data.v.isdigit() else -1
    await answer(query, notifier, await followups.choose(session, settings, member, callback_data.r, staff_chat, days))


@cards.callback_query(kb.StaffCb.filter(F.a.in_(set(PROGRESS))))
async def progress(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                   notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """On the way, done, or release back to the queue."""
    new = PROGRESS[callback_data.a]
    await answer(query, notifier, await staff.progress(session, settings, member, callback_data.r, staff_chat, new))


@cards.callback_query(kb.StaffCb.filter((F.a == StaffAction.FAIL_REASON) & F.v.in_(set(staff.FAIL_REASONS))))
async def failed(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                 notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """Can't fulfil, for the reason picked."""
    outcome = await staff.progress(
        session, settings, member, callback_data.r, staff_chat, RequestStatus.FAILED, callback_data.v)
    await answer(query, notifier, outcome, picker=True)


@cards.callback_query(kb.StaffCb.filter(F.a.in_({StaffAction.FAIL, StaffAction.TRANSFER})))
async def picker(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                 i18n: I18n, member: Staff) -> None:
    """❌ Can't fulfil or ➡️ Transfer: ask for the reason, or the district."""
    await show_picker(query, session, settings, i18n, member, callback_data.a, callback_data.r)


@cards.callback_query(kb.StaffCb.filter(F.a == StaffAction.TRANSFER_TO))
async def transfer_to(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                      i18n: I18n, member: Staff) -> None:
    """The district is picked: ask why."""
    await ask_referral_reason(query, session, settings, i18n, member, callback_data.r, callback_data.v)


@cards.callback_query(kb.StaffCb.filter((F.a == StaffAction.REFER) & F.v.func(lambda v: v.partition(".")[0] == "other")))
async def refer_other(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                      state: FSMContext, member: Staff) -> None:
    """«Other»: the presser types the reason."""
    code = callback_data.v.partition(".")[2]
    await ask_referral_note(query, session, settings, member, callback_data.r, code, state)


@cards.callback_query(kb.StaffCb.filter(F.a == StaffAction.REFER))
async def refer(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession, settings: Settings,
                state: FSMContext, notifier: Notifier, member: Staff, staff_chat: int) -> None:
    """A referral with a common reason: the request moves to the other station now."""
    reason, _dot, code = callback_data.v.partition(".")
    outcome = await staff.transfer(session, settings, member, callback_data.r, staff_chat, code, reason)
    if outcome.refusal is None and await state.get_state() == Referral.reason.state:
        await state.clear()
    await answer(query, notifier, outcome, picker=True)


@not_shown.callback_query(kb.StaffCb.filter())
async def not_here(query: CallbackQuery, callback_data: kb.StaffCb, session: AsyncSession) -> None:
    """A press on a message that does not show the request (forged, or stale), or no action we know."""
    assert isinstance(query.message, Message)
    replied = query.message.reply_to_message
    foreign = await staff.pressed_on(
        session, query.message.chat.id, query.message.message_id, callback_data.r, replied.message_id if replied else None
    )
    await refuse(query, foreign or "wrong_state")

async def ask_referral_reason(
    query: CallbackQuery, session: AsyncSession, settings: Settings, i18n: I18n, member: Staff, request_id: int,
    code: str,
) -> None:
    """The district is chosen: the picker now asks why (common reasons as buttons, or typed)."""
    assert isinstance(query.message, Message)
    check = await staff_queries.may_change(session, settings, member, request_id, query.message.chat.id)
    targets = dict(await staff_queries.other_districts(session, settings, i18n, request_id))
    if check is not None or code not in targets:
        await refuse(query, (check.refusal if check else None) or "wrong_state", check.holder if check else None)
        return
    await query.answer()
    reasons = [(reason, _(staff_texts.REFERRAL_REASONS[reason])) for reason in staff.REFERRAL_REASONS]
    text = _("Why are you referring request №{number} to {district}?").format(
        number=request_id, district=texts.q(targets[code], 100))
    with suppress(TelegramBadRequest):  # a double tap: the same question is already shown
        await query.message.edit_text(text, reply_markup=kb.referral_reasons(request_id, code, reasons))


async def ask_referral_note(
    query: CallbackQuery, session: AsyncSession, settings: Settings, member: Staff, request_id: int, code: str,
    state: FSMContext,
) -> None:
    """"Other": the presser types the reason as their next message in this chat."""
    assert isinstance(query.message, Message)
    check = await staff_queries.may_change(session, settings, member, request_id, query.message.chat.id)
    if check is not None or await districts.by_code(session, code) is None:
        await refuse(query, (check.refusal if check else None) or "wrong_state", check.holder if check else None)
        return
    await query.answer()
    prompt = await query.message.reply(
        _("{name}, please type why request №{number} is referred, in one message.").format(
            name=staff_texts.mention(member), number=request_id),
        reply_markup=ForceReply(selective=True),
    )
    await state.set_state(Referral.reason)
    await state.update_data(request_id=request_id, code=code, picker=query.message.message_id, prompt=prompt.message_id)


@members.message(Referral.reason, F.text, ~F.text.startswith("/"))
async def referral_note(message: Message, session: AsyncSession, settings: Settings, bot: Bot, state: FSMContext,
                        notifier: Notifier, member: Staff) -> None:
    """The typed reason of a referral: the request moves now, the picker goes away."""
    assert message.text is not None
    data = await state.get_data()
    await state.clear()
    outcome = await staff.transfer(session, settings, member, int(data.get("request_id", 0)),
                                   message.chat.id, str(data.get("code", "")), "other", message.text)
    await notifier.tell(outcome.told)
    if outcome.refusal is not None:
        await message.reply(staff_texts.refusal(outcome.refusal, outcome.holder))
        return
    for shown in (data.get("picker"), data.get("prompt")):  # the question and the picker have served their purpose
        if shown:
            with suppress(TelegramBadRequest):
                await bot.delete_message(message.chat.id, int(shown))


async def show_picker(
    query: CallbackQuery, session: AsyncSession, settings: Settings, i18n: I18n, member: Staff,
    action: StaffAction, request_id: int,
) -> None:
    """Ask for the reason, or the district to transfer to (only the claimer or a coordinator)."""
    assert isinstance(query.message, Message)
    check = await staff_queries.may_change(session, settings, member, request_id, query.message.chat.id)
    if check is not None:
        await refuse(query, check.refusal or "wrong_state", check.holder)
        return
    await query.answer()
    if action is StaffAction.FAIL:
        markup = kb.fail_reasons(request_id, [(code, _(staff_texts.FAIL_REASONS[code])) for code in staff.FAIL_REASONS])
        text = _("Why can request №{number} not be fulfilled?").format(number=request_id)
    else:
        markup = kb.transfer_targets(request_id, await staff_queries.other_districts(session, settings, i18n, request_id))
        text = _("Transfer request №{number} to which district?").format(number=request_id)
    picker = await query.message.reply(text, reply_markup=markup)
    staff.picker_shown(session, query.message.chat.id, picker.message_id, request_id)


async def delete_picker(query: CallbackQuery) -> None:
    """The picker has served its purpose."""
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.delete()


@members.message(Command("checkins"))
async def checkin_roll(message: Message, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    """Today's check-in roll per district."""
    roll = await staff_queries.checkin_roll(session, settings, message.chat.id)
    await message.reply(staff_reports.checkin_roll(roll, settings, i18n.current_locale))


@members.message(Command("checkin"))
async def checkin_plan(message: Message, command: CommandObject, session: AsyncSession, settings: Settings) -> None:
    """/checkin №N 09:00 18:00 | pause YYYY-MM-DD | resume | off | on: change a resident's plan."""
    parsed = checkin_command.parse(command.args or "")
    resident = await staff_queries.resident_of_request(session, settings, parsed.request_id, message.chat.id) if parsed else None
    if parsed is None or resident is None:
        await message.reply(_("Use: /checkin №N 09:00 18:00, /checkin №N pause 2026-12-31, /checkin №N resume, "
                              "/checkin №N off or /checkin №N on (N: one of the resident's request numbers)."))
        return
    plan = await checkin_command.apply(session, settings, resident, parsed)
    await message.reply(_("Check-ins of the resident of request №{number}: {plan}").format(
        number=parsed.request_id, plan=checkin_command.describe(plan)))


# ------------------------------------------------------------------------------ everybody else

#: The commands only members may send (a coordinator-only one refused to a worker here too).
MEMBER_COMMANDS = ("duty", "open", "mine", "stats", "chatlang", "checkins", "checkin", "report", "needs", "export",
                   "volunteers", "meds", "notice")


async def why_not(message: Message | CallbackQuery, session: AsyncSession, staff_chat: int) -> str:
    """Why the sender is not served: anonymous, not staff here, or not a coordinator."""
    if isinstance(message, Message) and anonymous(message):
        return _(ANONYMOUS)
    assert message.from_user is not None
    member = await staff.authorize(session, message.from_user.id, staff_chat)
    if isinstance(member, Staff):
        return _("Only a coordinator can do this.")
    return staff_texts.refusal(member, None)


@strangers.message(Command(*MEMBER_COMMANDS))
async def not_a_member(message: Message, session: AsyncSession, staff_chat: int) -> None:
    """A member's command from someone who is not (or not as themselves, or not a coordinator): a short refusal."""
    await message.reply(await why_not(message, session, staff_chat))


@strangers.message(Referral.reason, F.text, ~F.text.startswith("/"))
async def not_a_member_note(message: Message, session: AsyncSession, state: FSMContext, staff_chat: int) -> None:
    """A typed referral reason from someone who is no longer staff here: refused, the question forgotten."""
    await state.clear()
    await message.reply(await why_not(message, session, staff_chat))


@strangers.callback_query(kb.StaffCb.filter())
@strangers.callback_query(kb.OpenPageCb.filter())
async def not_a_member_press(query: CallbackQuery, session: AsyncSession, staff_chat: int) -> None:
    """A card's or a list's button pressed by someone who is not staff of this chat."""
    member = await staff.authorize(session, query.from_user.id, staff_chat)
    await refuse(query, member if not isinstance(member, Staff) else "wrong_chat")
