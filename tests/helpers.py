"""Shared helpers for the end-to-end tests: translated texts, registration, the wizard, DB reads."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import I18n
from sqlmodel import col, select

from bot.ui.i18n import LOCALES_DIR, build_i18n
from bot.domain.locale import format_datetime_for
from db.models import FailedUpdate, Outbox, Request, RequestItem, Resident
from sandbox.bot_api import SentMessage, parse_html
from tests.conftest import DISTRICTS, STAFF_CHAT, Harness
from tests.conversation import TgUser

LOCALES = ("zh", "ru", "uk")
#: Telegram's language_code as a resident's app would send it, per locale.
TG_CODES = {"zh": "zh-hans", "ru": "ru", "uk": "uk"}
#: A valid mobile number per locale (the deployment's region is CN; others are typed internationally).
PHONES = {"zh": "+8613800138000", "ru": "+79161234567", "uk": "+380501234567"}
#: Each locale's usual district (the cases: Sanya, Moscow, Uman).
ADDRESSES = {"zh": "下洋田社区 3栋 2单元 501", "ru": "ул. Красная Пресня, д. 12, кв. 34", "uk": "вул. Європейська, 5, кв. 7"}
DISTRICT_OF = {"zh": "xiayangtian", "ru": "presnensky", "uk": "uman-center"}

_i18n: tuple[tuple[float, ...], I18n] | None = None


def _catalogue() -> I18n:
    """The catalogues as the bot loads them, reloaded when a translator changed a .po file."""
    global _i18n
    stamp = tuple(p.stat().st_mtime for p in sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po")))
    if _i18n is None or _i18n[0] != stamp:
        _i18n = (stamp, build_i18n("zh"))
    return _i18n[1]


def head(locale: str, msgid: str) -> str:
    """The visible text of a translated message up to its first placeholder (for expect)."""
    text = catalog_text(locale, msgid)
    return seen(text.split("{", 1)[0]).strip()


def catalog_text(locale: str, msgid: str, **fmt: Any) -> str:
    """The catalogue text of msgid in locale (HTML source as the bot sends it), formatted."""
    text = _catalogue().gettext(msgid, locale=locale)
    return text.format(**fmt) if fmt else text


def catalog_plural(locale: str, singular: str, plural: str, n: int, **fmt: Any) -> str:
    """Plural-aware catalogue text."""
    return _catalogue().gettext(singular, plural, n, locale=locale).format(n=n, **fmt)


def seen(html_text: str) -> str:
    """What the user sees of an HTML text (tags removed, entities decoded), like Telegram shows it."""
    return parse_html(html_text).text


def visible_text(locale: str, msgid: str, **fmt: Any) -> str:
    """The visible text of a translated message."""
    return seen(catalog_text(locale, msgid, **fmt))


def district_title(code: str, locale: str) -> str:
    """A district's button label in a locale (as configured in conftest)."""
    conf = next(d for d in DISTRICTS if d["code"] == code)
    return conf.get("names", {}).get(locale) or conf["name"]


def new_user(harness: Harness, locale: str = "zh", **kwargs: Any) -> TgUser:
    """A resident-to-be whose Telegram app speaks locale, with a valid phone."""
    kwargs.setdefault("language_code", TG_CODES[locale])
    kwargs.setdefault("phone", PHONES[locale])
    user = harness.user(**kwargs)
    user.settle_quiet = 0.05  # handlers finish before the update is confirmed; only the outbox lags
    return user


async def register(
    harness: Harness,
    locale: str = "zh",
    user: TgUser | None = None,
    *,
    name: str | None = None,
    address: str | None = None,
    district: str | None = None,
    flags: tuple[str, ...] = ("lives_alone", "over_65"),
    typed_phone: str | None = None,
    **user_kwargs: Any,
) -> TgUser:
    """Walk the whole registration by pressing buttons; returns the registered user."""
    user = user or new_user(harness, locale, **user_kwargs)
    await user.send_command("/start")
    await user.expect(visible_text(locale, CONSENT))
    await user.press(catalog_text(locale, "✅ I agree"))
    await user.expect(visible_text(locale, NAME_PROMPT))
    if name is None:
        await user.tap(user.first_name)
    else:
        await user.send(name)
    await user.expect(visible_text(locale, PHONE_PROMPT))
    if typed_phone is None:
        await user.tap(catalog_text(locale, "📱 Share my phone number"))
    else:
        await user.send(typed_phone)
    await user.expect(visible_text(locale, ADDRESS_PROMPT))
    await user.send(address or ADDRESSES[locale])
    await check_address(user, locale)
    await user.expect(visible_text(locale, DISTRICT_PROMPT))
    await user.press(district_title(district or DISTRICT_OF[locale], locale))
    await user.expect(visible_text(locale, FLAGS_PROMPT))
    for flag in flags:
        await user.press(catalog_text(locale, FLAG_LABELS[flag]))
    await user.press(catalog_text(locale, "✅ Done"))
    await user.expect(visible_text(locale, REGISTERED))
    return user


CONSENT = (
    "👋 Welcome! This bot connects you with the social workers of your community: "
    "food and supplies, medicine, or someone to talk to.\n\n"
    "<b>Privacy.</b> To help you we store your name, phone, address and what you ask for. "
    "Social workers see your request; only the one who takes it sees your phone and address. "
    "You can delete your data at any time with /delete.\n\n"
    "Do you agree?"
)
NAME_PROMPT = "What is your name? You can press the button below to use your Telegram name."
PHONE_PROMPT = (
    "Your phone number, so that a social worker can call you.\n"
    "Press «📱 Share my phone number» below, or type it."
)
ADDRESS_PROMPT = "Your home address (street, building, flat), where help should come."
DISTRICT_PROMPT = "Which district do you live in?"
ADDRESS_CHECK = "Please check the address:\n<b>{address}</b>\n\nIs it right?"
ADDRESS_CHECK_LATE = "Does this belong to the address? Together it reads:\n<b>{address}</b>\n\nIs the address right now?"
FLAGS_PROMPT = "So that we can help you better: tap everything that applies to you, then «Done»."
REGISTERED = "✅ You are registered. Whenever you need help, choose below."
LANGUAGE_QUESTION = "请选择语言 · Выберите язык · Оберіть мову"
BAD_PHONE = "This does not look like a phone number. Please type it with the area code, for example {example}."
CANCELLED = "Cancelled. Nothing was sent."

FLAG_LABELS = {
    "lives_alone": "Lives alone",
    "over_65": "Over 65",
    "disability": "Has a disability",
    "chronic_illness": "Chronic illness",
    "low_income": "Low income, subsistence allowance",
    "children": "Family with children",
    "veteran": "Veteran",
    "pregnancy": "Pregnant",
}

MENU = {
    "supplies": "🛒 Food and supplies",
    "medicine": "💊 Medicine",
    "psych": "💬 Someone to talk to",
    "my": "📋 My requests",
    "profile": "👤 My details",
    "help": "ℹ️ Help",
}

ITEMS_PROMPT = (
    "What do you need? Write each item with its amount, separated by commas or on new lines.\n"
    "For example: <i>2 kg rice, milk 1 l, bread</i>\n"
    "You can also send a voice message."
)
MEDICINE_PROMPT = (
    "Which medicine do you need, and what dose?\n"
    "For example: <i>Metformin 500 mg, 60 tablets</i>\n"
    "You can also send a voice message."
)
PHOTO_PROMPT = (
    "If you have a photo of the prescription or of the medicine box, send it now: it helps the social worker.\n"
    "Otherwise press «Skip ▶️»."
)
FEELING_PROMPT = (
    "How are you feeling? Tell us in your own words; you can also send a voice message.\n"
    "What you write is seen only by the social workers."
)
CALL_PROMPT = "When is a good time for a social worker to call you? Press a button or write a time."
REVIEW_PROMPT = "I understood your list like this:\n{items}\n\nIs that right?"
CONFIRMATION = (
    "✅ Your request {number} ({kind}) has been registered.\n"
    "A social worker will take it soon and we will tell you at every step.\n"
    "You can follow it under «📋 My requests»."
)
KIND = {"supplies": "Food and supplies", "medicine": "Medicine", "psych": "Psychological support"}
SOMETHING_WRONG = "Sorry, something went wrong on our side. Your message is saved and we will try again shortly."
STALE = "This button is no longer active."
ALREADY_SENT = "This request has already been sent."


def check_title(locale: str) -> str:
    """The first line of the summary."""
    return visible_text(locale, "<b>Please check your request</b>")


async def open_wizard(user: TgUser, locale: str, kind: str) -> None:
    """Tap a menu button that starts a request wizard."""
    await user.tap(catalog_text(locale, MENU[kind]))


async def supplies_to_summary(
    user: TgUser, locale: str, items: str, *, urgent: bool = False, other_address: str | None = None
) -> SentMessage:
    """From the menu to the summary of a supplies request; returns the summary message."""
    await open_wizard(user, locale, "supplies")
    await user.expect(visible_text(locale, ITEMS_PROMPT))
    await user.send(items)
    await user.expect(head(locale, REVIEW_PROMPT))
    await user.press(catalog_text(locale, "✅ Yes, that's right"))
    await user.expect(visible_text(locale, "How urgent is it?"))
    await user.press(catalog_text(locale, "🔴 Urgent: I need it today") if urgent else catalog_text(locale, "Within 1–2 days"))
    return await choose_address(user, locale, other_address)


#: the handover question of supplies and medicine (bot/ui/wizard/request/delivery.py) and its answers
HANDOVER_PROMPT = "How should the social worker hand it over?"
HANDOVER_DOOR = "🚪 Leave it at the door and knock"
HANDOVER_IN_PERSON = "🤝 Hand it to me in person"
HANDOVER_NEIGHBOUR = "🏘 Give it to a neighbour"


async def choose_address(
    user: TgUser, locale: str, other_address: str | None, handover: str = HANDOVER_DOOR
) -> SentMessage:
    """Answer «Where should the help come?» and how it is handed over; returns the summary."""
    await user.expect(visible_text(locale, "Where should the help come?"))
    if other_address is None:
        await user.press("📍")
    else:
        await user.press(catalog_text(locale, "Another address"))
        await user.expect(visible_text(locale, "Please write the address."))
        await user.send(other_address)
        await check_address(user, locale)
    await hand_over(user, locale, handover)
    return await user.expect(check_title(locale))


async def hand_over(user: TgUser, locale: str, choice: str = HANDOVER_DOOR) -> None:
    """Answer «How should the social worker hand it over?» (asked after the address)."""
    await user.expect(visible_text(locale, HANDOVER_PROMPT))
    await user.press(catalog_text(locale, choice))


async def check_address(user: TgUser, locale: str) -> None:
    """The typed address is read back: press «✅ Correct»."""
    await user.expect(seen(catalog_text(locale, ADDRESS_CHECK).split("<b>", 1)[0]).strip())
    await user.press(catalog_text(locale, "✅ Correct"))


async def send_request(user: TgUser, locale: str, summary: SentMessage | None = None) -> None:
    """Press «Send the request» on the summary."""
    await user.press(catalog_text(locale, "✅ Send the request"), message=summary)


async def confirmation(harness: Harness, user: TgUser, locale: str, request: Request) -> SentMessage:
    """Wait for the outbox to deliver the confirmation of request and return it."""
    await harness.drain()
    text = visible_text(locale, CONFIRMATION, number=f"№{request.id}", kind=catalog_text(locale, KIND[request.kind.value]))
    return await user.expect(text, since_start=True)


# ---------------------------------------------------------------------------------- database


async def resident_of(harness: Harness, user: TgUser) -> Resident | None:
    """The stored resident of a Telegram user."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return (await session.exec(select(Resident).where(Resident.tg_user_id == user.user_id))).first()


async def requests_of(harness: Harness, user: TgUser) -> list[Request]:
    """The user's stored requests, oldest first."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        resident = (await session.exec(select(Resident).where(Resident.tg_user_id == user.user_id))).first()
        if resident is None:
            return []
        query = select(Request).where(Request.resident_id == resident.id).order_by(col(Request.id))
        return list((await session.exec(query)).all())


async def all_requests(harness: Harness) -> list[Request]:
    """Every stored request."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Request).order_by(col(Request.id)))).all())


async def items_of(harness: Harness, request_id: int) -> list[tuple[str, str]]:
    """(name, quantity) of a request's items, in order."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        query = select(RequestItem).where(RequestItem.request_id == request_id).order_by(col(RequestItem.position))
        return [(i.name, i.quantity) for i in (await session.exec(query)).all()]


async def fsm_of(harness: Harness, user: TgUser) -> tuple[str | None, dict[str, Any]]:
    """The user's stored conversation state and data, from whichever storage the bot uses (SQL or Redis)."""
    from aiogram.fsm.storage.base import StorageKey

    assert harness.app is not None
    key = StorageKey(bot_id=harness.app.bot.id, chat_id=user.chat_id, user_id=user.user_id)
    storage = harness.app.dp.storage
    return await storage.get_state(key), await storage.get_data(key)


async def failed_updates(harness: Harness) -> list[FailedUpdate]:
    """Kept failed updates."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(FailedUpdate))).all())


async def outbox_rows(harness: Harness, purpose: str | None = None) -> list[Outbox]:
    """Outbox rows (optionally of one purpose)."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        query = select(Outbox).order_by(col(Outbox.id))
        if purpose:
            query = query.where(Outbox.purpose == purpose)
        return list((await session.exec(query)).all())


def when_shown(at: Any, locale: str, tz: str = "Asia/Shanghai") -> str:
    """A stored time as the bot formats it for a resident."""
    return format_datetime_for(at, locale, tz)


def staff_messages(harness: Harness, chat_id: int) -> list[SentMessage]:
    """Bot messages in a staff chat."""
    return [m for m in harness.fake.messages.get(chat_id, []) if not m.deleted]


def take_card(harness: Harness, number: str, chat_id: int = STAFF_CHAT) -> SentMessage:
    """The one card of request `number` ("№3") in a staff chat, read: the chat's read cursor moves past it
    (so assert_nothing_more can tell whether anything else reached the chat)."""
    cards = [m for m in staff_messages(harness, chat_id) if f"{number} ·" in (m.text or "")]
    assert len(cards) == 1, f"expected one card for {number} in {chat_id}, got {[m.text for m in cards]}"
    harness.fake.mark_read(chat_id, through=cards[0])
    return cards[0]


async def assert_nothing_more(harness: Harness, *chats: TgUser | int) -> None:
    """Once the outbox is drained and the bot is quiet, fail listing every message or edit the bot sent to
    these chats (users or chat ids) after the last one the test read (expect, take_card, mark_read)."""
    await harness.drain()
    problems = []
    for chat in chats:
        try:
            harness.fake.assert_no_unread(chat.chat_id if isinstance(chat, TgUser) else chat)
        except AssertionError as unread:
            problems.append(str(unread))
    assert not problems, "\n".join(problems)



async def district_code(harness: Harness, district_id: int | None) -> str | None:
    """The code of a stored district id."""
    assert harness.app is not None
    from db.models import District

    async with harness.app.sessions() as session:
        row = await session.get(District, district_id) if district_id is not None else None
    return row.code if row else None


def chat_scope(user: TgUser) -> dict[str, Any]:
    """The BotCommandScopeChat of a user's private chat."""
    return {"type": "chat", "chat_id": user.chat_id}


def expected_commands(locale: str) -> list[dict[str, str]]:
    """The resident command menu as the bot should set it in locale."""
    from bot.ui.commands import RESIDENT_COMMANDS

    return [{"command": c, "description": catalog_text(locale, d)} for c, d in RESIDENT_COMMANDS.items()]


CALL_LABELS = {"morning": "Morning", "afternoon": "Afternoon", "evening": "Evening", "any": "Any time"}


def emergency_text(locale: str) -> str:
    """The first line of the emergency answer, as seen."""
    return visible_text(locale, "🆘 <b>If you are in danger or might hurt yourself, call now. You are not alone.</b>")


async def to_summary(
    user: TgUser,
    locale: str,
    kind: str,
    text: str | None,
    *,
    photo: bool = False,
    voice: bool = False,
    urgent: bool = False,
    call: str = "evening",
    other_address: str | None = None,
    danger: bool = False,
) -> SentMessage:
    """Walk one request wizard from the menu to its summary; returns the summary message."""
    await open_wizard(user, locale, kind)
    prompts = {"supplies": ITEMS_PROMPT, "medicine": MEDICINE_PROMPT, "psych": FEELING_PROMPT}
    await user.expect(visible_text(locale, prompts[kind]))
    if voice:
        await user.send_voice()
        await user.expect(visible_text(locale, "🎤 Voice message received."))
    else:
        assert text is not None
        replies = await user.send(text)
        shown = any(emergency_text(locale) in (m.text or "") for m in replies)
        assert shown == danger, f"emergency numbers shown={shown} for {text!r}"
    if kind == "supplies" and not voice:
        await user.expect(head(locale, REVIEW_PROMPT))
        await user.press(catalog_text(locale, "✅ Yes, that's right"))
    elif kind == "medicine":
        await user.expect(visible_text(locale, PHOTO_PROMPT))
        if photo:
            await user.send_photo()
            await user.expect(visible_text(locale, "📷 Photo received."))
        else:
            await user.tap(catalog_text(locale, "Skip ▶️"))
    elif kind == "psych":
        await user.expect(visible_text(locale, CALL_PROMPT))
        if call in CALL_LABELS:
            await user.press(catalog_text(locale, CALL_LABELS[call]))
        else:
            await user.send(call)
    if not danger:
        await user.expect(visible_text(locale, "How urgent is it?"))
        await user.press(catalog_text(locale, "🔴 Urgent: I need it today") if urgent else catalog_text(locale, "Within 1–2 days"))
    if kind == "psych":
        return await user.expect(check_title(locale))
    return await choose_address(user, locale, other_address)


async def submit(harness: Harness, user: TgUser, locale: str, summary: SentMessage) -> Request:
    """Press «Send the request»; wait for the confirmation; return the stored request."""
    before = len(await requests_of(harness, user))
    await send_request(user, locale, summary)
    stored = await requests_of(harness, user)
    assert len(stored) == before + 1, "the request was not stored"
    await confirmation(harness, user, locale, stored[-1])
    return stored[-1]


def last_user_file_id(user: TgUser, field: str) -> str:
    """The file id of the user's last message of a kind (the largest photo size for photos)."""
    for message in reversed(user.fake.user_messages.get(user.chat_id, [])):
        if field in message:
            value = message[field]
            return value[-1]["file_id"] if isinstance(value, list) else value["file_id"]
    raise AssertionError(f"the user sent no {field}")


# ---------------------------------------------------------------------------------- raw updates

_query_ids = iter(range(7_000_000_000_000_000_000, 8_000_000_000_000_000_000))


def text_message(user: TgUser, text: str) -> dict[str, Any]:
    """A Message object from user (recorded with the fake), for pushing updates by hand."""
    fake = user.fake
    message = {
        "message_id": fake.allocate_message_id(user.chat_id),
        "from": user.user,
        "chat": fake.chat(user.chat_id),
        "date": int(fake.clock()),
        "text": text,
    }
    fake.record_user_message(message)
    return message


def callback_query(user: TgUser, message: SentMessage, data: str) -> dict[str, Any]:
    """A CallbackQuery for a button of a bot message (answerable once), for pushing updates by hand."""
    query_id = str(next(_query_ids))
    callback = {
        "id": query_id,
        "from": user.user,
        "message": user.fake.message_json(message),
        "chat_instance": str(user.chat_id),
        "data": data,
    }
    user.fake.register_callback_query(query_id, callback)
    return callback


def button_data(message: SentMessage, label: str) -> str:
    """The callback_data of a message's inline button, by its exact label."""
    found = [b["callback_data"] for b in message.buttons() if b.get("text") == label]
    assert found, f"no button {label!r} in {message.button_texts()}"
    return found[0]


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Wait (bounded) until condition() is true, for states the fake does not signal."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
