"""End to end: danger is seen in every message a resident sends, at every step (issue #10, point 1).

The issue's three sentences, in their languages, at the main menu, at a button question, at a details
step, as a photo caption and as a voice-note caption: the emergency numbers at once; outside a request
an urgent «someone to talk to» request whose card reaches the staff chat. A weaker sign asks «Are you
safe right now?»; idioms say nothing of danger.
"""

from __future__ import annotations

import pytest

from bot.ui.states import Reg
from db.models import RequestKind, Urgency
from tests.conftest import STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import (
    hand_over,
    button_data,
    resident_of,
    CALL_PROMPT,
    FEELING_PROMPT,
    ITEMS_PROMPT,
    MEDICINE_PROMPT,
    NAME_PROMPT,
    PHOTO_PROMPT,
    REVIEW_PROMPT,
    check_title,
    emergency_text,
    fsm_of,
    head,
    new_user,
    open_wizard,
    register,
    requests_of,
    staff_messages,
    submit,
    catalog_text,
    visible_text,
)

#: the issue's examples: "I don't want to live any more, I have pills saved up" and "I wish I could fall
#: asleep and never wake up"
CRISIS = {
    "uk": "Краще б мене вже не було. Назбирала снодійного, вип'ю все одразу.",
    "ru": "Устала я так жить. Накопила снотворного, сегодня всё закончу.",
    "zh": "真想一觉睡过去再也不醒来",
}
#: weaker than certain: a means with a stockpile, or "I am a burden"
UNSURE = {
    "uk": "Назбирала снодійного.",
    "ru": "Накопила снотворного.",
    "zh": "我是孩子们的累赘",
}
IDIOMS = {
    "ru": ["умираю как хочу пельменей", "Хоть убей, не помню, куда положила очки."],
    "uk": ["помираю, як хочу побачити онуків", "Я ніколи не заподію собі шкоди."],
    "zh": ["饿死了", "累死了", "笑死我了", "想死你了", "我邻居说她想死"],
}
CHOOSE = "Please choose from the menu below."
BUTTONS_ONLY = "Please use the buttons."
SAFE_QUESTION = "We want to be sure you are all right. <b>Are you safe right now?</b>"
DANGER_LINE = "⚠️ The resident may be in danger: call them first."
LOCALES = ["zh", "ru", "uk"]


def said(replies: list, text: str) -> bool:
    """Whether any of the replies contains text."""
    return any(text in (m.text or "") for m in replies)


async def expect_urgent_talk_request(harness: Harness, user: TgUser, locale: str, details: str) -> None:
    """One urgent «someone to talk to» request, marked as danger, with the words as details, and its
    card (urgent, "may be in danger") in the staff chat."""
    (request,) = await requests_of(harness, user)
    assert (request.kind, request.urgency, request.danger, request.details) == (
        RequestKind.PSYCH, Urgency.URGENT, "self_harm", details)
    await harness.drain()
    cards = [m.text or "" for m in staff_messages(harness, STAFF_CHAT) if f"№{request.id}" in (m.text or "")]
    assert cards, "no card in the staff chat"
    assert "🔴" in cards[-1] and visible_text("zh", DANGER_LINE) in cards[-1]


@pytest.mark.parametrize("locale", LOCALES)
async def test_danger_at_the_main_menu_opens_an_urgent_talk_request(harness: Harness, locale: str) -> None:
    """The sentence at the main menu: the emergency numbers at once (not «please choose from the menu»),
    an urgent request a worker sees; the same again opens no second request."""
    user = await register(harness, locale)
    replies = await user.send(CRISIS[locale])
    assert said(replies, emergency_text(locale)), [m.text for m in replies]
    assert not said(replies, visible_text(locale, CHOOSE))
    for phone in ("120", "110", "400-161-9995"):
        assert said(replies, phone)
    await expect_urgent_talk_request(harness, user, locale, CRISIS[locale])
    await user.expect(visible_text(locale, "✅ Your request {number} ({kind}) has been registered.\n"
                                "A social worker will take it soon and we will tell you at every step.\n"
                                "You can follow it under «📋 My requests».",
                        number=f"№{(await requests_of(harness, user))[0].id}", kind=catalog_text(locale, "Psychological support")))
    replies = await user.send(CRISIS[locale])
    assert said(replies, emergency_text(locale))
    assert len(await requests_of(harness, user)) == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_danger_at_a_button_question_marks_the_request_and_goes_on(harness: Harness, locale: str) -> None:
    """The sentence typed at «How urgent is it?»: the numbers, no «please use the buttons»; the request
    is urgent and marked, and the wizard goes on to the address."""
    user = await register(harness, locale)
    await open_wizard(user, locale, "supplies")
    await user.expect(visible_text(locale, ITEMS_PROMPT))
    await user.send("хлеб, молоко" if locale != "zh" else "两斤青菜")
    await user.expect(head(locale, REVIEW_PROMPT))
    await user.press(catalog_text(locale, "✅ Yes, that's right"))
    await user.expect(visible_text(locale, "How urgent is it?"))
    replies = await user.send(CRISIS[locale])
    assert said(replies, emergency_text(locale)), [m.text for m in replies]
    assert not said(replies, visible_text(locale, BUTTONS_ONLY))
    await user.expect(visible_text(locale, "Where should the help come?"))
    await user.press("📍")
    await hand_over(user, locale)
    summary = await user.expect(check_title(locale))
    assert visible_text(locale, "Urgency: {urgency}", urgency=catalog_text(locale, "🔴 Urgent")) in summary.text
    request = await submit(harness, user, locale, summary)
    assert (request.kind, request.urgency, request.danger) == (RequestKind.SUPPLIES, Urgency.URGENT, "self_harm")


@pytest.mark.parametrize("locale", LOCALES)
async def test_danger_at_a_details_step_is_still_the_details(harness: Harness, locale: str) -> None:
    """The sentence as «how do you feel»: the numbers, and the words are the request's details."""
    user = await register(harness, locale)
    await open_wizard(user, locale, "psych")
    await user.expect(visible_text(locale, FEELING_PROMPT))
    replies = await user.send(CRISIS[locale])
    assert said(replies, emergency_text(locale)), [m.text for m in replies]
    await user.expect(visible_text(locale, CALL_PROMPT))
    await user.press(catalog_text(locale, "Evening"))
    summary = await user.expect(check_title(locale))
    request = await submit(harness, user, locale, summary)
    assert (request.urgency, request.danger, request.details) == (Urgency.URGENT, "self_harm", CRISIS[locale])


@pytest.mark.parametrize("locale", LOCALES)
async def test_danger_in_a_photo_caption_and_a_voice_caption(harness: Harness, locale: str) -> None:
    """A photo with the sentence as its caption at the main menu: numbers and an urgent request. A voice
    note with it as caption at the medicine step: numbers, the draft marked; a photo at the photo step
    with it as caption: numbers again."""
    user = await register(harness, locale)
    replies = await user.send_photo(caption=CRISIS[locale])
    assert said(replies, emergency_text(locale)), [m.text for m in replies]
    assert not said(replies, visible_text(locale, CHOOSE))
    await expect_urgent_talk_request(harness, user, locale, CRISIS[locale])

    await open_wizard(user, locale, "medicine")
    await user.expect(visible_text(locale, MEDICINE_PROMPT))
    replies = await user.send_voice(caption=CRISIS[locale])
    assert said(replies, emergency_text(locale)), [m.text for m in replies]
    await user.expect(visible_text(locale, PHOTO_PROMPT))
    replies = await user.send_photo(caption=CRISIS[locale])
    assert said(replies, emergency_text(locale))
    await user.expect(visible_text(locale, "Where should the help come?"))  # danger made it urgent: no urgency question
    await user.press("📍")
    await hand_over(user, locale)
    summary = await user.expect(check_title(locale))
    request = await submit(harness, user, locale, summary)
    assert (request.kind, request.urgency, request.danger) == (RequestKind.MEDICINE, Urgency.URGENT, "self_harm")
    assert request.photo_file_id and request.voice_file_ids


@pytest.mark.parametrize("locale", LOCALES)
async def test_unsure_asks_are_you_safe_and_not_safe_is_danger(harness: Harness, locale: str) -> None:
    """A weaker sign at the main menu: «Are you safe right now?» with two buttons, no menu hint;
    «I am not safe» → the numbers and an urgent request with the words as details."""
    user = await register(harness, locale)
    replies = await user.send(UNSURE[locale])
    assert said(replies, visible_text(locale, SAFE_QUESTION)), [m.text for m in replies]
    assert not said(replies, visible_text(locale, CHOOSE)) and not said(replies, emergency_text(locale))
    question = next(m for m in replies if visible_text(locale, SAFE_QUESTION) in (m.text or ""))
    labels = [b["text"] for row in question.reply_markup["inline_keyboard"] for b in row]
    assert labels == [catalog_text(locale, "✅ I am safe"), catalog_text(locale, "🆘 I am not safe")]
    assert await requests_of(harness, user) == []
    replies = await user.press(catalog_text(locale, "🆘 I am not safe"))
    assert said(replies, emergency_text(locale)), [m.text for m in replies]
    await expect_urgent_talk_request(harness, user, locale, UNSURE[locale])


@pytest.mark.parametrize("locale", LOCALES)
async def test_unsure_then_safe_returns_where_they_were(harness: Harness, locale: str) -> None:
    """«I am safe» at the main menu: thanks and the menu, nothing filed. At the urgency question: the
    question again, and the request goes on as normal."""
    user = await register(harness, locale)
    await user.send(UNSURE[locale])
    replies = await user.press(catalog_text(locale, "✅ I am safe"))
    assert said(replies, visible_text(locale, "Thank you for telling us. We are here whenever you need us."))
    assert said(replies, visible_text(locale, "What do you need? Choose below."))
    assert not said(replies, emergency_text(locale))
    assert await requests_of(harness, user) == []

    await open_wizard(user, locale, "supplies")
    await user.expect(visible_text(locale, ITEMS_PROMPT))
    await user.send("хлеб" if locale != "zh" else "大米")
    await user.press(catalog_text(locale, "✅ Yes, that's right"))
    await user.expect(visible_text(locale, "How urgent is it?"))
    replies = await user.send(UNSURE[locale])
    assert said(replies, visible_text(locale, SAFE_QUESTION)) and not said(replies, visible_text(locale, BUTTONS_ONLY))
    replies = await user.press(catalog_text(locale, "✅ I am safe"))
    assert said(replies, visible_text(locale, "How urgent is it?"))
    await user.press(catalog_text(locale, "Within 1–2 days"))
    await user.expect(visible_text(locale, "Where should the help come?"))
    await user.press("📍")
    await hand_over(user, locale)
    request = await submit(harness, user, locale, await user.expect(check_title(locale)))
    assert (request.urgency, request.danger) == (Urgency.NORMAL, None)


@pytest.mark.parametrize("locale", LOCALES)
async def test_idioms_and_other_people_do_not_trigger(harness: Harness, locale: str) -> None:
    """«умираю как хочу пельменей», «помираю, як хочу побачити онуків», 饿死了, 想死你了, a neighbour's
    words: answered as any other words are (the open question again, or the offer to send them as a
    request), with no numbers, no «are you safe?» and no request."""
    user = await register(harness, locale)
    for text in IDIOMS[locale]:
        replies = await user.send(text)
        assert replies, f"{text!r} got no answer"
        assert not said(replies, emergency_text(locale)) and not said(replies, visible_text(locale, SAFE_QUESTION)), text
    assert await requests_of(harness, user) == []


async def test_danger_during_registration_is_not_taken_as_a_name(harness: Harness) -> None:
    """At the name question the sentence gets the numbers (no request: nobody to file it for yet) and
    the name question again; it is not stored as the name."""
    user = new_user(harness, "ru")
    await user.send_command("/start")
    await user.press(catalog_text("ru", "✅ I agree"))
    await user.expect(visible_text("ru", NAME_PROMPT))
    replies = await user.send(CRISIS["ru"])
    assert said(replies, emergency_text("ru")) and said(replies, visible_text("ru", NAME_PROMPT))
    state, data = await fsm_of(harness, user)
    assert state == Reg.name.state and data.get("name") != CRISIS["ru"]


async def test_i_am_safe_pressed_twice_answers_once(harness: Harness) -> None:
    """A double tap on «I am safe» thanks once; the second tap is told the button is no longer active."""
    user = await register(harness, "ru")
    await user.send(UNSURE["ru"])
    question = await user.expect(visible_text("ru", SAFE_QUESTION))
    data = button_data(question, catalog_text("ru", "✅ I am safe"))
    first = await user.press_data(data, message=question)
    second = await user.press_data(data, message=question)  # the double tap, on the same message
    thanks = visible_text("ru", "Thank you for telling us. We are here whenever you need us.")
    assert said(first, thanks) and not said(second, thanks)
    assert user.last_answer is not None


async def test_a_second_danger_message_reaches_the_open_danger_request(harness: Harness) -> None:
    """A medical danger opened an urgent request; the next, self-harm message is added to that request:
    the card shows it (not only a history event nobody sees) and the request is marked self-harm."""
    user = await register(harness, "ru")
    await user.send("Мне плохо, задыхаюсь, не могу дышать")
    (request,) = await requests_of(harness, user)
    assert request.danger == "medical"
    await user.send(CRISIS["ru"])
    await harness.drain()
    (again,) = await requests_of(harness, user)
    assert again.id == request.id and again.danger == "self_harm"
    card = [m for m in staff_messages(harness, STAFF_CHAT) if f"№{request.id}" in (m.text or "")][-1]
    assert "Накопила снотворного" in card.text


async def test_a_phone_and_address_in_a_danger_message_stay_off_the_group_card(harness: Harness) -> None:
    """The staff group's card never shows a phone or the address, even inside what the resident wrote:
    the card masks them, the claimer gets them privately."""
    user = await register(harness, "ru")
    resident = await resident_of(harness, user)
    assert resident is not None and resident.address
    await user.send(f"Не хочу больше жить. Мой телефон +79161234567, адрес {resident.address}")
    (request,) = await requests_of(harness, user)
    await harness.drain()
    card = [m.text for m in staff_messages(harness, STAFF_CHAT) if f"№{request.id}" in (m.text or "")][-1]
    assert "9161234567" not in card and resident.address not in card and "***" in card


@pytest.mark.parametrize(("locale", "text"), [("ru", "Мне плохо, задыхаюсь, не могу дышать"), ("zh", "胸口很疼，喘不上气")])
async def test_an_acute_illness_outside_a_request_gets_the_illness_text(harness: Harness, locale: str, text: str) -> None:
    """An acute medical emergency at the main menu: the ambulance first and «a social worker will call»
    (the check-in's illness text), never «if you might hurt yourself»; an urgent request opens."""
    user = await register(harness, locale)
    replies = await user.send(text)
    assert said(replies, visible_text(locale, "🩺 We are sorry you feel ill. <b>If it is urgent, call an ambulance now.</b>"))
    assert not said(replies, emergency_text(locale))
    (request,) = await requests_of(harness, user)
    assert request.urgency == Urgency.URGENT and request.danger == "medical"
