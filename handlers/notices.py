"""Official notices: /notice, a coordinator's wizard in the staff group (audience, the text in each language
or one for everyone, a photo or PDF, the previews, Send), Cancel on its progress message; and /notices, a
resident turning them off and on. The rules are in bot/services/notices.py; the tick in bot/app writes the
recipients into the outbox.

The wizard's draft is the conversation data's `notice` of the coordinator in that group (aiogram keys the
state by chat and user), with a key of its own: a press on an older wizard's message is stale, a double
tap of «Send» makes one notice."""

from __future__ import annotations

import logging
import secrets
from contextlib import suppress
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import LOCALES, Settings
from bot.services import notices, residents, staff
from bot.services.notices import ONE, languages_to_ask, utf16_len
from bot.ui import keyboards as kb
from bot.ui import notice_texts, texts
from bot.ui.keyboards import NoticeStep
from bot.ui.notify import Notifier
from bot.ui.states import NoticeWizard
from db.models import NoticeAudience, Resident, Staff, StaffRole
from db.repo import districts
from handlers.filters import Coordinator, MemberHere, StaffChat

log = logging.getLogger(__name__)

#: The coordinator's wizard, in a staff chat; anyone else's /notice falls through to handlers/staff.py,
#: whose `strangers` router refuses it (it is among MEMBER_COMMANDS).
router = Router(name="notices")
router.message.filter(StaffChat(), MemberHere())
router.callback_query.filter(StaffChat())
#: A resident's /notices (private chats: included with the residents' routers).
residents_router = Router(name="notices_residents")

DRAFT = "notice"
#: A text this long (UTF-16 units) may be the first part of a longer paste that Telegram split into messages
#: of at most 4,096; the parts that follow within PASTE_SECONDS are refused with it, never kept as a text.
SPLIT_AT = 4000
PASTE_SECONDS = 1
WIZARD_STATES = {s.state for s in (NoticeWizard.audience, NoticeWizard.text, NoticeWizard.attachment,
                                   NoticeWizard.confirm)}


def thread_of(message: Message) -> int | None:
    """The forum topic the wizard runs in."""
    return message.message_thread_id if message.is_topic_message else None


def not_a_command(message: Message) -> bool:
    """Anything but a command (a command mid-wizard goes to its own handler)."""
    return not (message.text or "").startswith("/")


async def district_choices(session: AsyncSession, settings: Settings, locale: str) -> list[tuple[str, str]]:
    """Every district of the deployment: (code, its name in the locale), for buttons (plain text)."""
    found = []
    for district in await districts.all_districts(session):
        conf = settings.district(district.code)
        found.append((district.code, conf.title(locale) if conf else district.name))
    return found


async def titles_of(session: AsyncSession, settings: Settings, codes: list[str], locale: str) -> list[str]:
    """The ticked districts' names in the locale, escaped (for messages)."""
    names = dict(await district_choices(session, settings, locale))
    return [texts.q(names.get(code, code), 60) for code in codes]


async def draft_of(state: FSMContext) -> dict[str, Any]:
    """The wizard's draft (empty when there is none)."""
    return dict((await state.get_data()).get(DRAFT) or {})


async def keep(state: FSMContext, draft: dict[str, Any]) -> None:
    """Store the draft."""
    await state.update_data({DRAFT: draft})


@router.message(Command("notice"), Coordinator())
async def notice(message: Message, state: FSMContext, session: AsyncSession, settings: Settings, i18n: I18n,
                 member: Staff) -> None:
    """/notice: a new wizard (an unfinished one is replaced); first, who it goes to."""
    key = secrets.token_urlsafe(6)
    await state.set_state(NoticeWizard.audience)
    await keep(state, {"k": key, "kind": None, "districts": [], "texts": {}, "one": False, "file": None,
                       "file_kind": None})
    choices = await district_choices(session, settings, i18n.current_locale)
    await message.reply(notice_texts.ask_audience(), reply_markup=kb.notice_audience(key, choices, set()))
    log.info("notice wizard started by staff %s in chat %s", member.id, message.chat.id)


async def ask_next_text(message: Message, draft: dict[str, Any]) -> None:
    """The question for the next language's text (or the one text for everyone)."""
    missing = languages_to_ask(draft["texts"])
    one = bool(draft.get("one"))
    first = not draft["texts"] and not one
    locale = missing[0] if missing else LOCALES[0]
    markup = None if one else kb.notice_text(draft["k"], first)
    await message.answer(notice_texts.ask_text(locale, first, one), reply_markup=markup)


async def after_audience(query: CallbackQuery, state: FSMContext, session: AsyncSession, settings: Settings,
                         i18n: I18n, draft: dict[str, Any]) -> None:
    """The audience is chosen: the picker shows it (no more buttons), then the first text is asked for."""
    assert isinstance(query.message, Message)
    titles = await titles_of(session, settings, draft["districts"], i18n.current_locale)
    await keep(state, draft)
    await state.set_state(NoticeWizard.text)
    await query.answer()
    with suppress(TelegramBadRequest):
        await query.message.edit_text(_chosen(draft, titles))
    await ask_next_text(query.message, draft)


def _chosen(draft: dict[str, Any], titles: list[str]) -> str:
    return "📢 " + notice_texts.audience_line(NoticeAudience(draft["kind"]), titles)


@router.callback_query(kb.NoticeCb.filter())
async def wizard_press(query: CallbackQuery, callback_data: kb.NoticeCb, state: FSMContext, session: AsyncSession,
                       settings: Settings, i18n: I18n, notifier: Notifier, staff_chat: int) -> None:
    """A button of the wizard, pressed by the coordinator whose wizard it is."""
    assert isinstance(query.message, Message)
    member = await staff.authorize(session, query.from_user.id, staff_chat)
    if not isinstance(member, Staff) or member.role != StaffRole.COORDINATOR:
        await query.answer(notice_texts.refusal(notices.Refusal.NOT_COORDINATOR), show_alert=True)
        return
    draft = await draft_of(state)
    current = await state.get_state()
    if draft.get("k") != callback_data.k or current not in WIZARD_STATES:
        await query.answer(notice_texts.refusal(notices.Refusal.NOT_HERE), show_alert=True)
        return
    action = callback_data.a
    if action is NoticeStep.CANCEL:
        await state.set_state(None)
        await state.update_data({DRAFT: None})
        await query.answer()
        with suppress(TelegramBadRequest):
            await query.message.edit_text(notice_texts.cancelled())
        return
    if current == NoticeWizard.audience.state:
        await audience_press(query, action, callback_data.v, state, session, settings, i18n, draft)
    elif current == NoticeWizard.text.state and action is NoticeStep.ONE:
        await one_version(query, state, draft)
    elif current == NoticeWizard.attachment.state and action is NoticeStep.NO_FILE:
        await query.answer()
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
        await preview(query.message, state, session, settings, i18n, notifier, draft)
    elif current == NoticeWizard.confirm.state and action is NoticeStep.SEND:
        await send(query, state, session, notifier, member, staff_chat, draft)
    else:
        await query.answer(notice_texts.refusal(notices.Refusal.NOT_HERE), show_alert=True)


async def audience_press(query: CallbackQuery, action: NoticeStep, value: str, state: FSMContext, session: AsyncSession,
                         settings: Settings, i18n: I18n, draft: dict[str, Any]) -> None:
    """A district ticked or unticked, all districts, residents with check-ins, the staff, or Next."""
    assert isinstance(query.message, Message)
    choices = await district_choices(session, settings, i18n.current_locale)
    codes = [code for code, _title in choices]
    if action is NoticeStep.DISTRICT and value in codes:
        ticked = set(draft["districts"]) ^ {value}
        draft["districts"] = [code for code in codes if code in ticked]
        await keep(state, draft)
        await query.answer()
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=kb.notice_audience(draft["k"], choices, ticked))
        return
    if action is NoticeStep.NEXT and draft["districts"]:
        draft["kind"] = NoticeAudience.DISTRICTS.value
    elif action is NoticeStep.ALL:
        draft["kind"], draft["districts"] = NoticeAudience.DISTRICTS.value, codes
    elif action is NoticeStep.CHECKINS:
        draft["kind"], draft["districts"] = NoticeAudience.CHECKINS.value, []
    elif action is NoticeStep.STAFF:
        draft["kind"], draft["districts"] = NoticeAudience.STAFF.value, []
    else:
        await query.answer(notice_texts.refusal(notices.Refusal.NOT_HERE), show_alert=True)
        return
    await after_audience(query, state, session, settings, i18n, draft)


async def one_version(query: CallbackQuery, state: FSMContext, draft: dict[str, Any]) -> None:
    """«One version for everyone»: before any text, the next text is for all; after the first language's,
    the languages not given get it (bot.services.notices.text_for)."""
    assert isinstance(query.message, Message)
    await query.answer()
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    if not draft["texts"]:
        draft["one"] = True
        await keep(state, draft)
        await ask_next_text(query.message, draft)
        return
    first = next(iter(draft["texts"].values()))
    draft["texts"] = {ONE: first, **draft["texts"]}
    await keep(state, draft)
    await ask_file(query.message, state)


async def ask_file(message: Message, state: FSMContext) -> None:
    """Every text is there: a photo or a PDF?"""
    draft = await draft_of(state)
    await state.set_state(NoticeWizard.attachment)
    await message.answer(notice_texts.ask_file(), reply_markup=kb.notice_file(draft["k"]))


@router.message(NoticeWizard.text, Coordinator(), F.text, not_a_command)
async def text_given(message: Message, state: FSMContext, i18n: I18n) -> None:
    """One language's text (or the one for everyone): kept when it fits Telegram's limit with the notice's
    header in every language that reads it; else the limit is said and the question stays."""
    assert message.text is not None
    draft = await draft_of(state)
    if not draft:
        return
    missing = languages_to_ask(draft["texts"])
    target = ONE if draft.get("one") or not missing else missing[0]
    readers = list(LOCALES) if target == ONE else [target]
    limit = min(_limit_in(i18n, code) for code in readers)
    length = utf16_len(message.text)
    sent_at = int(message.date.timestamp())
    if draft.get("paste") is not None and 0 <= sent_at - int(draft["paste"]) <= PASTE_SECONDS:
        # the rest of a long paste that Telegram split: not a text of its own; a part shorter than the
        # split size is its last
        if length >= SPLIT_AT:
            draft["paste"] = sent_at
        else:
            draft.pop("paste")
        await keep(state, draft)
        await message.reply(notice_texts.rest_of_paste())
        return
    if not message.text.strip() or length > limit:
        if length >= SPLIT_AT:  # a part of a longer paste: the parts after it come within the same second
            draft["paste"] = sent_at
            await keep(state, draft)
        await message.reply(notice_texts.too_long(length, limit, i18n.current_locale) if length > limit
                            else notice_texts.not_a_text())
        return
    draft.pop("paste", None)
    draft["texts"][target] = message.html_text
    await keep(state, draft)
    if target != ONE and languages_to_ask(draft["texts"]):
        await ask_next_text(message, draft)
        return
    await ask_file(message, state)


def _limit_in(i18n: I18n, locale: str) -> int:
    with i18n.use_locale(locale):
        return notice_texts.text_limit()


@router.message(NoticeWizard.text, Coordinator(), not_a_command)
async def text_expected(message: Message) -> None:
    """A sticker, a photo, a voice message… where the text was asked for: said, the question stays."""
    await message.reply(notice_texts.not_a_text())


@router.message(NoticeWizard.attachment, Coordinator(), F.photo)
async def photo_given(message: Message, state: FSMContext, session: AsyncSession, settings: Settings, i18n: I18n,
                      notifier: Notifier) -> None:
    """The photo (its largest size) goes with the notice."""
    assert message.photo
    await attach(message, state, session, settings, i18n, notifier, "photo", message.photo[-1].file_id)


@router.message(NoticeWizard.attachment, Coordinator(), F.document.mime_type == "application/pdf")
async def pdf_given(message: Message, state: FSMContext, session: AsyncSession, settings: Settings, i18n: I18n,
                    notifier: Notifier) -> None:
    """The PDF goes with the notice."""
    assert message.document is not None
    await attach(message, state, session, settings, i18n, notifier, "document", message.document.file_id)


@router.message(NoticeWizard.attachment, Coordinator(), not_a_command)
async def file_expected(message: Message) -> None:
    """Anything else where a photo or a PDF was asked for: said, the question stays."""
    await message.reply(notice_texts.not_a_file())


async def attach(message: Message, state: FSMContext, session: AsyncSession, settings: Settings, i18n: I18n,
                 notifier: Notifier, kind: str, file_id: str) -> None:
    """Keep the file, then the previews."""
    draft = await draft_of(state)
    draft["file_kind"], draft["file"] = kind, file_id
    await keep(state, draft)
    await preview(message, state, session, settings, i18n, notifier, draft)


async def preview(message: Message, state: FSMContext, session: AsyncSession, settings: Settings, i18n: I18n,
                  notifier: Notifier, draft: dict[str, Any]) -> None:
    """One preview per language, exactly as its readers will see it, then who it goes to and Send / Cancel."""
    kind = NoticeAudience(draft["kind"])
    ids = await _district_ids(session, draft["districts"])
    counted = await notices.audience(session, kind, ids)
    thread = thread_of(message)
    notifier.notice_previews(message.chat.id, thread, draft["texts"], draft.get("file_kind"), draft.get("file"),
                             list(LOCALES))
    titles = await titles_of(session, settings, draft["districts"], i18n.current_locale)
    text = notice_texts.confirm(counted, titles, list(LOCALES), i18n.current_locale)
    notifier.notice_confirm(message.chat.id, thread, text, kb.notice_send(draft["k"]))
    await state.set_state(NoticeWizard.confirm)


async def _district_ids(session: AsyncSession, codes: list[str]) -> list[int]:
    found = []
    for code in codes:
        district = await districts.by_code(session, code)
        if district is not None and district.id is not None:
            found.append(district.id)
    return found


async def send(query: CallbackQuery, state: FSMContext, session: AsyncSession, notifier: Notifier, member: Staff,
               staff_chat: int, draft: dict[str, Any]) -> None:
    """«Send»: the notice is stored and this message becomes its progress message; the tick sends it."""
    assert isinstance(query.message, Message)
    created = await notices.create(
        session, member, key=draft["k"], chat_id=staff_chat, thread_id=thread_of(query.message),
        message_id=query.message.message_id, kind=NoticeAudience(draft["kind"]),
        district_ids=await _district_ids(session, draft["districts"]), texts=draft["texts"],
        attachment=draft.get("file_kind"), file_id=draft.get("file"),
    )
    if created.refusal is not None:
        await query.answer(notice_texts.refusal(created.refusal), show_alert=True)
        return
    await state.set_state(None)
    await state.update_data({DRAFT: None})
    await notifier.tell(created.told)
    await query.answer()


@router.callback_query(kb.NoticeStopCb.filter())
async def stop(query: CallbackQuery, callback_data: kb.NoticeStopCb, session: AsyncSession, notifier: Notifier,
               staff_chat: int) -> None:
    """Cancel on a progress message: coordinators only, the notice's own message only, once."""
    assert isinstance(query.message, Message)
    member = await staff.authorize(session, query.from_user.id, staff_chat)
    if not isinstance(member, Staff):
        await query.answer(notice_texts.refusal(notices.Refusal.NOT_COORDINATOR), show_alert=True)
        return
    stopped = await notices.cancel(session, member, callback_data.n, staff_chat, query.message.message_id,
                                   clock.now())
    if stopped.refusal is not None:
        log.warning("notice stop refused (%s) for user %s", stopped.refusal, query.from_user.id)
        await query.answer(notice_texts.refusal(stopped.refusal), show_alert=True)
        return
    await notifier.tell(stopped.told)
    await query.answer(notice_texts.stopped())


#: how /notices on and /notices off may be written (the beginning of the word) in the bot's languages
ON_WORDS = ("on", "开", "打开", "вкл", "увімк", "вмик")
OFF_WORDS = ("off", "关", "выкл", "вимк", "викл", "отключ")


@residents_router.message(Command("notices"))
async def switch(message: Message, command: CommandObject, session: AsyncSession, resident: Resident | None,
                 i18n: I18n) -> None:
    """/notices turns official notices off, or on again (/notices on, /notices off say which)."""
    if resident is None or not residents.is_registered(resident):
        await message.answer(notice_texts.resident_not_registered())
        return
    word = (command.args or "").strip().lower()
    # a word's beginning, so the full words say the same (увімкнути, включить, вимкнути, выключить)
    wanted = (True if word.startswith(ON_WORDS) else False if word.startswith(OFF_WORDS) else None) if word else None
    on = notices.set_notices(session, resident, wanted)
    await message.answer(notice_texts.resident_switch(on))
