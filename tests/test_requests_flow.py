"""End to end: the request wizard for the real cases, my requests, Back, /cancel, and the safety net."""

from __future__ import annotations

import pytest

from db.models import RequestKind, RequestStatus, Urgency
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import (
    ADDRESSES,
    CANCELLED,
    FEELING_PROMPT,
    HANDOVER_IN_PERSON,
    HANDOVER_PROMPT,
    ITEMS_PROMPT,
    KIND,
    MEDICINE_PROMPT,
    MENU,
    PHONES,
    PHOTO_PROMPT,
    REVIEW_PROMPT,
    all_requests,
    assert_nothing_more,
    check_title,
    choose_address,
    emergency_text,
    fsm_of,
    head,
    items_of,
    last_user_file_id,
    register,
    requests_of,
    submit,
    catalog_text,
    catalog_plural,
    take_card,
    to_summary,
    visible_text,
    when_shown,
)

SANYA_ITEMS = "2斤青菜、2斤肉、一包5公斤重的大米"


def card_of(harness: Harness, number: str) -> str:
    """The text of a request's one card in the staff chat (read: see take_card)."""
    return take_card(harness, number, STAFF_CHAT).text or ""


async def test_case1_sanya_supplies_registered_address(harness: Harness) -> None:
    """2斤青菜、2斤肉、一包5公斤重的大米 → three items, the registered address, №1, a card without phone/address."""
    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    await user.send(SANYA_ITEMS)
    review = await user.expect(head("zh", REVIEW_PROMPT))
    assert "1. 青菜 — 2斤\n2. 肉 — 2斤\n3. 大米 — 一包5公斤重" in review.text
    await user.press(catalog_text("zh", "✅ Yes, that's right"))
    await user.expect(visible_text("zh", "How urgent is it?"))
    await user.press(catalog_text("zh", "Within 1–2 days"))
    summary = await choose_address(user, "zh", None)
    assert summary.text.startswith(check_title("zh"))
    assert catalog_plural("zh", "{n} item", "{n} items", 3) + ":" in summary.text
    assert "3. 大米 — 一包5公斤重" in summary.text
    assert visible_text("zh", "Urgency: {urgency}", urgency=catalog_text("zh", "Normal")) in summary.text
    assert visible_text("zh", "Address: {address}", address=ADDRESSES["zh"]) in summary.text

    request = await submit(harness, user, "zh", summary)
    assert request.id == 1
    assert user.texts()[-1] == visible_text("zh", "✅ Your request {number} ({kind}) has been registered.\n"
                                        "A social worker will take it soon and we will tell you at every step.\n"
                                        "You can follow it under «📋 My requests».",
                                  number="№1", kind=catalog_text("zh", KIND["supplies"]))
    assert (request.kind, request.status, request.urgency, request.danger) == (
        RequestKind.SUPPLIES, RequestStatus.NEW, Urgency.NORMAL, None
    )
    assert request.address == ADDRESSES["zh"]
    assert request.details == SANYA_ITEMS
    assert await items_of(harness, 1) == [("青菜", "2斤"), ("肉", "2斤"), ("大米", "一包5公斤重")]
    assert await fsm_of(harness, user) == (None, {})

    card = card_of(harness, "№1")
    for item in ("青菜", "肉", "大米", "一包5公斤重"):
        assert item in card
    for private in ("3栋", "2单元 501", "13800138000", "138 0013 8000", PHONES["zh"]):
        assert private not in card
    await assert_nothing_more(harness, user, STAFF_CHAT)  # the resident got the confirmation, staff one card


async def test_nothing_more_fails_on_an_extra_message(harness: Harness) -> None:
    """After the confirmation and the card were read, one more message to the resident or a second card
    in the staff chat fails assert_nothing_more, which names them."""
    user = await register(harness, "zh")
    summary = await to_summary(user, "zh", "supplies", SANYA_ITEMS)
    await submit(harness, user, "zh", summary)
    card = take_card(harness, "№1")
    await assert_nothing_more(harness, user, STAFF_CHAT)

    assert harness.app is not None
    await harness.app.bot.send_message(user.chat_id, "one message too many")
    await harness.app.bot.send_message(STAFF_CHAT, card.raw or "")
    with pytest.raises(AssertionError) as failure:
        await assert_nothing_more(harness, user, STAFF_CHAT)
    report = str(failure.value)
    assert f"1 more message(s) or edit(s) to chat {user.chat_id}" in report and "one message too many" in report
    assert f"1 more message(s) or edit(s) to chat {STAFF_CHAT}" in report
    with pytest.raises(AssertionError, match="expected one card for №1"):
        take_card(harness, "№1")


async def test_case1_sanya_another_address(harness: Harness) -> None:
    """«Another address»: the typed address is stored with the request, the home address stays."""
    user = await register(harness, "zh")
    summary = await to_summary(user, "zh", "supplies", SANYA_ITEMS, other_address="下洋田社区 5栋 1单元 302")
    assert visible_text("zh", "Address: {address}", address="下洋田社区 5栋 1单元 302") in summary.text
    request = await submit(harness, user, "zh", summary)
    assert request.address == "下洋田社区 5栋 1单元 302"
    assert len(await items_of(harness, request.id or 0)) == 3
    assert "5栋" not in card_of(harness, "№1")


async def test_case3_guangzhou_medicine_with_photo_and_without(harness: Harness) -> None:
    """A medicine request with a photo of the box (file id stored), then one without (Skip)."""
    user = await register(harness, "zh", address="广州市越秀区 东风路 8号 1203")
    summary = await to_summary(user, "zh", "medicine", "氯氮平 25mg，每天两次，药盒子空了", photo=True)
    photo_id = last_user_file_id(user, "photo")
    assert visible_text("zh", "📷 Photo attached") in summary.text
    assert visible_text("zh", "<b>Medicine and dose:</b> {text}", text="氯氮平 25mg，每天两次，药盒子空了") in summary.text
    first = await submit(harness, user, "zh", summary)
    assert (first.kind, first.medicine, first.photo_file_id) == (
        RequestKind.MEDICINE, "氯氮平 25mg，每天两次，药盒子空了", photo_id
    )
    assert first.address == "广州市越秀区 东风路 8号 1203"
    assert await items_of(harness, first.id or 0) == []

    summary = await to_summary(user, "zh", "medicine", "二甲双胍 500mg 60片")
    assert visible_text("zh", "📷 Photo attached") not in summary.text
    second = await submit(harness, user, "zh", summary)
    assert (second.id, second.medicine, second.photo_file_id) == (2, "二甲双胍 500mg 60片", None)


async def test_case4_moscow_groceries(harness: Harness) -> None:
    """хлеб, молоко 2 л, гречка → three items; urgent; the card says so."""
    user = await register(harness, "ru", name="Мария Ивановна")
    summary = await to_summary(user, "ru", "supplies", "хлеб, молоко 2 л, гречка", urgent=True)
    assert "1. хлеб\n2. молоко — 2 л\n3. гречка" in summary.text
    assert visible_text("ru", "Urgency: {urgency}", urgency=catalog_text("ru", "🔴 Urgent")) in summary.text
    request = await submit(harness, user, "ru", summary)
    assert (request.kind, request.urgency, request.address) == (RequestKind.SUPPLIES, Urgency.URGENT, ADDRESSES["ru"])
    assert await items_of(harness, request.id or 0) == [("хлеб", ""), ("молоко", "2 л"), ("гречка", "")]
    card = card_of(harness, f"№{request.id}")
    assert "🔴" in card and "гречка" in card
    assert "Красная Пресня" not in card and "9161234567" not in card
    await assert_nothing_more(harness, user, STAFF_CHAT)


async def test_case5_uman_psychological_support(harness: Harness) -> None:
    """Someone to talk to: feelings and a call time (a button, then typed); the home address is kept."""
    user = await register(harness, "uk", name="Олена Петрівна")
    feeling = "Мені дуже самотньо, хочу поговорити"
    summary = await to_summary(user, "uk", "psych", feeling, call="evening")
    assert visible_text("uk", "<b>How you feel:</b> {text}", text=feeling) in summary.text
    assert visible_text("uk", "<b>Good time to call:</b> {text}", text=catalog_text("uk", "Evening")) in summary.text
    request = await submit(harness, user, "uk", summary)
    assert (request.kind, request.details, request.call_time, request.urgency, request.danger) == (
        RequestKind.PSYCH, feeling, "evening", Urgency.NORMAL, None
    )
    assert request.address == ADDRESSES["uk"]
    assert feeling in card_of(harness, f"№{request.id}")

    summary = await to_summary(user, "uk", "psych", "Тривожно вночі", call="після 18:00")
    assert visible_text("uk", "<b>Good time to call:</b> {text}", text="після 18:00") in summary.text
    request = await submit(harness, user, "uk", summary)
    assert (request.details, request.call_time) == ("Тривожно вночі", "після 18:00")


@pytest.mark.parametrize(("locale", "kind"), [("zh", "supplies"), ("ru", "medicine"), ("uk", "psych")])
async def test_voice_message_at_details_step(harness: Harness, locale: str, kind: str) -> None:
    """A voice message instead of typing is accepted and stored as Telegram's file id."""
    user = await register(harness, locale)
    summary = await to_summary(user, locale, kind, None, voice=True)
    voice_id = last_user_file_id(user, "voice")
    assert catalog_plural(locale, "🎤 {n} voice message", "🎤 {n} voice messages", 1) in summary.text
    request = await submit(harness, user, locale, summary)
    assert request.voice_file_ids == [voice_id]
    assert request.kind == RequestKind(kind)
    assert await items_of(harness, request.id or 0) == []


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_my_requests_and_cancelling(harness: Harness, locale: str) -> None:
    """📋 My requests lists status and a localized date; cancelling asks first, then cancels."""
    user = await register(harness, locale)
    request = await submit(harness, user, locale, await to_summary(user, locale, "supplies", "рис 2 кг, 米 1袋"))
    await user.tap(catalog_text(locale, MENU["my"]))
    listing = await user.expect(catalog_plural(locale, "You have {n} request:", "Your {n} latest requests:", 1))
    assert f"№{request.id}" in listing.text
    assert catalog_text(locale, KIND["supplies"]) in listing.text
    assert catalog_text(locale, "waiting for a social worker") in listing.text
    assert when_shown(request.created_at, locale) in listing.text
    assert listing.button_texts() == [catalog_text(locale, "Cancel request №{number}", number=request.id)]

    await user.press(catalog_text(locale, "Cancel request №{number}", number=request.id))
    ask = await user.expect(visible_text(locale, "Cancel request {number}?", number=f"№{request.id}"))
    await user.press(catalog_text(locale, "No, keep it"), message=ask)
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text(locale, "The request stays open.")
    assert (await requests_of(harness, user))[0].status == RequestStatus.NEW

    await user.press(catalog_text(locale, "Yes, cancel it"), message=ask)
    await user.expect(visible_text(locale, "Request {number} is cancelled.", number=f"№{request.id}"))
    assert (await requests_of(harness, user))[0].status == RequestStatus.CANCELLED

    await user.send_command("/requests")
    listing = await user.expect(f"№{request.id}")
    assert catalog_text(locale, "cancelled") in listing.text
    assert listing.button_texts() == []


async def test_back_works_at_each_step(harness: Harness) -> None:
    """Back (inline or reply button) returns to the previous question with the answers kept."""
    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.send("大米 1袋")
    await user.expect("1. 大米 — 1袋")
    await user.press(catalog_text("zh", "✏️ Write it again"))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    await user.send(SANYA_ITEMS)
    await user.press(catalog_text("zh", "✅ Yes, that's right"))
    await user.expect(visible_text("zh", "How urgent is it?"))
    await user.press(catalog_text("zh", "◀️ Back"))  # inline Back on the urgency question
    review = await user.expect(head("zh", REVIEW_PROMPT))
    assert "3. 大米 — 一包5公斤重" in review.text
    await user.press(catalog_text("zh", "✅ Yes, that's right"))
    await user.press(catalog_text("zh", "🔴 Urgent: I need it today"))
    await user.expect(visible_text("zh", "Where should the help come?"))
    await user.press(catalog_text("zh", "Another address"))
    await user.expect(visible_text("zh", "Please write the address."))
    await user.tap(catalog_text("zh", "◀️ Back"))  # reply-keyboard Back on a typed step
    await user.expect(visible_text("zh", "Where should the help come?"))
    summary = await choose_address(user, "zh", None)
    await user.press(catalog_text("zh", "◀️ Back"), message=summary)
    handover = await user.expect(visible_text("zh", HANDOVER_PROMPT))
    await user.press(catalog_text("zh", "◀️ Back"), message=handover)
    await user.expect(visible_text("zh", "Where should the help come?"))
    summary = await choose_address(user, "zh", None)
    request = await submit(harness, user, "zh", summary)
    assert (request.urgency, request.address) == (Urgency.URGENT, ADDRESSES["zh"])
    assert await items_of(harness, request.id or 0) == [("青菜", "2斤"), ("肉", "2斤"), ("大米", "一包5公斤重")]

    await user.tap(catalog_text("zh", MENU["medicine"]))
    await user.send("阿司匹林 100mg")
    await user.expect(visible_text("zh", PHOTO_PROMPT))
    await user.tap(catalog_text("zh", "◀️ Back"))
    await user.expect(visible_text("zh", MEDICINE_PROMPT))
    await user.tap(catalog_text("zh", "◀️ Back"))  # nothing before the first step: back to the menu, nothing stored
    await user.expect(visible_text("zh", CANCELLED))
    assert len(await all_requests(harness)) == 1


async def test_cancel_at_every_step_stores_nothing(harness: Harness) -> None:
    """/cancel (and the ✖️ buttons) at every step of every wizard: the menu, and no request."""
    locale = "ru"
    user = await register(harness, locale)

    async def cancel(how: str = "command") -> None:
        if how == "command":
            await user.send_command("/cancel")
        elif how == "tap":
            await user.tap(catalog_text(locale, "✖️ Cancel"))
        else:
            await user.press(catalog_text(locale, "✖️ Cancel"))
        await user.expect(visible_text(locale, CANCELLED))
        assert await fsm_of(harness, user) in ((None, {}), (None, {"locale": locale}))

    async def supplies_until(step: int) -> None:
        await user.tap(catalog_text(locale, MENU["supplies"]))
        await user.expect(visible_text(locale, ITEMS_PROMPT))
        if step >= 1:
            await user.send("хлеб, молоко 2 л")
            await user.expect(head(locale, REVIEW_PROMPT))
        if step >= 2:
            await user.press(catalog_text(locale, "✅ Yes, that's right"))
            await user.expect(visible_text(locale, "How urgent is it?"))
        if step >= 3:
            await user.press(catalog_text(locale, "Within 1–2 days"))
            await user.expect(visible_text(locale, "Where should the help come?"))
        if step >= 4:
            await user.press(catalog_text(locale, "Another address"))
            await user.expect(visible_text(locale, "Please write the address."))
        if step >= 5:
            await user.send("ул. Тверская, 1")
            await user.expect("ул. Тверская, 1")  # read back
        if step >= 6:
            await user.press(catalog_text(locale, "✅ Correct"))
            await user.expect(visible_text(locale, HANDOVER_PROMPT))
        if step >= 7:
            await user.press(catalog_text(locale, HANDOVER_IN_PERSON))
            await user.expect(check_title(locale))

    for step in range(8):
        await supplies_until(step)
        await cancel()
    await supplies_until(0)
    await cancel("tap")
    await supplies_until(7)
    await cancel("press")  # the summary's own Cancel button

    await user.tap(catalog_text(locale, MENU["medicine"]))
    await cancel()
    await user.tap(catalog_text(locale, MENU["medicine"]))
    await user.send("Метформин 500 мг")
    await user.expect(visible_text(locale, PHOTO_PROMPT))
    await cancel()
    await user.tap(catalog_text(locale, MENU["psych"]))
    await user.expect(visible_text(locale, FEELING_PROMPT))
    await cancel()
    await user.tap(catalog_text(locale, MENU["psych"]))
    await user.send("Мне одиноко")
    await cancel()
    assert await all_requests(harness) == []
    await user.send_command("/cancel")
    await user.expect(visible_text(locale, "There is nothing to cancel."))


SAFETY = {
    "zh": {
        "self_harm": ["我不想活了", "活着没意思，想死"],
        "medical": ["胸口很疼，喘不上气", "老伴晕倒了叫不醒"],
        "harmless": "一个人在家，心里很闷，想找人聊聊",
    },
    "ru": {
        "self_harm": ["не хочу больше жить", "хочу умереть, сил нет"],
        "medical": ["болит сердце, трудно дышать", "муж упал и не может встать"],
        "harmless": "Мне одиноко, хочу просто поговорить",
    },
    "uk": {
        "self_harm": ["не хочу жити", "хочу померти"],
        "medical": ["болить серце і важко дихати", "мама знепритомніла, потрібні ліки"],
        "harmless": "Мені дуже самотньо, хочу поговорити",
    },
}


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_danger_shows_emergency_numbers_and_marks_urgent(harness: Harness, locale: str) -> None:
    """Self-harm or an acute emergency in the text: numbers at once, request urgent with danger set."""
    user = await register(harness, locale)
    cases = [("self_harm", text) for text in SAFETY[locale]["self_harm"]]
    cases += [("medical", text) for text in SAFETY[locale]["medical"]]
    kinds = ["psych", "supplies", "medicine", "psych"]
    for (danger, text), kind in zip(cases, kinds, strict=True):
        summary = await to_summary(user, locale, kind, text, danger=True)
        emergency = next(m for m in user.messages() if emergency_text(locale) in (m.text or ""))
        for phone in ("120", "110", "400-161-9995"):
            assert phone in emergency.text
        assert visible_text(locale, "Urgency: {urgency}", urgency=catalog_text(locale, "🔴 Urgent")) in summary.text
        request = await submit(harness, user, locale, summary)
        assert (request.kind, request.urgency, request.danger) == (RequestKind(kind), Urgency.URGENT, danger), text
        assert "🔴" in card_of(harness, f"№{request.id}")

    before = len(user.messages())
    summary = await to_summary(user, locale, "psych", SAFETY[locale]["harmless"], danger=False)
    assert not any(emergency_text(locale) in (m.text or "") for m in user.messages()[before:])
    request = await submit(harness, user, locale, summary)
    assert (request.urgency, request.danger) == (Urgency.NORMAL, None)



async def test_a_very_long_list_still_fits_in_one_message(harness) -> None:  # type: ignore[no-untyped-def]
    """50 items of emoji-heavy names (which count double in Telegram's limit) are shown cut, and all stored."""
    from tests.helpers import open_wizard, send_request

    user = await register(harness, "ru")
    await open_wizard(user, "ru", "supplies")
    many = ", ".join(f"🍎🍏🍐🍊🍋🍌🍉🍇🍓🫐 яблоки сорт {i} 2 кг" for i in range(50))
    await user.send(many)
    review = await user.expect(head("ru", REVIEW_PROMPT))
    assert len(review.text.encode("utf-16-le")) // 2 <= 4096
    shown = sum(1 for line in review.text.splitlines() if line.split(".")[0].isdigit())
    assert 0 < shown < 50
    assert catalog_plural("ru", "…and {n} more item", "…and {n} more items", 50 - shown) in review.text
    await user.press(catalog_text("ru", "✅ Yes, that's right"))
    await user.press(catalog_text("ru", "Within 1–2 days"))
    summary = await choose_address(user, "ru", None)
    await send_request(user, "ru", summary)
    (request,) = await requests_of(harness, user)
    assert len(await items_of(harness, request.id)) == 50
