"""End to end: wrong kinds of messages, bad text, markup, stale and forged buttons, strangers' chats."""

from __future__ import annotations

from html import escape

import pytest

from bot.domain.phones import example_phone
from bot.ui.states import Intake, Reg
from db.models import RequestStatus
from tests.conftest import STAFF_CHAT, Harness
from tests.conversation import GroupChat, TgUser
from tests.helpers import (
    hand_over,
    ADDRESS_PROMPT,
    ADDRESSES,
    ALREADY_SENT,
    BAD_PHONE,
    CONSENT,
    DISTRICT_OF,
    DISTRICT_PROMPT,
    FLAGS_PROMPT,
    ITEMS_PROMPT,
    LANGUAGE_QUESTION,
    MENU,
    NAME_PROMPT,
    PHONE_PROMPT,
    PHOTO_PROMPT,
    REGISTERED,
    REVIEW_PROMPT,
    STALE,
    all_requests,
    check_address,
    check_title,
    district_code,
    district_title,
    fsm_of,
    head,
    items_of,
    new_user,
    register,
    requests_of,
    resident_of,
    staff_messages,
    submit,
    catalog_text,
    to_summary,
    visible_text,
)

TOO_LONG = "That is too long ({length} characters). Please shorten it to {limit} characters or fewer."
EMPTY = "The message is empty. Please write your answer."
TEXT_ONLY = "Please answer with text."
TEXT_OR_VOICE = "Please answer with text or a voice message."
BUTTONS_ONLY = "Please use the buttons."
NAMES = {"zh": "王阿婆", "ru": "Нина Петровна", "uk": "Галина Іванівна"}


async def expect_hint_and_question(user: TgUser, replies: list, hint: str, question: str) -> None:
    """The bot says what it expects and asks the same question again, in that order."""
    texts = [m.text for m in replies]
    asked = [i for i, text in enumerate(texts) if (text or "").startswith(question)]  # a question may add a line
    assert hint in texts and asked, texts
    assert texts.index(hint) < asked[0], texts


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_wrong_answers_keep_the_step(harness: Harness, locale: str) -> None:
    """Stickers, photos, locations, documents, blanks, overlong text and bad phones: a clear answer, nothing lost."""
    user = new_user(harness, locale)
    await user.send_command("/start")
    await user.press(catalog_text(locale, "✅ I agree"))
    await user.expect(visible_text(locale, NAME_PROMPT))
    for send in (user.send_sticker, user.send_photo, user.send_location, user.send_document):
        replies = await send()
        await expect_hint_and_question(user, replies, visible_text(locale, TEXT_ONLY), visible_text(locale, NAME_PROMPT))
        assert (await fsm_of(harness, user))[0] == Reg.name.state
    await user.send("   \n  ")
    await user.expect(visible_text(locale, EMPTY))
    await user.send("Я" * 101)
    await user.expect(visible_text(locale, TOO_LONG, length=101, limit=100))
    assert (await fsm_of(harness, user))[0] == Reg.name.state
    await user.send(NAMES[locale])
    await user.expect(visible_text(locale, PHONE_PROMPT))

    for wrong in ("+86 123", "12345", "телефон"):
        await user.send(wrong)
        await user.expect(visible_text(locale, BAD_PHONE, example=example_phone("CN")))
        assert (await fsm_of(harness, user))[0] == Reg.phone.state
    await user.send("138 0013 8000")
    await user.expect(visible_text(locale, ADDRESS_PROMPT))
    await user.send(ADDRESSES[locale])
    await check_address(user, locale)
    await user.expect(visible_text(locale, DISTRICT_PROMPT))
    replies = await user.send("火星 / Марс")  # no such district
    await expect_hint_and_question(user, replies, visible_text(locale, BUTTONS_ONLY), visible_text(locale, DISTRICT_PROMPT))
    await user.send(district_title(DISTRICT_OF[locale], locale))  # a district's name typed instead of pressed
    await user.expect(visible_text(locale, FLAGS_PROMPT))
    await user.press(catalog_text(locale, "✅ Done"))
    await user.expect(visible_text(locale, REGISTERED))
    resident = await resident_of(harness, user)
    assert resident is not None
    assert (resident.name, resident.phone, resident.address) == (NAMES[locale], "+8613800138000", ADDRESSES[locale])

    await user.tap(catalog_text(locale, MENU["supplies"]))
    for send in (user.send_sticker, user.send_photo, user.send_location, user.send_document):
        replies = await send()
        await expect_hint_and_question(user, replies, visible_text(locale, TEXT_OR_VOICE), visible_text(locale, ITEMS_PROMPT))
    await user.send(" ")
    await user.expect(visible_text(locale, EMPTY))
    await user.send("米" * 10_000)
    await user.expect(visible_text(locale, TOO_LONG, length=10_000, limit=3000))
    assert (await fsm_of(harness, user))[0] == Intake.items.state
    await user.send("хлеб, 大米 1袋")
    await user.expect(head(locale, REVIEW_PROMPT))


async def test_photo_step_takes_photos_or_skip_only(harness: Harness) -> None:
    """At the photo step: a sticker or a PDF gets a hint; an image sent as a file is taken as the photo."""
    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", MENU["medicine"]))
    await user.send("氯氮平 25mg")
    await user.expect(visible_text("zh", PHOTO_PROMPT))
    hint = visible_text("zh", "Please send a photo, or press «Skip ▶️».")
    for send in (user.send_sticker, user.send_document, user.send_location):
        await expect_hint_and_question(user, await send(), hint, visible_text("zh", PHOTO_PROMPT))
    await user.send_document("药盒.jpg", "image/jpeg", content=b"\xff\xd8\xff fake jpeg")
    await user.expect(visible_text("zh", "📷 Photo received."))
    document_id = user.fake.user_messages[user.chat_id][-1]["document"]["file_id"]
    await user.press(catalog_text("zh", "Within 1–2 days"))
    await user.press("📍")
    await hand_over(user, "zh")
    request = await submit(harness, user, "zh", await user.expect(check_title("zh")))
    assert (request.medicine, request.photo_file_id) == ("氯氮平 25mg", document_id)


async def test_markup_is_shown_literally_everywhere(harness: Harness) -> None:
    """HTML in a name, an address and a request is escaped: the user (and the staff) see it as typed."""
    name = "<b>Lin</b> & <script>"
    address = "<i>下洋田</i> 3栋 & 4栋 <a href='x'>"
    items = "<b>米</b> & <i>油</i> <script>alert(1)</script>"
    user = await register(harness, "zh", name=name, address=address)
    resident = await resident_of(harness, user)
    assert resident is not None and (resident.name, resident.address) == (name, address)

    await user.send_command("/start")
    greeting = await user.expect(visible_text("zh", "Hello, {name}! What do you need? Choose below.", name=escape(name)))
    assert name in greeting.text
    await user.tap(catalog_text("zh", MENU["profile"]))
    details = await user.expect("<b>Lin</b>")
    assert name in details.text and address in details.text

    summary = await to_summary(user, "zh", "supplies", items)
    review = next(m for m in user.messages() if (m.text or "").startswith(head("zh", REVIEW_PROMPT)))
    assert items in review.text
    assert items in summary.text and address in summary.text
    request = await submit(harness, user, "zh", summary)
    assert request.details == items and request.address == address
    assert await items_of(harness, request.id or 0) == [(items, "")]
    cards = [m.text or "" for m in staff_messages(harness, STAFF_CHAT)]
    assert any(items in card for card in cards), cards


async def test_old_buttons_after_the_conversation_ended(harness: Harness) -> None:
    """Send on an old summary, a district or consent from registration, urgency from a past wizard: no effect."""
    user = await register(harness, "zh")
    district_message = next(m for m in user.messages() if m.text == visible_text("zh", DISTRICT_PROMPT))
    consent_message = next(m for m in user.messages() if m.text == visible_text("zh", CONSENT))
    summary = await to_summary(user, "zh", "supplies", "大米 1袋")
    urgency_message = next(m for m in user.messages() if m.text == visible_text("zh", "How urgent is it?"))
    send_data = next(b["callback_data"] for b in summary.buttons() if b["text"] == catalog_text("zh", "✅ Send the request"))
    await submit(harness, user, "zh", summary)
    assert user.fake.find_message(user.chat_id, summary.message_id).button_texts() == []  # buttons removed

    await user.press_data(send_data, message=summary)  # a client that still shows the old keyboard
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text("zh", ALREADY_SENT)
    await user.press(district_title("fuqin", "zh"), message=district_message)
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text("zh", STALE)
    await user.press(catalog_text("zh", "✅ I agree"), message=consent_message)
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text("zh", STALE)

    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    await user.press(catalog_text("zh", "🔴 Urgent: I need it today"), message=urgency_message)
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text("zh", STALE)
    assert (await fsm_of(harness, user))[0] == Intake.items.state
    await user.send("青菜 2斤")
    await user.expect("1. 青菜 — 2斤")

    resident = await resident_of(harness, user)
    assert resident is not None and await district_code(harness, resident.district_id) == DISTRICT_OF["zh"]
    assert len(await all_requests(harness)) == 1


async def test_forged_callback_data_is_refused(harness: Harness) -> None:
    """Made-up callback data changes nothing, and nobody can cancel someone else's request."""
    owner = await register(harness, "ru")
    request = await submit(harness, owner, "ru", await to_summary(owner, "ru", "supplies", "хлеб"))
    other = await register(harness, "uk")

    await other.press_data(f"mr:y:{request.id}")
    assert other.last_answer is not None
    assert other.last_answer["text"] == catalog_text("uk", "This request can no longer be cancelled.")
    await owner.press_data("mr:y:999")
    assert owner.last_answer is not None
    assert owner.last_answer["text"] == catalog_text("ru", "This request can no longer be cancelled.")
    for garbage in ("garbage", "mr:y:abc", "st:district:nowhere", "lg"):
        await owner.press_data(garbage)
        assert owner.last_answer is not None and owner.last_answer["text"] == catalog_text("ru", STALE), garbage
    for forged_confirm in ("cf:forgeddraftkey", "cf:"):
        await owner.press_data(forged_confirm)
        assert owner.last_answer is not None and owner.last_answer["text"] == catalog_text("ru", ALREADY_SENT)

    stored = await all_requests(harness)
    assert [(r.id, r.status) for r in stored] == [(request.id, RequestStatus.NEW)]
    resident = await resident_of(harness, owner)
    assert resident is not None and await district_code(harness, resident.district_id) == DISTRICT_OF["ru"]


async def test_start_in_the_middle_of_the_wizard_continues(harness: Harness) -> None:
    """/start mid-wizard asks the current question again; the answers so far are kept."""
    user = await register(harness, "uk")
    await user.tap(catalog_text("uk", MENU["supplies"]))
    await user.send("хліб 1 буханка, молоко 2 л")
    await user.press(catalog_text("uk", "✅ Yes, that's right"))
    await user.expect(visible_text("uk", "How urgent is it?"))
    replies = await user.send_command("/start")
    texts = [m.text for m in replies]
    assert texts == [
        visible_text("uk", "Let's continue where we stopped. Press «✖️ Cancel» to stop instead."),
        visible_text("uk", "How urgent is it?"),
    ]
    await user.press(catalog_text("uk", "Within 1–2 days"))
    await user.press("📍")
    await hand_over(user, "uk")
    request = await submit(harness, user, "uk", await user.expect(check_title("uk")))
    assert await items_of(harness, request.id or 0) == [("хліб", "1 буханка"), ("молоко", "2 л")]


async def test_user_without_language_code_gets_the_picker(harness: Harness) -> None:
    """No language_code and a first message that is not /start: the language picker, then Chinese."""
    user = harness.user(language_code=None, phone="+8613800138000")
    await user.send("你好")
    await user.expect(LANGUAGE_QUESTION)
    await user.press("中文")
    await user.expect(visible_text("zh", CONSENT))
    await register(harness, "zh", user=user)
    resident = await resident_of(harness, user)
    assert resident is not None and resident.locale == "zh"


async def test_messages_in_other_groups_are_ignored(harness: Harness) -> None:
    """A group that is not a staff chat: the bot does not answer anything there."""
    group = GroupChat(id=-1002000000999, title="邻居群")
    stranger = TgUser(harness.fake, 7777, "邻居", language_code="zh-hans", chat=group)
    await stranger.send("你好")
    await stranger.send_command("/start")
    await stranger.send_command("/help")
    await stranger.send(catalog_text("zh", MENU["supplies"]))
    await stranger.send_sticker()
    await harness.drain()
    assert harness.fake.messages.get(group.id, []) == []
    assert await resident_of(harness, stranger) is None
    assert await requests_of(harness, stranger) == []


async def test_voice_where_only_text_is_taken(harness: Harness) -> None:
    """A voice message at the delivery address: the hint must not promise that voice works there."""
    user = await register(harness, "ru")
    await user.tap(catalog_text("ru", MENU["supplies"]))
    await user.send("хлеб")
    await user.press(catalog_text("ru", "✅ Yes, that's right"))
    await user.press(catalog_text("ru", "Within 1–2 days"))
    await user.press(catalog_text("ru", "Another address"))
    await user.expect(visible_text("ru", "Please write the address."))
    replies = await user.send_voice()
    await expect_hint_and_question(user, replies, visible_text("ru", TEXT_ONLY), visible_text("ru", "Please write the address."))
    assert (await fsm_of(harness, user))[0] == Intake.address.state
    await user.send("ул. Тверская, 1")
    await check_address(user, "ru")
    await hand_over(user, "ru")
    request = await submit(harness, user, "ru", await user.expect(check_title("ru")))
    assert (request.address, request.voice_file_ids) == ("ул. Тверская, 1", [])
